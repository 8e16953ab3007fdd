/**
 * Monitoring events: a burst of events for a fixed set of alert keys, through the HTTP API on a
 * real Temporal dev server (file-backed store), worker and SQLite CMDB (bench/support.ts).
 *
 *   npx tsx bench/monitoring-burst.ts [--quick] [--events 10000] [--keys 100] [--conc 32] [--out result.json]
 *
 * The load generator posts --events events round-robin over --keys dedup keys, --conc requests in
 * flight, as fast as the API answers (the bar: 10,000 events for 100 keys within a
 * minute). Measured: accepted events per second and POST latency p50/p99; the time from the first
 * event to every alert settled (each key's alert shows all its events counted); and the outcome
 * that matters: incidents opened (must equal --keys) and events counted (must equal --events).
 * Beside them, the API's floor: as many POSTs refused at validation, as fast, and the ratio.
 * Exits non-zero if either is off. Writes `events_burst_per_s`, `events_post_p99_ms`,
 * `events_settle_s`, `events_incidents_opened` into bench/results/latest.json (merged).
 * --quick: 1,000 events for 20 keys.
 */
import { performance } from 'node:perf_hooks';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { benchLog, dist, httpClient, machine, mergeIntoLatest, pool, problemSinks, round, sleep, startBench, stopBench } from './support';
import { writeFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const numArg = (name: string): number | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
};
const outIdx = argv.indexOf('--out');
const OUT = outIdx >= 0 ? argv[outIdx + 1] : undefined;
const CFG = {
  events: numArg('--events') ?? (QUICK ? 1000 : 10_000),
  keys: numArg('--keys') ?? (QUICK ? 20 : 100),
  conc: numArg('--conc') ?? 32,
};
const BOT = 'dev-automation';
const log = benchLog('bench monitoring');
const problems = { http: {} as Record<string, number>, httpSamples: [] as string[], fetchErrors: 0, sdkWarnings: 0, sdkSamples: [] as string[], apiErrors: 0, apiErrorSamples: [] as string[], failedSamples: 0 };
const { noteSdk, apiLogger } = problemSinks(problems, { sdk: (entry) => (problems.sdkWarnings++, entry.message.slice(0, 300)), apiSampleChars: 300 });

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN', noteSdk) });
  const b = await startBench({ tmpPrefix: 'itsm-bench-monitoring-', taskQueue: `itsm-bench-monitoring-${process.pid}`, inMemory: false, log: apiLogger });
  try {
    const http = httpClient(b.baseUrl, problems);
    const run = Date.now().toString(36);
    const key = (i: number) => `bench-${run}-${i % CFG.keys}`;
    // Warm-up (not timed): one event on a key of its own, so the first timed ones do not pay for start-up.
    await http('POST', '/api/v1/events', { source: 'bench', node: 'warm', check: 'up', severity: 'warning', message: 'warm-up', dedupKey: `warm-${run}` }, BOT);

    log(`posting ${CFG.events} events over ${CFG.keys} keys, ${CFG.conc} in flight`);
    const latencies: number[] = [];
    const alertIds = new Set<string>();
    const t0 = performance.now();
    await pool(Array.from({ length: CFG.events }, (_, i) => i), CFG.conc, async (i) => {
      const r = await http('POST', '/api/v1/events', { source: 'bench', node: `node-${i % CFG.keys}`, check: 'cpu', severity: i % 5 === 0 ? 'critical' : 'major', message: `load ${i}`, dedupKey: key(i) }, BOT);
      if (r.status !== 202) {
        const k = `POST /events ${r.status}`;
        problems.http[k] = (problems.http[k] ?? 0) + 1;
        return;
      }
      latencies.push(r.ms);
      alertIds.add(r.body.alertId as string);
    });
    const postedS = (performance.now() - t0) / 1000;
    log(`accepted ${latencies.length} in ${postedS.toFixed(1)} s; waiting for every alert to count its events`);

    let counted = 0;
    let settleS = NaN;
    for (const deadline = Date.now() + 10 * 60_000; Date.now() < deadline; await sleep(250)) {
      const rows = await b.tdb.db.monitoringAlert.findMany({ where: { dedupKey: { startsWith: `bench-${run}-` } }, select: { count: true } });
      counted = rows.reduce((n, r) => n + r.count, 0);
      if (rows.length === CFG.keys && counted === latencies.length) {
        settleS = (performance.now() - t0) / 1000;
        break;
      }
    }
    // The floor: the same number of POSTs, as fast, refused at validation (auth, JSON parsing and
    // the error answer, no engine): what this API answers on this machine at this moment, so the
    // ratio below stays comparable when the machine is busy with other work.
    const floorN = Math.min(CFG.events, 2000);
    const tf = performance.now();
    await pool(Array.from({ length: floorN }, (_, i) => i), CFG.conc, async () => {
      await http('POST', '/api/v1/events', { source: 'bench' }, BOT);
    });
    const floorPerS = floorN / ((performance.now() - tf) / 1000);
    const opened = await b.tdb.db.incident.count({ where: { category: 'monitoring', title: { startsWith: 'cpu on node-' } } });
    const post = dist(latencies);
    const figures = {
      events_burst_per_s: round(latencies.length / postedS, 0),
      events_api_floor_per_s: round(floorPerS, 0),
      events_vs_api_floor_ratio: round(latencies.length / postedS / floorPerS, 2),
      events_post_p50_ms: round(post.p50, 1),
      events_post_p99_ms: round(post.p99, 1),
      events_settle_s: round(settleS, 1),
      events_incidents_opened: opened,
      events_counted: counted,
      events_sent: CFG.events,
      events_keys: CFG.keys,
    };
    console.log('\nMonitoring burst figures:');
    for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(26)} ${String(v)}`);
    console.log(`  problems: ${JSON.stringify({ http: problems.http, fetchErrors: problems.fetchErrors, sdkWarnings: problems.sdkWarnings, apiErrors: problems.apiErrors })}`);
    if (OUT) writeFileSync(OUT, JSON.stringify({ machine: machine(), config: CFG, figures, problems }, null, 2) + '\n');
    mergeIntoLatest(QUICK ? {} : figures, log);
    const right = opened === CFG.keys && counted === CFG.events && alertIds.size === CFG.keys;
    if (!right) console.error(`WRONG: ${opened} incidents for ${CFG.keys} keys, ${counted} of ${CFG.events} events counted`);
    process.exitCode = right ? 0 : 1;
  } finally {
    await stopBench(b);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
