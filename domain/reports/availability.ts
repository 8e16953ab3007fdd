/**
 * Availability of a service in a period, from its recorded outages and the changes' planned
 * windows: pure interval arithmetic, so the report, the at-risk projection and a scheduled run
 * agree figure for figure.
 *
 * Everything is measured inside the agreed service hours (the SLA's calendar) and within
 * [from, asOf), asOf = min(to, now): what has happened so far. An outage still open counts up to
 * asOf. Outages that overlap (two incidents recording one failure) are merged first; unplanned
 * time that falls in a planned window counts as planned only, never twice.
 *
 *   availability = (agreed service time − unplanned downtime) ÷ agreed service time
 *   MTRS  = unplanned downtime ÷ outages               (mean time to restore service)
 *   MTBF  = (agreed service time − downtime) ÷ outages (mean uptime between failures)
 *   MTBSI = agreed service time ÷ outages = MTBF + MTRS
 *
 * An outage counts when some of its unplanned time falls in service hours in the period: one
 * wholly outside the agreed hours, or wholly inside a planned window, broke no agreement.
 */
import { businessTimeBetween, instantOfWallClock, wallClockIn, type Calendar } from '../calendar';

export interface Interval {
  start: number;
  end: number;
}

export interface AvailabilityInput {
  from: number;
  to: number;
  now: number;
  calendar: Calendar;
  /** Unplanned outages; `end` null while the service is still down. */
  outages: readonly { start: number; end: number | null }[];
  /** Planned downtime: the implementation windows of changes on the service or what it depends on. */
  planned: readonly Interval[];
  /** Percent, e.g. 99.9; null when the agreement sets none. */
  target: number | null;
}

export interface AvailabilityFigures {
  asOf: number;
  agreedMs: number;
  downtimeMs: number;
  plannedDowntimeMs: number;
  /** Percent with three decimals; null when the period has no agreed service time (yet). */
  availability: number | null;
  /** Over the whole period, taking the time after `now` as available: where the period is heading. */
  projectedAvailability: number | null;
  target: number | null;
  /** Null without a target or without agreed service time. */
  meetsTarget: boolean | null;
  outages: number;
  mtbfMs: number | null;
  mtrsMs: number | null;
  mtbsiMs: number | null;
}

/** Sorted, with overlapping and touching intervals joined; empty ones dropped. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

export function clipIntervals(intervals: readonly Interval[], from: number, to: number): Interval[] {
  return intervals.map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) })).filter((i) => i.end > i.start);
}

/** `a` without any time covered by `b` (both merged or not). */
export function subtractIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const cuts = mergeIntervals(b);
  const out: Interval[] = [];
  for (const i of mergeIntervals(a)) {
    let start = i.start;
    for (const c of cuts) {
      if (c.end <= start || c.start >= i.end) continue;
      if (c.start > start) out.push({ start, end: c.start });
      start = Math.max(start, c.end);
      if (start >= i.end) break;
    }
    if (start < i.end) out.push({ start, end: i.end });
  }
  return out;
}

/** Service-hours time covered by the intervals (which must not overlap: merge first). */
const serviceTime = (intervals: readonly Interval[], cal: Calendar) => intervals.reduce((n, i) => n + businessTimeBetween(i.start, i.end, cal), 0);

const percent = (agreed: number, down: number) => (agreed > 0 ? Math.round(((agreed - down) / agreed) * 100_000) / 1000 : null);

export function availability(input: AvailabilityInput): AvailabilityFigures {
  const { from, to, calendar } = input;
  const asOf = Math.max(from, Math.min(to, input.now));
  const unplanned = clipIntervals(
    mergeIntervals(input.outages.map((o) => ({ start: o.start, end: o.end ?? asOf }))),
    from,
    asOf,
  );
  const planned = mergeIntervals(clipIntervals(input.planned, from, asOf));
  // Each merged outage, less what fell in a planned window: its counted downtime.
  const counted = unplanned.map((o) => serviceTime(subtractIntervals([o], planned), calendar)).filter((ms) => ms > 0);
  const downtimeMs = counted.reduce((n, ms) => n + ms, 0);
  const agreedMs = businessTimeBetween(from, asOf, calendar);
  const wholeMs = businessTimeBetween(from, to, calendar);
  const outages = counted.length;
  const pct = percent(agreedMs, downtimeMs);
  return {
    asOf,
    agreedMs,
    downtimeMs,
    plannedDowntimeMs: serviceTime(planned, calendar),
    availability: pct,
    projectedAvailability: percent(wholeMs, downtimeMs),
    target: input.target,
    meetsTarget: input.target === null || pct === null ? null : pct >= input.target,
    outages,
    mtbfMs: outages ? Math.round((agreedMs - downtimeMs) / outages) : null,
    mtrsMs: outages ? Math.round(downtimeMs / outages) : null,
    mtbsiMs: outages ? Math.round(agreedMs / outages) : null,
  };
}

/** The calendar month holding `at`, in `timezone` (an agreement's month runs on its own clock). */
export function monthAround(at: number, timezone = 'UTC'): Interval & { month: string } {
  const local = new Date(wallClockIn(timezone, at));
  const first = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1);
  const next = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1);
  return { month: new Date(first).toISOString().slice(0, 7), start: instantOfWallClock(timezone, first), end: instantOfWallClock(timezone, next) };
}

/**
 * The at-risk projection: this month's downtime so far against the target, the rest of the
 * month taken as available. At risk when even that cannot reach the target.
 */
export function projectedBreach(f: AvailabilityFigures): boolean {
  return f.target !== null && f.projectedAvailability !== null && f.projectedAvailability < f.target;
}
