/**
 * The release workflow on the time-skipping test server, with the real worker, the real
 * change workflows that authorise it and activities writing to a real (SQLite) database:
 * build → test → a deployment child per environment (deploy, then a reported or polled
 * verification) with the gate in between; failures and the rollback saga; stage timeouts;
 * the gate waiting on the change's approval, its window and a change freeze; cancel
 * mid-deployment; health-check verification against a real HTTP server.
 *
 * Time is locked while the test polls (queries and database reads): it only moves when the
 * test skips it with env.sleep. Stage limits are per release (the submission's `timeouts`).
 * One case runs on a dev server: the time-skipping server delivers signals that the real one drops.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ItsmWorker } from '../../temporal/worker';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createCi } from '../../db/ci-store';
import { demoUsers, seedGroups, upsertUser } from '../../db/seed';
import { DEFAULT_CHANGE_POLICY } from '../../domain/change/policy';
import type { ChangeView } from '../../domain/change/snapshot';
import type { ReleaseSubmission, StepOutcome } from '../../domain/release/lifecycle';
import type { ReleaseView } from '../../domain/release/snapshot';
import { newId } from '../../infra/ids';
import { changeWorkflow } from '../../workflows/change';
import { changeCommandUpdates, changeWorkflowId, createChangeUpdate, getChangeQuery, recheckScheduleSignal, voteSignal, type ChangeWorkflowConfig, type SubmitChange } from '../../workflows/contracts/change';
import { FAILURE } from '../../workflows/contracts/record';
import {
  createReleaseUpdate,
  deploymentWorkflowId,
  getReleaseQuery,
  recheckGateSignal,
  releaseCommandUpdates,
  releaseWorkflowId,
  type ReleaseWorkflowInput,
} from '../../workflows/contracts/release';
import { releaseWorkflow } from '../../workflows/release';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startDevServer, startTimeSkippingServer, startWorker } from '../support/temporal';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TQ = 'release-wf';
const RM = 'usr-release_manager';
const BOT = 'usr-automation';
const ENVIRONMENTS = ['test', 'staging', 'production'];

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let worker: ItsmWorker;
let running: Promise<void>;
let seq = 0;
const started: WorkflowHandle[] = [];
const releases: string[] = [];

beforeAll(async () => {
  env = await startTimeSkippingServer();
  tdb = await createTestDatabase();
  await seedGroups(tdb.db);
  for (const u of demoUsers()) await upsertUser(tdb.db, u);
  // The environments as CIs: a deployed release records its components `deployed_in` them.
  for (const name of ENVIRONMENTS) await createCi(tdb.db, { name, class: 'environment', attributes: {} }, { actor: 'tester' });
  worker = await startWorker(env, tdb.db, TQ);
  running = worker.run();
});

afterEach(async () => {
  // Freezes are global: never let one test's freeze hold another test's change or release.
  await tdb.db.changeFreeze.deleteMany({});
  // Stop what a test left running (releases, their deployment children, changes), so later time skips do not drive its timers.
  const children = releases.splice(0).flatMap((n) => ENVIRONMENTS.flatMap((e) => (['deploy', 'rollback'] as const).map((a) => env.client.workflow.getHandle(deploymentWorkflowId(n, a, e)))));
  for (const h of [...started.splice(0), ...children]) {
    try {
      if ((await h.describe()).status.name === 'RUNNING') await h.terminate('test finished');
    } catch {
      // never started, or already gone
    }
  }
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await tdb?.dispose();
  await env?.teardown();
});

const RECORD = { continueAsNewAfterEvents: 5000, createTimeoutMs: MIN, searchAttributes: false };
const CHANGE_CONFIG: ChangeWorkflowConfig = { ...RECORD, policy: DEFAULT_CHANGE_POLICY };
const TIMEOUTS: ReleaseSubmission['timeouts'] = { build: 2 * HOUR, test: 4 * HOUR, deploy: HOUR, verify: 30 * MIN };

const iso = (ms: number) => new Date(ms).toISOString();
const now = () => env.currentTimeMs();

async function poll<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let last: T | undefined;
    try {
      last = await read();
      if (ok(last)) return last;
    } catch {
      // asked again below
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits in real time for the run to complete (not `handle.result()`: that unlocks time skipping). */
const completed = (h: WorkflowHandle) => poll(() => h.describe(), (d) => d.status.name === 'COMPLETED', `${h.workflowId} to complete`);

// ---- Fixtures: the CMDB, the DSL, the changes ----

/** A release unit (an application) and the software component the release deploys. */
async function components() {
  const k = ++seq;
  const app = await createCi(tdb.db, { name: `rw-shop-${k}`, class: 'application', attributes: {} }, { actor: 'tester' });
  const api = await createCi(tdb.db, { name: `rw-shop-api-${k}`, class: 'software', attributes: { version: '1.0.0' } }, { actor: 'tester' });
  return { app, api };
}

/** A verified DSL artifact, as the library records one after fetching it (the DSL has its own tests). */
async function artifact(name: string) {
  const sha = createHash('sha256').update(name).digest('hex');
  return tdb.db.dslArtifact.create({ data: { id: newId('art'), name, version: '2.0.0', uri: `file:///dsl/${name}.tgz`, sha256: sha, actualSha256: sha, status: 'verified', createdBy: RM } });
}

const changeOf = (h: WorkflowHandle) => h.query(getChangeQuery) as Promise<ChangeView>;
const changeState = (h: WorkflowHandle, want: (v: ChangeView) => boolean, what: string) => poll(() => changeOf(h), (v) => !!v && want(v), what);

/**
 * A real change over the CIs, its window opening `startIn` from now (default: a minute ago)
 * and lasting a day: standard (pre-approved by a template row, straight to scheduled), or
 * normal (left in CAB review; `approveByCab` approves it).
 */
async function openChange(ciIds: string[], o: { type?: 'standard' | 'normal'; startIn?: number } = {}): Promise<{ handle: WorkflowHandle; view: ChangeView }> {
  const k = ++seq;
  const number = `CHG8${String(k).padStart(6, '0')}`;
  const type = o.type ?? 'standard';
  const t = await now();
  const start = t + (o.startIn ?? -MIN);
  let body: SubmitChange = { title: `Deploy shop ${k}`, type, ciIds, plannedStart: iso(start), plannedEnd: iso(start + DAY), implementationPlan: 'run the pipeline', backoutPlan: 'roll back the pipeline', ciUpdates: [] };
  if (type === 'standard') {
    const tpl = await tdb.db.changeTemplate.create({ data: { id: `tpl-rw-${k}`, name: `deploy-rw-${k}`, implementationPlan: 'run the pipeline', backoutPlan: 'redeploy the previous version', createdBy: 'usr-admin' } });
    body = { ...body, templateId: tpl.id, implementationPlan: tpl.implementationPlan, backoutPlan: tpl.backoutPlan };
  }
  const handle = await env.client.workflow.start(changeWorkflow, { taskQueue: TQ, workflowId: changeWorkflowId(number), args: [{ id: `chg-rw-${k}`, number, config: CHANGE_CONFIG }] });
  started.push(handle);
  await handle.executeUpdate(createChangeUpdate, { args: [{ actor: RM, body }] });
  const view = await changeState(handle, (v) => v.state === (type === 'standard' ? 'scheduled' : 'cab_review'), `${number} ${type === 'standard' ? 'scheduled' : 'in CAB review'}`);
  return { handle, view };
}

async function approveByCab(h: WorkflowHandle, changeId: string): Promise<void> {
  for (const member of ['usr-cab_member', 'usr-cab_member2', 'usr-cab_member3']) {
    await h.signal(voteSignal, { voteId: `v-${changeId}-${member}`, member, groups: ['cab'], decision: 'approve' });
  }
}

// ---- The release ----

interface Opened {
  handle: WorkflowHandle;
  view: ReleaseView;
  number: string;
  change: { handle: WorkflowHandle; view: ChangeView };
  api: { id: string; number: string };
  art: { id: string; sha256: string };
}

/**
 * A release as temporal/open-release.ts creates one: Update-with-Start of `create` with a
 * resolved submission (a full release of an application's one component, one real change, one
 * verified artifact). `change` defaults to a standard change whose window is open.
 */
async function openRelease(o: Partial<ReleaseSubmission> & { change?: { type?: 'standard' | 'normal'; startIn?: number } } = {}): Promise<Opened> {
  const { change: changeOptions, ...overrides } = o;
  const { app, api } = await components();
  const change = await openChange([api.id], changeOptions);
  const art = await artifact(`rw-shop-${seq}`);
  const k = ++seq;
  const number = `REL8${String(k).padStart(6, '0')}`;
  const ref = (c: { id: string; number: string; name: string; class: string }) => ({ id: c.id, number: c.number, name: c.name, class: c.class });
  const body: ReleaseSubmission = {
    name: 'Shop',
    version: '2.0.0',
    description: null,
    type: 'full',
    unit: ref(app),
    cis: [ref(api)],
    changes: [{ id: change.view.id, number: change.view.number }],
    artifacts: [{ id: art.id, name: art.name, version: art.version, sha256: art.sha256, url: `http://localhost/api/v1/dsl/artifacts/${art.id}/content` }],
    environments: ENVIRONMENTS,
    buildRequired: false,
    healthChecks: {},
    timeouts: TIMEOUTS,
    ...overrides,
  };
  const startWorkflowOperation = new WithStartWorkflowOperation(releaseWorkflow, {
    workflowId: releaseWorkflowId(number),
    taskQueue: TQ,
    args: [{ id: `rel-rw-${k}`, number, config: RECORD } satisfies ReleaseWorkflowInput],
    workflowIdConflictPolicy: 'FAIL',
  });
  releases.push(number);
  const view = await env.client.workflow.executeUpdateWithStart(createReleaseUpdate, { args: [{ actor: RM, body }], startWorkflowOperation });
  const handle = await startWorkflowOperation.workflowHandle();
  started.push(handle);
  return { handle, view, number, change, api, art };
}

const releaseOf = (h: WorkflowHandle) => h.query(getReleaseQuery) as Promise<ReleaseView>;
const stage = (r: ReleaseView, name: string) => r.stages.find((x) => x.stage === name);
const stages = (r: ReleaseView) => r.stages.map((x) => `${x.stage}=${x.status}`);
const until = (h: WorkflowHandle, want: (r: ReleaseView) => boolean, what: string) =>
  poll(() => releaseOf(h), (r) => !!r && want(r), what);
const running_ = (h: WorkflowHandle, name: string) => until(h, (r) => stage(r, name)?.status === 'running', `${name} running`);

/** A stage result as the API forwards it (POST …/stages/{stage}/result). */
const report = (h: WorkflowHandle, name: string, status: 'succeeded' | 'failed', details?: string) =>
  h.executeUpdate(releaseCommandUpdates['stage-result'], { args: [{ actor: BOT, body: { stage: name, status, ...(details ? { details } : {}) } }] });
const approve = (h: WorkflowHandle, comment?: string) => h.executeUpdate(releaseCommandUpdates.approve, { args: [{ actor: RM, body: comment ? { comment } : {} }] });
const cancel = (h: WorkflowHandle, reason: string) => h.executeUpdate(releaseCommandUpdates.cancel, { args: [{ actor: RM, body: { reason } }] });

/** Each environment in turn: its deployment requested, then deploy and verify reported. */
async function deployThrough(h: WorkflowHandle, envs: string[]): Promise<void> {
  for (const e of envs) {
    await running_(h, `deploy:${e}`);
    await report(h, `deploy:${e}`, 'succeeded');
    await report(h, `verify:${e}`, 'succeeded');
  }
}

/** The tests pass (the build is skipped unless the release requires one). */
async function tested(h: WorkflowHandle): Promise<void> {
  await running_(h, 'test');
  await report(h, 'test', 'succeeded');
}

const actions = async (id: string) => (await tdb.db.auditEvent.findMany({ where: { recordId: id }, orderBy: { seq: 'asc' } })).map((a) => a.action);
const events = async (id: string) => (await tdb.db.outboxEvent.findMany({ where: { recordId: id }, orderBy: { occurredAt: 'asc' } })).map((e) => e.type);
const changeTrail = async (changeId: string, actor: string) => (await tdb.db.auditEvent.findMany({ where: { recordId: changeId, actor }, orderBy: { seq: 'asc' } })).map((a) => a.action);
const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
  return (e as WorkflowUpdateFailedError).cause as ApplicationFailure;
};

/** A deployment child's outcome once it has completed. */
async function outcome(number: string, action: 'deploy' | 'rollback', environment: string): Promise<StepOutcome> {
  const h = env.client.workflow.getHandle(deploymentWorkflowId(number, action, environment));
  await completed(h);
  // Read from the history: `result()` would unlock time skipping.
  const payload = (await h.fetchHistory()).events?.at(-1)?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  return JSON.parse(Buffer.from(payload!.data!).toString('utf8')) as StepOutcome;
}

// ---------------------------------------------------------------------------------------------

test('happy path: build → test → test, staging, production (approved before production); the change is started then completed success by the release; deployed', async () => {
  const { handle, view, number, change, api, art } = await openRelease({ buildRequired: true });
  expect(view).toMatchObject({ number, state: 'planned', environments: ENVIRONMENTS, changeIds: [change.view.id], artifactIds: [art.id] });
  // The change shows the release that carries it.
  await changeState(change.handle, (v) => v.releaseNumber === number, 'the change linked');

  const building = await running_(handle, 'build');
  expect(building.state).toBe('building');
  await report(handle, 'build', 'succeeded', 'build #42');
  await tested(handle);
  await deployThrough(handle, ['test', 'staging']);

  // Production waits for the release manager; the change has not started.
  const waiting = await until(handle, (r) => r.state === 'awaiting_approval' && r.gate?.environment === 'production', 'the production gate');
  expect(waiting).toMatchObject({ deployed: ['test', 'staging'], current: null, gate: { state: 'awaiting', reasons: ["production needs the release manager's approval"] } });
  expect((await changeOf(change.handle)).state).toBe('scheduled');

  const approved = await approve(handle, 'go');
  expect(approved.approval).toMatchObject({ by: RM, comment: 'go' });
  await running_(handle, 'deploy:production');
  const implementing = await changeOf(change.handle);
  expect(implementing.state).toBe('implementing');
  await deployThrough(handle, ['production']);

  await completed(handle);
  const done = await releaseOf(handle);
  expect(done).toMatchObject({ state: 'deployed', deployed: ENVIRONMENTS, current: null, gate: null, failure: null, rollback: null });
  expect(done.deployedAt).not.toBeNull();
  expect(stages(done)).toEqual([
    'build=succeeded',
    'test=succeeded',
    'deploy:test=succeeded',
    'verify:test=succeeded',
    'deploy:staging=succeeded',
    'verify:staging=succeeded',
    'deploy:production=succeeded',
    'verify:production=succeeded',
  ]);
  expect(stage(done, 'build')).toMatchObject({ details: 'build #42', reportedBy: BOT });

  // The change was driven by the release: started when production began, completed on success.
  const finished = await changeState(change.handle, (v) => v.state === 'implemented', 'the change implemented');
  expect(finished.outcome).toBe('success');
  expect(await changeTrail(change.view.id, number)).toEqual(['start', 'implemented']);
  // Each deployment child reported how it ended.
  for (const e of ENVIRONMENTS) expect(await outcome(number, 'deploy', e)).toMatchObject({ environment: e, action: 'deploy', status: 'succeeded', stage: `verify:${e}` });

  // The CMDB and the DSL know what runs where.
  const ci = await tdb.db.configurationItem.findUniqueOrThrow({ where: { id: api.id } });
  expect(JSON.parse(ci.attributes).version).toBe('2.0.0');
  expect(await tdb.db.ciRelationship.count({ where: { sourceId: api.id, type: 'deployed_in' } })).toBe(3);
  expect(JSON.parse((await tdb.db.dslArtifact.findUniqueOrThrow({ where: { id: art.id } })).deployedIn)).toEqual([number]);

  expect(await actions(view.id)).toEqual([
    'create',
    'build',
    'stage_succeeded',
    'stage_succeeded',
    'deploy_requested',
    'stage_result',
    'stage_result',
    'environment_deployed',
    'deploy_requested',
    'stage_result',
    'stage_result',
    'environment_deployed',
    'gate_held',
    'approve',
    'changes_started',
    'deploy_requested',
    'stage_result',
    'stage_result',
    'environment_deployed',
    'deployed',
  ]);
  const evs = await events(view.id);
  expect(evs[0]).toBe('release.created');
  expect(evs.at(-1)).toBe('release.deployed');
  const requested = await tdb.db.outboxEvent.findMany({ where: { recordId: view.id, type: 'release.deploy_requested' }, orderBy: { occurredAt: 'asc' } });
  expect(requested.map((e) => JSON.parse(e.data).environment)).toEqual(ENVIRONMENTS);
  expect(JSON.parse(requested[0].data)).toMatchObject({ releaseId: view.id, releaseNumber: number, artifacts: [{ id: art.id, sha256: art.sha256 }] });
  expect(await tdb.db.notification.count({ where: { recordId: view.id } })).toBe(0);
  const row = await tdb.db.release.findUniqueOrThrow({ where: { id: view.id } });
  expect([row.state, row.deployedAt]).toEqual(['deployed', expect.any(Date)]);
});

test('a failing test run fails the release: nothing was deployed, nothing to roll back; the owner is told', async () => {
  const { handle, view, change } = await openRelease();
  const testing = await running_(handle, 'test');
  expect(stage(testing, 'build')).toMatchObject({ status: 'skipped', details: 'prebuilt artifacts' });
  await report(handle, 'test', 'failed', '3 of 812 tests failed');
  await completed(handle);
  const done = await releaseOf(handle);
  expect(done).toMatchObject({ state: 'failed', deployed: [], rollback: null, failure: { stage: 'test', reason: '3 of 812 tests failed' } });
  expect(stage(done, 'test')).toMatchObject({ status: 'failed', reportedBy: BOT });
  expect(done.endedAt).not.toBeNull();
  expect(await actions(view.id)).toEqual(['create', 'test', 'stage_failed']);
  expect(await events(view.id)).toEqual(['release.created', 'release.stage_failed']);
  expect((await tdb.db.notification.findMany({ where: { recordId: view.id } })).map((n) => [n.kind, n.recipient])).toEqual([['release_failed', `user:${RM}`]]);
  expect((await changeOf(change.handle)).state).toBe('scheduled');
});

test('a deployment failing in staging rolls test back: rolled_back, the change never started', async () => {
  const { handle, view, number, change } = await openRelease();
  await tested(handle);
  await deployThrough(handle, ['test']);
  await running_(handle, 'deploy:staging');
  await report(handle, 'deploy:staging', 'failed', 'disk full');

  // A deployment that reported failure undid itself: only test is rolled back.
  const rolling = await running_(handle, 'rollback:test');
  expect(rolling).toMatchObject({ state: 'rolling_back', current: { environment: 'test', action: 'rollback' }, rollback: { reason: 'deploy:staging failed: disk full', queue: ['test'], done: [], failed: [] } });
  expect(await outcome(number, 'deploy', 'staging')).toMatchObject({ status: 'failed', stage: 'deploy:staging', details: 'disk full' });
  await report(handle, 'rollback:test', 'succeeded');

  await completed(handle);
  const done = await releaseOf(handle);
  expect(done).toMatchObject({ state: 'rolled_back', deployed: [], current: null, rollback: { queue: [], done: ['test'], failed: [] }, failure: { stage: 'deploy:staging' } });
  expect(stages(done)).toEqual(['build=skipped', 'test=succeeded', 'deploy:test=succeeded', 'verify:test=succeeded', 'deploy:staging=failed', 'rollback:test=succeeded']);
  expect(await outcome(number, 'rollback', 'test')).toMatchObject({ status: 'succeeded', stage: 'rollback:test' });
  expect((await actions(view.id)).slice(-6)).toEqual(['deploy_requested', 'stage_result', 'rollback_started', 'rollback_requested', 'stage_result', 'rolled_back']);
  expect(await events(view.id)).toEqual(expect.arrayContaining(['release.stage_failed', 'release.rollback_requested', 'release.rolled_back']));
  expect((await tdb.db.notification.findMany({ where: { recordId: view.id } })).map((n) => n.kind)).toEqual(['release_rolled_back']);
  // Production never began: the change was not started, so nothing to fail.
  expect((await changeOf(change.handle)).state).toBe('scheduled');
  expect(await changeTrail(change.view.id, number)).toEqual([]);
});

test('a failed verification in production rolls back production, staging and test, last first; the started change completes failed with its backout', async () => {
  const { handle, view, number, change } = await openRelease();
  await approve(handle); // approved early: production is not held for it
  await tested(handle);
  await deployThrough(handle, ['test', 'staging']);
  await running_(handle, 'deploy:production');
  expect((await changeOf(change.handle)).state).toBe('implementing');
  await report(handle, 'deploy:production', 'succeeded');
  await report(handle, 'verify:production', 'failed', 'error rate 12%');

  // Deployed but not verified: production may be partly applied, so it is undone first.
  const first = await running_(handle, 'rollback:production');
  expect(first.rollback).toEqual({ reason: 'verify:production failed: error rate 12%', queue: ['production', 'staging', 'test'], done: [], failed: [] });
  for (const e of ['production', 'staging', 'test']) {
    await running_(handle, `rollback:${e}`);
    await report(handle, `rollback:${e}`, 'succeeded', `${e} restored`);
  }
  await completed(handle);
  const done = await releaseOf(handle);
  expect(done).toMatchObject({ state: 'rolled_back', deployed: [], rollback: { queue: [], done: ['production', 'staging', 'test'], failed: [] }, failure: { stage: 'verify:production', reason: 'verify:production failed: error rate 12%' } });
  const rollbacks = (await tdb.db.outboxEvent.findMany({ where: { recordId: view.id, type: 'release.rollback_requested' }, orderBy: { occurredAt: 'asc' } })).map((e) => JSON.parse(e.data).environment);
  expect(rollbacks).toEqual(['production', 'staging', 'test']);

  const failed = await changeState(change.handle, (v) => v.state === 'failed', 'the change failed');
  expect(failed.outcome).toBe('failed');
  expect(failed.backout).toMatchObject({ plan: 'redeploy the previous version', executedBy: number });
  expect(await changeTrail(change.view.id, number)).toEqual(['start', 'failed']);
  expect((await actions(view.id)).slice(-5)).toEqual(['environment_rolled_back', 'rollback_requested', 'stage_result', 'rolled_back', 'changes_failed']);
});

test('a rollback that fails leaves the release failed, naming rollback:<env>, and notifies the owner; the started change fails', async () => {
  const { handle, view, change } = await openRelease({ environments: ['test', 'staging'] });
  await approve(handle);
  await tested(handle);
  await deployThrough(handle, ['test']);
  await running_(handle, 'deploy:staging');
  await report(handle, 'deploy:staging', 'succeeded');
  await report(handle, 'verify:staging', 'failed', 'smoke test failed');
  await running_(handle, 'rollback:staging');
  await report(handle, 'rollback:staging', 'succeeded');
  await running_(handle, 'rollback:test');
  await report(handle, 'rollback:test', 'failed', 'snapshot missing');

  await completed(handle);
  const done = await releaseOf(handle);
  expect(done).toMatchObject({ state: 'failed', deployed: ['test'], rollback: { queue: [], done: ['staging'], failed: ['test'] } });
  expect(done.failure).toEqual({ stage: 'rollback:test', reason: 'verify:staging failed: smoke test failed; then rollback:test failed' });
  expect(stage(done, 'rollback:test')).toMatchObject({ status: 'failed', details: 'snapshot missing' });
  expect((await actions(view.id)).slice(-2)).toEqual(['rollback_failed', 'changes_failed']);
  expect((await changeState(change.handle, (v) => v.state === 'failed', 'the change failed')).backout).not.toBeNull();
  const notes = await tdb.db.notification.findMany({ where: { recordId: view.id, kind: 'release_rollback_failed' } });
  expect(notes.map((n) => n.recipient)).toEqual([`user:${RM}`]);
  expect(notes[0].message).toContain('rollback:test');
});

test('stage timeouts: no build result within the build timeout fails the release with build timed_out', async () => {
  const { handle, view } = await openRelease({ buildRequired: true, timeouts: { ...TIMEOUTS, build: 30 * MIN } });
  await running_(handle, 'build');
  await env.sleep(29 * MIN);
  expect((await releaseOf(handle)).state).toBe('building');
  await env.sleep(2 * MIN);
  await completed(handle);
  const done = await releaseOf(handle);
  expect(done).toMatchObject({ state: 'failed', failure: { stage: 'build', reason: 'no build result within 30 min' } });
  expect(stage(done, 'build')).toMatchObject({ status: 'timed_out', reportedBy: 'system' });
  expect(stage(done, 'test')).toBeUndefined();
  expect(await actions(view.id)).toEqual(['create', 'build', 'stage_timed_out']);
  expect((await tdb.db.notification.findMany({ where: { recordId: view.id } })).map((n) => n.kind)).toEqual(['release_failed']);
});

test('stage timeouts: no deploy report within the deploy timeout: the child reports timed_out and the release rolls back what was deployed, the timed-out environment first', async () => {
  const { handle, number } = await openRelease({ timeouts: { ...TIMEOUTS, deploy: 20 * MIN } });
  await tested(handle);
  await deployThrough(handle, ['test']);
  await running_(handle, 'deploy:staging');
  await env.sleep(21 * MIN);

  expect(await outcome(number, 'deploy', 'staging')).toEqual({ environment: 'staging', action: 'deploy', stage: 'deploy:staging', status: 'timed_out', details: 'no deploy:staging result within 20 min' });
  const rolling = await running_(handle, 'rollback:staging');
  expect(rolling).toMatchObject({ state: 'rolling_back', rollback: { queue: ['staging', 'test'] }, failure: { stage: 'deploy:staging', reason: 'deploy:staging timed out: no deploy:staging result within 20 min' } });
  expect(stage(rolling, 'deploy:staging')?.status).toBe('timed_out');
  // A report arriving after the child gave up is refused: the stage already ended.
  expect((await refusal(report(handle, 'deploy:staging', 'succeeded'))).type).toBe(FAILURE.invalidTransition);
  await report(handle, 'rollback:staging', 'succeeded');
  await running_(handle, 'rollback:test');
  await report(handle, 'rollback:test', 'succeeded');
  await completed(handle);
  expect(await releaseOf(handle)).toMatchObject({ state: 'rolled_back', deployed: [], rollback: { done: ['staging', 'test'], failed: [] } });
});

test('the gate waits for the change approval: a normal change in CAB review holds the release; the CAB votes and the release deploys without polling', async () => {
  const { handle, change, number } = await openRelease({ environments: ['test'], change: { type: 'normal' } });
  // The release manager may approve early; the change still holds the deployment.
  await approve(handle);
  await tested(handle);
  const held = await until(handle, (r) => r.state === 'awaiting_approval' && !!r.gate, 'held by the change');
  expect(held.gate).toMatchObject({ environment: 'test', state: 'awaiting', reasons: [`${change.view.number} is not approved yet (cab review)`] });
  expect(held.current).toBeNull();

  // The CAB approves: the change tells the release of each move; no timer, no time skipped.
  await approveByCab(change.handle, change.view.id);
  await running_(handle, 'deploy:test');
  const implementing = await changeOf(change.handle);
  expect([implementing.state, implementing.decision?.outcome, implementing.releaseNumber]).toEqual(['implementing', 'approved', number]);
  await deployThrough(handle, ['test']);
  await completed(handle);
  expect((await releaseOf(handle)).state).toBe('deployed');
  expect((await changeState(change.handle, (v) => v.state === 'implemented', 'implemented')).outcome).toBe('success');
});

test("the gate waits for the change's window: opening in 2 hours, the release waits, then deploys once time passes it", async () => {
  const { handle, change } = await openRelease({ environments: ['test'], change: { startIn: 2 * HOUR } });
  await approve(handle);
  await tested(handle);
  const waiting = await until(handle, (r) => r.state === 'awaiting_approval' && !!r.gate, 'waiting for the window');
  expect(waiting.gate).toMatchObject({ state: 'awaiting', reasons: [`${change.view.number}'s window opens at ${change.view.plannedStart}`] });
  await env.sleep(HOUR);
  expect((await releaseOf(handle)).state).toBe('awaiting_approval');
  await env.sleep(HOUR + MIN);
  const deploying = await running_(handle, 'deploy:test');
  expect(deploying.state).toBe('deploying');
  expect(Date.parse(stage(deploying, 'deploy:test')!.startedAt)).toBeGreaterThanOrEqual(Date.parse(change.view.plannedStart));
  expect((await changeOf(change.handle)).state).toBe('implementing');
});

test('a change freeze declared while the release waits holds the deployment with a reason naming the freeze; it proceeds once the freeze ends', async () => {
  const { handle, change } = await openRelease({ environments: ['test', 'production'] });
  await tested(handle);
  await deployThrough(handle, ['test']);
  await until(handle, (r) => r.state === 'awaiting_approval' && r.gate?.environment === 'production', 'the production gate');

  // Declared as api/routes/change-freezes.ts does: the row, then the changes and the waiting releases are told.
  const t = await now();
  const freeze = await tdb.db.changeFreeze.create({ data: { id: `frz-rw-${++seq}`, name: 'Quarter end', start: new Date(t), end: new Date(t + 3 * HOUR), reason: 'financial close', createdBy: 'usr-change_manager' } });
  await change.handle.signal(recheckScheduleSignal);
  await handle.signal(recheckGateSignal);
  const frozen = await until(handle, (r) => !!r.gate?.reasons.some((x) => x.includes("'Quarter end'")) && r.gate.reasons.some((x) => x.includes('is held')), 'held by the freeze');
  expect(frozen.gate!.reasons).toEqual([
    `${change.view.number} is held: change freeze 'Quarter end' (${iso(t)} to ${iso(t + 3 * HOUR)}): financial close`,
    `change freeze 'Quarter end' until ${freeze.end.toISOString()}`,
    "production needs the release manager's approval",
  ]);
  expect((await changeOf(change.handle)).state).toBe('held');

  // Approval alone does not open the gate while the freeze lasts.
  await approve(handle);
  const stillHeld = await releaseOf(handle);
  expect(stillHeld).toMatchObject({ state: 'awaiting_approval', current: null });
  expect(stillHeld.gate!.reasons).toHaveLength(2);
  await env.sleep(2 * HOUR);
  expect((await releaseOf(handle)).current).toBeNull();

  await env.sleep(HOUR + MIN);
  await running_(handle, 'deploy:production');
  expect((await changeOf(change.handle)).state).toBe('implementing');
  await deployThrough(handle, ['production']);
  await completed(handle);
  expect((await releaseOf(handle)).state).toBe('deployed');
});

test('cancel mid-deployment: the deployment in flight is stopped and rolled back, then the ones before it; rolled_back with the reason kept', async () => {
  const { handle, view, number } = await openRelease();
  await tested(handle);
  await deployThrough(handle, ['test']);
  await running_(handle, 'deploy:staging');
  const cancelling = await cancel(handle, 'wrong build');
  expect(cancelling).toMatchObject({ cancelReason: 'wrong build' });
  // A second cancel is refused while the first is under way.
  expect((await refusal(cancel(handle, 'again'))).type).toBe(FAILURE.invalidTransition);

  expect(await outcome(number, 'deploy', 'staging')).toMatchObject({ status: 'cancelled', stage: 'deploy:staging', details: 'wrong build' });
  const rolling = await running_(handle, 'rollback:staging');
  expect(rolling).toMatchObject({ state: 'rolling_back', rollback: { reason: 'cancelled: wrong build', queue: ['staging', 'test'] } });
  expect(stage(rolling, 'deploy:staging')).toMatchObject({ status: 'cancelled' });
  for (const e of ['staging', 'test']) {
    await running_(handle, `rollback:${e}`);
    await report(handle, `rollback:${e}`, 'succeeded');
  }
  await completed(handle);
  const done = await releaseOf(handle);
  expect(done).toMatchObject({ state: 'rolled_back', cancelReason: 'wrong build', deployed: [], rollback: { done: ['staging', 'test'], failed: [] } });
  expect(await actions(view.id)).toEqual(expect.arrayContaining(['cancel', 'rollback_started', 'rolled_back']));
  // Nothing of production ran: no deploy:production stage, and no change was started.
  expect(stage(done, 'deploy:production')).toBeUndefined();
});

describe('health-check verification', () => {
  let server: http.Server;
  let answers: number[] = [];
  let calls = 0;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      calls++;
      res.statusCode = answers.length > 1 ? answers.shift()! : answers[0];
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    calls = 0;
  });

  test('a health URL answering 503 a few times, then 200: verify:test succeeds by polling, without any reported verify', async () => {
    answers = [503, 503, 503, 200];
    const { handle } = await openRelease({ environments: ['test', 'production'], healthChecks: { test: url } });
    await tested(handle);
    await running_(handle, 'deploy:test');
    await report(handle, 'deploy:test', 'succeeded');
    const verifying = await running_(handle, 'verify:test');
    expect(verifying.state).toBe('deploying');
    // Polled, not reported: a reported result is refused.
    const refused = await refusal(report(handle, 'verify:test', 'succeeded'));
    expect([refused.type, refused.message]).toEqual([FAILURE.invalidTransition, `verify:test is checked by polling ${url}, not reported`]);
    // Temporal's retries are the backoff: skip through them.
    const verified = await poll(
      async () => {
        await env.sleep(10_000);
        return releaseOf(handle);
      },
      (r) => stage(r, 'verify:test')?.status === 'succeeded',
      'verify:test by polling',
      30_000,
    );
    expect(calls).toBe(4);
    expect(stage(verified, 'verify:test')).toMatchObject({ status: 'succeeded', details: `HTTP 200 from ${url}`, reportedBy: 'system' });
    expect(verified.deployed).toEqual(['test']);
    await until(handle, (r) => r.state === 'awaiting_approval' && r.gate?.environment === 'production', 'the production gate');
  });

  test('a health URL answering 500 until the verify timeout fails verification and rolls the environment back', async () => {
    answers = [500];
    const { handle, number } = await openRelease({ environments: ['test', 'production'], healthChecks: { test: url }, timeouts: { ...TIMEOUTS, verify: 5 * MIN } });
    await tested(handle);
    await running_(handle, 'deploy:test');
    await report(handle, 'deploy:test', 'succeeded');
    await running_(handle, 'verify:test');
    await env.sleep(6 * MIN);
    const o = await outcome(number, 'deploy', 'test');
    expect(o).toMatchObject({ status: 'failed', stage: 'verify:test' });
    expect(o.details).toContain(`health check ${url}`);
    expect(calls).toBeGreaterThan(1);
    const rolling = await running_(handle, 'rollback:test');
    expect(rolling).toMatchObject({ state: 'rolling_back', deployed: [], rollback: { queue: ['test'] }, failure: { stage: 'verify:test' } });
    expect(stage(rolling, 'verify:test')?.status).toBe('failed');
    await report(handle, 'rollback:test', 'succeeded');
    await completed(handle);
    expect(await releaseOf(handle)).toMatchObject({ state: 'rolled_back', rollback: { done: ['test'], failed: [] } });
  });

  test('cancelled while the health URL is polled: the polling stops at once and the environment is rolled back', async () => {
    answers = [500];
    const { handle, number } = await openRelease({ environments: ['test', 'production'], healthChecks: { test: url } });
    await tested(handle);
    await running_(handle, 'deploy:test');
    await report(handle, 'deploy:test', 'succeeded');
    await running_(handle, 'verify:test');
    await poll(async () => calls, (n) => n >= 1, 'the first health check');
    await cancel(handle, 'wrong build');
    // No time skipped: the 30-minute verify timeout is not waited for.
    expect(await outcome(number, 'deploy', 'test')).toEqual({ environment: 'test', action: 'deploy', stage: 'verify:test', status: 'cancelled', details: 'wrong build' });
    const rolling = await running_(handle, 'rollback:test');
    expect(rolling).toMatchObject({ state: 'rolling_back', rollback: { reason: 'cancelled: wrong build', queue: ['test'] } });
    expect(stage(rolling, 'verify:test')).toMatchObject({ status: 'cancelled' });
    const polled = calls;
    await report(handle, 'rollback:test', 'succeeded');
    await completed(handle);
    expect(await releaseOf(handle)).toMatchObject({ state: 'rolled_back', cancelReason: 'wrong build', deployed: [] });
    await new Promise((r) => setTimeout(r, 3000));
    expect(calls).toBe(polled); // the retries stopped with the verification
  });
});

/**
 * On the real server a signal whose sender has already closed is dropped (its transfer task
 * finds the sender no longer running); the time-skipping server delivers it anyway. So this
 * one runs on a dev server: a change withdrawn while its release waits ends its workflow in
 * the task that signals the release, and must still wake it.
 */
describe('on a dev server (the real server drops signals from closed senders)', () => {
  let timeSkipping: TestWorkflowEnvironment;
  let dev: TestWorkflowEnvironment;
  let devWorker: ItsmWorker;
  let devRunning: Promise<void>;

  beforeAll(async () => {
    timeSkipping = env;
    dev = await startDevServer();
    devWorker = await startWorker(dev, tdb.db, TQ);
    devRunning = devWorker.run();
    env = dev;
  });
  afterAll(async () => {
    env = timeSkipping;
    devWorker?.shutdown();
    await devRunning;
    await dev?.teardown();
  });

  test('a change that ends while the release waits for it (withdrawn in CAB review) tells the release, whose gate is then prevented', async () => {
    const { handle, change } = await openRelease({ environments: ['test'], change: { type: 'normal' } });
    await tested(handle);
    await until(handle, (r) => r.gate?.state === 'awaiting', 'held by the change');
    await change.handle.executeUpdate(changeCommandUpdates.cancel, { args: [{ actor: 'usr-change_manager', body: { reason: 'superseded' } }] });
    await completed(change.handle);
    const prevented = await until(handle, (r) => r.gate?.state === 'prevented', 'the gate prevented');
    expect(prevented).toMatchObject({ state: 'awaiting_approval', current: null, gate: { environment: 'test', reasons: [`${change.view.number} is cancelled`, "test needs the release manager's approval"] } });
  });
});
