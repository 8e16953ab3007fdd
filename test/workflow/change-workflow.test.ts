/**
 * The change (RFC + CAB) workflow on the time-skipping test server: CAB votes by signal,
 * reminders, escalation and timeout, freezes, the change window and overruns, completion
 * with its CMDB updates. Activities are the real ones, writing to a real (SQLite) database.
 *
 * Time is locked while the test polls (queries and database reads): it only moves when the
 * test skips it with env.sleep (or awaits a workflow result).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ItsmWorker } from '../../temporal/worker';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { changeWorkflow } from '../../workflows/change';
import {
  changeCommandUpdates,
  createChangeUpdate,
  getChangeQuery,
  recheckScheduleSignal,
  voteSignal,
  type ChangeWorkflowConfig,
  type SubmitChange,
} from '../../workflows/contracts/change';
import type { ChangeView } from '../../domain/change/snapshot';
import { DEFAULT_CHANGE_POLICY } from '../../domain/change/policy';
import { createChangeActivities } from '../../activities/change';
import { addRelationship, createCi } from '../../db/ci-store';
import { demoUsers, seedGroups, upsertUser } from '../../db/seed';
import { createLogger } from '../../infra/logger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTimeSkippingServer, startWorker } from '../support/temporal';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TQ = 'change-wf';
const CM = 'usr-change_manager';
const CAB = ['usr-cab_member', 'usr-cab_member2', 'usr-cab_member3'];

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let worker: ItsmWorker;
let running: Promise<void>;
let seq = 0;
let voteSeq = 0;
let ciSeq = 0;
const started: WorkflowHandle<typeof changeWorkflow>[] = [];

beforeAll(async () => {
  env = await startTimeSkippingServer();
  tdb = await createTestDatabase();
  await seedGroups(tdb.db);
  for (const u of demoUsers()) await upsertUser(tdb.db, u);
  worker = await startWorker(env, tdb.db, TQ);
  running = worker.run();
});

afterEach(async () => {
  // Freezes are global: never let one test's freeze hold another test's change.
  await tdb.db.changeFreeze.deleteMany({});
  // Stop what a test left running, so later time skips do not drive its timers.
  for (const h of started.splice(0)) {
    try {
      if ((await h.describe()).status.name === 'RUNNING') await h.terminate('test finished');
    } catch {
      // already gone
    }
  }
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await tdb?.dispose();
  await env?.teardown();
});

// ---------------------------------------------------------------------------------------------
// Helpers

const config = (o: Partial<ChangeWorkflowConfig> = {}): ChangeWorkflowConfig => ({
  continueAsNewAfterEvents: 5000,
  createTimeoutMs: MIN,
  searchAttributes: false,
  policy: DEFAULT_CHANGE_POLICY,
  ...o,
});

const iso = (ms: number) => new Date(ms).toISOString();
const now = () => env.currentTimeMs();

async function skipTo(t: number): Promise<void> {
  const ms = t - (await now());
  if (ms > 0) await env.sleep(ms);
}

async function ci(cls = 'server', o: { attributes?: Record<string, unknown>; ownerGroup?: string } = {}) {
  const k = ++ciSeq;
  return createCi(tdb.db, { name: `${cls}-${k}`, class: cls, attributes: o.attributes ?? {}, ...(o.ownerGroup ? { ownerGroup: o.ownerGroup } : {}) }, { actor: 'tester' });
}

/** A business service that depends on `target` (so a change on `target` affects it). */
async function serviceOn(targetId: string, o: { attributes?: Record<string, unknown>; ownerGroup?: string } = {}) {
  const svc = await ci('service', o);
  await addRelationship(tdb.db, svc.id, { type: 'depends_on', targetId }, { actor: 'tester' });
  return svc;
}

interface SubmitOptions extends Partial<SubmitChange> {
  /** Window start, from now. */
  startIn?: number;
  /** Window length. */
  length?: number;
}

async function submit(o: SubmitOptions = {}, cfg: Partial<ChangeWorkflowConfig> = {}) {
  const k = ++seq;
  const number = `CHG${String(k).padStart(7, '0')}`;
  const id = `chg-${k}`;
  const handle = await env.client.workflow.start(changeWorkflow, {
    taskQueue: TQ,
    workflowId: `change-${number}-${Date.now()}`,
    args: [{ id, number, config: config(cfg) }],
  });
  started.push(handle);
  const { startIn = 5 * DAY, length = 2 * HOUR, ...rest } = o;
  const t = await now();
  const ciIds = rest.ciIds ?? [(await ci()).id];
  const body: SubmitChange = {
    title: `change ${k}`,
    type: 'normal',
    plannedStart: iso(t + startIn),
    plannedEnd: iso(t + startIn + length),
    implementationPlan: 'do it',
    backoutPlan: 'undo it',
    ciUpdates: [],
    ...rest,
    ciIds,
  };
  const view = await handle.executeUpdate(createChangeUpdate, { args: [{ actor: 'usr-requester', body }] });
  return { handle, view, id, number, ciIds };
}

async function poll<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let last: T | undefined;
    let failure: unknown = null;
    try {
      last = await read();
      if (ok(last)) return last;
    } catch (e) {
      failure = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last seen: ${failure ? String(failure) : JSON.stringify(last)?.slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A query, bounded: the time-skipping test server can drop a query that reaches a run as it
 * continues-as-new (the worker's answer goes to the closed run), which would hang forever.
 * `poll` retries a read that failed, so a dropped query is simply asked again.
 */
const query = async (h: WorkflowHandle) => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      h.query(getChangeQuery) as Promise<ChangeView>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('query unanswered after 3 s')), 3000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};
const waitState = (h: WorkflowHandle, state: string | string[]) =>
  poll(() => query(h), (v) => !!v && (Array.isArray(state) ? state : [state]).includes(v.state), `state ${state}`);

const dbState = (id: string, state: string) =>
  poll(() => tdb.db.change.findUnique({ where: { id } }), (row) => row?.state === state, `${id} ${state} in the database`).then((row) => row!);
const audit = (id: string) => tdb.db.auditEvent.findMany({ where: { recordId: id }, orderBy: { seq: 'asc' } });
const actions = async (id: string) => (await audit(id)).map((a) => a.action);
const auditOf = async (id: string, action: string) => (await audit(id)).filter((a) => a.action === action).map((a) => ({ ...a, data: JSON.parse(a.data) as Record<string, any> }));
const waitAudit = (id: string, action: string, count = 1) => poll(() => auditOf(id, action), (rows) => rows.length >= count, `${count}× audit '${action}' on ${id}`);
const events = async (id: string) => (await tdb.db.outboxEvent.findMany({ where: { recordId: id }, orderBy: { occurredAt: 'asc' } })).map((e) => e.type);
const notifications = (id: string, kind?: string) => tdb.db.notification.findMany({ where: { recordId: id, ...(kind ? { kind } : {}) }, orderBy: { id: 'asc' } });
const viaChange = (number: string) => tdb.db.ciVersion.findMany({ where: { via: number } });

/** Sends a vote and waits until the workflow has recorded it. */
async function vote(h: WorkflowHandle, id: string, member: string, decision: 'approve' | 'reject' = 'approve', groups = ['cab']) {
  const voteId = `vote-${++voteSeq}`;
  await h.signal(voteSignal, { voteId, member, groups, decision });
  const rows = await poll(() => auditOf(id, 'vote'), (r) => r.some((a) => a.data.voteId === voteId), `vote ${voteId}`);
  return rows.find((a) => a.data.voteId === voteId)!;
}

type Cmd = keyof typeof changeCommandUpdates;
function command<K extends Cmd>(h: WorkflowHandle, name: K, body: object = {}, actor = CM): Promise<ChangeView> {
  return h.executeUpdate(changeCommandUpdates[name] as typeof changeCommandUpdates.start, { args: [{ actor, body: body as never }] });
}

async function expectRefused(p: Promise<unknown>, type: string, message?: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (e as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe(type);
  if (message) expect(cause!.message).toMatch(message);
}

/** Submit a normal change, wait for CAB review, approve it with the three CAB members. */
async function approvedNormal(o: SubmitOptions = {}, cfg: Partial<ChangeWorkflowConfig> = {}) {
  const c = await submit(o, cfg);
  await waitState(c.handle, 'cab_review');
  for (const m of CAB) await vote(c.handle, c.id, m);
  const view = await waitState(c.handle, ['scheduled', 'held']);
  return { ...c, view };
}

/** A standard (pre-approved) change, scheduled, its window opened and started. */
async function implementing(o: SubmitOptions = {}) {
  const c = await submit({ type: 'standard', templateId: 'tpl-test', startIn: HOUR, ...o });
  const scheduled = await waitState(c.handle, 'scheduled');
  await skipTo(Date.parse(scheduled.plannedStart) + 1000);
  await waitAudit(c.id, 'window_opened');
  const view = await command(c.handle, 'start', { notes: 'go' });
  expect(view.state).toBe('implementing');
  return { ...c, view };
}

// ---------------------------------------------------------------------------------------------
// Approval

test('a standard change is pre-approved by its template and goes straight to scheduled', async () => {
  const { handle, view, id } = await submit({ type: 'standard', templateId: 'tpl-restart' });
  expect(view.state).toBe('submitted');
  const done = await waitState(handle, 'scheduled');
  expect(done.cab).toBeNull();
  expect(done.decision).toMatchObject({ outcome: 'approved', by: 'system' });
  expect(done.decision!.reason).toMatch(/pre-approved by template tpl-restart/);
  expect(done.risk).not.toBeNull();

  const acts = await actions(id);
  expect(acts).toEqual(['submit', 'assessing', 'pre_approved', 'scheduled']);
  expect(acts).not.toContain('cab_review');
  const pre = (await auditOf(id, 'pre_approved'))[0];
  expect(pre.toState).toBe('approved');
  expect(pre.data.templateId).toBe('tpl-restart');
  expect(await events(id)).toEqual(['change.submitted', 'change.approved', 'change.scheduled']);
  expect(await notifications(id, 'cab_vote_requested')).toHaveLength(0);
  const row = await tdb.db.change.findUniqueOrThrow({ where: { id } });
  expect(row.state).toBe('scheduled');
});

test('a normal change is approved by a majority of its required approvers and scheduled', async () => {
  const { handle, id } = await submit();
  const review = await waitState(handle, 'cab_review');
  expect(review.cab!.board).toBe('cab');
  expect(review.cab!.required).toEqual([CM, ...CAB]);
  expect(review.cab!.quorum).toBe(3);
  expect(review.cab!.changeManagerRequired).toBe(false);
  expect(review.changeManager).toBe(CM);
  expect(review.risk!.level).toBe('low');
  expect((await notifications(id, 'cab_vote_requested')).map((n) => n.recipient).sort()).toEqual([`user:${CM}`, ...CAB.map((m) => `user:${m}`)].sort());

  await vote(handle, id, CAB[0]);
  await vote(handle, id, CAB[1]);
  expect((await query(handle)).state).toBe('cab_review');
  expect((await query(handle)).cab!.approvals).toBe(2);
  await vote(handle, id, CAB[2]);
  const done = await waitState(handle, 'scheduled');
  expect(done.decision).toMatchObject({ outcome: 'approved', by: 'cab' });
  expect(done.cab!.approvals).toBe(3);

  expect(await actions(id)).toEqual(['submit', 'assessing', 'cab_review', 'vote', 'vote', 'vote', 'approved', 'scheduled']);
  expect(await events(id)).toEqual(['change.submitted', 'change.approved', 'change.scheduled']);
  expect((await notifications(id, 'change_approved')).map((n) => n.recipient)).toEqual(['user:usr-requester']);
});

test('one rejection from a required approver rejects the change and ends the workflow', async () => {
  const { handle, id } = await submit();
  await waitState(handle, 'cab_review');
  await vote(handle, id, CAB[0], 'approve');
  await vote(handle, id, CAB[1], 'reject');
  const result = await handle.result();
  expect(result!.state).toBe('rejected');
  expect(result!.decision).toMatchObject({ outcome: 'rejected', by: 'cab' });
  expect(result!.decision!.reason).toMatch(/rejected by usr-cab_member2/);
  const rejected = (await auditOf(id, 'rejected'))[0];
  expect(rejected.data).toMatchObject({ approvals: 1, rejections: 1 });
  expect(await events(id)).toEqual(['change.submitted', 'change.rejected']);
  expect((await tdb.db.change.findUniqueOrThrow({ where: { id } })).state).toBe('rejected');
});

test('a duplicate vote and a non-member vote are recorded but change nothing', async () => {
  const { handle, id } = await submit();
  await waitState(handle, 'cab_review');
  const first = await vote(handle, id, CAB[0], 'approve');
  expect(first.data).toMatchObject({ counted: true, countsFor: [CAB[0]], ignoredReason: null });

  const dup = await vote(handle, id, CAB[0], 'reject');
  expect(dup.data.counted).toBe(false);
  expect(dup.data.ignoredReason).toMatch(/duplicate vote/);
  const outsider = await vote(handle, id, 'usr-agent', 'reject', ['service-desk']);
  expect(outsider.data.counted).toBe(false);
  expect(outsider.data.ignoredReason).toMatch(/not a required approver/);

  const v = await query(handle);
  expect(v.state).toBe('cab_review');
  expect(v.cab!.approvals).toBe(1);
  expect(v.cab!.rejections).toBe(0);
  expect(v.cab!.votes.map((x) => [x.member, x.decision, x.counted])).toEqual([
    [CAB[0], 'approve', true],
    [CAB[0], 'reject', false],
    ['usr-agent', 'reject', false],
  ]);
  expect(v.cab!.votes.filter((x) => !x.counted).every((x) => x.ignoredReason)).toBe(true);
  expect(await events(id)).toEqual(['change.submitted']);
  const row = await tdb.db.change.findUniqueOrThrow({ where: { id } });
  expect(row.state).toBe('cab_review');
});

test("an affected service's owner group is a required approver, answered once by any member", async () => {
  const server = await ci();
  const svc = await serviceOn(server.id, { ownerGroup: 'l2-support' });
  const { handle, id } = await submit({ ciIds: [server.id] });
  const review = await waitState(handle, 'cab_review');
  expect(review.impact!.services.map((s) => s.id)).toEqual([svc.id]);
  expect(review.cab!.required).toEqual([CM, 'group:l2-support', ...CAB]);
  expect(review.cab!.approvers.find((a) => a.approver === 'group:l2-support')!.role).toBe('service_owner');
  expect(review.cab!.quorum).toBe(3);
  expect((await notifications(id, 'cab_vote_requested')).map((n) => n.recipient)).toContain('group:l2-support');

  const a = await vote(handle, id, 'usr-l2-alice', 'approve', ['l2-support']);
  expect(a.data).toMatchObject({ counted: true, countsFor: ['group:l2-support'] });
  const b = await vote(handle, id, 'usr-l2-bob', 'reject', ['l2-support']);
  expect(b.data.counted).toBe(false);
  expect(b.data.ignoredReason).toMatch(/already answered/);
  let v = await query(handle);
  expect(v.state).toBe('cab_review');
  expect(v.cab!.approvals).toBe(1);
  expect(v.cab!.approvers.find((x) => x.approver === 'group:l2-support')!.decision).toBe('approve');

  await vote(handle, id, CAB[0]);
  await vote(handle, id, CAB[1]);
  v = await waitState(handle, 'scheduled');
  expect(v.cab!.approvals).toBe(3);
});

test('a high-risk change needs the change manager among the approvals', async () => {
  const server = await ci();
  for (let i = 0; i < 3; i++) await serviceOn(server.id, { attributes: { criticality: 'high' } });
  for (let i = 0; i < 2; i++) {
    const k = ++ciSeq;
    await tdb.db.incident.create({
      data: {
        id: `inc-risk-${k}`,
        number: `INC9${String(k).padStart(6, '0')}`,
        workflowId: `incident-risk-${k}`,
        type: 'incident',
        title: 'open incident on the server',
        impact: 'high',
        urgency: 'high',
        priority: 'P1',
        state: 'in_progress',
        ciId: server.id,
        sla: '{}',
        openedAt: new Date(await now()),
        createdBy: 'tester',
      },
    });
  }
  const { handle, id } = await submit({ ciIds: [server.id] });
  const review = await waitState(handle, 'cab_review');
  // normal 10 + three high services (45, capped at 40) + two open incidents 10 = 60: high.
  expect(review.risk!.score).toBe(60);
  expect(review.risk!.level).toBe('high');
  expect(review.risk!.factors.map((f) => [f.factor, f.points])).toEqual([
    ['type', 10],
    ['services', 40],
    ['open_incidents', 10],
  ]);
  expect(review.cab!.changeManagerRequired).toBe(true);
  expect(review.cab!.quorum).toBe(3);

  for (const m of CAB) await vote(handle, id, m);
  const pending = await query(handle);
  expect(pending.state).toBe('cab_review');
  expect(pending.cab!.approvals).toBe(3);
  expect(await actions(id)).not.toContain('approved');

  await vote(handle, id, CM, 'approve', []);
  const done = await waitState(handle, 'scheduled');
  expect(done.cab!.approvals).toBe(4);
  expect((await tdb.db.change.findUniqueOrThrow({ where: { id } })).riskLevel).toBe('high');
});

// ---------------------------------------------------------------------------------------------
// CAB timers

test('a reminder goes at half the deadline, only to approvers who have not voted', async () => {
  const { handle, id } = await submit({ startIn: 10 * DAY });
  const review = await waitState(handle, 'cab_review');
  const deadline = Date.parse(review.cab!.deadline);
  const openedAt = (await auditOf(id, 'cab_review'))[0].at.getTime();
  expect(deadline - openedAt).toBe(2 * DAY);
  await vote(handle, id, CAB[0]);

  await skipTo(openedAt + DAY - MIN);
  expect(await actions(id)).not.toContain('cab_reminder');
  expect(await notifications(id, 'cab_reminder')).toHaveLength(0);

  await skipTo(openedAt + DAY + MIN);
  const [reminder] = await waitAudit(id, 'cab_reminder');
  expect(reminder.at.getTime()).toBeGreaterThanOrEqual(openedAt + DAY);
  expect(reminder.at.getTime()).toBeLessThan(openedAt + DAY + MIN);
  expect(reminder.data.waitingFor).toEqual([CM, CAB[1], CAB[2]]);
  expect((await notifications(id, 'cab_reminder')).map((n) => n.recipient).sort()).toEqual([`user:${CM}`, `user:${CAB[1]}`, `user:${CAB[2]}`].sort());
  const v = await query(handle);
  expect(v.state).toBe('cab_review');
  expect(v.cab!.remindedAt).not.toBeNull();
});

test('no decision by the deadline escalates to the change manager, then times out as rejected after the grace', async () => {
  const { handle, id } = await submit({ startIn: 10 * DAY });
  const review = await waitState(handle, 'cab_review');
  const deadline = Date.parse(review.cab!.deadline);
  const timeoutAt = Date.parse(review.cab!.timeoutAt);
  expect(timeoutAt - deadline).toBe(DAY);

  await skipTo(deadline - MIN);
  await waitAudit(id, 'cab_reminder');
  expect(await actions(id)).not.toContain('cab_escalated');

  await skipTo(deadline + MIN);
  const [esc] = await waitAudit(id, 'cab_escalated');
  expect(esc.at.getTime()).toBeGreaterThanOrEqual(deadline);
  expect(esc.data.to).toBe(CM);
  expect((await notifications(id, 'cab_escalation')).map((n) => n.recipient)).toEqual([`user:${CM}`]);
  expect(await events(id)).toContain('change.escalated');
  expect((await query(handle)).state).toBe('cab_review');

  await skipTo(timeoutAt - MIN);
  expect(await actions(id)).not.toContain('rejected');
  expect((await query(handle)).state).toBe('cab_review');

  await skipTo(timeoutAt + MIN);
  const [rej] = await waitAudit(id, 'rejected');
  expect(rej.at.getTime()).toBeGreaterThanOrEqual(timeoutAt);
  expect(rej.data.timedOut).toBe(true);
  expect(rej.toState).toBe('rejected');
  const result = await handle.result();
  expect(result!.state).toBe('rejected');
  expect(result!.decision).toMatchObject({ outcome: 'rejected', by: 'system' });
  expect(await events(id)).toEqual(['change.submitted', 'change.escalated', 'change.rejected']);
  expect((await notifications(id, 'change_rejected')).map((n) => n.recipient).sort()).toEqual([`user:${CM}`, 'user:usr-requester']);
});

test('an emergency change goes to the ECAB: PT4H deadline, two approvals decide', async () => {
  const { handle, id } = await submit({ type: 'emergency', startIn: 2 * HOUR });
  const review = await waitState(handle, 'cab_review');
  expect(review.cab!.board).toBe('ecab');
  expect(review.cab!.required).toEqual([CM, ...CAB]);
  expect(review.cab!.quorum).toBe(2);
  expect(review.risk!.level).not.toBe('high');
  const openedAt = (await auditOf(id, 'cab_review'))[0].at.getTime();
  expect(Date.parse(review.cab!.deadline) - openedAt).toBe(4 * HOUR);
  expect(Date.parse(review.cab!.timeoutAt) - Date.parse(review.cab!.deadline)).toBe(HOUR);

  await vote(handle, id, CAB[1]);
  expect((await query(handle)).state).toBe('cab_review');
  await vote(handle, id, CAB[2]);
  const done = await waitState(handle, 'scheduled');
  expect(done.cab!.approvals).toBe(2);
  expect(await events(id)).toEqual(['change.submitted', 'change.approved', 'change.scheduled']);
});

// ---------------------------------------------------------------------------------------------
// Freezes

let freezeSeq = 0;
async function freeze(start: number, end: number, name = `Freeze ${freezeSeq + 1}`) {
  return tdb.db.changeFreeze.create({ data: { id: `frz-${++freezeSeq}`, name, start: new Date(start), end: new Date(end), reason: 'quarter end', createdBy: 'tester' } });
}

test('a freeze holds a normal change; when it ends after the window, the change stays held until rescheduled', async () => {
  const t = await now();
  const f = await freeze(t + HOUR, t + 5 * HOUR, 'Quarter-end freeze');
  const c = await approvedNormal({ startIn: 2 * HOUR, length: HOUR });
  expect(c.view.state).toBe('held');
  expect(c.view.holdReason).toMatch(/Quarter-end freeze/);
  expect(c.view.freezeId).toBe(f.id);
  expect(c.view.heldUntil).toBe(f.end.toISOString());
  expect(await events(c.id)).toEqual(['change.submitted', 'change.approved', 'change.held']);
  const held = (await auditOf(c.id, 'held'))[0];
  expect(held.data.freezes).toEqual([{ id: f.id, name: 'Quarter-end freeze' }]);
  expect((await notifications(c.id, 'change_held')).map((n) => n.recipient).sort()).toEqual([`user:${CM}`, 'user:usr-requester']);
  expect(await actions(c.id)).not.toContain('window_opened'); // held: no window timer

  await skipTo(f.end.getTime() + MIN);
  const v = await poll(() => query(c.handle), (x) => /window passed/.test(x.holdReason ?? ''), 'window passed');
  expect(v.state).toBe('held');
  expect(v.heldUntil).toBeNull();
  expect(await actions(c.id)).not.toContain('window_opened');

  const at = await now();
  const moved = await command(c.handle, 'reschedule', { plannedStart: iso(at + DAY), plannedEnd: iso(at + DAY + HOUR) });
  expect(moved.state).toBe('scheduled');
  expect(moved.holdReason).toBeNull();
  expect((await auditOf(c.id, 'reschedule')).at(-1)!.toState).toBe('scheduled');
  expect((await events(c.id)).at(-1)).toBe('change.scheduled');
});

test('when a freeze ends and the window is still ahead, the held change is scheduled again', async () => {
  const t = await now();
  const f = await freeze(t + HOUR, t + 4 * HOUR);
  const c = await approvedNormal({ startIn: 2 * HOUR, length: 6 * HOUR });
  expect(c.view.state).toBe('held');
  expect(c.view.heldUntil).toBe(f.end.toISOString());

  await skipTo(f.end.getTime() - MIN);
  expect((await query(c.handle)).state).toBe('held');

  await skipTo(f.end.getTime() + MIN);
  const v = await waitState(c.handle, 'scheduled');
  expect(v.holdReason).toBeNull();
  expect(v.freezeId).toBeNull();
  // The window is already open (it started during the freeze): the change can start now.
  await waitAudit(c.id, 'window_opened');
  expect((await command(c.handle, 'start')).state).toBe('implementing');
  expect(await events(c.id)).toEqual(['change.submitted', 'change.approved', 'change.held', 'change.scheduled']);
});

test('an emergency change in a freeze is scheduled anyway, recording the freezes it overrides', async () => {
  const t = await now();
  const f = await freeze(t + HOUR, t + 5 * HOUR, 'Emergency-test freeze');
  const c = await submit({ type: 'emergency', startIn: 2 * HOUR, length: HOUR });
  await waitState(c.handle, 'cab_review');
  await vote(c.handle, c.id, CAB[0]);
  await vote(c.handle, c.id, CAB[1]);
  const v = await waitState(c.handle, 'scheduled');
  expect(v.holdReason).toBeNull();
  const sched = (await auditOf(c.id, 'scheduled'))[0];
  expect(sched.data.freezesOverridden).toEqual([{ id: f.id, name: 'Emergency-test freeze' }]);
  expect(await events(c.id)).not.toContain('change.held');
});

test('a recheckSchedule signal after a new freeze holds an already scheduled change; rescheduling out of it schedules it', async () => {
  const c = await approvedNormal({ startIn: 3 * DAY, length: 2 * HOUR });
  expect(c.view.state).toBe('scheduled');
  const ps = Date.parse(c.view.plannedStart);
  const f = await freeze(ps - HOUR, ps + 5 * HOUR, 'Late freeze');
  await c.handle.signal(recheckScheduleSignal);
  const held = await waitState(c.handle, 'held');
  expect(held.freezeId).toBe(f.id);
  expect(held.holdReason).toMatch(/Late freeze/);
  expect(held.heldUntil).toBe(f.end.toISOString());
  expect((await auditOf(c.id, 'held'))[0].fromState).toBe('scheduled');

  const moved = await command(c.handle, 'reschedule', { plannedStart: iso(ps + DAY), plannedEnd: iso(ps + DAY + HOUR) });
  expect(moved.state).toBe('scheduled');
  expect(moved.plannedStart).toBe(iso(ps + DAY));
  const r = (await auditOf(c.id, 'reschedule'))[0];
  expect(r.data.previous).toEqual({ plannedStart: iso(ps), plannedEnd: iso(ps + 2 * HOUR) });
  expect(await events(c.id)).toEqual(['change.submitted', 'change.approved', 'change.scheduled', 'change.held', 'change.scheduled']);
});

// ---------------------------------------------------------------------------------------------
// The window, implementation and review

test('start is refused before the window opens; the window timer opens it at plannedStart', async () => {
  const c = await approvedNormal({ startIn: 2 * HOUR });
  expect(c.view.state).toBe('scheduled');
  const ps = Date.parse(c.view.plannedStart);
  await expectRefused(command(c.handle, 'start'), 'InvalidTransition', /before its window opens/);
  expect((await query(c.handle)).state).toBe('scheduled');

  await skipTo(ps - MIN);
  expect(await actions(c.id)).not.toContain('window_opened');
  await skipTo(ps + 1000);
  const [opened] = await waitAudit(c.id, 'window_opened');
  expect(opened.at.getTime()).toBeGreaterThanOrEqual(ps);
  expect(opened.at.getTime()).toBeLessThan(ps + MIN);
  expect((await notifications(c.id, 'change_window_open')).map((n) => n.recipient)).toEqual(['user:usr-requester']);

  const v = await command(c.handle, 'start', { notes: 'starting' });
  expect(v.state).toBe('implementing');
  expect(v.windowOpenedAt).toBe(iso(opened.at.getTime()));
  expect((await tdb.db.change.findUniqueOrThrow({ where: { id: c.id } })).state).toBe('implementing');
});

test('an implementation still running when the window closes is reported as overrun', async () => {
  const c = await implementing({ length: HOUR });
  const pe = Date.parse(c.view.plannedEnd);
  await skipTo(pe - MIN);
  expect(await actions(c.id)).not.toContain('overran');
  await skipTo(pe + MIN);
  const [over] = await waitAudit(c.id, 'overran');
  expect(over.at.getTime()).toBeGreaterThanOrEqual(pe);
  expect(await events(c.id)).toContain('change.overran');
  expect((await notifications(c.id, 'change_overran')).map((n) => n.recipient)).toEqual([`user:${CM}`]);
  const v = await query(c.handle);
  expect(v.state).toBe('implementing');
  expect(v.overranAt).not.toBeNull();
  // Still completes normally after the overrun.
  expect((await command(c.handle, 'complete', { outcome: 'success' })).state).toBe('implemented');
});

test('a successful completion applies the CMDB updates once, recorded with the change number', async () => {
  const server = await ci('server', { attributes: { os: 'Debian 12' } });
  const c = await implementing({ ciIds: [server.id], ciUpdates: [{ ciId: server.id, attributes: { os: 'Debian 13' }, status: 'maintenance' }] });
  const before = await tdb.db.configurationItem.findUniqueOrThrow({ where: { id: server.id } });
  expect(JSON.parse(before.attributes).os).toBe('Debian 12');

  const done = await command(c.handle, 'complete', { outcome: 'success', notes: 'upgraded' });
  expect(done.state).toBe('implemented');
  expect(done.outcome).toBe('success');
  const after = await tdb.db.configurationItem.findUniqueOrThrow({ where: { id: server.id } });
  expect(JSON.parse(after.attributes).os).toBe('Debian 13');
  expect(after.status).toBe('maintenance');
  const versions = await viaChange(c.number);
  expect(versions).toHaveLength(1);
  expect(versions[0]).toMatchObject({ ciId: server.id, version: after.version, actor: CM });
  const impl = (await auditOf(c.id, 'implemented'))[0];
  expect(impl.data.cmdbUpdates).toEqual([{ ciId: server.id, number: server.number, version: after.version }]);
  expect(await events(c.id)).toContain('change.implemented');

  // The activity is idempotent: a retry after the commit writes no second version.
  const acts = createChangeActivities({ db: tdb.db, temporal: env.client, taskQueue: TQ, webhookTimeoutMs: 1000, log: createLogger('silent') });
  const again = await acts.applyChangeCiUpdates({ changeNumber: c.number, actor: CM, at: await now(), updates: done.ciUpdates });
  expect(again).toEqual([{ ciId: server.id, number: server.number, version: after.version }]);
  expect(await viaChange(c.number)).toHaveLength(1);
  expect((await tdb.db.configurationItem.findUniqueOrThrow({ where: { id: server.id } })).version).toBe(after.version);

  // A successful change may close directly.
  expect((await command(c.handle, 'close', { notes: 'done' })).state).toBe('closed');
  expect((await c.handle.result())!.state).toBe('closed');
  expect(await events(c.id)).toEqual(['change.submitted', 'change.approved', 'change.scheduled', 'change.implemented', 'change.closed']);
});

test('a failed completion backs out, leaves the CMDB alone, and must be reviewed before it closes', async () => {
  const server = await ci('server', { attributes: { os: 'Debian 12' } });
  const c = await implementing({ ciIds: [server.id], ciUpdates: [{ ciId: server.id, attributes: { os: 'Debian 13' } }] });
  const failed = await command(c.handle, 'complete', { outcome: 'failed', notes: 'disk full' });
  expect(failed.state).toBe('failed');
  expect(failed.outcome).toBe('failed');
  expect(failed.backout).toMatchObject({ plan: 'undo it', executedBy: CM });
  const [audited] = await auditOf(c.id, 'failed');
  expect(audited.data.backout).toEqual({ executed: true, plan: 'undo it' });
  expect(audited.data.cmdbUpdated).toBe(false);
  expect(await viaChange(c.number)).toHaveLength(0);
  expect(JSON.parse((await tdb.db.configurationItem.findUniqueOrThrow({ where: { id: server.id } })).attributes).os).toBe('Debian 12');
  expect(await events(c.id)).toContain('change.failed');
  expect((await notifications(c.id, 'change_failed')).map((n) => n.recipient)).toEqual([`user:${CM}`]);
  const row = await tdb.db.change.findUniqueOrThrow({ where: { id: c.id } });
  expect(row.outcome).toBe('failed');
  expect(JSON.parse(row.detail).backout).not.toBeNull();

  await expectRefused(command(c.handle, 'close'), 'InvalidTransition', /needs a post-implementation review first/);
  const reviewed = await command(c.handle, 'review', { notes: 'root cause: capacity' });
  expect(reviewed.state).toBe('reviewed');
  expect(reviewed.review).toMatchObject({ notes: 'root cause: capacity', by: CM });
  expect((await command(c.handle, 'close')).state).toBe('closed');
  expect((await c.handle.result())!.state).toBe('closed');
  expect((await actions(c.id)).slice(-4)).toEqual(['start', 'failed', 'review', 'close']);
});

test('CMDB updates the CMDB refuses fail the completion: still implementing, nothing written', async () => {
  const a = await ci('server', { attributes: { os: 'Debian 12' } });
  const b = await ci('server');
  const c = await implementing({ ciIds: [a.id, b.id], ciUpdates: [{ ciId: a.id, attributes: { os: 'Debian 13' } }, { ciId: b.id, attributes: { colour: 'blue' } }] });
  await expectRefused(command(c.handle, 'complete', { outcome: 'success' }), 'InvalidTransition', /CMDB refused the update: attributes/);
  expect((await query(c.handle)).state).toBe('implementing');
  expect(await viaChange(c.number)).toHaveLength(0);
  expect(JSON.parse((await tdb.db.configurationItem.findUniqueOrThrow({ where: { id: a.id } })).attributes).os).toBe('Debian 12');
  expect(await actions(c.id)).not.toContain('implemented');

  // A CI that is gone by completion time is refused the same way.
  const gone = await ci('server');
  const d = await implementing({ ciIds: [gone.id], ciUpdates: [{ ciId: gone.id, status: 'maintenance' }] });
  await tdb.db.configurationItem.delete({ where: { id: gone.id } });
  await expectRefused(command(d.handle, 'complete', { outcome: 'success' }), 'InvalidTransition', /not found/);
  expect((await query(d.handle)).state).toBe('implementing');
  expect(await viaChange(d.number)).toHaveLength(0);
  // Backing out is still possible.
  expect((await command(d.handle, 'complete', { outcome: 'failed' })).state).toBe('failed');
});

test('cancel is allowed before implementation and refused while implementing', async () => {
  const early = await submit();
  await waitState(early.handle, 'cab_review');
  const cancelled = await command(early.handle, 'cancel', { reason: 'no longer needed' });
  expect(cancelled.state).toBe('cancelled');
  expect(cancelled.cancelReason).toBe('no longer needed');
  expect((await early.handle.result())!.state).toBe('cancelled');
  expect(await events(early.id)).toContain('change.cancelled');
  // A vote arriving after the end changes nothing (the workflow is closed).

  const scheduled = await approvedNormal();
  expect((await command(scheduled.handle, 'cancel', { reason: 'superseded' })).state).toBe('cancelled');

  const c = await implementing();
  await expectRefused(command(c.handle, 'cancel', { reason: 'too late' }), 'InvalidTransition', /cannot cancel a change in state 'implementing'/);
  expect((await query(c.handle)).state).toBe('implementing');
  expect(await actions(c.id)).not.toContain('cancel');
});

test('a change raised for a problem completes even when no problem workflow is running', async () => {
  const c = await implementing({ problemId: 'PRB0000001' });
  expect(c.view.problemId).toBe('PRB0000001');
  const done = await command(c.handle, 'complete', { outcome: 'success' });
  expect(done.state).toBe('implemented');
  expect((await tdb.db.change.findUniqueOrThrow({ where: { id: c.id } })).problemId).toBe('PRB0000001');
  const acts = createChangeActivities({ db: tdb.db, temporal: env.client, taskQueue: TQ, webhookTimeoutMs: 1000, log: createLogger('silent') });
  expect(await acts.signalProblem({ problemId: 'PRB0000001', changeNumber: c.number, outcome: 'success' })).toBe('no_running_problem');
});

/**
 * Until the latest run is at rest (its last event a started timer, a completed workflow task, a marker or an upsert,
 * unchanged across two reads), so a command or query cannot race a continue-as-new.
 */
async function settle(h: WorkflowHandle): Promise<void> {
  const at = async () => {
    const d = await h.describe();
    const events = (await h.fetchHistory()).events ?? [];
    const last = events.at(-1)?.eventType;
    const E = temporal.api.enums.v1.EventType;
    // A marker (a local activity's, a patch's) and a search-attribute upsert are written with the
    // task's completion, so a run whose last event is one of them is at rest too.
    const rest = d.status.name === 'RUNNING' && [E.EVENT_TYPE_TIMER_STARTED, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, E.EVENT_TYPE_MARKER_RECORDED, E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES].includes(last as never);
    return rest ? `${d.runId}:${events.length}` : null;
  };
  let previous: string | null = null;
  await poll(
    async () => {
      const now = await at();
      const stable = now !== null && now === previous;
      previous = now;
      return stable;
    },
    (stable) => stable,
    'a run at rest',
  );
}

test('continue-as-new carries the change: state, votes and the audit sequence survive', async () => {
  const c = await submit({ startIn: 2 * DAY }, { continueAsNewAfterEvents: 40 });
  // Waits read the database here: a query that meets a run as it continues-as-new can be lost
  // on the time-skipping server (and then keeps it from skipping time).
  await dbState(c.id, 'cab_review');
  await vote(c.handle, c.id, CAB[0]);
  for (let i = 0; i < 6; i++) await vote(c.handle, c.id, `usr-outsider-${i}`, 'approve', []);
  const d = await poll(() => c.handle.describe(), (x) => x.runId !== c.handle.firstExecutionRunId, 'a continued run');
  expect(d.status.name).toBe('RUNNING');
  const continued = (await c.handle.fetchHistory()).events![0].workflowExecutionStartedEventAttributes!;
  expect(continued.continuedExecutionRunId).toBeTruthy();

  await settle(c.handle);
  const v = await query(c.handle);
  expect(v.state).toBe('cab_review');
  expect(v.cab!.approvals).toBe(1);
  expect(v.cab!.votes).toHaveLength(7);
  expect(v.cab!.votes.filter((x) => x.counted).map((x) => x.member)).toEqual([CAB[0]]);

  // The new run keeps deciding and keeps its timers.
  await vote(c.handle, c.id, CAB[1]);
  await vote(c.handle, c.id, CAB[2]);
  const scheduled = await dbState(c.id, 'scheduled');
  await skipTo(scheduled.plannedStart.getTime() + 1000);
  await waitAudit(c.id, 'window_opened');

  await settle(c.handle);
  expect((await command(c.handle, 'start')).state).toBe('implementing');
  await settle(c.handle);
  expect((await command(c.handle, 'complete', { outcome: 'success' })).state).toBe('implemented');

  const rows = await audit(c.id);
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  expect(rows.map((r) => r.action).filter((a) => a !== 'vote')).toEqual(['submit', 'assessing', 'cab_review', 'approved', 'scheduled', 'window_opened', 'start', 'implemented']);
  expect(rows.filter((r) => r.action === 'vote')).toHaveLength(9);
  const row = await tdb.db.change.findUniqueOrThrow({ where: { id: c.id } });
  expect(row.version).toBe(rows.length);
  expect(row.state).toBe('implemented');
});

test('rescheduling assesses the risk again: a window moved into the service hours of an affected SLA scores higher', async () => {
  const srv = await ci();
  const svc = await serviceOn(srv.id, { attributes: { criticality: 'low' } });
  const weekdays = { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'], wed: ['09:00', '17:00'], thu: ['09:00', '17:00'], fri: ['09:00', '17:00'] };
  await tdb.db.sla.create({
    data: { id: `sla-${svc.id}`, number: `SLA-${svc.number}`, name: 'office hours', kind: 'SLA', serviceId: svc.id, calendar: JSON.stringify({ timezone: 'UTC', hours: weekdays, holidays: [] }), targets: '{}' },
  });
  // A Saturday night window, at least two days ahead, then the Monday 10:00 after it.
  const t = await now();
  const saturday = new Date(t + 2 * DAY);
  saturday.setUTCDate(saturday.getUTCDate() + ((6 - saturday.getUTCDay() + 7) % 7));
  saturday.setUTCHours(2, 0, 0, 0);
  const monday = saturday.getTime() + 2 * DAY + 8 * HOUR;

  const c = await approvedNormal({ ciIds: [srv.id], startIn: saturday.getTime() - t, length: HOUR });
  expect(c.view.state).toBe('scheduled');
  expect(c.view.risk!.factors.map((f) => f.factor)).not.toContain('business_hours');
  const before = c.view.risk!.score;

  const moved = await command(c.handle, 'reschedule', { plannedStart: iso(monday), plannedEnd: iso(monday + HOUR) });
  expect(moved.state).toBe('scheduled');
  expect(moved.risk!.factors.find((f) => f.factor === 'business_hours')).toMatchObject({ points: DEFAULT_CHANGE_POLICY.risk.businessHoursOverlap, detail: expect.stringContaining('office hours') });
  expect(moved.risk!.score).toBe(before + DEFAULT_CHANGE_POLICY.risk.businessHoursOverlap);
  const [entry] = await auditOf(c.id, 'reschedule');
  expect(entry.data.risk.before.score).toBe(before);
  expect(entry.data.risk.after.score).toBe(moved.risk!.score);
  const row = await tdb.db.change.findUniqueOrThrow({ where: { id: c.id } });
  expect(row.riskScore).toBe(moved.risk!.score);

  // Moving it back out of hours takes the factor away again.
  const back = await command(c.handle, 'reschedule', { plannedStart: iso(saturday.getTime() + DAY), plannedEnd: iso(saturday.getTime() + DAY + HOUR) });
  expect(back.risk!.score).toBe(before);
});
