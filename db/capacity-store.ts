import type { Direction, SeriesState, ThresholdRule } from '../domain/capacity/threshold';
import type { ThresholdRecord } from '../domain/schemas/capacity';
import type { Db } from './client';
import { insertRows } from './insert-rows';
import { toJson } from './json';
import { CorruptRecordError } from './record-store';

export interface MetricPointRow {
  ciId: string;
  metric: string;
  at: Date;
  value: number;
}

const POINT_COLUMNS = ['ciId', 'metric', 'at', 'value'] as const;

/** CIs named by id or number, in one read: the ref each was named by maps to its row. */
export async function cisByRef(db: Db, refs: readonly string[]) {
  const unique = [...new Set(refs)];
  const rows = await db.configurationItem.findMany({
    where: { OR: [{ id: { in: unique } }, { number: { in: unique } }] },
    select: { id: true, number: true, class: true },
  });
  const byRef = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    byRef.set(r.id, r);
    byRef.set(r.number, r);
  }
  return byRef;
}

/** Store a batch of points in one statement; a point already stored (same CI, metric and instant) is kept as first received. Returns how many were new. */
export async function insertMetricPoints(db: Db, rows: MetricPointRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  return db.$transaction((tx) => insertRows(tx, 'MetricPoint', POINT_COLUMNS, rows, { skipExisting: true }));
}

// ---------------------------------------------------------------------------------------------
// Thresholds and the state of each CI × metric series under them

export type ThresholdRow = NonNullable<Awaited<ReturnType<Db['capacityThreshold']['findUnique']>>>;

const directionOf = (row: { id: string; direction: string }): Direction => {
  if (row.direction === 'above' || row.direction === 'below') return row.direction;
  throw new CorruptRecordError('capacity_threshold', row.id, 'direction', `direction ${row.direction} is neither above nor below`);
};

export const thresholdView = (row: ThresholdRow, ciNumber: string | null): ThresholdRecord => ({
  id: row.id,
  number: row.number,
  ciId: row.ciId,
  ciNumber,
  ciClass: row.ciClass,
  metric: row.metric,
  warning: row.warning,
  critical: row.critical,
  limit: row.limit,
  direction: directionOf(row),
  sustainSeconds: row.sustainSeconds,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const ruleOf = (row: ThresholdRow): ThresholdRule => ({
  id: row.id,
  ciId: row.ciId,
  ciClass: row.ciClass,
  metric: row.metric,
  warning: row.warning,
  critical: row.critical,
  direction: directionOf(row),
  sustainSeconds: row.sustainSeconds,
  limit: row.limit,
});

/** The live threshold on the same target and metric, if any: one per CI (or class) and metric. */
export const sameThreshold = (db: Db, t: { ciId: string | null; ciClass: string | null; metric: string }) =>
  db.capacityThreshold.findFirst({ where: { ciId: t.ciId, ciClass: t.ciClass, metric: t.metric, deletedAt: null }, select: { number: true } });

/** Every live threshold that could govern these CIs' metrics, in one read. */
export async function rulesFor(db: Db, cis: readonly { id: string; class: string }[], metrics: readonly string[]): Promise<ThresholdRule[]> {
  const rows = await db.capacityThreshold.findMany({
    where: {
      deletedAt: null,
      metric: { in: [...new Set(metrics)] },
      OR: [{ ciId: { in: [...new Set(cis.map((c) => c.id))] } }, { ciId: null, ciClass: { in: [...new Set(cis.map((c) => c.class))] } }],
    },
  });
  return rows.map(ruleOf);
}

const seriesKey = (ciId: string, metric: string) => `${ciId}\u0000${metric}`;

/** The stored state of each series named, keyed by CI and metric. */
export async function seriesStates(db: Db, series: readonly { ciId: string; metric: string }[]): Promise<Map<string, SeriesState>> {
  const rows = await db.capacityState.findMany({
    where: { ciId: { in: [...new Set(series.map((s) => s.ciId))] }, metric: { in: [...new Set(series.map((s) => s.metric))] } },
  });
  const out = new Map<string, SeriesState>();
  for (const r of rows) {
    if (r.level !== 'ok' && r.level !== 'warning' && r.level !== 'critical') throw new CorruptRecordError('capacity_state', `${r.ciId}/${r.metric}`, 'level', `level ${r.level} is not ok, warning or critical`);
    out.set(seriesKey(r.ciId, r.metric), { thresholdId: r.thresholdId, level: r.level, since: r.since.getTime(), lastAt: r.lastAt.getTime(), lastValue: r.lastValue, alertId: r.alertId });
  }
  return out;
}
export { seriesKey };

export interface CapacityOutboxEvent {
  id: string;
  type: string;
  ciId: string;
  at: Date;
  data: Record<string, unknown>;
}

/** The series' new states and the events their crossings raised, in one transaction (an event already stored is kept). */
export async function saveEvaluation(db: Db, states: readonly { ciId: string; metric: string; state: SeriesState }[], events: readonly CapacityOutboxEvent[]): Promise<void> {
  await db.$transaction(async (tx) => {
    for (const { ciId, metric, state } of states) {
      const data = { thresholdId: state.thresholdId, level: state.level, since: new Date(state.since), lastAt: new Date(state.lastAt), lastValue: state.lastValue, alertId: state.alertId };
      await tx.capacityState.upsert({ where: { ciId_metric: { ciId, metric } }, create: { ciId, metric, ...data }, update: data });
    }
    if (events.length) {
      await insertRows(
        tx,
        'OutboxEvent',
        ['id', 'type', 'recordType', 'recordId', 'occurredAt', 'data'] as const,
        events.map((e) => ({ id: e.id, type: e.type, recordType: 'ci', recordId: e.ciId, occurredAt: e.at, data: toJson(e.data) })),
        { skipExisting: true },
      );
    }
  });
}

/** Capacity events not yet relayed (also an earlier request's that failed after committing them). */
export const pendingCapacityEvents = async (db: Db, limit: number): Promise<string[]> =>
  (await db.outboxEvent.findMany({ where: { dispatchedAt: null, type: { startsWith: 'capacity.' } }, select: { id: true }, orderBy: { occurredAt: 'asc' }, take: limit })).map((e) => e.id);
