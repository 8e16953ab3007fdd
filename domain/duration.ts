/**
 * ISO-8601 durations <-> milliseconds.
 *
 * Pure and deterministic (safe inside the Temporal workflow sandbox).
 *
 * Only exact units are accepted: weeks (7 days), days (24 hours exactly),
 * hours, minutes and seconds (seconds may be fractional, with '.' or ',').
 * Years and months are rejected because their length is ambiguous.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

// P[nW][nD][T[nH][nM][n[.f]S]]
const ISO_DURATION =
  /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d+))?S)?)?$/;

function invalid(s: string): Error {
  return new Error('invalid ISO-8601 duration: ' + s);
}

/** Parse an ISO-8601 duration (`P1DT2H30M`, `PT15M`, `P2W`, `PT0.5S`, ...) to milliseconds. */
export function parseIsoDuration(s: string): number {
  if (typeof s !== 'string') throw invalid(String(s));
  const m = ISO_DURATION.exec(s);
  if (!m) throw invalid(s);
  const [, w, d, h, min, sec, frac] = m;
  // At least one component; and a 'T' must be followed by at least one time component.
  if (w === undefined && d === undefined && h === undefined && min === undefined && sec === undefined) {
    throw invalid(s);
  }
  const tIndex = s.indexOf('T');
  if (tIndex >= 0 && h === undefined && min === undefined && sec === undefined) throw invalid(s);

  let ms = 0;
  if (w !== undefined) ms += Number(w) * WEEK;
  if (d !== undefined) ms += Number(d) * DAY;
  if (h !== undefined) ms += Number(h) * HOUR;
  if (min !== undefined) ms += Number(min) * MINUTE;
  if (sec !== undefined) ms += Number(sec) * SECOND;
  if (frac !== undefined) ms += Math.round(Number('0.' + frac) * SECOND);
  if (!Number.isSafeInteger(ms)) throw invalid(s);
  return ms;
}

/** True iff `parseIsoDuration(s)` would succeed. */
export function isIsoDuration(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  try {
    parseIsoDuration(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Format milliseconds as an ISO-8601 duration using days/hours/minutes/seconds
 * (never weeks, months or years): 900000 -> `PT15M`, 0 -> `PT0S`, 90061000 -> `P1DT1H1M1S`,
 * 1500 -> `PT1.5S`. Fractional milliseconds are rounded. Negative / non-finite input throws.
 */
export function formatIsoDuration(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new Error('cannot format duration: ' + String(ms));
  }
  let rest = Math.round(ms);
  const days = Math.floor(rest / DAY);
  rest -= days * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = Math.floor(rest / SECOND);
  const millis = rest - seconds * SECOND;

  let out = 'P';
  if (days > 0) out += days + 'D';
  let time = '';
  if (hours > 0) time += hours + 'H';
  if (minutes > 0) time += minutes + 'M';
  if (seconds > 0 || millis > 0) {
    time += seconds;
    if (millis > 0) time += '.' + String(millis).padStart(3, '0').replace(/0+$/, '');
    time += 'S';
  }
  if (time) out += 'T' + time;
  return out === 'P' ? 'PT0S' : out;
}
