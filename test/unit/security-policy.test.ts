/**
 * The security rooms' pure core: the shared "reminders before a deadline, overdue after" watch
 * (domain/security/reminders.ts) and the security policy lifecycle on it (domain/security/policy.ts).
 */
import { fired, nextReminder, watch, watchDeadlines } from '../../domain/security/reminders';
import { alarmEffect, commandEffect, commandRefusal, newSecurityPolicy, policyDeadlines, securityPolicyView } from '../../domain/security/policy';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('the deadline watch', () => {
  test('reminders at due − N days, largest first, then overdue at the deadline', () => {
    const w = watch(T0 + 60 * DAY, [7, 30, 7], T0);
    expect(w).toEqual({ due: T0 + 60 * DAY, reminderDays: [30, 7], remindersDone: [], overdue: false });
    expect(watchDeadlines(w, 'X').map((d) => [d.kind, d.at])).toEqual([['reminder_30', T0 + 30 * DAY], ['reminder_7', T0 + 53 * DAY], ['overdue', T0 + 60 * DAY]]);
    expect(nextReminder(w)).toBe(T0 + 30 * DAY);
  });

  test('watched late: the stale reminders are skipped but the latest, which fires at once', () => {
    const w = watch(T0 + 5 * DAY, [30, 14, 7], T0);
    expect(w.remindersDone).toEqual([14, 30]);
    expect(watchDeadlines(w, 'X').map((d) => d.kind)).toEqual(['reminder_7', 'overdue']);
  });

  test('a deadline already past: no reminder, only the overdue alarm', () => {
    expect(watchDeadlines(watch(T0 - DAY, [30, 7], T0), 'X').map((d) => d.kind)).toEqual(['overdue']);
  });

  test('fired: a reminder is done, overdue ends the watch', () => {
    const w = fired(watch(T0 + 60 * DAY, [30, 7], T0), 'reminder_30');
    expect(watchDeadlines(w, 'X').map((d) => d.kind)).toEqual(['reminder_7', 'overdue']);
    expect(watchDeadlines(fired(w, 'overdue'), 'X')).toEqual([]);
    expect(nextReminder(fired(w, 'reminder_7'))).toBeNull();
  });
});

describe('a security policy', () => {
  const p = newSecurityPolicy({ id: 'pol-1', number: 'POL0000001', workflowId: 'wf', title: 'Passwords', ownerGroup: 'security', body: 'Use a manager.', reviewDue: T0 + 60 * DAY, reminderDays: [30, 7] }, 'usr-admin', T0);

  test('is reminded to its owner group, then lapses with an event and a notification', () => {
    expect(policyDeadlines(p).map((d) => d.kind)).toEqual(['reminder_30', 'reminder_7', 'overdue']);
    const due = alarmEffect(p, 'reminder_30', T0 + 30 * DAY);
    expect(due.snapshot.state).toBe('review_due');
    expect(due.events).toEqual(['security_policy.review_due']);
    expect(due.notifications).toEqual([{ recipient: 'group:security', kind: 'security_policy_review_due', message: 'POL0000001 (Passwords) must be reviewed by 2026-03-02T00:00:00.000Z' }]);
    const lapsed = alarmEffect(due.snapshot, 'overdue', T0 + 60 * DAY).snapshot;
    expect([lapsed.state, lapsed.lapsedAt]).toEqual(['lapsed', T0 + 60 * DAY]);
    expect(alarmEffect(due.snapshot, 'overdue', T0 + 60 * DAY).notifications![0].kind).toBe('security_policy_lapsed');
    expect(policyDeadlines(lapsed)).toEqual([]);
  });

  test('a review records who, when, what and the next date; reminders start over; a lapsed policy is active again', () => {
    const lapsed = alarmEffect(p, 'overdue', T0 + 60 * DAY).snapshot;
    const at = T0 + 61 * DAY;
    const e = commandEffect(lapsed, 'review', { nextReviewDue: new Date(at + 365 * DAY).toISOString(), note: 'still right', body: 'Use a manager and MFA.' }, 'usr-sec', at);
    expect(e.snapshot).toMatchObject({ state: 'active', body: 'Use a manager and MFA.', lapsedAt: null, reviews: [{ by: 'usr-sec', at, note: 'still right', previousDue: T0 + 60 * DAY, nextDue: at + 365 * DAY, revised: true }] });
    expect(e.data).toMatchObject({ wasLapsed: true, revised: true });
    expect(policyDeadlines(e.snapshot).map((d) => [d.kind, d.at])).toEqual([['reminder_30', at + 335 * DAY], ['reminder_7', at + 358 * DAY], ['overdue', at + 365 * DAY]]);
    expect(securityPolicyView(e.snapshot, at)).toMatchObject({ reviewDue: new Date(at + 365 * DAY).toISOString(), nextReminder: new Date(at + 335 * DAY).toISOString() });
  });

  test('refusals: a review date not in the future; anything once retired', () => {
    expect(commandRefusal(p, 'review', { nextReviewDue: new Date(T0).toISOString() }, T0)).toBe('the next review date must be in the future');
    expect(commandRefusal(p, 'review', { nextReviewDue: new Date(T0 + DAY).toISOString() }, T0)).toBeNull();
    const retired = commandEffect(p, 'retire', { reason: 'superseded' }, 'usr-admin', T0).snapshot;
    expect([retired.state, retired.retireReason]).toEqual(['retired', 'superseded']);
    expect(commandRefusal(retired, 'retire', { reason: 'again' }, T0)).toBe("cannot retire a policy in state 'retired'");
    expect(policyDeadlines(retired)).toEqual([]);
    expect(securityPolicyView(retired, T0).nextReminder).toBeNull();
  });
});
