/**
 * Capacity management figures:
 *  - metric ingest through the real code path: HTTP POST /api/v1/metrics on an in-process API
 *    (the same createApp the server runs) over a fresh, migrated SQLite database, in batches of
 *    5000 points, two requests in flight; points per second. A second pass resends every batch
 *    (all points already stored, kept once).
 *  - the forecast fit (domain/capacity/forecast.ts) over 10,000 CI × metric series of 30 days of
 *    hourly values (720 points each): seconds and series per second. This is the fit alone: the
 *    Schedule that reads the rollups and stores the forecasts is not built yet.
 *
 *   npx tsx bench/capacity.ts [--quick]
 *
 * --quick: 20,000 points and 1,000 series, figures not merged. Otherwise 200,000 points, and
 * `capacity_ingest_points_per_s`, `capacity_reingest_points_per_s`, `capacity_forecast_s`,
 * `capacity_forecast_series_per_s` are merged into bench/results/latest.json.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createApp } from '../api/app';
import { createLogger } from '../infra/logger';
import { demoUsers, upsertUser } from '../db/seed';
import { createCiTx } from '../db/ci-store';
import { forecast } from '../domain/capacity/forecast';
import { MAX_METRIC_POINTS } from '../domain/schemas/capacity';
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

function benchForecast() {
  // Series with different slopes and noise; generated before the clock starts.
  const series = Array.from({ length: SERIES }, (_, s) =>
    Array.from({ length: 720 }, (_, h) => ({ at: T0 + h * HOUR, value: 20 + ((s % 7) - 3) * 0.01 * h + ((h * 7919 + s) % 13) / 4 })),
  );
  const t0 = process.hrtime.bigint();
  let exhausting = 0;
  for (const pts of series) if (forecast(pts, 95)?.exhaustAt != null) exhausting++;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { series: SERIES, seconds: round(seconds, 3), perSecond: Math.round(SERIES / seconds), exhausting };
}

async function main() {
  const ingest = await benchIngest();
  console.log(`metric ingest (HTTP, in-process API, fresh SQLite, batches of ${MAX_METRIC_POINTS}, 2 in flight): ${ingest.points} points`);
  console.log(`  first pass (all new):        ${ingest.seconds.toFixed(2)} s  → ${ingest.perSecond} points/s`);
  console.log(`  resent (all already stored): ${ingest.reSeconds.toFixed(2)} s  → ${ingest.rePerSecond} points/s`);
  const fc = benchForecast();
  console.log(`forecast fit: ${fc.series} series × 720 hourly points in ${fc.seconds} s → ${fc.perSecond} series/s (${fc.exhausting} reach their limit)`);
  if (!QUICK) {
    mergeIntoLatest(
      { capacity_ingest_points_per_s: ingest.perSecond, capacity_reingest_points_per_s: ingest.rePerSecond, capacity_forecast_s: fc.seconds, capacity_forecast_series_per_s: fc.perSecond },
      console.log,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
