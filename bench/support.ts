/**
 * What the end-to-end benchmarks (bench/run.ts, bench/cab.ts) have in common: the product
 * stack in one process, the HTTP helper, the sinks that count what went wrong, distributions,
 * a bounded-concurrency pool, and the machine and versions a result was measured on.
 * Kept in one place so that both benchmarks measure the same stack the same way: a number
 * from one is only comparable with a number from the other if their set-up cannot drift apart.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type LogEntry } from '@temporalio/worker';
import { createApp } from '../api/app';
import { defaultMaxCachedWorkflows } from '../config/env';
import { createLogger, type Logger } from '../infra/logger';
import { demoUsers, seedGroups, upsertUser } from '../db/seed';
import { bundleWorkflows, createWorker, type ItsmWorker } from '../temporal/worker';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { TEMPORAL_CLI, assertBinaries } from '../test/support/binaries';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/contracts/search-attributes';
import { startWorkerProcesses } from './worker-processes';

// ---------------------------------------------------------------------------------------------
// Numbers

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Non-finite values pass through, so an empty distribution prints as n/a rather than failing. */
export const round = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** Nearest-rank percentile of an ascending array. */
export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface Dist { n: number; p50: number; p90: number; p99: number; max: number; mean: number }

/** `digits`: each benchmark keeps the precision its published results have always had. */
export function dist(xs: number[], digits = 2): Dist {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => round(x, digits);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: r(pct(s, 50)), p90: r(pct(s, 90)), p99: r(pct(s, 99)), max: r(s[s.length - 1] ?? NaN), mean: r(mean) };
}

export function fmt(x: number | undefined, d = 1): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d);
}

/** Runs fn over items with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
}

/** Progress goes to stderr so that stdout stays the report and the JSON summary. */
export function benchLog(tag: string): (msg: string) => void {
  return (msg) => process.stderr.write(`[${tag} ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Problems: a fast run that hid failures is no result, so each bench reports them beside its numbers

/** How many examples of a kind of problem a report keeps: enough to diagnose, not a flood. */
const MAX_SAMPLES = 10;

/** The counters every benchmark keeps; each adds its own (and its own shape of HTTP failures). */
export interface ProblemCounts {
  fetchErrors: number;
  sdkSamples: string[];
  apiErrors: number;
  apiErrorSamples: string[];
}

export interface ProblemSinkOptions {
  /**
   * Counts an SDK WARN or ERROR entry the benchmark's way and gives the sample text to keep,
   * or null for an entry that is expected by design and is no problem.
   */
  sdk: (entry: LogEntry, error: unknown) => string | null;
  /** API error lines are long (they carry the request); how much of one to keep. */
  apiSampleChars: number;
  /** Sees every API error line as well, for counters of the benchmark's own. */
  api?: (line: string) => void;
}

/** `noteSdk` goes to the SDK Runtime's logger, `apiLogger` to the product worker and the API. */
export function problemSinks(problems: ProblemCounts, opts: ProblemSinkOptions): { noteSdk: (entry: LogEntry) => void; apiLogger: Logger } {
  const noteSdk = (entry: LogEntry): void => {
    if (entry.level !== 'WARN' && entry.level !== 'ERROR') return;
    const sample = opts.sdk(entry, (entry.meta as { error?: unknown } | undefined)?.error);
    if (sample !== null && problems.sdkSamples.length < MAX_SAMPLES) problems.sdkSamples.push(sample);
  };
  const apiLogger = createLogger('error', {}, (line) => {
    problems.apiErrors++;
    opts.api?.(line);
    if (problems.apiErrorSamples.length < MAX_SAMPLES) problems.apiErrorSamples.push(line.slice(0, opts.apiSampleChars));
  });
  return { noteSdk, apiLogger };
}

// ---------------------------------------------------------------------------------------------
// The stack: what test/support/stack.ts assembles, but on a file-backed Temporal store by default,
// because that is what a deployment runs on and what the numbers are meant to describe

export interface StackOptions {
  /** mkdtemp prefix of the folder that holds the Temporal database. */
  tmpPrefix: string;
  /** The product worker's task queue, which the API starts its workflows on. */
  taskQueue: string;
  /** No Temporal database file: separates the store's cost from the rest. */
  inMemory: boolean;
  /** The logger of the product worker and the API (see problemSinks). */
  log: Logger;
  /**
   * 0 (the default): the product worker in this process, as `npm start` runs it. N: `worker.ts`
   * in N processes of its own, as docker-compose runs it; their warnings go to `onWorkerProblem`.
   */
  workerProcesses?: number;
  onWorkerProblem?: (line: string) => void;
}

export interface Bench {
  env: TestWorkflowEnvironment;
  tdb: TestDatabase;
  /** The product worker's processes when it runs in processes of its own (they are children too). */
  workerPids: number[];
  /** The product worker when it runs in this process. */
  worker?: ItsmWorker;
  /** Shuts the product worker (or its processes) down. */
  stopWorkers(): Promise<void>;
  server: Server;
  baseUrl: string;
  taskQueue: string;
  tmp: string;
  /** Where the Temporal database file is (none when in memory). */
  temporalDb: string;
}

export async function startBench(opts: StackOptions): Promise<Bench> {
  assertBinaries();
  const tmp = mkdtempSync(path.join(os.tmpdir(), opts.tmpPrefix));
  const temporalDb = path.join(tmp, 'temporal.db');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: TEMPORAL_CLI },
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      ...(opts.inMemory ? {} : { dbFilename: temporalDb }),
      extraArgs: ['--log-level', 'error', ...(opts.inMemory ? [] : ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL'])],
    },
  });
  let tdb: TestDatabase | undefined;
  let stopWorkers: (() => Promise<void>) | undefined;
  try {
    tdb = await createTestDatabase('sqlite');
    for (const u of demoUsers()) await upsertUser(tdb.db, u);
    await seedGroups(tdb.db);
    const { taskQueue } = opts;
    let workerPids: number[] = [];
    let worker: ItsmWorker | undefined;
    if (opts.workerProcesses) {
      const processes = await startWorkerProcesses({
        count: opts.workerProcesses,
        temporalAddress: env.address,
        namespace: env.namespace ?? 'default',
        taskQueue,
        databaseUrl: tdb.url,
        onProblem: opts.onWorkerProblem ?? ((line) => opts.log.warn(line)),
      });
      stopWorkers = processes.stop;
      workerPids = processes.pids;
    } else {
      const w = await createWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        client: env.client,
        db: tdb.db,
        log: opts.log,
        webhookTimeoutMs: 2000,
        workflowBundle: await bundleWorkflows(),
      });
      const run = w.run();
      worker = w;
      stopWorkers = async () => {
        w.shutdown();
        await run;
      };
    }
    const app = createApp({
      db: tdb.db,
      temporal: env.client,
      env: { TEMPORAL_TASK_QUEUE: taskQueue, AUTO_CLOSE_AFTER: 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000, MAX_BODY_BYTES: 64 * 1024 },
      log: opts.log,
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { env, tdb, workerPids, ...(worker ? { worker } : {}), stopWorkers, server, baseUrl, taskQueue, tmp, temporalDb };
  } catch (e) {
    await stopWorkers?.().catch(() => undefined);
    await tdb?.dispose().catch(() => undefined);
    await env.teardown().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

export async function stopBench(b: Bench): Promise<void> {
  // Keep-alive connections would hold close() open until they time out.
  b.server.closeAllConnections();
  await new Promise<void>((resolve) => b.server.close(() => resolve()));
  await b.stopWorkers();
  await b.tdb.dispose();
  await b.env.teardown();
  rmSync(b.tmp, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface Res {
  status: number;
  body: any;
  ms: number;
  /** performance.now() once the body was read: when the caller could first have seen the answer. */
  doneAt: number;
}

export type Http = (method: string, p: string, body?: unknown, token?: string) => Promise<Res>;

/**
 * A fetch that never throws: a transport failure is counted in `problems.fetchErrors` and
 * answers status 0, so one lost connection costs one sample, not the run.
 */
/**
 * Opens incidents `from`…`from + n - 1` through the API, 16 at a time, then waits until every one's
 * workflow has started and settled into the worker's cache (the memory diagnostics measure that).
 */
export async function openCachedIncidents(b: Bench, http: Http, title: string, from: number, n: number): Promise<void> {
  await pool(Array.from({ length: n }, (_, i) => from + i), 16, async (i) => {
    const r = await http('POST', '/api/v1/incidents', { title: `${title} ${i}`, impact: 'low', urgency: 'low' });
    if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${JSON.stringify(r.body)}`);
  });
  while ((await b.tdb.db.recordStart.count()) > 0) await sleep(50);
  await sleep(2000);
}

export function httpClient(baseUrl: string, problems: Pick<ProblemCounts, 'fetchErrors'>): Http {
  return async (method, p, body, token = 'dev-agent') => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const t0 = performance.now();
    let res: Response;
    try {
      res = await fetch(baseUrl + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      problems.fetchErrors++;
      const doneAt = performance.now();
      return { status: 0, body: String(e), ms: doneAt - t0, doneAt };
    }
    const text = await res.text();
    const doneAt = performance.now();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: the text is the body
    }
    return { status: res.status, body: parsed, ms: doneAt - t0, doneAt };
  };
}

// ---------------------------------------------------------------------------------------------
// What a result was measured on

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  node: string;
  temporalCli: string;
  temporalSdk: string;
  /** The worker's default cache for this heap (config/env.ts), which the bench's worker runs with. */
  workerMaxCachedWorkflows: number;
}

export function machine(): Machine {
  let temporalCli = 'unknown';
  try {
    temporalCli = execFileSync(TEMPORAL_CLI, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // a report without the version is still a report
  }
  let sdk = 'unknown';
  try {
    sdk = (JSON.parse(readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // as above
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    temporalCli,
    temporalSdk: sdk,
    workerMaxCachedWorkflows: defaultMaxCachedWorkflows(),
  };
}

/** A worker for a benchmark's own bare workflow (and activities) on the bench's server; stop with `stop()`. */
export async function benchWorker(b: Bench, taskQueue: string, workflowsPath: string, activities?: object): Promise<{ stop: () => Promise<void> }> {
  const worker = await Worker.create({ connection: b.env.nativeConnection, namespace: b.env.namespace ?? 'default', taskQueue, workflowsPath, ...(activities ? { activities } : {}) });
  const run = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await run;
    },
  };
}

/** mulberry32: a small seeded PRNG, so every run generates the same data. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLK_TCK = 100;
/** A /proc/<pid>/stat line's parent and CPU seconds (utime + stime); the name may hold spaces, so fields count from its ')'. */
function statFields(stat: string): { ppid: number; cpuS: number } {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK };
}

/** CPU seconds (user + system) the given processes have used; 0 for one that is gone. */
export function cpuSecondsOf(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += statFields(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuS;
    } catch {
      // exited, or not Linux
    }
  }
  return total;
}

/** CPU seconds of this process's children (the Temporal dev server, any worker processes), from /proc; 0 elsewhere. */
export function childrenCpuSeconds(): number {
  let total = 0;
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      } catch {
        continue;
      }
      const f = statFields(stat);
      if (f.ppid === process.pid) total += f.cpuS;
    }
  } catch {
    // not Linux
  }
  return total;
}

/**
 * Merges a benchmark's figures into bench/results/latest.json (bench/run.ts rewrites that file;
 * the others add their figures to it), keeping every other figure there.
 */
export function mergeIntoLatest(figures: Record<string, unknown>, log: (msg: string) => void): void {
  const latest = path.join(__dirname, 'results', 'latest.json');
  mkdirSync(path.dirname(latest), { recursive: true });
  let current: Record<string, unknown> = {};
  if (existsSync(latest)) {
    try {
      current = JSON.parse(readFileSync(latest, 'utf8')) as Record<string, unknown>;
    } catch {
      log(`${latest} was not JSON: rewritten`);
    }
  }
  writeFileSync(latest, JSON.stringify({ ...current, ...figures }, null, 2) + '\n');
  log(`figures merged into ${path.relative(process.cwd(), latest)}`);
}
