/**
 * The continuity run workflow on the time-skipping test server, with the real worker writing to a
 * real (SQLite) database: each step's group is reminded at 75 % of its slot and the group's
 * manager told at its deadline; a test finished after its RTO is overrun and raises a problem on
 * the service, one finished in time passes and raises none, a failed step fails the test; the
 * plan keeps its last test. Steps out of turn are refused with nothing recorded. Minutes are
 * skipped, not waited.
 */
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ContinuityRunRecord } from '../../domain/schemas/continuity';
import { continuityRunCommandUpdates, createContinuityRunUpdate, type CreateContinuityRunInput } from '../../workflows/contracts/continuity-run';
import { FAILURE } from '../../workflows/contracts/record';
import { continuityRunWorkflow } from '../../workflows/continuity-run';
import { createCiTx } from '../../db/ci-store';
import { recordTrail, workflowTestBed } from '../support/workflow-bed';

const MIN = 60_000;
const TQ = 'continuity-run-wf';
const RECORD = { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false };

const bed = workflowTestBed(TQ);
const { expectActions, toldOf, eventsOf } = recordTrail(bed);
let seq = 0;
let service: { id: string; number: string; name: string };

beforeAll(async () => {
  const ci = await bed.tdb.db.$transaction((tx) => createCiTx(tx, { name: 'Payments', class: 'service' }, { actor: 'usr-admin' }));
  service = { id: ci.id, number: ci.number, name: ci.name };
});

/** A plan of two steps, l2-support 60 min (manager usr-admin) then l3-support 30 min, RTO `rto` minutes, and a run of it. */
async function open(kind: 'test' | 'invocation', rto = 120): Promise<{ h: WorkflowHandle; view: ContinuityRunRecord; planId: string }> {
  seq += 1;
  const planId = `bcp-${seq}`;
  const steps = [
    { title: 'Fail the database over', group: 'l2-support', instructions: '', durationMinutes: 60 },
    { title: 'Repoint the application', group: 'l3-support', instructions: '', durationMinutes: 30 },
  ];
  await bed.tdb.db.continuityPlan.create({ data: { id: planId, number: `BCP${String(seq).padStart(7, '0')}`, serviceId: service.id, name: 'Payments DR', rtoMinutes: rto, rpoMinutes: 15, steps: JSON.stringify(steps), ownerGroup: 'l2-support', createdBy: 'usr-admin' } });
  const number = `DRT${String(seq).padStart(7, '0')}`;
  const body: CreateContinuityRunInput['body'] = { kind, service, incident: null, plan: { id: planId, number: `BCP${String(seq).padStart(7, '0')}`, name: 'Payments DR', rtoMinutes: rto, ownerGroup: 'l2-support', steps } };
  const op = new WithStartWorkflowOperation(continuityRunWorkflow, { workflowId: `continuity-run-${number}`, taskQueue: TQ, args: [{ id: `drt-${seq}`, number, config: RECORD }], workflowIdConflictPolicy: 'FAIL' });
  const view = await bed.env.client.workflow.executeUpdateWithStart(createContinuityRunUpdate, { args: [{ actor: 'usr-admin', body }], startWorkflowOperation: op });
  const h = await op.workflowHandle();
  bed.track(h);
  return { h, view, planId };
}

const cmd = (h: WorkflowHandle, name: keyof typeof continuityRunCommandUpdates, body: Record<string, unknown>) =>
  h.executeUpdate<ContinuityRunRecord, [{ actor: string; body: Record<string, unknown> }]>(continuityRunCommandUpdates[name].name, { args: [{ actor: 'usr-agent', body }] });

test('left undone: each step reminded at 75 % of its slot and escalated to its group manager at its deadline; finished after the RTO it is overrun and raises a problem', async () => {
  const { h, view, planId } = await open('test', 60);
  expect(view).toMatchObject({ kind: 'test', state: 'running', outcome: null, steps: [{ state: 'pending' }, { state: 'pending' }] });
  expect(Date.parse(view.steps[1].dueAt) - Date.parse(view.startedAt)).toBe(90 * MIN);
  await bed.env.sleep(46 * MIN);
  await expectActions(view.id, ['create', 'step_reminder']);
  await cmd(h, 'start-step', { step: 0 });
  await bed.env.sleep(15 * MIN);
  await expectActions(view.id, ['create', 'step_reminder', 'start_step', 'step_escalation']);
  expect((await h.query('getContinuityRun') as ContinuityRunRecord).steps[0].overdue).toBe(true);
  await cmd(h, 'complete-step', { step: 0, evidence: 'replica promoted, lag 0' });
  await bed.env.sleep(30 * MIN);
  await expectActions(view.id, ['create', 'step_reminder', 'start_step', 'step_escalation', 'complete_step', 'step_reminder', 'step_escalation']);
  expect(await toldOf(view.id)).toEqual([
    ['group:l2-support', 'continuity_step_reminder'],
    ['user:usr-admin', 'continuity_step_escalated'],
    ['group:l3-support', 'continuity_step_reminder'],
    ['user:usr-admin', 'continuity_step_escalated'],
  ]);
  const done = await cmd(h, 'complete-step', { step: 1, evidence: 'DSN changed', attachmentId: 'att_1' });
  expect(done).toMatchObject({ state: 'completed', outcome: 'overrun', withinRto: false, problemNumber: expect.stringMatching(/^PRB\d{7}$/) });
  expect(done.recoveryMinutes).toBeGreaterThan(90);
  expect(done.steps[1]).toMatchObject({ state: 'done', evidence: 'DSN changed', attachmentId: 'att_1' });
  expect(await h.result()).toMatchObject({ state: 'completed', problemId: done.problemId });
  const problem = await bed.tdb.db.problem.findUniqueOrThrow({ where: { id: done.problemId! } });
  expect([problem.serviceId, problem.title]).toEqual([service.id, `DR test ${view.number} of ${view.planNumber} overran its RTO: Payments`]);
  const plan = await bed.tdb.db.continuityPlan.findUniqueOrThrow({ where: { id: planId } });
  expect([plan.lastTestResult, plan.lastTestedAt?.toISOString()]).toEqual(['overrun', done.finishedAt]);
  expect(await eventsOf(view.id)).toEqual(['continuity.run.started', 'continuity.run.step_escalated', 'continuity.run.step_completed', 'continuity.run.step_escalated', 'continuity.run.step_completed', 'continuity.run.completed']);
  await expectActions(view.id, ['create', 'step_reminder', 'start_step', 'step_escalation', 'complete_step', 'step_reminder', 'step_escalation', 'complete_step', 'problem_raised']);
});

test('done in time: passed, no alarms left, no problem; a step out of turn is refused and nothing recorded', async () => {
  const { h, view, planId } = await open('test');
  const e = await cmd(h, 'complete-step', { step: 1, evidence: 'too early' }).catch((x) => x);
  expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((e.cause as ApplicationFailure).type).toBe(FAILURE.invalidTransition);
  expect((e.cause as ApplicationFailure).message).toBe('step 1 is not the next one (step 0 is)');
  await bed.env.sleep(10 * MIN);
  await cmd(h, 'complete-step', { step: 0, evidence: 'promoted' });
  const done = await cmd(h, 'complete-step', { step: 1, evidence: 'repointed' });
  expect(done).toMatchObject({ state: 'completed', outcome: 'passed', withinRto: true, problemId: null });
  await bed.env.sleep(3 * 60 * MIN);
  await expectActions(view.id, ['create', 'complete_step', 'complete_step']);
  expect((await bed.tdb.db.continuityPlan.findUniqueOrThrow({ where: { id: planId } })).lastTestResult).toBe('passed');
});

test('a failed step fails the test and raises a problem naming it', async () => {
  const { h, view } = await open('test');
  const failed = await cmd(h, 'fail-step', { step: 0, reason: 'replica 2 h behind' });
  expect(failed).toMatchObject({ state: 'failed', outcome: 'failed', recoveryMinutes: null, steps: [{ state: 'failed', reason: 'replica 2 h behind' }, { state: 'pending' }] });
  const problem = await bed.tdb.db.problem.findUniqueOrThrow({ where: { id: failed.problemId! } });
  expect(problem.title).toBe(`DR test ${view.number} of ${view.planNumber} failed: Payments`);
  expect([problem.category, JSON.parse(problem.detail).description]).toEqual(['continuity', expect.stringMatching(/step "Fail the database over" \(l2-support\) failed: replica 2 h behind/)]);
  expect(await eventsOf(view.id)).toEqual(['continuity.run.started', 'continuity.run.step_failed', 'continuity.run.completed']);
});
