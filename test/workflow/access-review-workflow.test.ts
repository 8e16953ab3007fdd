/**
 * The access review workflow on the time-skipping test server, with the real worker writing to a
 * real (SQLite) database: a 14-day review reminds its owner 7 days and 1 day before the deadline,
 * escalates to the system owner group's manager and the security group when it passes undecided,
 * and completes when every account is decided, each decision kept with who and when; a decided
 * account cannot be decided again (refused, nothing recorded). Days are skipped, not waited.
 */
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AccessReviewView } from '../../domain/schemas/access-review';
import { accessReviewCommandUpdates, createAccessReviewUpdate, type CreateAccessReviewInput } from '../../workflows/contracts/access-review';
import { FAILURE } from '../../workflows/contracts/record';
import { accessReviewWorkflow } from '../../workflows/access-review';
import { recordTrail, workflowTestBed } from '../support/workflow-bed';

const DAY = 86_400_000;
const TQ = 'access-review-wf';
const RECORD = { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false };

const bed = workflowTestBed(TQ);
const { expectActions, toldOf, eventsOf } = recordTrail(bed);
let seq = 0;

/** A review of a system owned by l2-support (manager usr-admin), owner usr-agent, 14 days to decide. */
async function open(): Promise<{ h: WorkflowHandle; view: AccessReviewView; t0: number }> {
  const number = `ARV${String(++seq).padStart(7, '0')}`;
  const t0 = Number(await bed.env.currentTimeMs());
  const body: CreateAccessReviewInput['body'] = {
    ciId: 'ci-1', ciNumber: 'CI0000001', ciName: 'Payroll', ownerGroup: 'l2-support', owner: 'usr-agent', dueDays: 14,
    accounts: [{ account: 'ann', holder: 'Ann', access: 'admin' }, { account: 'bob', holder: 'Bob', access: 'read' }],
  };
  const op = new WithStartWorkflowOperation(accessReviewWorkflow, { workflowId: `access-review-${number}`, taskQueue: TQ, args: [{ id: `arv-${seq}`, number, config: RECORD }], workflowIdConflictPolicy: 'FAIL' });
  const view = await bed.env.client.workflow.executeUpdateWithStart(createAccessReviewUpdate, { args: [{ actor: 'usr-admin', body }], startWorkflowOperation: op });
  const h = await op.workflowHandle();
  bed.track(h);
  return { h, view, t0 };
}

const decide = (h: WorkflowHandle, account: string, decision: 'confirm' | 'revoke', note?: string) =>
  h.executeUpdate(accessReviewCommandUpdates.decide, { args: [{ actor: 'usr-agent', body: { account, decision, ...(note ? { note } : {}) } }] });

test('left undecided: reminded 7 days and 1 day before, escalated to the group manager and the security group at the deadline; decided late it completes', async () => {
  const { h, view, t0 } = await open();
  expect(view).toMatchObject({ state: 'open', undecided: 2 });
  // Due 14 days from the start (the workflow's clock, a moment after t0), reminded a week before.
  expect(Date.parse(view.dueAt) - t0).toBeGreaterThanOrEqual(14 * DAY);
  expect(Date.parse(view.dueAt) - t0).toBeLessThan(14 * DAY + 60_000);
  expect(Date.parse(view.dueAt) - Date.parse(view.nextReminder!)).toBe(7 * DAY);
  expect((await decide(h, 'ann', 'confirm')).undecided).toBe(1);
  await bed.env.sleep(8 * DAY);
  await expectActions(view.id, ['create', 'decide', 'reminder_7']);
  await bed.env.sleep(7 * DAY);
  await expectActions(view.id, ['create', 'decide', 'reminder_7', 'reminder_1', 'escalation']);
  expect(await toldOf(view.id)).toEqual([
    ['user:usr-agent', 'access_review_reminder'],
    ['user:usr-agent', 'access_review_reminder'],
    ['user:usr-admin', 'access_review_escalated'],
    ['group:security', 'access_review_escalated'],
  ]);
  expect((await bed.tdb.db.accessReview.findUniqueOrThrow({ where: { id: view.id } })).state).toBe('escalated');
  const done = await decide(h, 'bob', 'revoke', 'left the team');
  expect(done).toMatchObject({ state: 'completed', undecided: 0, escalated: true });
  expect(done.accounts.map((a) => [a.account, a.decision, a.decidedBy, a.note])).toEqual([['ann', 'confirm', 'usr-agent', null], ['bob', 'revoke', 'usr-agent', 'left the team']]);
  expect(await h.result()).toMatchObject({ state: 'completed' });
  expect(await eventsOf(view.id)).toEqual(['access_review.created', 'access_review.confirmed', 'access_review.reminder', 'access_review.reminder', 'access_review.escalated', 'access_review.revoked', 'access_review.completed']);
});

test('decided in time: no reminder left, no escalation; a decided account is refused a second decision and nothing is recorded', async () => {
  const { h, view } = await open();
  await decide(h, 'bob', 'confirm');
  const e = await decide(h, 'bob', 'revoke').catch((x) => x);
  expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((e.cause as ApplicationFailure).type).toBe(FAILURE.invalidTransition);
  expect((e.cause as ApplicationFailure).message).toMatch(/^account bob was already decided/);
  await bed.env.sleep(8 * DAY);
  await decide(h, 'ann', 'confirm');
  expect(await h.result()).toMatchObject({ state: 'completed', escalated: false });
  await bed.env.sleep(10 * DAY);
  await expectActions(view.id, ['create', 'decide', 'reminder_7', 'decide']);
});
