/**
 * The complaint and compliment workflow on the time-skipping test server, with the real worker
 * writing to a real (SQLite) database: a complaint's acknowledgement and resolution targets warn
 * and breach on time (days skipped, not waited), each once, to the owning group and the account
 * manager, with their events; a step taken stops the alarms still to come; a compliment's
 * shorter life; refused commands record nothing.
 */
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FeedbackView } from '../../domain/schemas/feedback';
import { createFeedbackUpdate, feedbackCommandUpdates, getFeedbackQuery, type CreateFeedbackInput } from '../../workflows/contracts/feedback';
import { FAILURE } from '../../workflows/contracts/record';
import { feedbackWorkflow } from '../../workflows/feedback';
import { recordTrail, workflowTestBed } from '../support/workflow-bed';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TQ = 'feedback-wf';
const RECORD = { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false };

const bed = workflowTestBed(TQ);
const { eventsOf } = recordTrail(bed);
let seq = 0;

async function open(kind: 'complaint' | 'compliment'): Promise<{ h: WorkflowHandle; view: FeedbackView }> {
  const number = `FBK${String(++seq).padStart(7, '0')}`;
  const body: CreateFeedbackInput['body'] = { customerId: 'cus-1', accountManager: 'usr-change_manager', kind, title: `Slow payroll ${seq}`, description: null, serviceId: null, group: 'service-desk', acknowledgeMs: DAY, resolveMs: 10 * DAY };
  const op = new WithStartWorkflowOperation(feedbackWorkflow, { workflowId: `feedback-${number}`, taskQueue: TQ, args: [{ id: `fbk-${seq}`, number, config: RECORD }], workflowIdConflictPolicy: 'FAIL' });
  const view = await bed.env.client.workflow.executeUpdateWithStart(createFeedbackUpdate, { args: [{ actor: 'usr-agent', body }], startWorkflowOperation: op });
  const h = await op.workflowHandle();
  bed.track(h);
  return { h, view };
}

const command = (h: WorkflowHandle, name: keyof typeof feedbackCommandUpdates, body: object = {}) => h.executeUpdate(feedbackCommandUpdates[name] as typeof feedbackCommandUpdates.acknowledge, { args: [{ actor: 'usr-agent', body: body as never }] });
const alarmsOf = async (id: string) =>
  (await bed.tdb.db.auditEvent.findMany({ where: { recordId: id }, orderBy: { seq: 'asc' } })).map((a) => a.action).filter((a) => /_(warning|breach)$/.test(a));
/** The alarms recorded, once the worker has written what the skipped time fired (asked again for up to 10 s). */
async function expectAlarms(id: string, expected: string[]): Promise<void> {
  const until = Date.now() + 10_000;
  while (JSON.stringify(await alarmsOf(id)) !== JSON.stringify(expected) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  expect(await alarmsOf(id)).toEqual(expected);
}
const notificationsOf = (id: string) => bed.tdb.db.notification.findMany({ where: { recordId: id }, orderBy: { id: 'asc' } });

test('an unacknowledged complaint warns at 75% and breaches at its target, once each, to the group and the account manager; acknowledged late, its resolution alarms still run until resolved', async () => {
  const { h, view } = await open('complaint');
  expect(view).toMatchObject({ state: 'new', kind: 'complaint', breached: [] });
  expect(Date.parse(view.resolveDueAt!) - Date.parse(view.createdAt)).toBe(10 * DAY);

  await bed.env.sleep(19 * HOUR);
  await expectAlarms(view.id, ['acknowledge_warning']);
  await bed.env.sleep(6 * HOUR);
  await expectAlarms(view.id, ['acknowledge_warning', 'acknowledge_breach']);
  const told = await notificationsOf(view.id);
  expect(told.map((n) => [n.recipient, n.kind]).sort()).toEqual([
    ['group:service-desk', 'feedback_target_breached'],
    ['group:service-desk', 'feedback_target_warning'],
    ['user:usr-change_manager', 'feedback_target_breached'],
    ['user:usr-change_manager', 'feedback_target_warning'],
  ]);
  expect((await h.query(getFeedbackQuery))!.breached).toEqual(['acknowledge']);

  expect((await command(h, 'acknowledge', { note: 'calling them' })).state).toBe('acknowledged');
  expect((await command(h, 'investigate')).state).toBe('investigating');
  await bed.env.sleep(7 * DAY);
  await expectAlarms(view.id, ['acknowledge_warning', 'acknowledge_breach', 'resolve_warning']);
  expect((await command(h, 'resolve', { resolution: 'batch rerun, credit note issued' })).state).toBe('resolved');
  await bed.env.sleep(5 * DAY);
  // Resolved: no resolution breach.
  await expectAlarms(view.id, ['acknowledge_warning', 'acknowledge_breach', 'resolve_warning']);
  expect((await command(h, 'reopen', { reason: 'still short-paid' })).state).toBe('investigating');
  expect((await command(h, 'resolve', { resolution: 'paid in full' })).state).toBe('resolved');
  const closed = await command(h, 'close');
  expect(closed).toMatchObject({ state: 'closed', resolution: 'paid in full' });
  expect(await h.result()).toMatchObject({ state: 'closed' });
  expect(await eventsOf(view.id)).toEqual(expect.arrayContaining(['feedback.created', 'feedback.target_warning', 'feedback.target_breached', 'feedback.acknowledged', 'feedback.resolved', 'feedback.reopened', 'feedback.closed']));
  expect((await bed.tdb.db.feedback.findUniqueOrThrow({ where: { id: view.id } })).state).toBe('closed');
});

test('a compliment is acknowledged and closed; it has no resolution target, and complaint-only steps are refused with nothing recorded', async () => {
  const { h, view } = await open('compliment');
  expect(view.resolveDueAt).toBeNull();
  const refused = async (name: keyof typeof feedbackCommandUpdates, body: object = {}) => {
    const e = await command(h, name, body).catch((x) => x);
    expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((e.cause as ApplicationFailure).type).toBe(FAILURE.invalidTransition);
  };
  await refused('close');
  await refused('resolve', { resolution: 'n/a' });
  expect((await command(h, 'acknowledge')).state).toBe('acknowledged');
  await refused('investigate');
  await bed.env.sleep(11 * DAY);
  await expectAlarms(view.id, []);
  expect((await command(h, 'close', { note: 'thanked the team' })).state).toBe('closed');
  expect((await bed.tdb.db.auditEvent.findMany({ where: { recordId: view.id } })).map((a) => a.action)).toEqual(['create', 'acknowledge', 'close']);
});
