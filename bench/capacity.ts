/**
 * Capacity management figures:
 *  - metric ingest through the real code path: HTTP POST /api/v1/metrics on an in-process API
 *    (the same createApp the server runs) over a fresh, migrated SQLite database, in batches of
 *    5000 points, two requests in flight; points per second. A second pass resends every batch
 *    (all points already stored, kept once).
 *    A class threshold on one of the four metrics is judged at ingest (its crossings are events).
 *  - the upkeep run's steps through the activity code the Schedule runs (activities/capacity.ts),
 *    on SQLite and (unless --sqlite) PostgreSQL: one hour of points at 5-minute resolution for
 *    10,000 CI × metric series rolled up (`rollupMetrics`), then the forecast of those 10,000
 *    series over 30 days of hourly rollups (720 each, 7.2 million rows): the sums aggregated by
 *    the database, the fit, and the forecasts stored (`forecastCapacity`). Seconds and series/s.
 *  - the fit alone (domain/capacity/forecast.ts) over the same 10,000 series, for comparison.
 *
 *   npx tsx bench/capacity.ts [--quick] [--sqlite | --postgres]
 *
 * --quick: 20,000 points and 1,000 series, figures not merged. Otherwise 200,000 points, and
 * `capacity_ingest_points_per_s`, `capacity_reingest_points_per_s`, `capacity_forecast_s`,
 * `capacity_forecast_series_per_s`, `capacity_forecast_db_s_<provider>`,
 * `capacity_rollup_hour_s_<provider>` are merged into bench/results/latest.json.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createApp } from '../api/app';
import { createLogger } from '../infra/logger';
import { demoUsers, upsertUser } from '../db/seed';
import { createCiTx } from '../db/ci-store';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { forecast } from '../domain/capacity/forecast';
import { MAX_METRIC_POINTS } from '../domain/schemas/capacity';
import { insertRows } from '../db/insert-rows';
import { createCapacityActivities } from '../activities/capacity';
import { rollupDay } from '../db/capacity-store';
import { createTestDatabase } from '../test/support/database';
import { mergeIntoLatest } from './support';

const QUICK = process.argv.includes('--quick');
const POINTS = QUICK ? 20_000 : 200_000;
const SERIES = QUICK ? 1_000 : 10_000;
const CIS = 100;
const METRICS = ['cpu_percent', 'memory_used_percent', 'disk_used_percent', 'net_in_bytes'];
const HOUR = 3_600_000;
const T0 = Date.parse('2026-10-01T00:00:00Z');
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function benchIngest() {
  const tdb = await createTestDatabase('sqlite');
  for (const u of demoUsers()) await upsertUser(tdb.db, u);
  // Ingest needs no Temporal: an app built without an engine keeps the bench self-contained.
  const app = createApp({ db: tdb.db, temporal: undefined as unknown as Client, env: { TEMPORAL_TASK_QUEUE: 'bench', AUTO_CLOSE_AFTER: 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000, MAX_BODY_BYTES: 1_048_576 }, log: createLogger('silent') });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  const post = async (p: string, body: unknown) => {
    const res = await fetch(base + p, { method: 'POST', headers: { authorization: 'Bearer dev-admin', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${p} answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  };
  try {
    // The CIs straight through the store: ingest is what is measured.
    const cis = await tdb.db.$transaction(async (tx) => {
      const made: string[] = [];
      for (let i = 0; i < CIS; i++) made.push((await createCiTx(tx, { name: `bench host ${i}`, class: 'server' }, { actor: 'usr-admin' })).number);
      return made;
    });
    if (cis.length !== CIS) throw new Error(`${cis.length} CIs imported, expected ${CIS}`);
    // Judged at ingest: the values cycle through 0–99.6, so crossings (events, no alert: no critical level) happen throughout.
    await tdb.db.capacityThreshold.create({ data: { id: 'cap_bench', number: 'CAP0000001', ciClass: 'server', metric: 'cpu_percent', warning: 95, createdBy: 'usr-admin' } });
    const batches: unknown[] = [];
    for (let b = 0; b * MAX_METRIC_POINTS < POINTS; b++) {
      batches.push({
        points: Array.from({ length: MAX_METRIC_POINTS }, (_, j) => {
          const k = b * MAX_METRIC_POINTS + j;
          // Each (CI, metric) series advances one hour per point.
          const series = k % (CIS * METRICS.length);
          return { ciId: cis[series % CIS], metric: METRICS[Math.floor(series / CIS)], at: new Date(T0 + Math.floor(k / (CIS * METRICS.length)) * HOUR).toISOString(), value: (k % 997) / 10 };
        }),
      });
    }
    const pass = async () => {
      const t0 = process.hrtime.bigint();
      let stored = 0;
      for (let i = 0; i < batches.length; i += 2) {
        const answers = await Promise.all(batches.slice(i, i + 2).map((b) => post('/metrics', b)));
        stored += answers.reduce((a, r) => a + (r.stored as number), 0);
      }
      return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, stored };
    };
    const first = await pass();
    const again = await pass();
    const count = await tdb.db.metricPoint.count();
    if (first.stored !== POINTS || again.stored !== 0 || count !== POINTS) throw new Error(`stored ${first.stored} then ${again.stored}, ${count} rows; expected ${POINTS}, 0, ${POINTS}`);
    return { points: POINTS, seconds: round(first.seconds), perSecond: Math.round(POINTS / first.seconds), reSeconds: round(again.seconds), rePerSecond: Math.round(POINTS / again.seconds) };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await tdb.dispose();
  }
}

function benchFit() {
  // Series with different slopes and noise; generated before the clock starts.
  const series = Array.from({ length: SERIES }, (_, s) =>
    Array.from({ length: 720 }, (_, h) => ({ at: T0 + h * HOUR, value: valueAt(s, h) })),
  );
  const t0 = process.hrtime.bigint();
  let exhausting = 0;
  for (const pts of series) if (forecast(pts, 95)?.exhaustAt != null) exhausting++;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { series: SERIES, seconds: round(seconds, 3), perSecond: Math.round(SERIES / seconds), exhausting };
}

/** Rising, flat and falling series with a little noise, all below the limit (95). */
const valueAt = (s: number, h: number) => 20 + ((s % 7) - 3) * 0.01 * h + ((h * 7919 + s) % 13) / 4;

async function benchUpkeep(provider: 'sqlite' | 'postgres') {
  const tdb = await createTestDatabase(provider);
  try {
    const seriesPerCi = 4;
    const cis = SERIES / seriesPerCi;
    await tdb.db.$transaction(async (tx) => {
      for (let i = 0; i < cis; i += 500) {
        await insertRows(tx, 'ConfigurationItem', ['id', 'number', 'name', 'class', 'status', 'attributes', 'createdAt', 'updatedAt'] as const,
          Array.from({ length: Math.min(500, cis - i) }, (_, j) => ({ id: `ci_bench_${i + j}`, number: `CI${String(i + j).padStart(7, '0')}`, name: `bench host ${i + j}`, class: 'server', status: 'live', attributes: '{}', createdAt: new Date(T0), updatedAt: new Date(T0) })));
      }
    }, { timeout: 600_000 });
    for (const m of METRICS) await tdb.db.capacityThreshold.create({ data: { id: `cap_${m}`, number: `CAP_${m}`, ciClass: 'server', metric: m, limit: 95, createdBy: 'usr-admin' } });
    const seriesOf = (k: number) => ({ ciId: `ci_bench_${k % cis}`, metric: METRICS[Math.floor(k / cis)] });
    // 30 days of hourly rollups per series, written directly: what the Schedule would have kept.
    const end = T0 + 720 * HOUR;
    for (let k = 0; k < SERIES; k += 4) {
      const rows: { ciId: string; metric: string; bucket: string; at: Date; count: number; sum: number; min: number; max: number; last: number }[] = [];
      for (let s = k; s < Math.min(k + 4, SERIES); s++) {
        for (let h = 0; h < 720; h++) {
          const v = valueAt(s, h);
          rows.push({ ...seriesOf(s), bucket: 'hour', at: new Date(T0 + h * HOUR), count: 12, sum: v * 12, min: v, max: v, last: v });
        }
      }
      await tdb.db.$transaction((tx) => insertRows(tx, 'MetricRollup', ['ciId', 'metric', 'bucket', 'at', 'count', 'sum', 'min', 'max', 'last'] as const, rows));
    }
    // The days of those hours, as the upkeep runs that kept them rolled them up.
    const activities = createCapacityActivities({ db: tdb.db, temporal: undefined as unknown as Client, taskQueue: 'bench', webhookTimeoutMs: 1000, log: createLogger('silent') });
    for (let d = 0; d < 30; d++) await rollupDay(tdb.db, new Date(T0 + d * 24 * HOUR));
    // What autovacuum would have done after a load this size (SQLite keeps no statistics unless asked).
    if (provider === 'postgres') await tdb.db.$executeRawUnsafe('ANALYZE "MetricRollup"');
    // One hour of raw points after the window, every 5 minutes.
    const raw: { ciId: string; metric: string; at: Date; value: number }[] = [];
    for (let s = 0; s < SERIES; s++) for (let m = 0; m < 12; m++) raw.push({ ...seriesOf(s), at: new Date(end + m * 300_000), value: valueAt(s, 720) });
    for (let i = 0; i < raw.length; i += 2000) await tdb.db.$transaction((tx) => insertRows(tx, 'MetricPoint', ['ciId', 'metric', 'at', 'value'] as const, raw.slice(i, i + 2000)));

    let t0 = process.hrtime.bigint();
    const rolled = await activities.rollupMetrics({ from: end, to: end + HOUR });
    const rollupSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const hourRows = await tdb.db.metricRollup.count({ where: { bucket: 'hour', at: new Date(end) } });
    if (rolled.hours !== 1 || hourRows !== SERIES) throw new Error(`rolled ${rolled.hours} hours into ${hourRows} rows, expected 1 and ${SERIES}`);
    t0 = process.hrtime.bigint();
    // Horizon 0: nothing is due now, so no problem is opened (opening one needs the engine, not measured here).
    const fc = await activities.forecastCapacity({ runId: 'bench', at: end, windowDays: 30, horizonDays: 0, observationMs: 0, problem: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } });
    const forecastSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const stored = await tdb.db.capacityForecast.count();
    if (fc.forecasts !== SERIES || stored !== SERIES) throw new Error(`${fc.forecasts} forecasts, ${stored} stored; expected ${SERIES}`);
    const exhausting = await tdb.db.capacityForecast.count({ where: { exhaustAt: { not: null } } });
    return { provider, rollupSeconds: round(rollupSeconds, 3), forecastSeconds: round(forecastSeconds, 3), perSecond: Math.round(SERIES / forecastSeconds), exhausting };
  } finally {
    await tdb.dispose();
  }
}

async function main() {
  const ingest = await benchIngest();
  console.log(`metric ingest (HTTP, in-process API, fresh SQLite, batches of ${MAX_METRIC_POINTS}, 2 in flight, one threshold judged): ${ingest.points} points`);
  console.log(`  first pass (all new):        ${ingest.seconds.toFixed(2)} s  → ${ingest.perSecond} points/s`);
  console.log(`  resent (all already stored): ${ingest.reSeconds.toFixed(2)} s  → ${ingest.rePerSecond} points/s`);
  const fit = benchFit();
  console.log(`forecast fit alone: ${fit.series} series × 720 hourly points in ${fit.seconds} s → ${fit.perSecond} series/s (${fit.exhausting} reach their limit)`);
  const providers: ('sqlite' | 'postgres')[] = process.argv.includes('--postgres') ? [] : ['sqlite'];
  if (!process.argv.includes('--sqlite')) {
    const pg = spawnSync('bash', [path.join(__dirname, '..', 'scripts', 'postgres-for-tests.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    process.env.TEST_POSTGRES_URL ??= pg.status === 0 ? pg.stdout.trim().split('\n').pop() : undefined;
    if (process.env.TEST_POSTGRES_URL) providers.push('postgres');
  }
  const figures: Record<string, number> = {
    capacity_ingest_points_per_s: ingest.perSecond,
    capacity_reingest_points_per_s: ingest.rePerSecond,
    capacity_forecast_s: fit.seconds,
    capacity_forecast_series_per_s: fit.perSecond,
  };
  for (const provider of providers) {
    const u = await benchUpkeep(provider);
    console.log(`upkeep on ${provider}: roll up one hour of ${SERIES} series (12 points each) ${u.rollupSeconds} s; forecast ${SERIES} series over 720 hourly rollups (sums in the database, fit, forecasts stored) ${u.forecastSeconds} s → ${u.perSecond} series/s (${u.exhausting} reach their limit)`);
    figures[`capacity_rollup_hour_s_${provider}`] = u.rollupSeconds;
    figures[`capacity_forecast_db_s_${provider}`] = u.forecastSeconds;
  }
  if (!QUICK) mergeIntoLatest(figures, console.log);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
