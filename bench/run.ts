/**
 * End-to-end benchmark of the incident stack, in one process, on a real Temporal dev server.
 *
 *   npx tsx bench/run.ts [--quick] [--out result.json]
 *
 * Assembles (bench/support.ts) what test/support/stack.ts assembles (dev server, migrated SQLite
 * database, the product worker, the Express API on an ephemeral port) but with a file-backed
 * Temporal store, then measures:
 *   1. incidents/s end-to-end through the HTTP API (create → assign → acknowledge → resolve →
 *      close) at bounded concurrency, and API calls/s replaying real Volvo (BPIC 2013) lifecycles;
 *   2. a bare baseline (one workflow + one trivial activity, own worker and task queue) through
 *      the same client at the same concurrency, and the ratios to it;
 *   3. SLA response-timer lateness (audit `at` of `sla_response_breached` − response dueAt) with
 *      1,000 and 10,000 open incidents (quick: 100 and 500), created at a fixed rate (70 % of
 *      the lifecycle phase's calls/s, or `--sla-rate N`) so their deadlines fall due steadily;
 *   4. sequential latency of POST /api/v1/incidents and GET /api/v1/incidents/:id.
 * Prints a table and a JSON summary (also written to --out), and shuts everything down.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { responseDueAt, type SlaClock } from '../domain/sla/clock';
import { DEFAULT_VOLVO_ZIP, impactOf, loadVolvoIncidents, toApiSteps, type ApiStep } from './volvo-log';
import type { BaselineActivities } from './baseline-workflow';
import { runBare } from './bare';
import { kernelFigures, printFigures } from './figures';
import { runOpenLoop } from './open-loop';
import { benchLog, benchWorker, childrenCpuSeconds, cpuSecondsOf, dist, fmt, httpClient, machine, pool, problemSinks, round, sleep, startBench, stopBench, type Bench, type Dist, type Http, type Res } from './support';
import { incidentCommandUpdates, incidentWorkflowId } from '../workflows/contracts/incident';

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const outIdx = argv.indexOf('--out');
const OUT = outIdx >= 0 ? argv[outIdx + 1] : undefined;
if (outIdx >= 0 && !OUT) throw new Error('--out needs a file name');

const ALL_PHASES = ['bare', 'lifecycle', 'volvo', 'baseline', 'latency', 'openloop', 'sla'] as const;
const phasesIdx = argv.indexOf('--phases');
/** Diagnostics only: `--phases lifecycle,baseline` runs a subset; `--in-memory` uses no Temporal DB file. */
const PHASES = new Set<string>(phasesIdx >= 0 ? argv[phasesIdx + 1].split(',') : ALL_PHASES);
const IN_MEMORY = argv.includes('--in-memory');
const numArg = (name: string): number | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
};

/** Volvo lifecycles average ~25 calls each: 60 of them are ~1,500 calls; the budget goes to the SLA phases. */
const CFG0 = QUICK
  ? { lifecycleN: 30, volvoN: 10, baselineN: 100, conc: 16, slaSizes: [100, 500], slaConc: 32, latencyN: 30, warmup: 3, bareN: 50, floorN: 60, openLoopS: 10 }
  : { lifecycleN: 300, volvoN: 60, baselineN: 300, conc: 16, slaSizes: [1_000, 10_000], slaConc: 32, latencyN: 200, warmup: 10, bareN: 200, floorN: 300, openLoopS: 60 };
const CFG = {
  ...CFG0,
  lifecycleN: numArg('--lifecycle-n') ?? CFG0.lifecycleN,
  volvoN: numArg('--volvo-n') ?? CFG0.volvoN,
  baselineN: numArg('--baseline-n') ?? CFG0.baselineN,
  conc: numArg('--conc') ?? CFG0.conc,
  /** Wall-time budget of the whole run (s): the last SLA size's creation is time-boxed to fit it; 0 = none. */
  budgetS: numArg('--budget') ?? (QUICK ? 600 : 870),
  /** `--worker-processes N`: the product worker as N processes of its own (0: in this process, as `npm start` runs it). */
  workerProcesses: numArg('--worker-processes') ?? 0,
  slaSizes: argv.includes('--sla-sizes') ? argv[argv.indexOf('--sla-sizes') + 1].split(',').map(Number) : CFG0.slaSizes,
};

// ---------------------------------------------------------------------------------------------
// Problems seen: HTTP statuses, SDK warnings (activity failures), API error logs

const log = benchLog('bench');

const problems = {
  http: {} as Record<string, number>,
  httpSamples: {} as Record<string, string[]>,
  fetchErrors: 0,
  sdkWarnings: {} as Record<string, number>,
  sdkSamples: [] as string[],
  apiErrors: 0,
  apiErrorSamples: [] as string[],
  sqliteBusy: 0,
};
let currentPhase = 'setup';

const isBusy = (text: string) => /SQLITE_BUSY|database is locked/i.test(text);

// Keyed by phase: which phase a warning came from is most of what it tells.
const { noteSdk, apiLogger } = problemSinks(problems, {
  sdk(entry, err) {
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : err !== undefined ? String(err) : '';
    const key = `${currentPhase}: ${entry.level} ${entry.message}${detail ? ` (${detail.slice(0, 120)})` : ''}`;
    if (isBusy(detail)) problems.sqliteBusy++;
    problems.sdkWarnings[key] = (problems.sdkWarnings[key] ?? 0) + 1;
    return `${key} ${detail.slice(0, 400)}`;
  },
  apiSampleChars: 600,
  api(line) {
    if (isBusy(line)) problems.sqliteBusy++;
  },
});

// ---------------------------------------------------------------------------------------------
// CPU accounting: this process and its children (the Temporal dev server)


/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

interface PhaseMeter {
  wallS: number;
  nodeCpuS: number;
  /** This process's children: the Temporal dev server and, with --worker-processes, the worker processes. */
  serverCpuS: number;
  nodeCpuPct: number;
  serverCpuPct: number;
  /** The worker processes' part of serverCpuPct (0 when the worker runs in this process). */
  workerProcessesCpuPct: number;
  /** Whole machine, % of one core (200% = both cores of a 2-CPU box busy): includes other processes. */
  machineCpuPct: number;
  loadAvg1m: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}
/** Set once the stack is up, when the product worker runs in processes of its own. */
let workerPids: number[] = [];

function meter(): () => PhaseMeter {
  const t0 = performance.now();
  const j0 = machineJiffies();
  const c0 = process.cpuUsage();
  const s0 = childrenCpuSeconds();
  const w0 = cpuSecondsOf(workerPids);
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return () => {
    h.disable();
    const wallS = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const nodeCpuS = (c.user + c.system) / 1e6;
    const serverCpuS = childrenCpuSeconds() - s0;
    const j1 = machineJiffies();
    return {
      machineCpuPct: round((100 * os.cpus().length * (j1.busy - j0.busy)) / (j1.total - j0.total), 0),
      loadAvg1m: round(os.loadavg()[0]),
      wallS: round(wallS),
      nodeCpuS: round(nodeCpuS),
      serverCpuS: round(serverCpuS),
      nodeCpuPct: round((100 * nodeCpuS) / wallS, 0),
      serverCpuPct: round((100 * serverCpuS) / wallS, 0),
      workerProcessesCpuPct: round((100 * (cpuSecondsOf(workerPids) - w0)) / wallS, 0),
      loopDelayP99Ms: round(h.percentile(99) / 1e6, 1),
      loopDelayMaxMs: round(h.max / 1e6, 1),
    };
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** Set once the stack is up: the API listens on an ephemeral port. */
let http: Http;

/** Records a non-2xx answer under phase/verb/status; true when the call succeeded. */
function ok(r: Res, verb: string): boolean {
  if (r.status >= 200 && r.status < 300) return true;
  const key = `${currentPhase} ${verb} ${r.status}`;
  problems.http[key] = (problems.http[key] ?? 0) + 1;
  const samples = (problems.httpSamples[key] ??= []);
  if (samples.length < 3) samples.push(typeof r.body === 'string' ? r.body.slice(0, 300) : JSON.stringify(r.body).slice(0, 300));
  return false;
}

const LEVELS = ['high', 'medium', 'low'] as const;
/**
 * Waits until every one of these incident workflows runs with its deadline timer set: no start
 * left waiting (RecordStart), and each workflow's current details name its next deadline (the
 * kernel writes them as it sets the timer). Newest first: they are the last to start.
 */
async function timersSet(b: Bench, workflowIds: string[], capMs = 120_000): Promise<void> {
  const until = performance.now() + capMs;
  const waited = () => {
    if (performance.now() < until) return sleep(20);
    throw new Error(`not every workflow was running with its timer ${capMs / 1000} s after the last create`);
  };
  while ((await b.tdb.db.recordStart.count()) > 0) await waited();
  await pool([...workflowIds].reverse(), 16, async (id) => {
    for (;;) {
      const meta = await b.env.client.workflow.getHandle(id).query<{ currentDetails?: string }>('__temporal_workflow_metadata').catch(() => null);
      if (meta?.currentDetails?.includes('next:')) return;
      await waited();
    }
  });
}

function createBody(i: number, tag: string, levels?: { impact: string; urgency: string }) {
  return {
    title: `bench ${tag} #${i}`,
    description: 'benchmark incident',
    impact: levels?.impact ?? LEVELS[i % 3],
    urgency: levels?.urgency ?? LEVELS[Math.floor(i / 3) % 3],
    category: 'bench',
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 1: lifecycles through the API

interface LifecycleResult {
  incidents: number;
  completed: number;
  calls: number;
  failedCalls: number;
  wallS: number;
  incidentsPerS: number;
  callsPerS: number;
  latencyMsByVerb: Record<string, Dist>;
  meter: PhaseMeter;
  workflowIds: string[];
}

type Step = { verb: string; path: (id: string) => string; body: unknown };
const SYNTHETIC: Step[] = [
  { verb: 'assign', path: (id) => `/api/v1/incidents/${id}/assign`, body: { group: 'service-desk' } },
  { verb: 'acknowledge', path: (id) => `/api/v1/incidents/${id}/acknowledge`, body: {} },
  { verb: 'resolve', path: (id) => `/api/v1/incidents/${id}/resolve`, body: { code: 'fixed', notes: 'benchmark: fixed' } },
  { verb: 'close', path: (id) => `/api/v1/incidents/${id}/close`, body: {} },
];

function volvoStep(s: ApiStep): Step {
  const p = (verb: string) => (id: string) => `/api/v1/incidents/${id}/${verb}`;
  switch (s.kind) {
    case 'assign':
      return { verb: 'assign', path: p('assign'), body: { group: s.group } };
    case 'hold':
      return { verb: 'hold', path: p('hold'), body: { reason: s.reason } };
    case 'resolve':
      return { verb: 'resolve', path: p('resolve'), body: { code: 'fixed', notes: 'Volvo replay: resolved' } };
    case 'reopen':
      return { verb: 'reopen', path: p('reopen'), body: { reason: 'Volvo replay: reopened' } };
    case 'cancel':
      return { verb: 'cancel', path: p('cancel'), body: { reason: 'Volvo replay: cancelled' } };
    default:
      return { verb: s.kind, path: p(s.kind), body: {} };
  }
}

async function runLifecycles(
  tag: string,
  plans: { create: ReturnType<typeof createBody>; steps: Step[] }[],
  conc: number,
): Promise<LifecycleResult> {
  const lat: Record<string, number[]> = {};
  const add = (verb: string, ms: number) => (lat[verb] ??= []).push(ms);
  let calls = 0;
  let failedCalls = 0;
  let completed = 0;
  const workflowIds: string[] = [];
  const stop = meter();
  const t0 = performance.now();
  await pool(plans, conc, async (plan) => {
    calls++;
    const c = await http('POST', '/api/v1/incidents', plan.create);
    add('create', c.ms);
    if (!ok(c, 'create')) {
      failedCalls++;
      return;
    }
    const id = (c.body as { id: string }).id;
    workflowIds.push((c.body as { workflowId: string }).workflowId);
    for (const s of plan.steps) {
      calls++;
      const r = await http('POST', s.path(id), s.body);
      add(s.verb, r.ms);
      if (!ok(r, s.verb)) {
        failedCalls++;
        return; // the rest of this lifecycle would only fail too
      }
    }
    completed++;
  });
  const wallS = (performance.now() - t0) / 1000;
  const m = stop();
  log(`${tag}: ${completed}/${plans.length} lifecycles, ${calls} calls in ${wallS.toFixed(1)} s`);
  return {
    incidents: plans.length,
    completed,
    calls,
    failedCalls,
    wallS: round(wallS),
    incidentsPerS: round(completed / wallS),
    callsPerS: round((calls - failedCalls) / wallS),
    latencyMsByVerb: Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, dist(v)])),
    meter: m,
    workflowIds,
  };
}

/**
 * Where the time of a lifecycle goes, from the workflow histories of a sample: workflow-task
 * queue wait (scheduled → started) and processing (started → completed), and per activity type
 * queue wait (scheduled → started) and run time (started → completed), in ms.
 */
async function historyBreakdown(b: Bench, workflowIds: string[]) {
  const E = temporal.api.enums.v1.EventType;
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);
  const acc: Record<string, number[]> = {};
  const push = (k: string, v: number) => (acc[k] ??= []).push(v);
  let events = 0;
  for (const id of workflowIds) {
    const h = await b.env.client.workflow.getHandle(id).fetchHistory();
    const at = new Map<number, number>();
    const activityType = new Map<number, string>();
    for (const e of h.events ?? []) {
      events++;
      const eid = Number(e.eventId);
      const t = ms(e.eventTime);
      at.set(eid, t);
      switch (e.eventType) {
        case E.EVENT_TYPE_WORKFLOW_TASK_STARTED:
          push('workflowTask.queueWait', t - (at.get(Number(e.workflowTaskStartedEventAttributes?.scheduledEventId)) ?? NaN));
          break;
        case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
          push('workflowTask.processing', t - (at.get(Number(e.workflowTaskCompletedEventAttributes?.startedEventId)) ?? NaN));
          break;
        case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
          activityType.set(eid, e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
          break;
        case E.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
          const sch = Number(e.activityTaskStartedEventAttributes?.scheduledEventId);
          push(`activity.${activityType.get(sch)}.queueWait`, t - (at.get(sch) ?? NaN));
          break;
        }
        case E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
          const a = e.activityTaskCompletedEventAttributes;
          push(`activity.${activityType.get(Number(a?.scheduledEventId))}.run`, t - (at.get(Number(a?.startedEventId)) ?? NaN));
          break;
        }
        default:
          break;
      }
    }
  }
  return {
    workflows: workflowIds.length,
    meanEventsPerWorkflow: round(events / (workflowIds.length || 1), 1),
    ms: Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, { ...dist(v.filter(Number.isFinite)), perWorkflow: round(v.length / workflowIds.length, 1) }])),
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 2: bare baseline

async function runBaseline(b: Bench, n: number, conc: number, warmup: number) {
  const taskQueue = `bench-baseline-${process.pid}`;
  const activities: BaselineActivities = { touch: async ({ n: x }) => x + 1 };
  const worker = await benchWorker(b, taskQueue, require.resolve('./baseline-workflow'), activities);
  try {
    const one = (i: number) =>
      b.env.client.workflow.execute('baselineWorkflow', { taskQueue, workflowId: `baseline-${process.pid}-${i}`, args: [i] });
    await pool(Array.from({ length: warmup }, (_, i) => -1 - i), conc, async (i) => {
      await one(i);
    });
    const lat: number[] = [];
    let failed = 0;
    const stop = meter();
    const t0 = performance.now();
    await pool(Array.from({ length: n }, (_, i) => i), conc, async (i) => {
      const s = performance.now();
      try {
        await one(i);
        lat.push(performance.now() - s);
      } catch (e) {
        failed++;
        if (problems.sdkSamples.length < 10) problems.sdkSamples.push(`baseline: ${String(e).slice(0, 300)}`);
      }
    });
    const wallS = (performance.now() - t0) / 1000;
    const m = stop();
    log(`baseline: ${n - failed}/${n} workflows in ${wallS.toFixed(1)} s`);
    return { workflows: n, failed, wallS: round(wallS), workflowsPerS: round((n - failed) / wallS), latencyMs: dist(lat), meter: m };
  } finally {
    await worker.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 3: SLA timer lateness

async function createDefaultSla(name: string, response: string, resolution: string): Promise<string> {
  const targets = Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response, resolution }]));
  const r = await http('POST', '/api/v1/slas', { name, kind: 'SLA', calendar: '24x7', isDefault: true, targets }, 'dev-admin');
  if (!ok(r, 'sla')) throw new Error(`POST /api/v1/slas failed: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { id: string }).id;
}

async function runSlaPhase(b: Bench, size: number, conc: number, estCreatesPerS: number, createBoxS: number | null) {
  currentPhase = `sla-${size}`;
  const unboxedS = size / estCreatesPerS;
  const boxed = createBoxS !== null && createBoxS < unboxedS * 1.15;
  // All response timers must still be pending when the last incident is created.
  const responseS = boxed ? Math.ceil((createBoxS as number) + 40) : Math.ceil(unboxedS * 1.15 + 30);
  const slaId = await createDefaultSla(`bench SLA ${size}`, `PT${responseS}S`, 'P7D');
  log(
    `sla ${size}: response target ${responseS} s (creation paced at ${estCreatesPerS.toFixed(1)}/s: ${unboxedS.toFixed(0)} s` +
      (boxed ? `; TIME-BOXED to ${(createBoxS as number).toFixed(0)} s to fit the run's budget)` : ')'),
  );

  const due = new Map<string, number>(); // id → dueAt from the create response
  const createLat: number[] = [];
  let failed = 0;
  const stopCreate = meter();
  const t0 = Date.now();
  let lastLog = Date.now();
  let skipped = 0;
  await pool(Array.from({ length: size }, (_, i) => i), conc, async (i) => {
    // Paced: the i-th create goes out at i / rate (or later, with `conc` already in flight).
    const wait = t0 + (i * 1000) / estCreatesPerS - Date.now();
    if (wait > 0) await sleep(wait);
    if (boxed && Date.now() - t0 > (createBoxS as number) * 1000) {
      skipped++;
      return;
    }
    const r = await http('POST', '/api/v1/incidents', createBody(i, `sla${size}`));
    createLat.push(r.ms);
    if (!ok(r, 'create')) {
      failed++;
      return;
    }
    const body = r.body as { id: string; sla: { slaId: string; response: { dueAt: string } } };
    if (body.sla.slaId !== slaId) throw new Error(`incident got SLA ${body.sla.slaId}, expected ${slaId}`);
    due.set(body.id, Date.parse(body.sla.response.dueAt));
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      log(`sla ${size}: ${due.size} created (${((1000 * due.size) / (Date.now() - t0)).toFixed(1)}/s)`);
    }
  });
  const createEnd = Date.now();
  const createMeter = stopCreate();
  const openIncidentsTotal = await b.tdb.db.incident.count({ where: { state: { notIn: ['closed', 'cancelled'] } } });
  const createS = (createEnd - t0) / 1000;
  const createsPerS = due.size / createS;
  const dues = [...due.values()];
  const firstDue = Math.min(...dues);
  const lastDue = Math.max(...dues);
  log(`sla ${size}: ${due.size} created in ${createS.toFixed(1)} s (${createsPerS.toFixed(1)}/s); first due in ${((firstDue - createEnd) / 1000).toFixed(0)} s`);

  // Wait for every response breach to be recorded.
  const stopFire = meter();
  const deadline = lastDue + Math.max(180_000, size * 30);
  const countBreaches = () => b.tdb.db.auditEvent.count({ where: { action: 'sla_response_breached', at: { gte: new Date(t0) } } });
  let seen = 0;
  let lastProgress = 0;
  while (Date.now() < deadline) {
    seen = await countBreaches();
    if (seen >= due.size) break;
    if (Date.now() - lastProgress > 15_000) {
      lastProgress = Date.now();
      log(`sla ${size}: ${seen}/${due.size} breaches recorded (last due in ${((lastDue - Date.now()) / 1000).toFixed(0)} s)`);
    }
    await sleep(Date.now() < firstDue - 2000 ? Math.min(1000, firstDue - 2000 - Date.now()) : 500);
  }
  const doneAt = Date.now();
  const fireMeter = stopFire();

  const events = await b.tdb.db.auditEvent.findMany({
    where: { action: 'sla_response_breached', at: { gte: new Date(t0) } },
    select: { recordId: true, at: true },
  });
  // The stored `sla` JSON is the authority on dueAt; the create response must agree with it.
  const rows = await b.tdb.db.incident.findMany({ where: { openedAt: { gte: new Date(t0 - 1000) } }, select: { id: true, sla: true, workflowId: true } });
  const storedDue = new Map<string, number>();
  for (const r of rows) storedDue.set(r.id, responseDueAt((JSON.parse(r.sla) as { clock: SlaClock }).clock));
  let dueMismatch = 0;
  const lateness: number[] = [];
  /** Breaches over a second late, by the 10-s window their deadline fell in: one stall or a spread. */
  const lateByWindow = new Map<number, { n: number; maxMs: number }>();
  let beforeCreateEnd = 0;
  let lastBreachAt = 0;
  for (const e of events) {
    const d = storedDue.get(e.recordId);
    if (d === undefined || !due.has(e.recordId)) continue;
    if (d !== due.get(e.recordId)) dueMismatch++;
    const at = e.at.getTime();
    lateness.push(at - d);
    if (at - d > 1000) {
      const w = Math.floor((d - t0) / 10_000) * 10;
      const cur = lateByWindow.get(w) ?? { n: 0, maxMs: 0 };
      lateByWindow.set(w, { n: cur.n + 1, maxMs: Math.max(cur.maxMs, at - d) });
    }
    if (at < createEnd) beforeCreateEnd++;
    lastBreachAt = Math.max(lastBreachAt, at);
  }
  const missing = due.size - lateness.length;
  log(`sla ${size}: ${lateness.length}/${due.size} breaches measured${missing ? `, ${missing} MISSING` : ''}`);

  // Split the lateness of a sample (evenly spaced by lateness, so the tail is in it) into the
  // server's part (TimerFired − dueAt) and the worker's (audit at − TimerFired).
  const breachAt = new Map(events.map((e) => [e.recordId, e.at.getTime()] as const));
  const byLateness = [...due.keys()].filter((id) => breachAt.has(id) && storedDue.has(id)).sort((a, b) => (breachAt.get(a) as number) - (storedDue.get(a) as number) - ((breachAt.get(b) as number) - (storedDue.get(b) as number)));
  const sampleN = Math.min(200, byLateness.length);
  const sample = Array.from({ length: sampleN }, (_, k) => byLateness[Math.round((k * (byLateness.length - 1)) / Math.max(1, sampleN - 1))]);
  const workflowIdOf = new Map(rows.map((r) => [r.id, r.workflowId] as const));
  const timerSetLate: number[] = [];
  const serverPart: number[] = [];
  const workerPart: number[] = [];
  const E = temporal.api.enums.v1.EventType;
  await pool(sample, 8, async (id) => {
    const h = await b.env.client.workflow.getHandle(workflowIdOf.get(id) as string).fetchHistory();
    const evs = h.events ?? [];
    const t0 = (x: { seconds?: unknown; nanos?: number | null }) => Number(x.seconds ?? 0) * 1000 + (x.nanos ?? 0) / 1e6;
    // With two-stage deadlines the coarse timer fires first: the breach follows the last one before it.
    const fired = evs.filter((e) => e.eventType === E.EVENT_TYPE_TIMER_FIRED && e.eventTime && t0(e.eventTime) <= (breachAt.get(id) as number)).at(-1);
    const started = evs.find((e) => Number(e.eventId) === Number(fired?.timerFiredEventAttributes?.startedEventId));
    if (!fired?.eventTime || !started?.eventTime) return;
    const t = (x: { seconds?: unknown; nanos?: number | null }) => Number(x.seconds ?? 0) * 1000 + (x.nanos ?? 0) / 1e6;
    const firedAt = t(fired.eventTime);
    const timeout = started.timerStartedEventAttributes?.startToFireTimeout;
    const expectedFire = t(started.eventTime) + (timeout ? t(timeout) : NaN);
    timerSetLate.push(expectedFire - (storedDue.get(id) as number));
    serverPart.push(firedAt - expectedFire);
    workerPart.push((breachAt.get(id) as number) - firedAt);
  });
  return {
    targetIncidents: size,
    openIncidents: due.size,
    openIncidentsTotal,
    timeBoxedS: boxed ? round(createBoxS as number) : null,
    notCreatedBecauseOfTimeBox: skipped,
    extrapolatedCreateSForTarget: round(size / createsPerS),
    slaResponseTargetS: responseS,
    create: {
      ok: due.size,
      failed,
      wallS: round(createS),
      perS: round(createsPerS),
      latencyMs: dist(createLat),
      meter: createMeter,
    },
    firingWindowS: round((lastDue - firstDue) / 1000),
    firstDueAfterCreateEndS: round((firstDue - createEnd) / 1000),
    breachesRecorded: lateness.length,
    breachesMissing: missing,
    breachesBeforeCreationEnded: beforeCreateEnd,
    dueAtMismatches: dueMismatch,
    latenessMs: dist(lateness),
    /** Breaches over 1 s late: how many 10-s windows of deadlines hold them, and the three worst (seconds after the phase began). */
    lateOver1s: {
      n: [...lateByWindow.values()].reduce((a, w) => a + w.n, 0),
      windows: lateByWindow.size,
      worst: [...lateByWindow.entries()].sort((a, b) => b[1].n - a[1].n).slice(0, 3).map(([fromS, w]) => ({ fromS, n: w.n, maxMs: round(w.maxMs, 0) })),
    },
    /** From the histories of a sample spread over the lateness distribution (so its own percentiles are not the population's). */
    latenessSplitSample: {
      n: serverPart.length,
      /** (TimerStarted + startToFireTimeout) − dueAt: the timer is relative to the end of the workflow task that set it, the workflow's clock to its start. */
      timerSetLateMs: dist(timerSetLate),
      /** TimerFired − (TimerStarted + startToFireTimeout): the server's own timer delay. */
      serverTimerDelayMs: dist(serverPart),
      /** Audit `at` − TimerFired: workflow task, firstTierGroup activity, until recordTransition is scheduled. */
      workerAuditMinusTimerFiredMs: dist(workerPart),
    },
    drainAfterLastDueS: round((lastBreachAt - lastDue) / 1000),
    phaseWallS: round((doneAt - t0) / 1000),
    fireMeter,
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 4: sequential API latency

async function runLatency(b: Bench, n: number) {
  const created: string[] = [];
  const createMs: number[] = [];
  const getMs: number[] = [];
  const getByNumberMs: number[] = [];
  const numbers: string[] = [];
  const stop = meter();
  // Another n for the direct Updates below, so that each of those is its incident's first command too.
  const direct: string[] = [];
  for (let i = 0; i < 2 * n; i++) {
    const r = await http('POST', '/api/v1/incidents', createBody(i, 'latency'));
    if (!ok(r, 'create')) continue;
    if (i >= n) {
      direct.push((r.body as { number: string }).number);
      continue;
    }
    createMs.push(r.ms);
    created.push((r.body as { id: string }).id);
    numbers.push((r.body as { number: string }).number);
  }
  // Reads and commands are timed once every workflow the creates above started runs with its
  // timer set, as the bare Update is timed on a settled engine: otherwise the first of them share
  // the machine with the starts still trailing the creates (the open-loop phase measures that).
  const settle0 = performance.now();
  await timersSet(b, [...numbers, ...direct].map(incidentWorkflowId));
  const settledS = (performance.now() - settle0) / 1000;
  for (const id of created) {
    const r = await http('GET', `/api/v1/incidents/${id}`);
    if (ok(r, 'get')) getMs.push(r.ms);
  }
  for (const num of numbers) {
    const r = await http('GET', `/api/v1/incidents/${num}`);
    if (ok(r, 'getByNumber')) getByNumberMs.push(r.ms);
  }
  // Sequential commands: a work note on each, then an assignment (each a transition through the workflow).
  const notesMs: number[] = [];
  const assignMs: number[] = [];
  for (const id of created) {
    const r = await http('POST', `/api/v1/incidents/${id}/notes`, { text: 'benchmark note' });
    if (ok(r, 'notes')) notesMs.push(r.ms);
    const a = await http('POST', `/api/v1/incidents/${id}/assign`, { group: 'service-desk' });
    if (ok(a, 'assign')) assignMs.push(a.ms);
  }
  const commandMs = [...notesMs, ...assignMs];
  // The same note as the first command of each of the other n incidents, sent straight to its
  // workflow (no HTTP, no API; the body as the API hands it on, by the same actor): what a command
  // costs in the engine and the worker alone, beside the bare Update.
  const directMs: number[] = [];
  const [noted] = created.length ? ((await http('GET', `/api/v1/incidents/${created[0]}/history`)).body as { action: string; actor: string }[]).filter((e) => e.action === 'notes') : [];
  for (const num of noted ? direct : []) {
    const t0 = performance.now();
    await b.env.client.workflow.getHandle(incidentWorkflowId(num)).executeUpdate(incidentCommandUpdates.notes, { args: [{ actor: noted.actor, body: { text: 'benchmark note', visibility: 'internal' } }] });
    directMs.push(performance.now() - t0);
  }
  return {
    creates: n,
    createMs: dist(createMs),
    getMs: dist(getMs),
    getByNumberMs: dist(getByNumberMs),
    commandMs: dist(commandMs),
    // The note is each incident's first command after its start, the assignment the second.
    commandMsByVerb: { notes: dist(notesMs), assign: dist(assignMs) },
    directUpdateMs: dist(directMs),
    /** How long the engine took, after the last create, until every created workflow ran with its timer set. */
    settledS: round(settledS),
    meter: stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const wall0 = performance.now();
  Runtime.install({ logger: new DefaultLogger('WARN', noteSdk) });
  log(`mode: ${QUICK ? 'quick' : 'full'}; phases: ${[...PHASES].join(', ')}; Temporal store: ${IN_MEMORY ? 'in-memory' : 'file (WAL)'}`);
  const b = await startBench({
    tmpPrefix: 'itsm-bench-',
    taskQueue: `itsm-bench-${process.pid}`,
    inMemory: IN_MEMORY,
    log: apiLogger,
    workerProcesses: CFG.workerProcesses,
    onWorkerProblem(line) {
      if (isBusy(line)) problems.sqliteBusy++;
      const key = `${currentPhase}: worker process ${line.replace(/^worker \d+: /, '').slice(0, 160)}`;
      problems.sdkWarnings[key] = (problems.sdkWarnings[key] ?? 0) + 1;
    },
  });
  workerPids = b.workerPids;
  log(`product worker: ${CFG.workerProcesses ? `${CFG.workerProcesses} processes of its own` : 'in this process'}`);
  http = httpClient(b.baseUrl, problems);
  const summary: Record<string, any> = {
    mode: QUICK ? 'quick' : 'full',
    phases: [...PHASES],
    temporalStore: IN_MEMORY ? 'in-memory' : 'sqlite file, WAL, synchronous=NORMAL',
    config: CFG,
    machine: machine(),
    startedAt: new Date().toISOString(),
  };
  try {
    const setupS = (performance.now() - wall0) / 1000;
    summary.setupS = round(setupS);
    log(`stack up in ${setupS.toFixed(1)} s at ${b.baseUrl}`);

    // Every phase but the SLA one runs under an SLA whose timers cannot fire during the run.
    currentPhase = 'setup';
    await createDefaultSla('bench quiet SLA', 'P1D', 'P7D');

    // Warm-up: bundle caches, JIT, connections.
    currentPhase = 'warmup';
    await runLifecycles('warm-up', Array.from({ length: CFG.warmup }, (_, i) => ({ create: createBody(i, 'warmup'), steps: SYNTHETIC })), CFG.conc);

    // 0. The engine alone: the baseline (again after the product phases) and the bare phases.
    if (PHASES.has('baseline')) {
      currentPhase = 'baseline-before';
      summary.baselineBefore = await runBaseline(b, CFG.baselineN, CFG.conc, CFG.warmup);
    }
    if (PHASES.has('bare')) {
      currentPhase = 'bare';
      const stopBare = meter();
      summary.bare = { ...(await runBare(b, { sequential: CFG.bareN, lifecycles: CFG.floorN, conc: CFG.conc })), meter: stopBare() };
      log(`bare: update p50 ${summary.bare.updateMs.p50} ms (one workflow; ${summary.bare.updateSpreadMs.p50} ms over ${summary.bare.updateSpreadMs.n} workflows in turn), update-with-start p50 ${summary.bare.updateWithStartMs.p50} ms, floor ${summary.bare.floorLifecyclesPerS} lifecycles/s`);
    }

    // 1a. Synthetic lifecycles.
    if (PHASES.has('lifecycle')) {
      currentPhase = 'lifecycle';
      const { workflowIds, ...lifecycle } = await runLifecycles(
        'lifecycle',
        Array.from({ length: CFG.lifecycleN }, (_, i) => ({ create: createBody(i, 'lifecycle'), steps: SYNTHETIC })),
        CFG.conc,
      );
      summary.lifecycle = lifecycle;
      // Sample from the middle of the run (steady state).
      const mid = Math.floor(workflowIds.length / 2);
      summary.lifecycleHistory = await historyBreakdown(b, workflowIds.slice(Math.max(0, mid - 25), mid + 25));
    }

    // 1b. Real lifecycles (BPIC 2013 Volvo).
    if (PHASES.has('volvo')) {
      currentPhase = 'volvo';
      const tLoad = performance.now();
      const volvo = loadVolvoIncidents(DEFAULT_VOLVO_ZIP).slice(0, CFG.volvoN);
      const volvoLoadS = (performance.now() - tLoad) / 1000;
      const volvoPlans = volvo.map((inc, i) => ({
        create: createBody(i, `volvo ${inc.srNumber}`, impactOf(inc)),
        steps: toApiSteps(inc).map(volvoStep),
      }));
      // The log's support teams as groups: an assignment names a group that exists.
      const teams = new Set(volvoPlans.flatMap((p) => p.steps.flatMap((s) => (s.verb === 'assign' ? [(s.body as { group: string }).group] : []))));
      for (const name of teams) await b.tdb.db.group.upsert({ where: { name }, create: { id: `grp-volvo-${name}`, name, tier: 2 }, update: {} });
      const stepsByKind: Record<string, number> = {};
      for (const p of volvoPlans) for (const s of p.steps) stepsByKind[s.verb] = (stepsByKind[s.verb] ?? 0) + 1;
      const { workflowIds: _ids, ...volvoRes } = await runLifecycles('volvo', volvoPlans, CFG.conc);
      summary.volvo = { ...volvoRes, steps: volvoPlans.reduce((a, p) => a + p.steps.length, 0), loadS: round(volvoLoadS), stepsByKind, meanCallsPerIncident: round(volvoRes.calls / volvoRes.incidents) };
    }

    // 2. Bare baseline.
    if (PHASES.has('baseline')) {
      currentPhase = 'baseline';
      summary.baseline = await runBaseline(b, CFG.baselineN, CFG.conc, CFG.warmup);
      const base = summary.baseline.workflowsPerS as number;
      summary.ratios = {
        incidentsPerS_over_baselinePerS: summary.lifecycle ? round(summary.lifecycle.incidentsPerS / base, 3) : null,
        lifecycleCallsPerS_over_baselinePerS: summary.lifecycle ? round(summary.lifecycle.callsPerS / base, 3) : null,
        volvoIncidentsPerS_over_baselinePerS: summary.volvo ? round(summary.volvo.incidentsPerS / base, 3) : null,
        volvoCallsPerS_over_baselinePerS: summary.volvo ? round(summary.volvo.callsPerS / base, 3) : null,
      };
    }

    // 4. Sequential latency (before the SLA phase leaves thousands of workflows open).
    if (PHASES.has('latency')) {
      currentPhase = 'latency';
      summary.latency = await runLatency(b, CFG.latencyN);
      log(`latency: create p50 ${summary.latency.createMs.p50} ms, get p50 ${summary.latency.getMs.p50} ms`);
    }

    // 5. Open-loop creation at a fixed rate.
    if (PHASES.has('openloop')) {
      currentPhase = 'openloop';
      const stopOpen = meter();
      summary.openLoop = { ...(await runOpenLoop(http, 30, CFG.openLoopS, (i) => createBody(i, 'open-loop'), (ids) => timersSet(b, ids))), meter: stopOpen() };
      log(`open loop: ${summary.openLoop.ok}/${summary.openLoop.sent} creates at 30/s, p99 ${summary.openLoop.latencyMs.p99} ms; every workflow running with its timer ${summary.openLoop.backlogDrainedS} s after the last create`);
    }
    if (PHASES.has('baseline')) {
      currentPhase = 'baseline-after';
      summary.baselineAfter = await runBaseline(b, CFG.baselineN, CFG.conc, CFG.warmup);
    }

    // 3. SLA timer lateness.
    if (PHASES.has('sla')) {
      const sla: Awaited<ReturnType<typeof runSlaPhase>>[] = [];
      summary.sla = sla;
      // Incidents are created at a fixed rate, 70 % of what the stack sustains, so that their
      // deadlines fall due at a rate it can follow: a breach costs about what a command does, so
      // the capacity is the lifecycle phase's calls per second (`--sla-rate` sets the rate).
      const est = numArg('--sla-rate') ?? Math.max(5, (summary.lifecycle?.callsPerS ?? 10) * 0.7);
      for (const [k, size] of CFG.slaSizes.entries()) {
        // The last size gets what is left of the budget: creation C, then the timers fall due
        // over about C more after a target of C + 40 s, plus the drain: about 2C + 70 s.
        const leftS = CFG.budgetS - (performance.now() - wall0) / 1000 - 15;
        const box = CFG.budgetS > 0 && k === CFG.slaSizes.length - 1 ? Math.max(90, (leftS - 70) / 2) : null;
        const r = await runSlaPhase(b, size, CFG.slaConc, est, box);
        sla.push(r);
      }
    }

    currentPhase = 'teardown';
    try {
      summary.temporalDbMiB = IN_MEMORY ? null : round(statSync(b.temporalDb).size / 2 ** 20, 1);
    } catch {
      // ignore
    }
  } finally {
    currentPhase = 'teardown';
    summary.problems = problems;
    const t = performance.now();
    await stopBench(b);
    summary.teardownS = round((performance.now() - t) / 1000);
    summary.totalWallS = round((performance.now() - wall0) / 1000);
  }
  summary.figures = kernelFigures(summary);
  printReport(summary);
  printFigures(summary.figures);
  const json = JSON.stringify(summary, null, 2);
  const latest = path.join(__dirname, 'results', 'latest.json');
  mkdirSync(path.dirname(latest), { recursive: true });
  writeFileSync(latest, JSON.stringify({ ...summary.figures, quick: QUICK, machine: summary.machine, startedAt: summary.startedAt }, null, 2) + '\n');
  log(`figures written to ${path.relative(process.cwd(), latest)}`);
  console.log('\nJSON summary:');
  console.log(json);
  if (OUT) {
    writeFileSync(OUT, json + '\n');
    log(`written ${OUT}`);
  }
}

function printReport(s: any): void {
  const rows: [string, string][] = [];
  const add = (k: string, v: string) => rows.push([k, v]);
  const L = s.lifecycle as LifecycleResult | undefined;
  const V = s.volvo as (LifecycleResult & { meanCallsPerIncident: number }) | undefined;
  const H = s.lifecycleHistory as Awaited<ReturnType<typeof historyBreakdown>> | undefined;
  add('machine', `${s.machine.cpus} CPU (${s.machine.cpuModel}), node ${s.machine.node}, ${s.machine.temporalCli}, SDK ${s.machine.temporalSdk}`);
  add('Temporal store', s.temporalStore);
  if (L) {
    add(`1a lifecycle (5 calls, conc ${CFG.conc}, N=${L.incidents})`, `${fmt(L.incidentsPerS, 2)} incidents/s, ${fmt(L.callsPerS)} calls/s (${L.completed} ok, ${L.failedCalls} failed calls)`);
    for (const [verb, d] of Object.entries(L.latencyMsByVerb)) add(`    ${verb} latency under load`, `p50 ${fmt(d.p50)} ms  p99 ${fmt(d.p99)} ms  max ${fmt(d.max)} ms`);
  }
  if (H) {
    add(`    histories of ${H.workflows} lifecycles`, `${H.meanEventsPerWorkflow} events each; per lifecycle count × p50 / p99 ms:`);
    for (const [k, d] of Object.entries(H.ms)) add(`      ${k}`, `${fmt(d.perWorkflow)} × p50 ${fmt(d.p50)} / p99 ${fmt(d.p99)} ms (mean ${fmt(d.mean)})`);
  }
  if (V) add(`1b Volvo replay (conc ${CFG.conc}, N=${V.incidents})`, `${fmt(V.callsPerS)} calls/s, ${fmt(V.incidentsPerS, 2)} incidents/s, ${fmt(V.meanCallsPerIncident)} calls/incident (${V.completed} ok, ${V.failedCalls} failed calls)`);
  if (s.baseline) {
    add(`2  baseline (1 wf + 1 activity, conc ${CFG.conc}, N=${s.baseline.workflows})`, `${fmt(s.baseline.workflowsPerS)} workflows/s (p50 ${fmt(s.baseline.latencyMs.p50)} ms, p99 ${fmt(s.baseline.latencyMs.p99)} ms)`);
    add('   ratio incidents/s ÷ baseline/s', fmt(s.ratios.incidentsPerS_over_baselinePerS ?? NaN, 3));
    add('   ratio lifecycle calls/s ÷ baseline/s', fmt(s.ratios.lifecycleCallsPerS_over_baselinePerS ?? NaN, 3));
    add('   ratio Volvo calls/s ÷ baseline/s', fmt(s.ratios.volvoCallsPerS_over_baselinePerS ?? NaN, 3));
  }
  for (const r of s.sla ?? []) {
    if (r.timeBoxedS !== null) {
      add(
        `3  SLA ${r.targetIncidents}: TIME-BOXED`,
        `created ${r.openIncidents} of ${r.targetIncidents} in the ${fmt(r.timeBoxedS, 0)} s left of the budget; all ${r.targetIncidents} would take ~${fmt(r.extrapolatedCreateSForTarget, 0)} s to create`,
      );
    }
    add(`3  SLA lateness, ${r.openIncidents} with timers (${r.openIncidentsTotal} open)`, `p50 ${fmt(r.latenessMs.p50, 0)} ms  p99 ${fmt(r.latenessMs.p99, 0)} ms  max ${fmt(r.latenessMs.max, 0)} ms (${r.breachesRecorded} measured, ${r.breachesMissing} missing)`);
    const sp = r.latenessSplitSample;
    add(
      `    split (history sample of ${sp.n})`,
      `timer set late p50 ${fmt(sp.timerSetLateMs.p50, 0)}/max ${fmt(sp.timerSetLateMs.max, 0)}, server timer delay p50 ${fmt(sp.serverTimerDelayMs.p50, 0)}/max ${fmt(sp.serverTimerDelayMs.max, 0)}, worker audit−fired p50 ${fmt(sp.workerAuditMinusTimerFiredMs.p50, 0)}/max ${fmt(sp.workerAuditMinusTimerFiredMs.max, 0)} ms`,
    );
    const lo = r.lateOver1s;
    add(
      '    over 1 s late, by deadline',
      `${lo.n} breaches in ${lo.windows} of ${Math.ceil(r.phaseWallS / 10)} 10-s windows` + (lo.worst.length ? `; worst: ${lo.worst.map((w: { fromS: number; n: number; maxMs: number }) => `${w.n} due at +${w.fromS} s (max ${w.maxMs} ms)`).join(', ')}` : ''),
    );
    add(`    create rate (conc ${CFG.slaConc})`, `${fmt(r.create.perS)} incidents/s over ${fmt(r.create.wallS)} s (p50 ${fmt(r.create.latencyMs.p50)} ms, p99 ${fmt(r.create.latencyMs.p99)} ms, ${r.create.failed} failed)`);
    add('    target / window / phase', `response ${r.slaResponseTargetS} s, dues over ${fmt(r.firingWindowS)} s, ${r.breachesBeforeCreationEnded} fired before creation ended, phase ${fmt(r.phaseWallS, 0)} s`);
  }
  if (s.latency) {
    add(`4  POST /incidents sequential (N=${s.latency.creates})`, `p50 ${fmt(s.latency.createMs.p50)} ms  p99 ${fmt(s.latency.createMs.p99)} ms  max ${fmt(s.latency.createMs.max)} ms`);
    add('   settled before the reads (every workflow started, its timer set)', `${fmt(s.latency.settledS)} s after the last create`);
    add('   GET /incidents/:id sequential', `p50 ${fmt(s.latency.getMs.p50)} ms  p99 ${fmt(s.latency.getMs.p99)} ms  max ${fmt(s.latency.getMs.max)} ms`);
    add('   GET /incidents/:number sequential', `p50 ${fmt(s.latency.getByNumberMs.p50)} ms  p99 ${fmt(s.latency.getByNumberMs.p99)} ms`);
    for (const [verb, d] of Object.entries(s.latency.commandMsByVerb as Record<string, Dist>)) add(`   POST /incidents/:id/${verb} sequential`, `p50 ${fmt(d.p50)} ms  p99 ${fmt(d.p99)} ms  max ${fmt(d.max)} ms`);
    const d = s.latency.directUpdateMs as Dist;
    add('   the note as an Update straight to the workflow', `p50 ${fmt(d.p50)} ms  p99 ${fmt(d.p99)} ms  max ${fmt(d.max)} ms`);
  }
  const p = s.problems as typeof problems;
  add('problems', `HTTP non-2xx: ${Object.values(p.http).reduce((a, b) => a + b, 0)}, fetch errors: ${p.fetchErrors}, SDK warnings: ${Object.values(p.sdkWarnings).reduce((a, b) => a + b, 0)}, API error logs: ${p.apiErrors}, SQLITE_BUSY: ${p.sqliteBusy}`);
  add('total wall time', `${fmt(s.totalWallS)} s (setup ${fmt(s.setupS)} s, teardown ${fmt(s.teardownS)} s)`);
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log('\n' + '='.repeat(110));
  console.log(`ITSM incident benchmark (${s.mode})`);
  console.log('='.repeat(110));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  console.log('='.repeat(110));
  const phases: [string, PhaseMeter][] = [];
  if (L) phases.push(['lifecycle', L.meter]);
  if (V) phases.push(['volvo', V.meter]);
  if (s.baseline) phases.push(['baseline', s.baseline.meter]);
  if (s.latency) phases.push(['latency', s.latency.meter]);
  for (const r of s.sla ?? []) phases.push([`sla-${r.targetIncidents} create`, r.create.meter], [`sla-${r.targetIncidents} fire`, r.fireMeter]);
  console.log(
    workerPids.length
      ? 'CPU per phase (% of one core; node = API + load generator, server = Temporal dev server + worker processes, machine = all processes):'
      : 'CPU per phase (% of one core; node = API + worker + load generator, server = Temporal dev server, machine = all processes):',
  );
  for (const [name, m] of phases) {
    console.log(`  ${name.padEnd(18)} wall ${fmt(m.wallS).padStart(7)} s  node ${String(m.nodeCpuPct).padStart(4)}%  server ${String(m.serverCpuPct).padStart(4)}%${workerPids.length ? ` (worker processes ${m.workerProcessesCpuPct}%)` : ''}  machine ${String(m.machineCpuPct).padStart(4)}% (load ${fmt(m.loadAvg1m)})  event-loop delay p99 ${fmt(m.loopDelayP99Ms)} ms, max ${fmt(m.loopDelayMaxMs)} ms`);
  }
  for (const [k, v] of Object.entries(p.http)) console.log(`  HTTP ${k}: ${v}  e.g. ${(p.httpSamples[k] ?? [])[0] ?? ''}`);
  for (const [k, v] of Object.entries(p.sdkWarnings)) console.log(`  SDK ${k}: ${v}`);
  for (const l of p.apiErrorSamples) console.log(`  API ${l}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
