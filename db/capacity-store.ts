import { Prisma } from '../generated/prisma-sqlite/client';
import type { SeriesSums } from '../domain/capacity/forecast';
import type { Direction, SeriesState, ThresholdRule } from '../domain/capacity/threshold';
import type { ThresholdRecord } from '../domain/schemas/capacity';
import { providerOf, type Db } from './client';
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
  /** Set when no subscription wants the event: written as relayed already. */
  dispatchedAt: Date | null;
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
        ['id', 'type', 'recordType', 'recordId', 'occurredAt', 'data', 'dispatchedAt'] as const,
        events.map((e) => ({ id: e.id, type: e.type, recordType: 'ci', recordId: e.ciId, occurredAt: e.at, data: toJson(e.data), dispatchedAt: e.dispatchedAt })),
        { skipExisting: true },
      );
    }
  });
}

/** Capacity events not yet relayed (also an earlier request's that failed after committing them). */
export const pendingCapacityEvents = async (db: Db, limit: number): Promise<string[]> =>
  (await db.outboxEvent.findMany({ where: { dispatchedAt: null, type: { startsWith: 'capacity.' } }, select: { id: true }, orderBy: { occurredAt: 'asc' }, take: limit })).map((e) => e.id);

// ---------------------------------------------------------------------------------------------
// Rollups, retention and the forecast's sums: aggregated where the points are, so a run over
// ten thousand series moves sums across, never the points.

export const HOUR_MS = 3_600_000;
/** A bucket of ten thousand series is rewritten in one transaction: seconds, not Prisma's default 5 s. */
const ROLLUP_TX = { timeout: 120_000, maxWait: 10_000 };

const dateOf = (v: Date | string | number) => (v instanceof Date ? v : new Date(v));

/**
 * Recomputes the hourly rollup of [hourStart, hourStart + 1 h) from the raw points, replacing
 * what was there: idempotent, and a late point is counted when its hour is rolled up again.
 * `last` is the value at the latest instant (an index seek per series on the points' key).
 */
export async function rollupHour(db: Db, hourStart: Date): Promise<number> {
  const end = new Date(hourStart.getTime() + HOUR_MS);
  return db.$transaction(async (tx) => {
    await tx.metricRollup.deleteMany({ where: { bucket: 'hour', at: hourStart } });
    return tx.$executeRaw`
      INSERT INTO "MetricRollup" ("ciId", "metric", "bucket", "at", "count", "sum", "min", "max", "last")
      SELECT p."ciId", p."metric", 'hour', ${hourStart}, COUNT(*), SUM(p."value"), MIN(p."value"), MAX(p."value"),
        (SELECT q."value" FROM "MetricPoint" q WHERE q."ciId" = p."ciId" AND q."metric" = p."metric" AND q."at" >= ${hourStart} AND q."at" < ${end} ORDER BY q."at" DESC LIMIT 1)
      FROM "MetricPoint" p WHERE p."at" >= ${hourStart} AND p."at" < ${end}
      GROUP BY p."ciId", p."metric"`;
  }, ROLLUP_TX);
}

/** The daily rollup of [dayStart, dayStart + 1 d) from that day's hourly rollups, replacing what was there. */
export async function rollupDay(db: Db, dayStart: Date): Promise<number> {
  const end = new Date(dayStart.getTime() + 24 * HOUR_MS);
  return db.$transaction(async (tx) => {
    await tx.metricRollup.deleteMany({ where: { bucket: 'day', at: dayStart } });
    return tx.$executeRaw`
      INSERT INTO "MetricRollup" ("ciId", "metric", "bucket", "at", "count", "sum", "min", "max", "last")
      SELECT r."ciId", r."metric", 'day', ${dayStart}, SUM(r."count"), SUM(r."sum"), MIN(r."min"), MAX(r."max"),
        (SELECT q."last" FROM "MetricRollup" q WHERE q."ciId" = r."ciId" AND q."metric" = r."metric" AND q."bucket" = 'hour' AND q."at" >= ${dayStart} AND q."at" < ${end} ORDER BY q."at" DESC LIMIT 1)
      FROM "MetricRollup" r WHERE r."bucket" = 'hour' AND r."at" >= ${dayStart} AND r."at" < ${end}
      GROUP BY r."ciId", r."metric"`;
  }, ROLLUP_TX);
}

/** Raw points before `before` (their hours are rolled up by then), and hourly rollups before `hoursBefore`. */
export async function pruneMetrics(db: Db, before: Date, hoursBefore: Date): Promise<{ points: number; hours: number }> {
  const points = await db.metricPoint.deleteMany({ where: { at: { lt: before } } });
  const hours = await db.metricRollup.deleteMany({ where: { bucket: 'hour', at: { lt: hoursBefore } } });
  return { points: points.count, hours: hours.count };
}

export interface SeriesSumsRow extends SeriesSums {
  ciId: string;
  metric: string;
  lastAt: number;
  last: number;
}

/** Days after `origin` of a timestamp column, as each database spells it. */
const daysAfter = (db: Db, column: Prisma.Sql, originDays: number) =>
  providerOf(db) === 'postgres'
    ? Prisma.sql`(CAST(EXTRACT(EPOCH FROM ${column}) AS DOUBLE PRECISION) / 86400.0 - CAST(${originDays} AS DOUBLE PRECISION))`
    : Prisma.sql`(julianday(${column}) - 2440587.5 - ${originDays})`;

/** Series per aggregate query: each is an index seek per series on the rollups' key, in key order. */
const SUMS_CHUNK = 500;

/**
 * Per CI × metric in `metrics`, the least-squares sums of its hourly means over [from, to) (x in
 * days after `from`) and its latest reading. The series are found from the window's daily
 * rollups (thirty times fewer rows), then summed a chunk of CIs at a time by their key: one
 * grouped pass over the whole window would sort millions of rows (the planner takes the time
 * index, then needs a temporary B-tree for the grouping).
 */
export async function seriesSums(db: Db, metrics: readonly string[], from: Date, to: Date, progress: (done: number) => void = () => {}): Promise<SeriesSumsRow[]> {
  if (metrics.length === 0) return [];
  const dayFrom = new Date(Math.floor(from.getTime() / 86_400_000) * 86_400_000);
  const series = await db.metricRollup.groupBy({ by: ['metric', 'ciId'], where: { bucket: 'day', at: { gte: dayFrom, lt: to }, metric: { in: [...new Set(metrics)] } }, orderBy: [{ metric: 'asc' }, { ciId: 'asc' }] });
  const byMetric = new Map<string, string[]>();
  for (const s of series) {
    const ids = byMetric.get(s.metric);
    if (ids) ids.push(s.ciId);
    else byMetric.set(s.metric, [s.ciId]);
  }
  const x = daysAfter(db, Prisma.sql`r."at"`, from.getTime() / 86_400_000);
  const y = Prisma.sql`(r."sum" / r."count")`;
  const out: SeriesSumsRow[] = [];
  for (const [metric, ciIds] of byMetric) {
    for (let i = 0; i < ciIds.length; i += SUMS_CHUNK) {
      const rows = await db.$queryRaw<{ ciId: string; metric: string; n: number | bigint; sx: number; sy: number; sxy: number; sxx: number; lastAt: Date | string; last: number }[]>`
        SELECT r."ciId" AS "ciId", r."metric" AS "metric", COUNT(*) AS "n", SUM(${x}) AS "sx", SUM(${y}) AS "sy", SUM(${x} * ${y}) AS "sxy", SUM(${x} * ${x}) AS "sxx", MAX(r."at") AS "lastAt",
          (SELECT q."last" FROM "MetricRollup" q WHERE q."ciId" = r."ciId" AND q."metric" = r."metric" AND q."bucket" = 'hour' AND q."at" >= ${from} AND q."at" < ${to} ORDER BY q."at" DESC LIMIT 1) AS "last"
        FROM "MetricRollup" r
        WHERE r."ciId" IN (${Prisma.join(ciIds.slice(i, i + SUMS_CHUNK))}) AND r."metric" = ${metric} AND r."bucket" = 'hour' AND r."at" >= ${from} AND r."at" < ${to}
        GROUP BY r."ciId", r."metric"`;
      for (const r of rows) out.push({ ciId: r.ciId, metric: r.metric, n: Number(r.n), sx: Number(r.sx), sy: Number(r.sy), sxy: Number(r.sxy), sxx: Number(r.sxx), lastAt: dateOf(r.lastAt).getTime(), last: Number(r.last) });
      progress(out.length);
    }
  }
  return out;
}

export interface ForecastRow {
  ciId: string;
  metric: string;
  limit: number;
  slopePerDay: number;
  intercept: number;
  lastValue: number;
  points: number;
  exhaustAt: Date | null;
  computedAt: Date;
  problemId: string | null;
  changeId: string | null;
}

const FORECAST_COLUMNS = ['ciId', 'metric', 'limit', 'slopePerDay', 'intercept', 'lastValue', 'points', 'exhaustAt', 'computedAt', 'problemId', 'changeId'] as const;
/** Rows per insert: 11 columns each, well under both databases' bound-parameter limits. */
const FORECAST_CHUNK = 1000;

/** The run's forecasts replace the previous ones in one transaction (a series no longer forecast, e.g. its threshold removed, is gone). */
export async function replaceForecasts(db: Db, rows: readonly ForecastRow[]): Promise<void> {
  await db.$transaction(
    async (tx) => {
      await tx.capacityForecast.deleteMany({});
      for (let i = 0; i < rows.length; i += FORECAST_CHUNK) await insertRows(tx, 'CapacityForecast', FORECAST_COLUMNS, rows.slice(i, i + FORECAST_CHUNK));
    },
    { timeout: 120_000 },
  );
}

export interface ForecastListing {
  ciId: string;
  ciNumber: string;
  ciName: string;
  ciClass: string;
  ownerGroup: string | null;
  metric: string;
  limit: number;
  lastValue: number;
  slopePerDay: number;
  points: number;
  exhaustAt: Date | null;
  computedAt: Date;
  problemNumber: string | null;
}


/** The stored forecasts, soonest exhaustion first (never-exhausting last), with their CI and problem. */
export async function forecastListing(db: Db, q: { metric?: string; ciClass?: string; exhaustBefore?: Date; limit: number }): Promise<ForecastListing[]> {
  const where = [
    Prisma.sql`1 = 1`,
    ...(q.metric ? [Prisma.sql`f."metric" = ${q.metric}`] : []),
    ...(q.ciClass ? [Prisma.sql`c."class" = ${q.ciClass}`] : []),
    ...(q.exhaustBefore ? [Prisma.sql`f."exhaustAt" IS NOT NULL AND f."exhaustAt" <= ${q.exhaustBefore}`] : []),
  ];
  const rows = await db.$queryRaw<(Omit<ForecastListing, 'exhaustAt' | 'computedAt' | 'points'> & { exhaustAt: Date | string | null; computedAt: Date | string; points: number | bigint })[]>`
    SELECT f."ciId" AS "ciId", c."number" AS "ciNumber", c."name" AS "ciName", c."class" AS "ciClass", c."ownerGroup" AS "ownerGroup", f."metric" AS "metric",
      f."limit" AS "limit", f."lastValue" AS "lastValue", f."slopePerDay" AS "slopePerDay", f."points" AS "points", f."exhaustAt" AS "exhaustAt", f."computedAt" AS "computedAt", p."number" AS "problemNumber"
    FROM "CapacityForecast" f JOIN "ConfigurationItem" c ON c."id" = f."ciId" LEFT JOIN "Problem" p ON p."id" = f."problemId"
    WHERE ${Prisma.join(where, ' AND ')}
    ORDER BY CASE WHEN f."exhaustAt" IS NULL THEN 1 ELSE 0 END, f."exhaustAt", c."number", f."metric"
    LIMIT ${q.limit}`;
  return rows.map((r) => ({ ...r, points: Number(r.points), exhaustAt: r.exhaustAt === null ? null : dateOf(r.exhaustAt), computedAt: dateOf(r.computedAt) }));
}

/** Daily means since `since` of the given series, oldest first, keyed by `seriesKey`. */
export async function dailyMeans(db: Db, series: readonly { ciId: string; metric: string }[], since: Date): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (series.length === 0) return out;
  const wanted = new Set(series.map((s) => seriesKey(s.ciId, s.metric)));
  const rows = await db.metricRollup.findMany({
    where: { bucket: 'day', at: { gte: since }, ciId: { in: [...new Set(series.map((s) => s.ciId))] }, metric: { in: [...new Set(series.map((s) => s.metric))] } },
    orderBy: { at: 'asc' },
    select: { ciId: true, metric: true, sum: true, count: true },
  });
  for (const r of rows) {
    const key = seriesKey(r.ciId, r.metric);
    if (!wanted.has(key) || r.count === 0) continue;
    const values = out.get(key);
    if (values) values.push(r.sum / r.count);
    else out.set(key, [r.sum / r.count]);
  }
  return out;
}
