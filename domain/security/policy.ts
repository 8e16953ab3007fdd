/**
 * A security policy's lifecycle: reminders to its owner group before its review date (the days
 * configured, e.g. 30 and 7), `lapsed` when the date passes unreviewed (event and notification),
 * a `review` that records who reviewed it, what they found and the next date (reminders start
 * over; a lapsed policy is active again), and `retire`.
 */
import type { Effect } from '../record';
import type { SecurityPolicyCommandBody, SecurityPolicyCommandName, SecurityPolicySnapshot, SecurityPolicyView } from '../schemas/security-policy';
import { fired, nextReminder, reminderDays, watch, watchDeadlines, type WatchAlarm } from './reminders';

/** Days before the review date the owner group is reminded, when config names none. */
export const DEFAULT_POLICY_REMINDER_DAYS = [30, 7];

export const isTerminal = (state: string) => state === 'retired';
const iso = (ms: number) => new Date(ms).toISOString();

export interface NewSecurityPolicy {
  id: string;
  number: string;
  workflowId: string;
  title: string;
  ownerGroup: string;
  body: string;
  reviewDue: number;
  reminderDays: number[];
}

export function newSecurityPolicy(p: NewSecurityPolicy, actor: string, now: number): SecurityPolicySnapshot {
  return {
    id: p.id, number: p.number, workflowId: p.workflowId, title: p.title, ownerGroup: p.ownerGroup, body: p.body,
    state: 'active', watch: watch(p.reviewDue, p.reminderDays, now), reviews: [], lapsedAt: null, retiredAt: null, retireReason: null,
    createdBy: actor, createdAt: now, updatedAt: now,
  };
}

export function commandRefusal(s: SecurityPolicySnapshot, name: SecurityPolicyCommandName, body: Record<string, unknown>, now: number): string | null {
  if (isTerminal(s.state)) return `cannot ${name} a policy in state '${s.state}'`;
  if (name === 'review' && Date.parse(String(body.nextReviewDue)) <= now) return 'the next review date must be in the future';
  return null;
}

export function commandEffect<K extends SecurityPolicyCommandName>(s: SecurityPolicySnapshot, name: K, body: SecurityPolicyCommandBody<K>, actor: string, now: number): Effect<SecurityPolicySnapshot> {
  if (name === 'retire') {
    const reason = (body as SecurityPolicyCommandBody<'retire'>).reason;
    return { snapshot: { ...s, state: 'retired', retiredAt: now, retireReason: reason }, events: ['security_policy.retired'], data: { reason } };
  }
  const b = body as SecurityPolicyCommandBody<'review'>;
  const nextDue = Date.parse(b.nextReviewDue);
  const review = { by: actor, at: now, note: b.note, previousDue: s.watch.due, nextDue, revised: b.body !== undefined && b.body !== s.body };
  return {
    snapshot: { ...s, state: 'active', body: b.body ?? s.body, watch: watch(nextDue, s.watch.reminderDays, now), reviews: [...s.reviews, review], lapsedAt: null },
    events: ['security_policy.reviewed'],
    data: { note: b.note, previousDue: iso(s.watch.due), nextReviewDue: iso(nextDue), revised: review.revised, wasLapsed: s.state === 'lapsed' },
  };
}

export const policyDeadlines = (s: SecurityPolicySnapshot) => (isTerminal(s.state) ? [] : watchDeadlines(s.watch, `${s.number} review`));

/** A reminder before the review date, or the lapse when it passes unreviewed; both to the owner group. */
export function alarmEffect(s: SecurityPolicySnapshot, alarm: WatchAlarm, now: number): Effect<SecurityPolicySnapshot> {
  const recipient = `group:${s.ownerGroup}`;
  if (alarm === 'overdue') {
    return {
      snapshot: { ...s, state: 'lapsed', watch: fired(s.watch, alarm), lapsedAt: now },
      events: ['security_policy.lapsed'],
      data: { reviewDue: iso(s.watch.due) },
      notifications: [{ recipient, kind: 'security_policy_lapsed', message: `${s.number} (${s.title}) lapsed: it was not reviewed by ${iso(s.watch.due)}` }],
    };
  }
  const days = reminderDays(alarm);
  return {
    snapshot: { ...s, state: 'review_due', watch: fired(s.watch, alarm) },
    events: ['security_policy.review_due'],
    data: { days, reviewDue: iso(s.watch.due) },
    notifications: [{ recipient, kind: 'security_policy_review_due', message: `${s.number} (${s.title}) must be reviewed by ${iso(s.watch.due)}` }],
  };
}

export function securityPolicyView(s: SecurityPolicySnapshot, _now: number): SecurityPolicyView {
  const next = isTerminal(s.state) ? null : nextReminder(s.watch);
  return {
    id: s.id, number: s.number, title: s.title, state: s.state, ownerGroup: s.ownerGroup, body: s.body,
    reviewDue: iso(s.watch.due), nextReminder: next === null ? null : iso(next),
    reviews: s.reviews.map((r) => ({ ...r, at: iso(r.at), previousDue: iso(r.previousDue), nextDue: iso(r.nextDue) })),
    lapsedAt: s.lapsedAt === null ? null : iso(s.lapsedAt), retiredAt: s.retiredAt === null ? null : iso(s.retiredAt), retireReason: s.retireReason,
    createdBy: s.createdBy, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt), workflowId: s.workflowId,
  };
}
