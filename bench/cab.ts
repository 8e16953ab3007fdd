/**
 * CAB decision latency, end to end through the HTTP API on a real Temporal dev server.
 *
 *   npx tsx bench/cab.ts [--quick] [--n 100] [--conc 4] [--poll-ms 5] [--in-memory] [--out result.json]
 *
 * Assembles what bench/run.ts assembles, through bench/support.ts (dev server with a file-backed
 * WAL store, migrated SQLite CMDB with the dev users and groups, the product worker, the Express
 * API on an ephemeral port). One server CI is created; with the default policy a normal change
 * on it has 4 required approvers (the change manager and the three CAB members), quorum 3.
 * Per sample:
 *   POST /api/v1/changes (normal, window 30 days ahead) → poll GET until `cab_review` →
 *   votes from dev-cab_member and dev-cab_member2 → the deciding vote from dev-cab_member3,
 *   with GET /api/v1/changes/:id polled from the moment that vote is sent.
 * Measured:
 *   - decision latency: last vote request sent → first GET answer showing `approved` (or a
 *     later state: `scheduled` counts); resolution ≈ the poll interval plus one GET;
 *   - the vote POST latency (it answers once the workflow has recorded the vote);
 *   - from the audit trail, the workflow's own vote-recorded → approved-recorded time;
 *   - a bare baseline: signal → the value visible by query on a trivial workflow (own worker,
 *     same server and client, same poll interval), and the ratios of the decision latency to it.
 * Each is measured with one change in flight (sequential) and with --conc in flight. Every
 * sample waits for its change to reach `scheduled` before it ends, so the follow-up work of
 * one decision does not land in the next sample. --quick: 10 samples per phase instead of 100.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createCi } from '../db/ci-store';
import { bumpSignal, stopSignal, valueQuery } from './signal-baseline-workflow';
import { benchLog, benchWorker, dist, fmt, httpClient, machine, pool, problemSinks, round, sleep, startBench, stopBench, type Bench, type Dist, type Http, type Res } from './support';

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
  n: numArg('--n') ?? (QUICK ? 10 : 100),
  /** In flight in the concurrent phase; 0 or 1 skips it. */
  conc: numArg('--conc') ?? 4,
  pollMs: numArg('--poll-ms') ?? 5,
  warmup: QUICK ? 2 : 5,
};
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** States in which the CAB's approval is visible: `approved` or anything the workflow moves it on to. */
const APPROVED_VISIBLE = new Set(['approved', 'held', 'scheduled', 'implementing', 'implemented', 'reviewed', 'closed']);

// ---------------------------------------------------------------------------------------------
// Problems and HTTP

const log = benchLog('bench cab');

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

function expectOk(r: Res, what: string): void {
  if (r.status >= 200 && r.status < 300) return;
  const key = `${what} ${r.status}`;
  problems.http[key] = (problems.http[key] ?? 0) + 1;
  if (problems.httpSamples.length < 10) problems.httpSamples.push(`${key}: ${(typeof r.body === 'string' ? r.body : JSON.stringify(r.body)).slice(0, 300)}`);
  throw new Error(`${what} answered ${r.status}`);
}

/** GETs the change every pollMs until its state satisfies `want`; the answer that first did. */
async function pollChange(id: string, want: (state: string) => boolean, timeoutMs = 60_000): Promise<Res> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const r = await http('GET', `/api/v1/changes/${id}`);
    expectOk(r, 'GET change');
    if (want(r.body.state)) return r;
    if (performance.now() > deadline) throw new Error(`change ${id} still ${r.body.state} after ${timeoutMs} ms`);
    await sleep(CFG.pollMs);
  }
}

// ---------------------------------------------------------------------------------------------
// One CAB decision

interface Sample {
  /** Last vote sent → first GET showing approved (ms). */
  decisionMs: number;
  voteMs: number[];
  lastVoteMs: number;
  /** The deciding vote's own answer already showed the approval. */
  lastVoteAnswerApproved: boolean;
  /** Audit `at` of `approved` − audit `at` of the deciding vote (the workflow's clock). */
  auditVoteToApprovedMs: number;
  getsPolled: number;
}

let ciId = '';
let seq = 0;

async function cabSample(): Promise<Sample> {
  const i = seq++;
  const start = Date.now() + 30 * DAY + i * 3 * HOUR;
  const created = await http('POST', '/api/v1/changes', {
    title: `bench CAB #${i}`,
    type: 'normal',
    ciIds: [ciId],
    plannedStart: new Date(start).toISOString(),
    plannedEnd: new Date(start + 2 * HOUR).toISOString(),
    implementationPlan: 'benchmark: nothing to do',
    backoutPlan: 'benchmark: nothing to undo',
  });
  expectOk(created, 'POST /changes');
  const id = created.body.id as string;
  const review = await pollChange(id, (s) => s === 'cab_review');
  if (review.body.cab?.quorum !== 3 || review.body.cab?.required?.length !== 4) throw new Error(`expected quorum 3 of 4, got ${review.body.cab?.quorum} of ${review.body.cab?.required?.length}`);
  const voteMs: number[] = [];
  for (const token of ['dev-cab_member', 'dev-cab_member2']) {
    const v = await http('POST', `/api/v1/changes/${id}/votes`, { decision: 'approve' }, token);
    expectOk(v, 'POST vote');
    voteMs.push(v.ms);
  }
  // The deciding vote; GETs start at once, alongside it.
  const t0 = performance.now();
  const last = http('POST', `/api/v1/changes/${id}/votes`, { decision: 'approve', comment: 'deciding vote' }, 'dev-cab_member3');
  let gets = 0;
  let seen: Res | undefined;
  while (!seen) {
    const r = await http('GET', `/api/v1/changes/${id}`);
    gets++;
    expectOk(r, 'GET change');
    if (APPROVED_VISIBLE.has(r.body.state)) seen = r;
    else if (performance.now() - t0 > 60_000) throw new Error(`change ${id} not approved 60 s after the deciding vote (${r.body.state})`);
    else await sleep(CFG.pollMs);
  }
  const decisionMs = seen.doneAt - t0;
  const lastVote = await last;
  expectOk(lastVote, 'POST deciding vote');
  voteMs.push(lastVote.ms);
  // Let the follow-up (freeze check, `scheduled`) finish before the next sample.
  await pollChange(id, (s) => s === 'scheduled');
  const history = await http('GET', `/api/v1/changes/${id}/history`);
  expectOk(history, 'GET history');
  const entries = history.body as { at: string; action: string; actor: string }[];
  const vote = entries.filter((e) => e.action === 'vote' && e.actor === 'usr-cab_member3').at(-1);
  const approved = entries.find((e) => e.action === 'approved');
  return {
    decisionMs,
    voteMs,
    lastVoteMs: lastVote.ms,
    lastVoteAnswerApproved: APPROVED_VISIBLE.has(lastVote.body?.state),
    auditVoteToApprovedMs: vote && approved ? Date.parse(approved.at) - Date.parse(vote.at) : NaN,
    getsPolled: gets,
  };
}

async function runCab(tag: string, n: number, conc: number) {
  const samples: Sample[] = [];
  const t0 = performance.now();
  await pool(Array.from({ length: n }, (_, i) => i), conc, async () => {
    try {
      samples.push(await cabSample());
    } catch (e) {
      problems.failedSamples++;
      if (problems.httpSamples.length < 10) problems.httpSamples.push(`${tag}: ${String(e).slice(0, 300)}`);
    }
  });
  const wallS = (performance.now() - t0) / 1000;
  log(`${tag}: ${samples.length}/${n} CAB decisions in ${wallS.toFixed(1)} s`);
  return {
    samples: samples.length,
    conc,
    wallS: round(wallS, 2),
    decisionMs: dist(samples.map((s) => s.decisionMs), 1),
    voteMs: dist(samples.flatMap((s) => s.voteMs), 1),
    decidingVoteMs: dist(samples.map((s) => s.lastVoteMs), 1),
    decidingVoteAnswerShowedApproved: samples.filter((s) => s.lastVoteAnswerApproved).length,
    auditVoteToApprovedMs: dist(samples.map((s) => s.auditVoteToApprovedMs).filter(Number.isFinite), 1),
    meanGetsPolled: round(samples.reduce((a, s) => a + s.getsPolled, 0) / (samples.length || 1), 1),
  };
}

// ---------------------------------------------------------------------------------------------
// Baseline: signal → visible by query on a trivial workflow

async function runBaseline(b: Bench, tag: string, n: number, conc: number) {
  const taskQueue = `bench-cab-baseline-${process.pid}-${tag}`;
  const worker = await benchWorker(b, taskQueue, require.resolve('./signal-baseline-workflow'));
  const lat: number[] = [];
  const t0 = performance.now();
  try {
    const lanes = Math.max(1, Math.min(conc, n));
    const handles = await Promise.all(
      Array.from({ length: lanes }, (_, k) => b.env.client.workflow.start('signalBaselineWorkflow', { taskQueue, workflowId: `bench-cab-baseline-${process.pid}-${tag}-${k}` })),
    );
    let next = 0;
    await Promise.all(
      handles.map(async (h) => {
        for (let v = 1; ; v++) {
          const i = next++;
          if (i >= n + CFG.warmup * lanes) return;
          const s = performance.now();
          await h.signal(bumpSignal, v);
          while ((await h.query(valueQuery)) !== v) await sleep(CFG.pollMs);
          if (i >= CFG.warmup * lanes) lat.push(performance.now() - s);
        }
      }),
    );
    await Promise.all(handles.map((h) => h.signal(stopSignal)));
    await Promise.all(handles.map((h) => h.result()));
  } finally {
    await worker.stop();
  }
  log(`baseline ${tag}: ${lat.length} signal → query round trips in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { samples: lat.length, conc, signalToQueryMs: dist(lat, 1) };
}

// ---------------------------------------------------------------------------------------------
// Main

function versions() {
  const { cpus, cpuModel, node, temporalCli, temporalSdk } = machine();
  return { cpus, cpuModel, node, temporalCli, temporalSdk, loadAvg1m: round(os.loadavg()[0], 2) };
}

function printReport(s: any): void {
  const line = '='.repeat(104);
  console.log('\n' + line);
  console.log(`CAB decision latency (${s.mode}): normal change, 4 required approvers, quorum 3; GET polled every ${CFG.pollMs} ms`);
  console.log(`${s.machine.cpus} CPU (${s.machine.cpuModel}), node ${s.machine.node}, ${s.machine.temporalCli}, SDK ${s.machine.temporalSdk}; Temporal store: ${s.temporalStore}; load ${s.machine.loadAvg1m} at start`);
  console.log(line);
  const head = `${'measure'.padEnd(58)}${'n'.padStart(5)}${'p50'.padStart(9)}${'p90'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}  ms`;
  const row = (k: string, d: Dist) => console.log(`${k.padEnd(58)}${String(d.n).padStart(5)}${fmt(d.p50).padStart(9)}${fmt(d.p90).padStart(9)}${fmt(d.p99).padStart(9)}${fmt(d.max).padStart(9)}`);
  for (const phase of s.phases) {
    const c = phase.cab;
    const base = phase.baseline;
    console.log(`\n${phase.title} (${c.samples} decisions in ${fmt(c.wallS)} s)`);
    console.log(head);
    row('CAB decision: last vote sent → `approved` visible (GET)', c.decisionMs);
    row('vote POST (all three votes)', c.voteMs);
    row('vote POST (the deciding vote)', c.decidingVoteMs);
    row('workflow: deciding vote recorded → approved recorded', c.auditVoteToApprovedMs);
    row('baseline: bare signal → value visible by query', base.signalToQueryMs);
    console.log(`${'ratio CAB decision ÷ baseline'.padEnd(63)}${(fmt(phase.ratio.p50, 2) + '×').padStart(9)}${''.padStart(9)}${(fmt(phase.ratio.p99, 2) + '×').padStart(9)}`);
    console.log(`  the deciding vote's own answer already showed the approval in ${c.decidingVoteAnswerShowedApproved} of ${c.samples}; ${fmt(c.meanGetsPolled)} GETs polled per decision`);
  }
  const p = s.problems as typeof problems;
  console.log(`\nproblems: failed samples ${p.failedSamples}, HTTP non-2xx ${Object.values(p.http).reduce((a, b) => a + b, 0)}, fetch errors ${p.fetchErrors}, SDK warnings ${p.sdkWarnings}, API error logs ${p.apiErrors}`);
  for (const x of [...p.httpSamples, ...p.sdkSamples, ...p.apiErrorSamples]) console.log(`  ${x}`);
  console.log(`total wall time ${fmt(s.totalWallS)} s (setup ${fmt(s.setupS)} s)`);
  console.log(line);
}

async function main(): Promise<void> {
  const wall0 = performance.now();
  Runtime.install({ logger: new DefaultLogger('WARN', noteSdk) });
  log(`mode: ${QUICK ? 'quick' : 'full'}; ${CFG.n} samples per phase, concurrent phase ${CFG.conc > 1 ? CFG.conc : 'skipped'}; Temporal store: ${IN_MEMORY ? 'in-memory' : 'file (WAL)'}`);
  const b = await startBench({ tmpPrefix: 'itsm-bench-cab-', taskQueue: `itsm-bench-cab-${process.pid}`, inMemory: IN_MEMORY, log: apiLogger });
  http = httpClient(b.baseUrl, problems);
  const summary: Record<string, any> = {
    mode: QUICK ? 'quick' : 'full',
    config: CFG,
    temporalStore: IN_MEMORY ? 'in-memory' : 'sqlite file, WAL, synchronous=NORMAL',
    machine: versions(),
    phases: [] as unknown[],
  };
  try {
    const ci = await createCi(b.tdb.db, { name: 'bench-cab-01', class: 'server', status: 'live', environment: 'production', attributes: { hostname: 'bench-cab-01' } }, { actor: 'bench' });
    ciId = ci.number;
    summary.setupS = round((performance.now() - wall0) / 1000, 2);
    log(`stack up in ${summary.setupS} s at ${b.baseUrl}`);
    await runCab('warm-up', CFG.warmup, 1);

    const levels = CFG.conc > 1 ? [1, CFG.conc] : [1];
    for (const conc of levels) {
      const tag = conc === 1 ? 'sequential' : `concurrent-${conc}`;
      const cab = await runCab(tag, CFG.n, conc);
      const baseline = await runBaseline(b, tag, CFG.n, conc);
      summary.phases.push({
        title: conc === 1 ? 'One change in flight' : `${conc} changes in flight`,
        cab,
        baseline,
        ratio: { p50: round(cab.decisionMs.p50 / baseline.signalToQueryMs.p50, 2), p99: round(cab.decisionMs.p99 / baseline.signalToQueryMs.p99, 2) },
      });
    }
  } finally {
    summary.problems = problems;
    await stopBench(b);
    summary.totalWallS = round((performance.now() - wall0) / 1000, 2);
  }
  printReport(summary);
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
