/** An access review's pure lifecycle (domain/security/access-review.ts), on the shared deadline watch. */
import { accessReviewDeadlines, accessReviewView, alarmEffect, decideEffect, decideRefusal, newAccessReview } from '../../domain/security/access-review';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const base = { id: 'arv-1', number: 'ARV0000001', workflowId: 'wf', ciId: 'ci-1', ciNumber: 'CI0000001', ciName: 'Payroll', ownerGroup: 'apps', owner: 'usr-o' };
const accounts = [{ account: 'ann', holder: 'Ann', access: 'admin' }, { account: 'bob', holder: 'Bob', access: 'read' }];

test('reminders 7 days and 1 day before the deadline, only those shorter than the review', () => {
  expect(accessReviewDeadlines(newAccessReview({ ...base, dueDays: 14, accounts }, 'usr-a', T0)).map((d) => [d.kind, d.at])).toEqual([['reminder_7', T0 + 7 * DAY], ['reminder_1', T0 + 13 * DAY], ['overdue', T0 + 14 * DAY]]);
  expect(accessReviewDeadlines(newAccessReview({ ...base, dueDays: 7, accounts }, 'usr-a', T0)).map((d) => d.kind)).toEqual(['reminder_1', 'overdue']);
  expect(accessReviewDeadlines(newAccessReview({ ...base, dueDays: 1, accounts }, 'usr-a', T0)).map((d) => d.kind)).toEqual(['overdue']);
});

test('each decision keeps who, what, when and why; the last one completes the review and names the revoked', () => {
  const r = newAccessReview({ ...base, dueDays: 14, accounts }, 'usr-a', T0);
  const one = decideEffect(r, { account: 'ann', decision: 'revoke', note: 'left' }, 'usr-o', T0 + DAY);
  expect([one.snapshot.state, one.events]).toEqual(['open', ['access_review.revoked']]);
  expect(one.snapshot.accounts[0].decided).toEqual({ decision: 'revoke', note: 'left', by: 'usr-o', at: T0 + DAY });
  const two = decideEffect(one.snapshot, { account: 'bob', decision: 'confirm' }, 'usr-admin', T0 + 2 * DAY);
  expect([two.snapshot.state, two.snapshot.completedAt, two.events, two.data?.revoked]).toEqual(['completed', T0 + 2 * DAY, ['access_review.confirmed', 'access_review.completed'], ['ann']]);
  expect(accessReviewDeadlines(two.snapshot)).toEqual([]);
  expect(accessReviewView(two.snapshot, T0).accounts.map((a) => [a.account, a.decision, a.decidedBy])).toEqual([['ann', 'revoke', 'usr-o'], ['bob', 'confirm', 'usr-admin']]);
});

test('refusals: an account not listed is unknown, a decided one or a completed review a conflict naming it', () => {
  const r = newAccessReview({ ...base, dueDays: 14, accounts }, 'usr-a', T0);
  expect(decideRefusal(r, { account: 'zed' })).toEqual({ status: 'unknown', message: 'account zed is not in ARV0000001' });
  const one = decideEffect(r, { account: 'ann', decision: 'confirm' }, 'usr-o', T0).snapshot;
  expect(decideRefusal(one, { account: 'ann' })).toEqual({ status: 'conflict', message: 'account ann was already decided (confirm by usr-o at 2026-01-01T00:00:00.000Z)' });
  expect(decideRefusal(one, { account: 'bob' })).toBeNull();
  const done = decideEffect(one, { account: 'bob', decision: 'confirm' }, 'usr-o', T0).snapshot;
  expect(decideRefusal(done, { account: 'bob' })?.status).toBe('conflict');
});

test('reminder to the owner; overdue escalates to the group manager (when there is one) and the security group', () => {
  const r = newAccessReview({ ...base, dueDays: 14, accounts }, 'usr-a', T0);
  expect(alarmEffect(r, 'reminder_7', null).notifications!.map((n) => [n.recipient, n.kind])).toEqual([['user:usr-o', 'access_review_reminder']]);
  const esc = alarmEffect(r, 'overdue', 'usr-m');
  expect([esc.snapshot.state, esc.data?.undecided]).toEqual(['escalated', ['ann', 'bob']]);
  expect(esc.notifications!.map((n) => n.recipient)).toEqual(['user:usr-m', 'group:security']);
  expect(alarmEffect(r, 'overdue', null).notifications!.map((n) => n.recipient)).toEqual(['group:security']);
  expect(accessReviewView(esc.snapshot, T0)).toMatchObject({ escalated: true, nextReminder: null });
});
