/**
 * Capacity thresholds (pure): which threshold governs a CI's metric (the CI's own wins over its
 * class's), the level a value is at, and what a new reading does to the series' state: the
 * webhook event a level change raises, and whether a critical level has now held for
 * `sustainSeconds` so the monitoring alert should be fed.
 */
export type Level = 'ok' | 'warning' | 'critical';
export type Direction = 'above' | 'below';

export interface ThresholdRule {
  id: string;
  ciId: string | null;
  ciClass: string | null;
  metric: string;
  warning: number | null;
  critical: number | null;
  direction: Direction;
  sustainSeconds: number;
  limit: number | null;
}

export interface SeriesState {
  thresholdId: string;
  level: Level;
  /** epoch ms the current level began */
  since: number;
  lastAt: number;
  lastValue: number;
  /** the monitoring alert the sustained critical level was reported to (null until it is, and once it ends) */
  alertId: string | null;
}

export type CapacityEvent = 'capacity.threshold.warning' | 'capacity.threshold.critical' | 'capacity.threshold.cleared';

export const governing = <T extends Pick<ThresholdRule, 'ciId' | 'ciClass' | 'metric'>>(
  rules: readonly T[],
  ci: { id: string; ciClass: string },
  metric: string,
): T | null =>
  rules.find((r) => r.metric === metric && r.ciId === ci.id) ??
  rules.find((r) => r.metric === metric && r.ciId === null && r.ciClass === ci.ciClass) ??
  null;

export function levelOf(rule: Pick<ThresholdRule, 'warning' | 'critical' | 'direction'>, value: number): Level {
  const past = (bound: number | null) => bound !== null && (rule.direction === 'above' ? value >= bound : value <= bound);
  if (past(rule.critical)) return 'critical';
  if (past(rule.warning)) return 'warning';
  return 'ok';
}

/** The stable key a sustained breach is reported under, so a monitoring event of the same thing joins its incident. */
export const alertKey = (ciNumber: string, metric: string) => `capacity:${ciNumber}:${metric}`;

export interface Step {
  state: SeriesState;
  /** the webhook event the reading raises, if its level changed */
  event: CapacityEvent | null;
  /** the critical level has held for sustainSeconds and is not yet reported */
  raise: boolean;
  /** the reported critical level has ended: its alert is told it resolved */
  resolve: string | null;
}

/**
 * Apply one reading. Readings older than the last one seen are ignored (a late or repeated point
 * must not flap the level); a change of governing threshold restarts the state from the reading.
 */
export function step(rule: ThresholdRule, prev: SeriesState | null, at: number, value: number): Step {
  const level = levelOf(rule, value);
  if (prev && prev.thresholdId === rule.id && at <= prev.lastAt) return { state: prev, event: null, raise: false, resolve: null };
  const before: Level = prev && prev.thresholdId === rule.id ? prev.level : 'ok';
  const changed = level !== before;
  const state: SeriesState = {
    thresholdId: rule.id,
    level,
    since: changed || !prev || prev.thresholdId !== rule.id ? at : prev.since,
    lastAt: at,
    lastValue: value,
    alertId: level === 'critical' && !changed && prev ? prev.alertId : null,
  };
  const event: CapacityEvent | null = !changed
    ? null
    : level === 'ok'
      ? 'capacity.threshold.cleared'
      : level === 'warning'
        ? 'capacity.threshold.warning'
        : 'capacity.threshold.critical';
  const raise = level === 'critical' && state.alertId === null && at - state.since >= rule.sustainSeconds * 1000;
  const resolve = prev?.alertId && level !== 'critical' ? prev.alertId : null;
  return { state, event, raise, resolve };
}
