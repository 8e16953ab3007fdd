/**
 * An access review of one system: the owner confirms or revokes each listed account by the
 * deadline; reminders before it, escalation (the system owner group's manager and the security
 * group) when it passes undecided; complete when every account is decided. Each decision keeps
 * its evidence: who, what, when, why.
 */
import type { Effect, NotificationRequest } from '../record';
import type { AccessReviewCommandBody, AccessReviewSnapshot, AccessReviewView, ReviewedAccount } from '../schemas/access-review';
import { fired, nextReminder, watch, watchDeadlines, type WatchAlarm } from './reminders';

const DAY = 86_400_000;
/** The group told when a review is overdue, besides the system owner group's manager. */
export const SECURITY_GROUP = 'security';
/** Days before the deadline the owner is reminded (those not shorter than the review are dropped by the watch as stale). */
export const ACCESS_REVIEW_REMINDER_DAYS = [7, 1];

export const isTerminal = (state: string) => state === 'completed';
const iso = (ms: number) => new Date(ms).toISOString();

export interface NewAccessReview {
  id: string;
  number: string;
  workflowId: string;
  ciId: string;
  ciNumber: string;
  ciName: string;
  ownerGroup: string | null;
  owner: string;
  dueDays: number;
  accounts: ReviewedAccount[];
}

export function newAccessReview(r: NewAccessReview, actor: string, now: number): AccessReviewSnapshot {
  const { dueDays, accounts, ...rest } = r;
  // Reminders at least a day into the review: a 7-day review is reminded once, a day before.
  const days = ACCESS_REVIEW_REMINDER_DAYS.filter((d) => d < dueDays);
  return {
    ...rest, title: `Access review of ${r.ciName}`, state: 'open', accounts: accounts.map((a) => ({ ...a, decided: null })), watch: watch(now + dueDays * DAY, days, now),
    completedAt: null, createdBy: actor, createdAt: now, updatedAt: now,
  };
}

/** Why a decision is refused: the review is complete, the account is not listed, or it was decided already. */
export function decideRefusal(s: AccessReviewSnapshot, body: { account: string }): { status: 'conflict' | 'unknown'; message: string } | null {
  if (isTerminal(s.state)) return { status: 'conflict', message: `cannot decide in a review in state '${s.state}'` };
  const a = s.accounts.find((x) => x.account === body.account);
  if (!a) return { status: 'unknown', message: `account ${body.account} is not in ${s.number}` };
  if (a.decided) return { status: 'conflict', message: `account ${body.account} was already decided (${a.decided.decision} by ${a.decided.by} at ${iso(a.decided.at)})` };
  return null;
}

export function decideEffect(s: AccessReviewSnapshot, body: AccessReviewCommandBody<'decide'>, actor: string, now: number): Effect<AccessReviewSnapshot> {
  const decided = { decision: body.decision, note: body.note ?? null, by: actor, at: now };
  const accounts = s.accounts.map((a) => (a.account === body.account ? { ...a, decided } : a));
  const done = accounts.every((a) => a.decided);
  const events = [`access_review.${body.decision === 'revoke' ? 'revoked' : 'confirmed'}`, ...(done ? ['access_review.completed'] : [])];
  return {
    snapshot: { ...s, accounts, state: done ? 'completed' : s.state, completedAt: done ? now : null },
    events,
    data: { account: body.account, decision: body.decision, note: decided.note, ...(done ? { revoked: accounts.filter((a) => a.decided!.decision === 'revoke').map((a) => a.account) } : {}) },
  };
}

export const accessReviewDeadlines = (s: AccessReviewSnapshot) => (isTerminal(s.state) ? [] : watchDeadlines(s.watch, `${s.number} access review`));

/** A reminder to the owner, or the escalation when the deadline passes with accounts undecided. `manager` is read when it fires. */
export function alarmEffect(s: AccessReviewSnapshot, alarm: WatchAlarm, manager: string | null): Effect<AccessReviewSnapshot> {
  const undecided = s.accounts.filter((a) => !a.decided).map((a) => a.account);
  if (alarm === 'overdue') {
    const message = `${s.number}: the access review of ${s.ciNumber} (${s.ciName}) passed its deadline ${iso(s.watch.due)} with ${undecided.length} account(s) undecided; owner ${s.owner}`;
    const notifications: NotificationRequest[] = [
      ...(manager ? [{ recipient: `user:${manager}`, kind: 'access_review_escalated', message }] : []),
      { recipient: `group:${SECURITY_GROUP}`, kind: 'access_review_escalated', message },
    ];
    return { snapshot: { ...s, state: 'escalated', watch: fired(s.watch, alarm) }, events: ['access_review.escalated'], data: { dueAt: iso(s.watch.due), undecided, manager }, notifications };
  }
  return {
    snapshot: { ...s, watch: fired(s.watch, alarm) },
    events: ['access_review.reminder'],
    data: { dueAt: iso(s.watch.due), undecided },
    notifications: [{ recipient: `user:${s.owner}`, kind: 'access_review_reminder', message: `${s.number}: ${undecided.length} account(s) of ${s.ciNumber} (${s.ciName}) await your decision by ${iso(s.watch.due)}` }],
  };
}

export function accessReviewView(s: AccessReviewSnapshot, _now: number): AccessReviewView {
  const next = isTerminal(s.state) ? null : nextReminder(s.watch);
  return {
    id: s.id, number: s.number, title: s.title, ciId: s.ciId, ciNumber: s.ciNumber, ciName: s.ciName, ownerGroup: s.ownerGroup, owner: s.owner, state: s.state,
    dueAt: iso(s.watch.due), nextReminder: next === null ? null : iso(next), escalated: s.watch.overdue,
    undecided: s.accounts.filter((a) => !a.decided).length,
    accounts: s.accounts.map((a) => ({
      account: a.account, holder: a.holder, access: a.access,
      decision: a.decided?.decision ?? null, note: a.decided?.note ?? null, decidedBy: a.decided?.by ?? null, decidedAt: a.decided ? iso(a.decided.at) : null,
    })),
    completedAt: s.completedAt === null ? null : iso(s.completedAt),
    createdBy: s.createdBy, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt), workflowId: s.workflowId,
  };
}
