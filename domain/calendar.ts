/**
 * Business-hours arithmetic for SLA clocks.
 *
 * Pure and deterministic: no I/O, no clock, no randomness. Relies only on `Intl.DateTimeFormat`
 * (with full timezone data) to learn UTC offsets, so it runs inside the Temporal workflow sandbox.
 *
 * Model
 * -----
 * A business-hours calendar opens at most once per local date, from `hours[weekday][0]` to
 * `hours[weekday][1]` (local wall-clock, end exclusive, '24:00' = midnight at the end of the day),
 * except on `holidays` (local dates, closed all day).
 *
 * A local wall-clock time L is mapped to the instant f(L) = earliest instant whose wall clock is
 * >= L. Hence:
 *   - a normal local time maps to its unique instant;
 *   - a non-existent local time (spring-forward gap) maps to the instant just after the gap
 *     (the transition instant);
 *   - an ambiguous local time (fall-back overlap) maps to the earlier of its two instants.
 * f is monotonic, so each local date yields one UTC window [f(open), f(close)) and the windows of
 * consecutive dates are ordered and disjoint. "Open" means "inside a window".
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface BusinessHoursCalendar {
  /** IANA timezone, e.g. 'Europe/London'. */
  timezone: string;
  /** Local wall-clock opening hours per weekday, ['HH:MM', 'HH:MM'], end > start, '24:00' allowed as end. */
  hours: Partial<Record<Weekday, [string, string]>>;
  /** Local dates 'YYYY-MM-DD' that are closed all day. */
  holidays?: string[];
}

export type Calendar = '24x7' | BusinessHoursCalendar;

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Give up after this many consecutive local days without any opening. */
const MAX_CLOSED_DAYS = 3660;
/** Cache size limits (entries per timezone) — caches are cleared, never evicted selectively. */
const MAX_CACHE = 50_000;

/** Index = Date#getUTCDay() of the local date (0 = Sunday). */
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

// ---------------------------------------------------------------------------------------------
// Timezone offsets

interface Zone {
  fmt: Intl.DateTimeFormat;
  /** instant (ms) -> offset (ms): wall clock minus UTC */
  offsets: Map<number, number>;
  /** local wall-clock (ms, as if UTC) -> instant (ms) */
  localToUtc: Map<number, number>;
}

const zones = new Map<string, Zone>();

function getZone(timezone: string): Zone {
  let z = zones.get(timezone);
  if (!z) {
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    z = { fmt, offsets: new Map(), localToUtc: new Map() };
    zones.set(timezone, z);
  }
  return z;
}

function floorMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Zone offset (wall clock minus UTC, ms) at `instant`. */
function offsetAt(z: Zone, instant: number): number {
  const cached = z.offsets.get(instant);
  if (cached !== undefined) return cached;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const p of z.fmt.formatToParts(instant)) {
    switch (p.type) {
      case 'year':
        year = Number(p.value);
        break;
      case 'month':
        month = Number(p.value);
        break;
      case 'day':
        day = Number(p.value);
        break;
      case 'hour':
        hour = Number(p.value);
        break;
      case 'minute':
        minute = Number(p.value);
        break;
      case 'second':
        second = Number(p.value);
        break;
      case 'era':
        bc = /^b/i.test(p.value);
        break;
      default:
        break;
    }
  }
  if (bc) year = 1 - year;
  if (hour === 24) hour = 0; // defensive; hourCycle h23 should prevent it
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // setUTCFullYear handles years 0..99 correctly
  d.setUTCHours(hour, minute, second, 0);
  const offset = d.getTime() - (instant - floorMod(instant, 1000));
  if (z.offsets.size >= MAX_CACHE) z.offsets.clear();
  z.offsets.set(instant, offset);
  return offset;
}

/** Local wall-clock (expressed as ms "as if UTC") at `instant`. */
function wallClock(z: Zone, instant: number): number {
  return instant + offsetAt(z, instant);
}

/**
 * Earliest instant whose wall clock is >= `local` (see module comment).
 * Assumes at most one offset transition within ~1 day either side of `local`.
 */
function localToUtc(z: Zone, local: number): number {
  const cached = z.localToUtc.get(local);
  if (cached !== undefined) return cached;

  // Probe at UTC midnights so consecutive days share probes (one new Intl call per day).
  const base = Math.floor(local / DAY) * DAY;
  const before = offsetAt(z, base - DAY);
  const after = offsetAt(z, base + 2 * DAY);
  let result: number;
  if (before === after) {
    result = local - before;
  } else {
    const c1 = local - before;
    const c2 = local - after;
    const ok1 = offsetAt(z, c1) === before;
    const ok2 = offsetAt(z, c2) === after;
    if (ok1 && ok2) result = Math.min(c1, c2); // ambiguous: earlier instant
    else if (ok1) result = c1;
    else if (ok2) result = c2;
    else result = transitionBetween(z, Math.min(c1, c2), Math.max(c1, c2), after); // gap
  }
  if (z.localToUtc.size >= MAX_CACHE) z.localToUtc.clear();
  z.localToUtc.set(local, result);
  return result;
}

/**
 * The first instant in (lo, hi] whose offset is `after`, where the offset at lo differs and the
 * offset at hi is `after`. Binary search at one-second resolution (tz transitions are whole seconds).
 */
function transitionBetween(z: Zone, lo: number, hi: number, after: number): number {
  let l = Math.floor(lo / 1000);
  let h = Math.ceil(hi / 1000);
  if (offsetAt(z, l * 1000) === after) return l * 1000; // defensive
  while (h - l > 1) {
    const mid = Math.floor((l + h) / 2);
    if (offsetAt(z, mid * 1000) === after) h = mid;
    else l = mid;
  }
  return h * 1000;
}

// ---------------------------------------------------------------------------------------------
// Calendar compilation and daily windows

interface Compiled {
  zone: Zone;
  /** minutes after local midnight, by getUTCDay() index; null = closed that weekday */
  open: (number | null)[];
  close: (number | null)[];
  holidays: Set<string>;
}

const HHMM = /^(\d{2}):(\d{2})$/;

/** Minutes since midnight for 'HH:MM' (00:00..23:59, plus 24:00 if allowed), else null. */
function parseHhMm(s: unknown, allow24: boolean): number | null {
  if (typeof s !== 'string') return null;
  const m = HHMM.exec(s);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59) return null;
  if (h === 24 && min === 0 && allow24) return 24 * 60;
  if (h > 23) return null;
  return h * 60 + min;
}

function isValidDate(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

/** Timezone name -> whether Intl accepts it (constructing a DateTimeFormat is expensive). */
const knownTimezones = new Map<string, boolean>();

export function isKnownTimezone(tz: unknown): boolean {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  let known = knownTimezones.get(tz);
  if (known === undefined) {
    try {
      getZone(tz);
      known = true;
    } catch {
      known = false;
    }
    if (knownTimezones.size >= 1000) knownTimezones.clear();
    knownTimezones.set(tz, known);
  }
  return known;
}

/** Human-readable problems with a calendar (any value, typed or not); empty array = valid. */
export function validateCalendar(cal: unknown): string[] {
  if (cal === '24x7') return [];
  if (cal === null || typeof cal !== 'object') {
    return [`calendar must be '24x7' or a business-hours object, got ${JSON.stringify(cal)}`];
  }
  const problems: string[] = [];
  const timezone = 'timezone' in cal ? cal.timezone : undefined;
  if (!isKnownTimezone(timezone)) {
    problems.push(`unknown timezone ${JSON.stringify(timezone)}`);
  }
  const hours = 'hours' in cal ? cal.hours : undefined;
  let openDays = 0;
  if (hours === null || typeof hours !== 'object' || Array.isArray(hours)) {
    problems.push('hours must be an object keyed by weekday (mon..sun)');
  } else {
    const ranges: [string, unknown][] = Object.entries(hours);
    for (const [key, range] of ranges) {
      if (!(WEEKDAYS as readonly string[]).includes(key)) {
        problems.push(`unknown weekday ${JSON.stringify(key)} in hours (expected mon..sun)`);
        continue;
      }
      if (range === undefined) continue;
      if (!Array.isArray(range) || range.length !== 2) {
        problems.push(`hours.${key} must be a pair ['HH:MM', 'HH:MM']`);
        continue;
      }
      // 24:00 is a time (the end of the day, as the document's pattern says) in either place; as a
      // start it leaves no end after it, so it fails the rule between the two, not the format.
      const start = parseHhMm(range[0], true);
      const end = parseHhMm(range[1], true);
      if (start === null) problems.push(`hours.${key} start ${JSON.stringify(range[0])} is not a valid HH:MM time`);
      if (end === null) problems.push(`hours.${key} end ${JSON.stringify(range[1])} is not a valid HH:MM time (or 24:00)`);
      if (start !== null && end !== null) {
        if (end <= start) problems.push(`hours.${key} end ${range[1]} must be after start ${range[0]}`);
        else openDays++;
      }
    }
  }
  const holidays = 'holidays' in cal ? cal.holidays : undefined;
  if (holidays !== undefined) {
    if (!Array.isArray(holidays)) {
      problems.push('holidays must be an array of YYYY-MM-DD dates');
    } else {
      for (const h of holidays) {
        if (!isValidDate(h)) problems.push(`holiday ${JSON.stringify(h)} is not a valid YYYY-MM-DD date`);
      }
    }
  }
  if (openDays === 0) problems.push('calendar has no open hours at all');
  return problems;
}

function compile(cal: BusinessHoursCalendar): Compiled {
  const problems = validateCalendar(cal);
  if (problems.length > 0) throw new Error('invalid calendar: ' + problems.join('; '));
  const open: (number | null)[] = [];
  const close: (number | null)[] = [];
  for (let i = 0; i < 7; i++) {
    const range = cal.hours[WEEKDAYS[i]];
    open.push(range ? parseHhMm(range[0], false) : null);
    close.push(range ? parseHhMm(range[1], true) : null);
  }
  return { zone: getZone(cal.timezone), open, close, holidays: new Set(cal.holidays ?? []) };
}

function ymd(dayNumber: number): string {
  const d = new Date(dayNumber * DAY);
  const y = d.getUTCFullYear();
  const ys = y < 0 ? '-' + String(-y).padStart(6, '0') : String(y).padStart(4, '0');
  return `${ys}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** UTC window [open, close) of local date `dayNumber` (days since 1970-01-01), or null if closed. */
function windowOf(c: Compiled, dayNumber: number): [number, number] | null {
  const weekday = floorMod(dayNumber + 4, 7); // 1970-01-01 was a Thursday
  const o = c.open[weekday];
  const cl = c.close[weekday];
  if (o === null || cl === null) return null;
  if (c.holidays.size > 0 && c.holidays.has(ymd(dayNumber))) return null;
  const midnight = dayNumber * DAY;
  const start = localToUtc(c.zone, midnight + o * MINUTE);
  const end = localToUtc(c.zone, midnight + cl * MINUTE);
  return end > start ? [start, end] : null;
}

/** Local date (days since epoch) of an instant; start one day earlier to cover fall-back overlaps. */
function firstCandidateDay(c: Compiled, ms: number): number {
  return Math.floor(wallClock(c.zone, ms) / DAY) - 1;
}

function checkInstant(name: string, ms: number): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new Error(`${name} must be a finite number, got ${String(ms)}`);
}

function neverOpens(ms: number): Error {
  return new Error(`calendar has no opening within ${MAX_CLOSED_DAYS} days after ${new Date(ms).toISOString()}`);
}

// ---------------------------------------------------------------------------------------------
// Public API

/** True iff the calendar is open at instant `ms` (opening inclusive, closing exclusive). */
/** The wall clock in `timezone` at `instant`, as ms "as if UTC" (for period arithmetic in a zone: reports). */
export function wallClockIn(timezone: string, instant: number): number {
  return wallClock(getZone(timezone), instant);
}

/** The instant a local wall-clock time (ms "as if UTC") in `timezone` names: the earliest at or after it (see module comment). */
export function instantOfWallClock(timezone: string, local: number): number {
  return localToUtc(getZone(timezone), local);
}

export function isOpen(ms: number, cal: Calendar): boolean {
  checkInstant('ms', ms);
  if (cal === '24x7') return true;
  const c = compile(cal);
  const first = firstCandidateDay(c, ms);
  for (let day = first; day <= first + 2; day++) {
    const w = windowOf(c, day);
    if (w && w[0] <= ms && ms < w[1]) return true;
  }
  return false;
}

/** The first instant >= ms at which the calendar is open (ms itself if open). */
export function nextOpening(ms: number, cal: Calendar): number {
  checkInstant('ms', ms);
  if (cal === '24x7') return ms;
  const c = compile(cal);
  const first = firstCandidateDay(c, ms);
  for (let day = first; day <= first + MAX_CLOSED_DAYS; day++) {
    const w = windowOf(c, day);
    if (w && w[1] > ms) return Math.max(ms, w[0]);
  }
  throw neverOpens(ms);
}

/**
 * The instant at which `durationMs` of open time has elapsed, counting from `startMs`
 * (or from the next opening if `startMs` is outside hours). A duration that exactly exhausts a
 * window ends at that window's closing instant. `durationMs` 0 returns `startMs` unchanged.
 */
export function addBusinessTime(startMs: number, durationMs: number, cal: Calendar): number {
  checkInstant('startMs', startMs);
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
    throw new Error(`durationMs must be a finite non-negative number, got ${String(durationMs)}`);
  }
  if (cal === '24x7') return startMs + durationMs;
  if (durationMs === 0) return startMs;
  const c = compile(cal);
  let remaining = durationMs;
  let closedDays = 0;
  for (let day = firstCandidateDay(c, startMs); ; day++) {
    const w = windowOf(c, day);
    if (!w || w[1] <= startMs) {
      if (++closedDays > MAX_CLOSED_DAYS) throw neverOpens(startMs);
      continue;
    }
    closedDays = 0;
    const from = Math.max(startMs, w[0]);
    const available = w[1] - from;
    if (remaining <= available) return from + remaining;
    remaining -= available;
  }
}

/** Open milliseconds in [fromMs, toMs); 0 if toMs <= fromMs. */
export function businessTimeBetween(fromMs: number, toMs: number, cal: Calendar): number {
  checkInstant('fromMs', fromMs);
  checkInstant('toMs', toMs);
  if (toMs <= fromMs) return 0;
  if (cal === '24x7') return toMs - fromMs;
  const c = compile(cal);
  let total = 0;
  const first = firstCandidateDay(c, fromMs);
  const last = Math.floor(wallClock(c.zone, toMs) / DAY) + 1;
  for (let day = first; day <= last; day++) {
    const w = windowOf(c, day);
    if (!w) continue;
    const s = Math.max(fromMs, w[0]);
    const e = Math.min(toMs, w[1]);
    if (e > s) total += e - s;
  }
  return total;
}
