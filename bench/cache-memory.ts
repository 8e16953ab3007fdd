/**
 * Memory held per cached incident workflow: what WORKER_MAX_CACHED_WORKFLOWS's default is sized
 * from (config/env.ts). Opens N incidents through the API on the bench stack (in-memory engine,
 * SQLite), waits until every workflow runs with its timers set and sits in the worker's cache,
 * and prints the growth of the process's resident memory per workflow.
 *
 *   npx tsx bench/cache-memory.ts [N]        (default 3000)
 */
import { performance } from 'node:perf_hooks';
import { createLogger } from '../infra/logger';
import { benchLog, httpClient, openCachedIncidents, round, startBench, stopBench } from './support';

const N = Number(process.argv[2] ?? 3000);
const log = benchLog('cache-memory');
const MiB = 2 ** 20;

async function main(): Promise<void> {
  const b = await startBench({ tmpPrefix: 'itsm-cache-memory-', taskQueue: `cache-memory-${process.pid}`, inMemory: true, log: createLogger('error') });
  try {
    const http = httpClient(b.baseUrl, { fetchErrors: 0 });
    const open = (from: number, n: number) => openCachedIncidents(b, http, 'cache memory', from, n);
    // Warm-up: the worker's first workflows load the bundle and its shared modules.
    await open(0, 100);
    global.gc?.();
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    await open(100, N);
    global.gc?.();
    const after = process.memoryUsage().rss;
    const perWorkflowKiB = (after - before) / N / 1024;
    const result = { workflows: N, rssBeforeMiB: round(before / MiB), rssAfterMiB: round(after / MiB), perWorkflowKiB: round(perWorkflowKiB), createS: round((performance.now() - t0) / 1000) };
    log(JSON.stringify(result));
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await stopBench(b);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
