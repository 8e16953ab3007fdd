/**
 * The security policy workflow on the time-skipping test server, with the real worker writing to
 * a real (SQLite) database: reminders to the owner group 30 and 7 days before the review date,
 * the lapse when it passes unreviewed, a review that makes it active again with the next date
 * (reminders start over), retirement; refused commands record nothing. Months are skipped.
 */
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { SecurityPolicyView } from '../../domain/schemas/security-policy';
import { createSecurityPolicyUpdate, getSecurityPolicyQuery, securityPolicyCommandUpdates, type CreateSecurityPolicyInput } from '../../workflows/contracts/security-policy';
import { FAILURE } from '../../workflows/contracts/record';
import { securityPolicyWorkflow } from '../../workflows/security-policy';
import { recordTrail, workflowTestBed } from '../support/workflow-bed';

const DAY = 86_400_000;
const TQ = 'security-policy-wf';
const RECORD = { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false };

const bed = workflowTestBed(TQ);
const { expectActions, toldOf, eventsOf } = recordTrail(bed);
let seq = 0;

/** A policy due for review in 60 days: reminders at day 30 and 53, the lapse at day 60. */
async function open(): Promise<{ h: WorkflowHandle; view: SecurityPolicyView; t0: number }> {
  const number = `POL${String(++seq).padStart(7, '0')}`;
  const t0 = Number(await bed.env.currentTimeMs());
  const body: CreateSecurityPolicyInput['body'] = { title: `Passwords ${seq}`, ownerGroup: 'l2-support', body: 'Use a password manager.', reviewDue: t0 + 60 * DAY, reminderDays: [30, 7] };
  const op = new WithStartWorkflowOperation(securityPolicyWorkflow, { workflowId: `security-policy-${number}`, taskQueue: TQ, args: [{ id: `pol-${seq}`, number, config: RECORD }], workflowIdConflictPolicy: 'FAIL' });
  const view = await bed.env.client.workflow.executeUpdateWithStart(createSecurityPolicyUpdate, { args: [{ actor: 'usr-admin', body }], startWorkflowOperation: op });
  const h = await op.workflowHandle();
  bed.track(h);
  return { h, view, t0 };
}

const command = (h: WorkflowHandle, name: keyof typeof securityPolicyCommandUpdates, body: object) =>
  h.executeUpdate(securityPolicyCommandUpdates[name] as typeof securityPolicyCommandUpdates.retire, { args: [{ actor: 'usr-change_manager', body: body as never }] });

test('unreviewed: reminded 30 and 7 days before, lapsed at the review date; a late review makes it active again and the reminders start over', async () => {
  const { h, view } = await open();
  expect(view).toMatchObject({ state: 'active', nextReminder: new Date(Date.parse(view.reviewDue) - 30 * DAY).toISOString() });
  await bed.env.sleep(31 * DAY);
  await expectActions(view.id, ['create', 'reminder_30']);
  expect((await h.query(getSecurityPolicyQuery))!.state).toBe('review_due');
  await bed.env.sleep(30 * DAY);
  await expectActions(view.id, ['create', 'reminder_30', 'reminder_7', 'overdue']);
  const row = await bed.tdb.db.securityPolicy.findUniqueOrThrow({ where: { id: view.id } });
  expect(row.state).toBe('lapsed');
  expect(await toldOf(view.id)).toEqual([
    ['group:l2-support', 'security_policy_review_due'],
    ['group:l2-support', 'security_policy_review_due'],
    ['group:l2-support', 'security_policy_lapsed'],
  ]);
  // A review date in the past is refused and records nothing.
  const e = await command(h, 'review', { nextReviewDue: new Date(Number(await bed.env.currentTimeMs()) - DAY).toISOString(), note: 'x' }).catch((x) => x);
  expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((e.cause as ApplicationFailure).type).toBe(FAILURE.invalidTransition);
  const now = Number(await bed.env.currentTimeMs());
  const reviewed = await command(h, 'review', { nextReviewDue: new Date(now + 100 * DAY).toISOString(), note: 'still right' });
  expect(reviewed).toMatchObject({ state: 'active', lapsedAt: null, reviews: [{ by: 'usr-change_manager', note: 'still right', revised: false }] });
  await bed.env.sleep(71 * DAY);
  await expectActions(view.id, ['create', 'reminder_30', 'reminder_7', 'overdue', 'review', 'reminder_30']);
  expect((await command(h, 'retire', { reason: 'superseded by POL2' })).state).toBe('retired');
  expect(await h.result()).toMatchObject({ state: 'retired', retireReason: 'superseded by POL2' });
  expect(await eventsOf(view.id)).toEqual(['security_policy.created', 'security_policy.review_due', 'security_policy.review_due', 'security_policy.lapsed', 'security_policy.reviewed', 'security_policy.review_due', 'security_policy.retired']);
});

test('reviewed in time: no lapse, the new date watched instead', async () => {
  const { h, view, t0 } = await open();
  await bed.env.sleep(31 * DAY);
  await command(h, 'review', { nextReviewDue: new Date(t0 + 400 * DAY).toISOString(), note: 'fine', body: 'Use a password manager and MFA.' });
  await bed.env.sleep(40 * DAY);
  await expectActions(view.id, ['create', 'reminder_30', 'review']);
  const row = await bed.tdb.db.securityPolicy.findUniqueOrThrow({ where: { id: view.id } });
  expect([row.state, row.reviewDue.getTime()]).toEqual(['active', t0 + 400 * DAY]);
  expect((await h.query(getSecurityPolicyQuery))!.body).toBe('Use a password manager and MFA.');
});
