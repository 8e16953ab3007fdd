/**
 * Release management, end to end through the HTTP API on a real Temporal dev server.
 *
 *   npx tsx bench/release.ts [--quick] [--n 40] [--conc 8] [--rollback-n 16] [--rollback-conc 4] [--poll-ms 20] [--in-memory] [--out result.json]
 *
 * Assembles what bench/run.ts assembles, through bench/support.ts (dev server with a file-backed
 * WAL store, migrated SQLite CMDB with the dev users and groups, the product worker, the Express
 * API on an ephemeral port). The bench is the CI/CD tool: it answers every callback at once,
 * through `POST /api/v1/releases/:id/stages/:stage/result` with the `automation` token, and the
 * release manager's approval through `POST /api/v1/releases/:id/approve`.
 *
 * Set-up, not timed: a change template, the three environment CIs, and per release a unit
 * (an application depending on two software CIs), a verified DSL artifact row and a standard
 * change from the template (created through the API, polled until `scheduled`).
 *
 * Phases:
 *   1. releases/min: --n releases, --conc in flight. Each: POST /releases → build → test →
 *      deploy:test, verify:test → deploy:staging, verify:staging → approve → deploy:production,
 *      verify:production → `deployed`. How the bench learns that a stage was requested: it
 *      polls GET /api/v1/releases/:id every --poll-ms until the stage shows `running` (what a
 *      CI/CD tool without webhooks does). That is needed four times per release: after
 *      creation (build requested by the release's begin timer), after verify:test (staging
 *      requested when the child's outcome arrives), after verify:staging (the production gate
 *      waits for approval) and after verify:production (`deployed`). The test result's and the
 *      approval's answers already show the next deployment requested (the Update answers
 *      after it), so they need no poll. Each poll adds on average half an interval plus a GET.
 *   2. the bare baseline (bench/release-baseline-workflow.ts, own worker, same server, client
 *      and process, same --n and --conc): one update-with-start, 9 Updates, 3 children started
 *      one after the other, 6 forwarded signals and 3 outcome signals per release, no database,
 *      no activity, no polling (driven through the Temporal client); the ratio releases/min ÷
 *      bare releases/min is `release_vs_bare_ratio`, and the CPU per release beside it.
 *   3. rollback of three environments: --rollback-n releases (--rollback-conc in flight) deploy
 *      test, staging and production, then verify:production is reported failed; the release
 *      rolls back production, staging and test (each rollback requested is seen by polling and
 *      answered `succeeded` at once). Measured: failing verify report sent → first GET showing
 *      `rolled_back` (p50/p99), and the same span on the release's own audit trail.
 * Writes `release_deploys_per_min`, `release_vs_bare_ratio`, `release_rollback3_p99_ms` (and a
 * few more `release_*` figures) into bench/results/latest.json, merged with what is there:
 * run it after bench/run.ts, which rewrites that file.
 * --quick: a smoke run (4 + 4 releases, 2 in flight).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { addRelationship, createCi } from '../db/ci-store';
import { newId } from '../infra/ids';
import { bareApproveUpdate, bareCreateUpdate, bareStageUpdate } from './release-baseline-workflow';
import { benchLog, benchWorker, childrenCpuSeconds, mergeIntoLatest, dist, fmt, httpClient, machine, pool, problemSinks, round, sleep, startBench, stopBench, type Bench, type Dist, type Http, type Res } from './support';

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const IN_MEMORY = argv.includes('--in-memory');
const numArg = (name: string): number | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
};
const outIdx = argv.indexOf('--out');
const OUT = outIdx >= 0 ? argv[outIdx + 1] : undefined;
if (outIdx >= 0 && !OUT) throw new Error('--out needs a file name');
const CFG = {
  n: numArg('--n') ?? (QUICK ? 4 : 40),
  conc: numArg('--conc') ?? (QUICK ? 2 : 8),
  rollbackN: numArg('--rollback-n') ?? (QUICK ? 4 : 16),
  rollbackConc: numArg('--rollback-conc') ?? (QUICK ? 2 : 4),
  pollMs: numArg('--poll-ms') ?? 20,
  /** Releases run (and thrown away) before the timed phase: the first ones pay for JIT and caches. */
  warmup: QUICK ? 1 : 2,
};
const ENVIRONMENTS = ['test', 'staging', 'production'];
const RM = 'dev-release_manager';
const BOT = 'dev-automation';
const MIN = 60_000;
const HOUR = 60 * MIN;

// ---------------------------------------------------------------------------------------------
// Problems and HTTP

const log = benchLog('bench release');

const problems = { http: {} as Record<string, number>, httpSamples: [] as string[], fetchErrors: 0, sdkWarnings: 0, sdkSamples: [] as string[], apiErrors: 0, apiErrorSamples: [] as string[], failedSamples: 0 };

const { noteSdk, apiLogger } = problemSinks(problems, {
  sdk(entry, err) {
    // The baseline's worker has workflows only, by design.
    if (/No activities registered/.test(entry.message)) return null;
    problems.sdkWarnings++;
    return `${entry.level} ${entry.message} ${err instanceof Error ? err.message : ''}`.slice(0, 400);
  },
  apiSampleChars: 400,
});

/** Set once the stack is up: the API listens on an ephemeral port. */
let http: Http;

function expectOk(r: Res, what: string): Res {
  if (r.status >= 200 && r.status < 300) return r;
  const key = `${what} ${r.status}`;
  problems.http[key] = (problems.http[key] ?? 0) + 1;
  if (problems.httpSamples.length < 10) problems.httpSamples.push(`${key}: ${(typeof r.body === 'string' ? r.body : JSON.stringify(r.body)).slice(0, 300)}`);
  throw new Error(`${what} answered ${r.status}`);
}

// ---------------------------------------------------------------------------------------------
// CPU: this process (API, worker, load generator) and its children (the Temporal dev server)


interface Meter {
  wallS: number;
  nodeCpuS: number;
  serverCpuS: number;
  loadAvg1m: number;
}
function meter(): () => Meter {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const s0 = childrenCpuSeconds();
  return () => {
    const c = process.cpuUsage(c0);
    return { wallS: round((performance.now() - t0) / 1000), nodeCpuS: round((c.user + c.system) / 1e6), serverCpuS: round(childrenCpuSeconds() - s0), loadAvg1m: round(os.loadavg()[0]) };
  };
}
const cpuMsPer = (m: Meter, n: number) => (n > 0 ? round(((m.nodeCpuS + m.serverCpuS) * 1000) / n, 0) : NaN);

// ---------------------------------------------------------------------------------------------
// Set-up: what a release needs before it can be planned

interface Prepared {
  unit: string;
  change: string;
  artifact: string;
}

let template = '';

async function prepare(b: Bench, i: number): Promise<Prepared> {
  const ctx = { actor: 'bench' };
  const tag = `${process.pid}-${i}`;
  const app = await createCi(b.tdb.db, { name: `bench-shop-${tag}`, class: 'application' }, ctx);
  const parts = [];
  for (const part of ['api', 'web']) {
    const ci = await createCi(b.tdb.db, { name: `bench-shop-${part}-${tag}`, class: 'software', attributes: { version: '1.0.0' } }, ctx);
    await addRelationship(b.tdb.db, app.id, { type: 'depends_on', targetId: ci.id }, ctx);
    parts.push(ci);
  }
  const name = `bench-shop-${tag}`;
  const sha = createHash('sha256').update(name).digest('hex');
  const art = await b.tdb.db.dslArtifact.create({ data: { id: newId('art'), name, version: '2.0.0', uri: `file:///dsl/${name}.tgz`, sha256: sha, actualSha256: sha, status: 'verified', createdBy: 'usr-release_manager' } });
  const now = Date.now();
  const chg = expectOk(
    await http('POST', '/api/v1/changes', { type: 'standard', templateId: template, title: `Deploy bench shop ${tag}`, ciIds: parts.map((p) => p.id), plannedStart: new Date(now - MIN).toISOString(), plannedEnd: new Date(now + 4 * HOUR).toISOString() }, RM),
    'POST /changes',
  );
  const deadline = performance.now() + 60_000;
  for (;;) {
    const r = expectOk(await http('GET', `/api/v1/changes/${chg.body.id}`), 'GET change');
    if (r.body.state === 'scheduled') break;
    if (performance.now() > deadline) throw new Error(`change ${chg.body.number} still ${r.body.state} after 60 s`);
    await sleep(50);
  }
  return { unit: app.number, change: chg.body.number, artifact: art.id };
}

// ---------------------------------------------------------------------------------------------
// One release, driven as a CI/CD tool would

const stageOf = (r: any, name: string) => (r?.stages as { stage: string; status: string }[] | undefined)?.find((x) => x.stage === name);
const running = (name: string) => (r: any) => stageOf(r, name)?.status === 'running';

interface Drive {
  id: string;
  gets: number;
  /** Per callback kind (build, test, deploy, verify, approve, rollback): the POST's latency. */
  postMs: Record<string, number[]>;
}

/** GETs the release every pollMs until `want` holds; refuses a terminal state it did not want. */
async function pollRelease(d: Drive, want: (r: any) => boolean, what: string, timeoutMs = 60_000): Promise<Res> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const r = expectOk(await http('GET', `/api/v1/releases/${d.id}`), 'GET release');
    d.gets++;
    if (want(r.body)) return r;
    if (['deployed', 'failed', 'rolled_back', 'cancelled'].includes(r.body.state)) throw new Error(`${r.body.number} ended ${r.body.state} waiting for ${what}: ${JSON.stringify(r.body.failure)}`);
    if (performance.now() > deadline) throw new Error(`${r.body.number} still ${r.body.state} after ${timeoutMs} ms waiting for ${what}`);
    await sleep(CFG.pollMs);
  }
}

async function post(d: Drive, kind: string, p: string, body: unknown, token: string): Promise<Res> {
  const r = expectOk(await http('POST', p, body, token), `POST ${kind}`);
  (d.postMs[kind] ??= []).push(r.ms);
  return r;
}
const report = (d: Drive, stage: string, status: 'succeeded' | 'failed', details?: string) =>
  post(d, stage.split(':')[0], `/api/v1/releases/${d.id}/stages/${stage}/result`, { status, ...(details ? { details } : {}) }, BOT);

/** Plans the release and takes it through build, test, test and staging, approval and production's deploy; verify:production is left to the caller. */
async function upToProductionVerify(p: Prepared, i: number): Promise<Drive> {
  const created = expectOk(
    await http('POST', '/api/v1/releases', { name: 'Bench shop', version: `2.0.${i}`, type: 'full', unitId: p.unit, changeIds: [p.change], artifactIds: [p.artifact] }, RM),
    'POST /releases',
  );
  const d: Drive = { id: created.body.id, gets: 0, postMs: { create: [created.ms] } };
  if (!running('build')(created.body)) await pollRelease(d, running('build'), 'build requested');
  await report(d, 'build', 'succeeded', 'bench pipeline');
  const tested = await report(d, 'test', 'succeeded');
  for (const env of ENVIRONMENTS) {
    const stage = `deploy:${env}`;
    if (env === 'production') {
      await pollRelease(d, (r) => r.state === 'awaiting_approval' && r.gate?.environment === 'production', 'the production gate');
      const approved = await post(d, 'approve', `/api/v1/releases/${d.id}/approve`, { comment: 'bench' }, RM);
      if (!running(stage)(approved.body)) await pollRelease(d, running(stage), `${stage} requested`);
    } else if (!(env === 'test' && running(stage)(tested.body))) {
      await pollRelease(d, running(stage), `${stage} requested`);
    }
    await report(d, stage, 'succeeded');
    if (env !== 'production') await report(d, `verify:${env}`, 'succeeded');
  }
  return d;
}

interface DeploySample {
  ms: number;
  gets: number;
  postMs: Record<string, number[]>;
}

async function deployRelease(p: Prepared, i: number): Promise<DeploySample> {
  const t0 = performance.now();
  const d = await upToProductionVerify(p, i);
  await report(d, 'verify:production', 'succeeded');
  const done = await pollRelease(d, (r) => r.state === 'deployed', 'deployed');
  if (JSON.stringify(done.body.deployed) !== JSON.stringify(ENVIRONMENTS)) throw new Error(`${done.body.number} deployed ${JSON.stringify(done.body.deployed)}`);
  return { ms: done.doneAt - t0, gets: d.gets, postMs: d.postMs };
}

interface RollbackSample {
  /** Failing verify report sent → first GET showing `rolled_back`. */
  ms: number;
  /** Failing verify report sent → rollback:production requested seen; then each report → the next request seen; the last report → rolled_back seen. */
  stepMs: number[];
  /** On the release's audit trail: verify:production failed recorded → rolled_back recorded. */
  auditMs: number;
  gets: number;
}

async function rollbackRelease(p: Prepared, i: number): Promise<RollbackSample> {
  const d = await upToProductionVerify(p, i);
  const getsBefore = d.gets;
  const t0 = performance.now();
  await report(d, 'verify:production', 'failed', 'error rate 12% (bench)');
  const stepMs: number[] = [];
  let from = t0;
  for (const env of [...ENVIRONMENTS].reverse()) {
    const seen = await pollRelease(d, running(`rollback:${env}`), `rollback:${env} requested`);
    stepMs.push(seen.doneAt - from);
    from = performance.now();
    await report(d, `rollback:${env}`, 'succeeded');
  }
  const done = await pollRelease(d, (r) => r.state === 'rolled_back', 'rolled_back');
  const ms = done.doneAt - t0;
  stepMs.push(done.doneAt - from);
  if (JSON.stringify(done.body.rollback?.done) !== JSON.stringify([...ENVIRONMENTS].reverse())) throw new Error(`${done.body.number} rolled back ${JSON.stringify(done.body.rollback)}`);
  // Not timed: the saga ends by completing the started change as failed, an activity that runs an
  // Update on the change's workflow. The sample ends when that is recorded (`changes_failed`), so
  // it does not land in the next sample, nor hang the worker's shutdown: once shutdown stops the
  // workflow poller, an activity waiting on an Update to a workflow of the same worker never ends.
  let trail: { at: string; action: string; data: any }[] = [];
  const settle = performance.now() + 60_000;
  for (;;) {
    trail = expectOk(await http('GET', `/api/v1/releases/${d.id}/history`), 'GET history').body;
    if (trail.some((e) => e.action === 'changes_failed')) break;
    if (performance.now() > settle) throw new Error(`${done.body.number}: its change was not completed as failed within 60 s of rolled_back`);
    await sleep(50);
  }
  const failed = trail.find((e) => e.action === 'stage_result' && e.data?.stage === 'verify:production' && e.data?.status === 'failed');
  const rolledBack = trail.find((e) => e.action === 'rolled_back');
  return { ms, stepMs, auditMs: failed && rolledBack ? Date.parse(rolledBack.at) - Date.parse(failed.at) : NaN, gets: d.gets - getsBefore };
}

/** Runs `fn` over the prepared releases, `conc` in flight; failures are counted, not fatal. */
async function runAll<T>(tag: string, items: Prepared[], offset: number, conc: number, fn: (p: Prepared, i: number) => Promise<T>): Promise<{ samples: T[]; wallS: number; meter: Meter }> {
  const samples: T[] = [];
  const stop = meter();
  const t0 = performance.now();
  await pool(items, conc, async (p, k) => {
    try {
      samples.push(await fn(p, offset + k));
    } catch (e) {
      problems.failedSamples++;
      if (problems.httpSamples.length < 10) problems.httpSamples.push(`${tag}: ${String(e).slice(0, 300)}`);
    }
  });
  const wallS = (performance.now() - t0) / 1000;
  log(`${tag}: ${samples.length}/${items.length} in ${wallS.toFixed(1)} s`);
  return { samples, wallS, meter: stop() };
}

// ---------------------------------------------------------------------------------------------
// The bare baseline: the same messages on the engine alone

async function runBare(b: Bench, n: number, conc: number) {
  const taskQueue = `bench-release-bare-${process.pid}`;
  const worker = await benchWorker(b, taskQueue, require.resolve('./release-baseline-workflow'));
  const client = b.env.client;
  const one = async (i: number) => {
    const workflowId = `bench-release-bare-${process.pid}-${i}`;
    const op = new WithStartWorkflowOperation('releaseBaselineWorkflow', { workflowId, taskQueue, args: [ENVIRONMENTS], workflowIdConflictPolicy: 'FAIL' });
    await client.workflow.executeUpdateWithStart(bareCreateUpdate, { startWorkflowOperation: op });
    const h = await op.workflowHandle();
    const stage = (s: string) => h.executeUpdate(bareStageUpdate, { args: [{ stage: s, status: 'succeeded' }] });
    await stage('build');
    await stage('test');
    for (const env of ENVIRONMENTS) {
      if (env === 'production') await h.executeUpdate(bareApproveUpdate);
      await stage(`deploy:${env}`);
      await stage(`verify:${env}`);
    }
    const deployed = (await h.result()) as string[];
    if (deployed.length !== ENVIRONMENTS.length) throw new Error(`${workflowId} deployed ${JSON.stringify(deployed)}`);
  };
  try {
    for (let i = 0; i < CFG.warmup * conc; i++) await one(-1 - i);
    const lat: number[] = [];
    let failed = 0;
    const stop = meter();
    const t0 = performance.now();
    await pool(
      Array.from({ length: n }, (_, i) => i),
      conc,
      async (i) => {
        const s = performance.now();
        try {
          await one(i);
          lat.push(performance.now() - s);
        } catch (e) {
          failed++;
          if (problems.httpSamples.length < 10) problems.httpSamples.push(`bare: ${String(e).slice(0, 300)}`);
        }
      },
    );
    const wallS = (performance.now() - t0) / 1000;
    const m = stop();
    log(`bare: ${lat.length}/${n} in ${wallS.toFixed(1)} s`);
    return { releases: lat.length, failed, conc, wallS: round(wallS), perMin: round((lat.length / wallS) * 60, 1), latencyMs: dist(lat, 0), meter: m, cpuMsPerRelease: cpuMsPer(m, lat.length) };
  } finally {
    await worker.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Main

function printReport(s: any): void {
  const line = '='.repeat(108);
  const row = (k: string, d: Dist, unit = 'ms') => console.log(`  ${k.padEnd(68)}${String(d.n).padStart(5)}${fmt(d.p50, 0).padStart(9)}${fmt(d.p90, 0).padStart(9)}${fmt(d.p99, 0).padStart(9)}${fmt(d.max, 0).padStart(9)}  ${unit}`);
  const head = () => console.log(`  ${'measure'.padEnd(68)}${'n'.padStart(5)}${'p50'.padStart(9)}${'p90'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}`);
  console.log('\n' + line);
  console.log(`Release management (${s.mode}): test → staging → production through the HTTP API, callbacks answered at once; stage requests seen by polling GET every ${CFG.pollMs} ms`);
  console.log(`${s.machine.cpus} CPU (${s.machine.cpuModel}), node ${s.machine.node}, ${s.machine.temporalCli}, SDK ${s.machine.temporalSdk}; Temporal store: ${s.temporalStore}; load ${s.machine.loadAvg1m} at start`);
  console.log(line);
  const R = s.deploy;
  const B = s.bare;
  console.log(`\n1. releases deployed through 3 environments, ${R.conc} in flight: ${R.releases} in ${fmt(R.wallS)} s = ${fmt(R.perMin)} releases/min (${R.failed} failed)`);
  console.log(`   CPU ${R.cpuMsPerRelease} ms per release (node ${fmt(R.meter.nodeCpuS)} s + server ${fmt(R.meter.serverCpuS)} s; load ${R.meter.loadAvg1m}); ${fmt(R.meanGetsPerRelease)} GETs polled per release`);
  head();
  row('release: POST /releases → `deployed` seen', R.latencyMs);
  for (const [k, d] of Object.entries(R.postMs as Record<string, Dist>)) row(`  POST ${k}`, d);
  console.log(`\n2. bare baseline (same messages, engine only), ${B.conc} in flight: ${B.releases} in ${fmt(B.wallS)} s = ${fmt(B.perMin)} releases/min (${B.failed} failed)`);
  console.log(`   CPU ${B.cpuMsPerRelease} ms per release (node ${fmt(B.meter.nodeCpuS)} s + server ${fmt(B.meter.serverCpuS)} s; load ${B.meter.loadAvg1m})`);
  head();
  row('bare release: update-with-start → result', B.latencyMs);
  console.log(`   ratio releases/min ÷ bare releases/min: ${fmt(s.ratio.throughput, 3)}; CPU per release ÷ bare: ${fmt(s.ratio.cpu, 1)}×`);
  const K = s.rollback;
  console.log(`\n3. rollback of 3 environments after a failed verify:production, ${K.conc} in flight: ${K.releases} releases (${K.failed} failed), ${fmt(K.meanGetsPerRollback)} GETs polled per rollback`);
  head();
  row('failing verify sent → `rolled_back` seen (GET)', K.rollbackMs);
  row('  verify failed sent → rollback:production requested seen', K.stepMs[0]);
  row('  rollback:production reported → rollback:staging requested seen', K.stepMs[1]);
  row('  rollback:staging reported → rollback:test requested seen', K.stepMs[2]);
  row('  rollback:test reported → rolled_back seen', K.stepMs[3]);
  row('audit trail: verify failed recorded → rolled_back recorded', K.auditMs);
  const p = s.problems as typeof problems;
  console.log(`\nproblems: failed samples ${p.failedSamples}, HTTP non-2xx ${Object.values(p.http).reduce((a, b) => a + b, 0)}, fetch errors ${p.fetchErrors}, SDK warnings ${p.sdkWarnings}, API error logs ${p.apiErrors}`);
  for (const x of [...p.httpSamples, ...p.sdkSamples, ...p.apiErrorSamples]) console.log(`  ${x}`);
  console.log(`total wall time ${fmt(s.totalWallS)} s (stack ${fmt(s.stackS)} s, set-up of ${s.prepared} releases ${fmt(s.prepareS)} s)`);
  console.log(line);
}

async function main(): Promise<void> {
  const wall0 = performance.now();
  Runtime.install({ logger: new DefaultLogger('WARN', noteSdk) });
  log(`mode: ${QUICK ? 'quick' : 'full'}; ${CFG.n} releases ${CFG.conc} in flight, ${CFG.rollbackN} rollbacks ${CFG.rollbackConc} in flight, poll ${CFG.pollMs} ms; Temporal store: ${IN_MEMORY ? 'in-memory' : 'file (WAL)'}`);
  const b = await startBench({ tmpPrefix: 'itsm-bench-release-', taskQueue: `itsm-bench-release-${process.pid}`, inMemory: IN_MEMORY, log: apiLogger });
  http = httpClient(b.baseUrl, problems);
  const { cpus, cpuModel, node, temporalCli, temporalSdk } = machine();
  const summary: Record<string, any> = {
    mode: QUICK ? 'quick' : 'full',
    config: CFG,
    temporalStore: IN_MEMORY ? 'in-memory' : 'sqlite file, WAL, synchronous=NORMAL',
    drivenThrough: 'HTTP API (stage results, approve); stage requests seen by polling GET /api/v1/releases/:id',
    machine: { cpus, cpuModel, node, temporalCli, temporalSdk, loadAvg1m: round(os.loadavg()[0], 2) },
    startedAt: new Date().toISOString(),
  };
  try {
    summary.stackS = round((performance.now() - wall0) / 1000);
    log(`stack up in ${summary.stackS} s at ${b.baseUrl}`);

    // Set-up (not timed): template, environments, one unit + artifact + scheduled standard change per release.
    const t = performance.now();
    template = expectOk(await http('POST', '/api/v1/change-templates', { name: `bench-deploy-${process.pid}`, description: 'Deploy a release', implementationPlan: 'run the pipeline', backoutPlan: 'roll back the pipeline', maxDuration: 'PT8H' }, 'dev-admin'), 'POST template').body.id;
    for (const name of ENVIRONMENTS) await createCi(b.tdb.db, { name, class: 'environment' }, { actor: 'bench' });
    const total = CFG.warmup + CFG.n + CFG.rollbackN;
    const prepared: Prepared[] = new Array(total);
    await pool(
      Array.from({ length: total }, (_, i) => i),
      8,
      async (i) => void (prepared[i] = await prepare(b, i)),
    );
    summary.prepared = total;
    summary.prepareS = round((performance.now() - t) / 1000);
    log(`prepared ${total} releases (units, artifacts, scheduled standard changes) in ${summary.prepareS} s`);
    const warm = prepared.slice(0, CFG.warmup);
    const forward = prepared.slice(CFG.warmup, CFG.warmup + CFG.n);
    const back = prepared.slice(CFG.warmup + CFG.n);

    await runAll('warm-up', warm, 0, 1, deployRelease);

    // 1. Releases per minute.
    const dep = await runAll(`deploy ${CFG.conc} in flight`, forward, CFG.warmup, CFG.conc, deployRelease);
    const kinds = [...new Set(dep.samples.flatMap((s) => Object.keys(s.postMs)))];
    summary.deploy = {
      releases: dep.samples.length,
      failed: forward.length - dep.samples.length,
      conc: CFG.conc,
      wallS: round(dep.wallS),
      perMin: round((dep.samples.length / dep.wallS) * 60, 1),
      latencyMs: dist(dep.samples.map((s) => s.ms), 0),
      postMs: Object.fromEntries(kinds.map((k) => [k, dist(dep.samples.flatMap((s) => s.postMs[k] ?? []), 0)])),
      meanGetsPerRelease: round(dep.samples.reduce((a, s) => a + s.gets, 0) / (dep.samples.length || 1), 1),
      meter: dep.meter,
      cpuMsPerRelease: cpuMsPer(dep.meter, dep.samples.length),
    };

    // 2. The bare baseline, same count and concurrency.
    summary.bare = await runBare(b, CFG.n, CFG.conc);
    summary.ratio = {
      throughput: summary.bare.perMin > 0 ? round(summary.deploy.perMin / summary.bare.perMin, 3) : null,
      cpu: summary.bare.cpuMsPerRelease > 0 ? round(summary.deploy.cpuMsPerRelease / summary.bare.cpuMsPerRelease, 1) : null,
    };

    // 3. Rollback of three environments.
    const rb = await runAll(`rollback ${CFG.rollbackConc} in flight`, back, CFG.warmup + CFG.n, CFG.rollbackConc, rollbackRelease);
    summary.rollback = {
      releases: rb.samples.length,
      failed: back.length - rb.samples.length,
      conc: CFG.rollbackConc,
      wallS: round(rb.wallS),
      rollbackMs: dist(rb.samples.map((s) => s.ms), 0),
      stepMs: [0, 1, 2, 3].map((k) => dist(rb.samples.map((s) => s.stepMs[k]), 0)),
      auditMs: dist(rb.samples.map((s) => s.auditMs).filter(Number.isFinite), 0),
      meanGetsPerRollback: round(rb.samples.reduce((a, s) => a + s.gets, 0) / (rb.samples.length || 1), 1),
      meter: rb.meter,
    };
  } finally {
    summary.problems = problems;
    await stopBench(b);
    summary.totalWallS = round((performance.now() - wall0) / 1000);
  }
  printReport(summary);

  summary.figures = {
    release_deploys_per_min: summary.deploy.perMin,
    release_vs_bare_ratio: summary.ratio.throughput,
    release_rollback3_p99_ms: summary.rollback.rollbackMs.p99,
    release_rollback3_p50_ms: summary.rollback.rollbackMs.p50,
    release_bare_deploys_per_min: summary.bare.perMin,
    release_cpu_ms_per_release: summary.deploy.cpuMsPerRelease,
    release_cpu_vs_bare_ratio: summary.ratio.cpu,
    release_conc: CFG.conc,
    release_poll_ms: CFG.pollMs,
    release_quick: QUICK,
  };
  console.log('\nRelease figures (merged into bench/results/latest.json):');
  for (const [k, v] of Object.entries(summary.figures)) console.log(`  ${k.padEnd(32)} ${String(v)}`);
  mergeIntoLatest(summary.figures, log);

  const json = JSON.stringify(summary, null, 2);
  console.log('\nJSON summary:');
  console.log(json);
  if (OUT) writeFileSync(OUT, json + '\n');
  if (problems.failedSamples > 0) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
