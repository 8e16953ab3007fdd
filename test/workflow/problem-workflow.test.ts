/**
 * The problem workflow on the time-skipping test server, with the real worker, the real
 * incident and change workflows and activities writing to a real (SQLite) database: the
 * full loop through a real change, a failed change, recurrence during observation, the
 * duplicate and risk acceptance. Observation periods are days here, skipped, not waited.
 */
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createCi } from '../../db/ci-store';
import { DEFAULT_CHANGE_POLICY } from '../../domain/change/policy';
import type { ChangeView } from '../../domain/change/snapshot';
import type { IncidentView } from '../../domain/incident/snapshot';
import type { ProblemView } from '../../domain/problem/snapshot';
import type { ProblemCommandName } from '../../domain/schemas/problem';
import { changeCommandUpdates, changeWorkflowId, getChangeQuery, voteSignal, type ChangeWorkflowConfig, type SubmitChange } from '../../workflows/contracts/change';
import { createIncidentUpdate, getIncidentQuery, type IncidentWorkflowConfig } from '../../workflows/contracts/incident';
import { createProblemUpdate, getProblemQuery, problemCommandUpdates, problemWorkflowId, type ProblemCommandPayloads } from '../../workflows/contracts/problem';
import { FAILURE } from '../../workflows/contracts/record';
import { incidentWorkflow } from '../../workflows/incident';
import { problemWorkflow } from '../../workflows/problem';
import { workflowTestBed } from '../support/workflow-bed';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TQ = 'problem-wf';
const PM = 'usr-problem_manager';

const bed = workflowTestBed(TQ);
let seq = 0;

const RECORD = { continueAsNewAfterEvents: 5000, createTimeoutMs: MIN, searchAttributes: false };
const INCIDENT_CONFIG: IncidentWorkflowConfig = { ...RECORD, autoCloseMs: 30 * DAY };
const CHANGE_CONFIG: ChangeWorkflowConfig = { ...RECORD, policy: DEFAULT_CHANGE_POLICY };

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
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function server() {
  const k = ++seq;
  return createCi(bed.tdb.db, { name: `pw-srv-${k}`, class: 'server', attributes: {} }, { actor: 'tester' });
}

async function openIncident(ciId: string, title = 'Batch aborted'): Promise<{ handle: WorkflowHandle; view: IncidentView }> {
  const k = ++seq;
  const number = `INC8${String(k).padStart(6, '0')}`;
  const handle = await bed.env.client.workflow.start(incidentWorkflow, { taskQueue: TQ, workflowId: `incident-${number}`, args: [{ id: `inc-pw-${k}`, number, config: INCIDENT_CONFIG }] });
  bed.track(handle);
  const view = await handle.executeUpdate(createIncidentUpdate, { args: [{ actor: 'usr-agent', body: { title, type: 'incident', impact: 'medium', urgency: 'medium', ciId } }] });
  return { handle, view };
}

async function openProblem(body: { title: string; ciId?: string; incidentIds?: string[]; observationMs?: number }): Promise<{ handle: WorkflowHandle; view: ProblemView }> {
  const k = ++seq;
  const number = `PRB8${String(k).padStart(6, '0')}`;
  const op = new WithStartWorkflowOperation(problemWorkflow, { workflowId: problemWorkflowId(number), taskQueue: TQ, args: [{ id: `prb-pw-${k}`, number, config: RECORD }], workflowIdConflictPolicy: 'FAIL' });
  const view = await bed.env.client.workflow.executeUpdateWithStart(createProblemUpdate, { args: [{ actor: PM, body: { observationMs: 14 * DAY, ...body } }], startWorkflowOperation: op });
  const handle = await op.workflowHandle();
  bed.track(handle);
  return { handle, view };
}

function command<K extends ProblemCommandName>(h: WorkflowHandle, name: K, body: ProblemCommandPayloads[K]): Promise<ProblemView> {
  return h.executeUpdate(problemCommandUpdates[name] as typeof problemCommandUpdates.investigate, { args: [{ actor: PM, body: body as never }] });
}
const problemState = (h: WorkflowHandle, want: (v: ProblemView) => boolean, what: string) => poll(() => h.query(getProblemQuery) as Promise<ProblemView>, (v) => !!v && want(v), what);
const incidentState = (h: WorkflowHandle, want: (v: IncidentView) => boolean, what: string) => poll(() => h.query(getIncidentQuery) as Promise<IncidentView>, (v) => !!v && want(v), what);
/**
 * Waits in real time for the run to complete. Not `handle.result()`: that unlocks time
 * skipping, and the server may then jump to the next deadline it knows for any workflow.
 */
const completed = (h: WorkflowHandle) => poll(() => h.describe(), (d) => d.status.name === 'COMPLETED', `${h.workflowId} to complete`);
const actions = async (id: string) => (await bed.tdb.db.auditEvent.findMany({ where: { recordId: id }, orderBy: { seq: 'asc' } })).map((a) => a.action);

async function knownError(h: WorkflowHandle): Promise<ProblemView> {
  await command(h, 'rca', { method: 'fishbone', entries: [{ category: 'process', cause: 'no log rotation standard' }] });
  return command(h, 'known-error', { rootCause: 'logs never rotated', workaround: 'truncate the logs', symptoms: 'batch aborts, disk full' });
}

async function rfc(ciId: string, startIn = 2 * DAY): Promise<SubmitChange> {
  const now = await bed.env.currentTimeMs();
  return {
    title: 'Enable log rotation',
    type: 'normal',
    ciIds: [ciId],
    plannedStart: new Date(now + startIn).toISOString(),
    plannedEnd: new Date(now + startIn + 2 * HOUR).toISOString(),
    implementationPlan: 'enable logrotate',
    backoutPlan: 'disable logrotate',
    ciUpdates: [],
  };
}

/** The change the problem raised: approved by the CAB, its window opened, implemented with `outcome`. */
async function implement(changeNumber: string, changeId: string, outcome: 'success' | 'failed'): Promise<ChangeView> {
  const h = bed.env.client.workflow.getHandle(changeWorkflowId(changeNumber));
  bed.track(h);
  const change = () => h.query(getChangeQuery) as Promise<ChangeView>;
  await poll(change, (v) => v?.state === 'cab_review', 'CAB review');
  for (const member of ['usr-cab_member', 'usr-cab_member2', 'usr-cab_member3']) {
    await h.signal(voteSignal, { voteId: `v-${changeId}-${member}`, member, groups: ['cab'], decision: 'approve' });
  }
  const scheduled = await poll(change, (v) => v?.state === 'scheduled', 'scheduled');
  await bed.env.sleep(Date.parse(scheduled.plannedStart) - (await bed.env.currentTimeMs()) + MIN);
  await poll(change, (v) => v?.windowOpenedAt !== null, 'window open');
  await h.executeUpdate(changeCommandUpdates.start, { args: [{ actor: 'usr-agent', body: {} }] });
  return h.executeUpdate(changeCommandUpdates.complete, { args: [{ actor: 'usr-agent', body: { outcome } }] });
}

test('full path: new → known_error → change_pending → resolved by a real change → under_observation → closed by the timer; the incident is resolved by the fix', async () => {
  const srv = await server();
  const inc = await openIncident(srv.id);
  const { handle, view } = await openProblem({ title: 'Nightly batch aborts', ciId: srv.id, incidentIds: [inc.view.id] });
  await incidentState(inc.handle, (v) => v.problemId === view.id, 'the incident linked');
  const ke = await knownError(handle);
  expect(ke).toMatchObject({ state: 'known_error', knownError: { status: 'active', ciIds: [srv.id] } });
  const pending = await command(handle, 'request-change', { change: await rfc(srv.id), config: CHANGE_CONFIG });
  expect(pending.state).toBe('change_pending');
  const done = await implement(pending.changes[0].number, pending.changes[0].id, 'success');
  expect([done.state, done.problemId, done.problemNumber]).toEqual(['implemented', view.id, view.number]);

  const watching = await problemState(handle, (v) => v.state === 'under_observation', 'observation');
  expect(watching).toMatchObject({ resolutionCode: 'fix_applied', changes: [{ outcome: 'success' }] });
  await incidentState(inc.handle, (v) => v.state === 'resolved', 'the incident resolved by the fix');
  // The durable observation timer: nothing polled, the clock skipped.
  await bed.env.sleep(Date.parse(watching.observationUntil!) - (await bed.env.currentTimeMs()) + MIN);
  await completed(handle);
  const closed = (await handle.query(getProblemQuery)) as ProblemView;
  expect(closed).toMatchObject({ state: 'closed', knownError: { status: 'retired' } });
  expect(await actions(view.id)).toEqual(['create', 'rca', 'known_error', 'change_requested', 'resolve', 'observe', 'close']);
  expect((await bed.tdb.db.knownError.findUniqueOrThrow({ where: { id: ke.knownErrorId! } })).status).toBe('retired');
});

test('a failed change sends the problem back to known_error and notifies the problem managers', async () => {
  const srv = await server();
  const { handle, view } = await openProblem({ title: 'Flaky batch', ciId: srv.id });
  await knownError(handle);
  const pending = await command(handle, 'request-change', { change: await rfc(srv.id), config: CHANGE_CONFIG });
  await implement(pending.changes[0].number, pending.changes[0].id, 'failed');
  const back = await problemState(handle, (v) => v.state === 'known_error' && v.changes[0].outcome === 'failed', 'back to known_error');
  expect(back.changes[0].reason).toContain('backout plan executed');
  expect((await bed.tdb.db.notification.findMany({ where: { recordId: view.id } })).map((n) => n.kind)).toEqual(['problem_change_failed']);
});

test('recurrence: an incident matching the known error while the problem is under observation reopens it, linked', async () => {
  const srv = await server();
  const { handle, view } = await openProblem({ title: 'Disk fills up', ciId: srv.id, observationMs: 7 * DAY });
  await knownError(handle);
  await command(handle, 'resolve', { code: 'fix_applied', notes: 'patched by hand' });
  await bed.env.sleep(3 * DAY); // well inside the observation window
  const recurring = await openIncident(srv.id, 'It is back');
  expect(recurring.view).toMatchObject({ problemId: view.id, knownErrors: [expect.objectContaining({ workaround: 'truncate the logs' })] });
  const reopened = await problemState(handle, (v) => v.state === 'investigating', 'reopened');
  expect(reopened).toMatchObject({ reopenCount: 1, incidentIds: [recurring.view.id], observationUntil: null });
  // Reopened, it no longer closes by itself: the observation timer is gone.
  await bed.env.sleep(10 * DAY);
  expect((await handle.query(getProblemQuery))?.state).toBe('investigating');
});

test('duplicate: the incidents move to the surviving problem; the survivor accepts the risk and notes its open incidents', async () => {
  const srv = await server();
  const a = await openIncident(srv.id, 'A');
  const b = await openIncident(srv.id, 'B');
  const survivor = await openProblem({ title: 'Survivor', ciId: srv.id, incidentIds: [a.view.id] });
  const dup = await openProblem({ title: 'Duplicate', ciId: srv.id, incidentIds: [b.view.id] });
  await incidentState(b.handle, (v) => v.problemId === dup.view.id, 'B linked to the duplicate');

  const self = await command(dup.handle, 'mark-duplicate', { of: { id: dup.view.id, number: dup.view.number } }).catch((e: unknown) => e);
  expect(self).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(((self as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(FAILURE.invalidInput);

  const marked = await command(dup.handle, 'mark-duplicate', { of: { id: survivor.view.id, number: survivor.view.number } });
  expect(marked).toMatchObject({ state: 'closed', resolutionCode: 'duplicate', duplicateOf: { number: survivor.view.number } });
  await incidentState(b.handle, (v) => v.problemId === survivor.view.id, 'B moved to the survivor');
  expect((await survivor.handle.query(getProblemQuery))?.incidentIds).toEqual([a.view.id, b.view.id]);

  const accepted = await command(survivor.handle, 'accept-risk', { reason: 'retired next quarter' });
  expect(accepted).toMatchObject({ state: 'closed', resolutionCode: 'risk_accepted' });
  const notes = await bed.tdb.db.auditEvent.findMany({ where: { recordId: { in: [a.view.id, b.view.id] }, action: 'notes' } });
  expect(notes).toHaveLength(2);
  // A closed duplicate takes no more commands: its workflow has ended.
  await completed(dup.handle);
});

test('refused commands leave no trace: known error without evidence, close before resolution', async () => {
  const { handle, view } = await openProblem({ title: 'Refusals' });
  for (const attempt of [
    () => command(handle, 'known-error', { rootCause: 'x', workaround: 'y' }),
    () => command(handle, 'close', {}),
    () => command(handle, 'request-change', { change: { ...({} as SubmitChange) }, config: CHANGE_CONFIG }),
  ]) {
    const e = await attempt().catch((x: unknown) => x);
    expect(((e as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(FAILURE.invalidTransition);
  }
  expect(await actions(view.id)).toEqual(['create']);
  const history = await handle.fetchHistory();
  expect(history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length).toBe(1); // only `create`
});
