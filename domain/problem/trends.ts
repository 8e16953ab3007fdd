/**
 * Proactive problem management: which incident groups become problems. Pure: the database
 * counts (db/incident-trends.ts), this decides. Shared by the scheduled run, the API's
 * detection over a past period and its dry run, so all three decide alike.
 */
import { formatIsoDuration } from '../duration';
import { PROBLEM_MANAGERS } from './lifecycle';

export type TrendKind = 'ci' | 'service' | 'category';

/** The order groups are considered in: a CI is the most specific suspect, a category the least. */
export const TREND_KINDS: readonly TrendKind[] = ['ci', 'service', 'category'];

export const TREND_DEFAULTS = {
  threshold: 5,
  /**
   * How many hops of "depends on" an incident travels up to count for a CI: an incident on an
   * application counts for the VM it runs on and the host under that, not for everything the
   * data centre carries (at unbounded depth one shared CI would collect every incident).
   */
  dependencyDepth: 2,
  /** Problems one run opens at most; the rest wait for the next run (a flood helps nobody). */
  maxProblems: 50,
  /** Incidents linked to one problem at most: its snapshot and each link travel through workflow history. */
  linkLimit: 500,
} as const;

/** A past period is replayed as the Schedule would have run over it: one run per step. */
export const REPLAY_STEP_MS = 24 * 3600_000;

export interface TrendGroup {
  key: string;
  kind: TrendKind;
  /** The CI or service id, or the lowercased category. */
  ref: string;
  /** Incidents in the window not linked to an open problem, counted for this group. */
  incidents: number;
  /** Of those, on the CI itself (the rest are on CIs that depend on it); equals `incidents` for other kinds. */
  direct: number;
  /** The open problem already holding this trend key, if any. */
  openProblem: string | null;
}

export function normaliseCategory(category: string): string {
  return category.trim().toLowerCase();
}

export function trendKey(kind: TrendKind, ref: string): string {
  return `${kind}:${kind === 'category' ? normaliseCategory(ref) : ref}`;
}

export function parseTrendKey(key: string): { kind: TrendKind; ref: string } {
  const i = key.indexOf(':');
  const kind = key.slice(0, i) as TrendKind;
  if (i < 1 || !TREND_KINDS.includes(kind) || i === key.length - 1) throw new RangeError(`not a trend key: ${key}`);
  return { kind, ref: key.slice(i + 1) };
}

/**
 * Groups at or above the threshold, split into those that may open a problem (in the order
 * they are tried) and those whose key already has an open problem. Order: CI, service,
 * category; within a kind the larger group first (its problem takes the incidents, so a
 * group that is only a subset of it finds nothing left), then the group with more incidents
 * on the CI itself (where one CI's incidents are all a parent's group holds, the problem
 * names the CI they happened on), then the key, so the order never depends on the database.
 */
export function rankGroups(groups: readonly TrendGroup[], threshold: number): { candidates: TrendGroup[]; existing: TrendGroup[] } {
  const due = groups.filter((g) => g.incidents >= threshold);
  const order = (a: TrendGroup, b: TrendGroup) =>
    TREND_KINDS.indexOf(a.kind) - TREND_KINDS.indexOf(b.kind) || b.incidents - a.incidents || b.direct - a.direct || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return {
    candidates: due.filter((g) => g.openProblem === null).sort(order),
    existing: due.filter((g) => g.openProblem !== null).sort(order),
  };
}

/** The check right before opening: what is still unclaimed in the group now. */
export function stillDue(count: number, threshold: number): boolean {
  return count >= threshold;
}

export interface DetectionRun {
  from: number;
  to: number;
}

/**
 * The runs that cover [from, to): one when the period fits in a window; otherwise one per
 * step, as a daily Schedule would have run, each over the window before it but never before
 * `from` (a past period means the incidents in it), the last ending at `to`.
 */
export function detectionRuns(from: number, to: number, windowMs: number, stepMs = REPLAY_STEP_MS): DetectionRun[] {
  if (!(to > from)) throw new RangeError('to must be after from');
  if (!(windowMs > 0) || !(stepMs > 0)) throw new RangeError('window and step must be positive');
  if (to - from <= windowMs) return [{ from, to }];
  const step = Math.min(stepMs, windowMs);
  const runs: DetectionRun[] = [];
  for (let end = from + step; end < to; end += step) runs.push({ from: Math.max(from, end - windowMs), to: end });
  runs.push({ from: Math.max(from, to - windowMs), to });
  return runs;
}

export interface TrendSubject {
  kind: TrendKind;
  /** Number and name of the CI or service, or the category itself. */
  label: string;
}

export function trendTitle(s: TrendSubject, count: number, windowMs: number): string {
  const within = `within ${formatIsoDuration(windowMs)}`;
  switch (s.kind) {
    case 'ci':
      return `Trend: ${count} incidents on ${s.label} or CIs that depend on it ${within}`;
    case 'service':
      return `Trend: ${count} incidents on service ${s.label} ${within}`;
    case 'category':
      return `Trend: ${count} '${s.label}' incidents ${within}`;
  }
}

export function trendDescription(s: TrendSubject, g: { total: number; linked: string[]; from: number; to: number; threshold: number }): string {
  const lines = [
    `Opened by trend detection: ${g.total} incidents between ${new Date(g.from).toISOString()} and ${new Date(g.to).toISOString()} ` +
      `(threshold ${g.threshold}) not linked to an open problem, grouped by ${s.kind} ${s.label}.`,
    `Linked: ${g.linked.join(', ')}.`,
  ];
  if (g.total > g.linked.length) lines.push(`${g.total - g.linked.length} more were not linked (at most ${g.linked.length} per problem); the earliest are linked.`);
  return lines.join('\n');
}

export function trendNotification(problemNumber: string, title: string): { recipient: string; kind: string; message: string } {
  return { recipient: PROBLEM_MANAGERS, kind: 'problem_trend_detected', message: `${problemNumber} opened by trend detection: ${title}` };
}
