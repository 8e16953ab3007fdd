/**
 * What each change step does, as pure functions of the change and the time: the workflow
 * supplies the CMDB's answers (impact, approvers, freezes) and persists the effects. Unit
 * tests reach all of this without Temporal.
 */
import { dueLabel, type Deadline, type Effect, type NotificationRequest } from '../record';
import { changeManagerRequired, notYetVoted, quorumOf, recipientOf, tally, type CabState, type RequiredApprover } from './cab';
import type { BoardRule, Board } from './policy';
import type { RiskAssessment } from './risk';
import type { Freeze } from './schedule';
import type { ChangeImpact, ChangeSnapshot, CiUpdate } from './snapshot';
import type { ChangeState } from './state-machine';
import { parseIsoDuration } from '../duration';

export type ChangeEffect = Effect<ChangeSnapshot>;
export type ChangeStepKind = 'assess' | 'schedule' | 'remind' | 'escalate' | 'timeout' | 'freeze_end' | 'window' | 'overrun';

const iso = (ms: number) => new Date(ms).toISOString();

/** The RFC as the API resolved it (see the change contract's SubmitChange). */
export interface ChangeSubmission {
  title: string;
  description?: string;
  type: ChangeSnapshot['type'];
  ciIds: string[];
  plannedStart: string;
  plannedEnd: string;
  implementationPlan: string;
  backoutPlan: string;
  problemId?: string;
  problemNumber?: string;
  templateId?: string;
  ciUpdates: CiUpdate[];
}

export function newChange(ids: { id: string; number: string; workflowId: string }, actor: string, body: ChangeSubmission, now: number): ChangeSnapshot {
  return {
    ...ids,
    type: body.type,
    title: body.title,
    description: body.description ?? null,
    state: 'submitted',
    ciIds: body.ciIds,
    plannedStart: Date.parse(body.plannedStart),
    plannedEnd: Date.parse(body.plannedEnd),
    implementationPlan: body.implementationPlan,
    backoutPlan: body.backoutPlan,
    problemId: body.problemId ?? null,
    problemNumber: body.problemNumber ?? null,
    releaseId: null,
    releaseNumber: null,
    templateId: body.templateId ?? null,
    ciUpdates: body.ciUpdates,
    risk: null,
    impact: null,
    cab: null,
    decision: null,
    changeManager: null,
    holdReason: null,
    freezeId: null,
    heldUntil: null,
    windowOpenedAt: null,
    startedAt: null,
    completedAt: null,
    outcome: null,
    completionNotes: null,
    backout: null,
    overranAt: null,
    review: null,
    cancelReason: null,
    closedAt: null,
    createdBy: actor,
    submittedAt: now,
    updatedAt: now,
  };
}

export const toChangeManager = (s: ChangeSnapshot, kind: string, message: string): NotificationRequest[] =>
  s.changeManager ? [{ recipient: `user:${s.changeManager}`, kind, message }] : [];

/** The one step the change waits for next (the kernel sleeps until it, or until a transition). */
export function changeDeadlines(s: ChangeSnapshot, now: number): Deadline<ChangeStepKind>[] {
  const step = (at: number, kind: ChangeStepKind, summary: string) => [{ at, kind, summary }];
  switch (s.state as ChangeState) {
    case 'submitted':
    case 'assessing':
      return step(now, 'assess', `${s.number} assessment`);
    case 'cab_review': {
      const cab = s.cab as CabState;
      if (cab.remindedAt === null && cab.escalatedAt === null) {
        const at = cab.openedAt + Math.floor((cab.deadline - cab.openedAt) / 2);
        return step(at, 'remind', dueLabel(`${s.number} CAB reminder`, at));
      }
      if (cab.escalatedAt === null) return step(cab.deadline, 'escalate', dueLabel(`${s.number} CAB decision`, cab.deadline));
      return step(cab.timeoutAt, 'timeout', dueLabel(`${s.number} CAB time-out`, cab.timeoutAt));
    }
    case 'approved':
      return step(now, 'schedule', `${s.number} scheduling`);
    case 'held':
      return s.heldUntil === null ? [] : step(s.heldUntil, 'freeze_end', dueLabel(`${s.number} freeze end`, s.heldUntil));
    case 'scheduled':
      return s.windowOpenedAt === null ? step(s.plannedStart, 'window', dueLabel(`${s.number} window opens`, s.plannedStart)) : [];
    case 'implementing':
      return s.overranAt === null ? step(s.plannedEnd, 'overrun', dueLabel(`${s.number} window closes`, s.plannedEnd)) : [];
    default:
      return [];
  }
}

/** A standard change is pre-approved by its template: no CAB. */
export function preApprovalEffect(s: ChangeSnapshot, data: Record<string, unknown>, now: number): ChangeEffect {
  return {
    snapshot: { ...s, state: 'approved', decision: { outcome: 'approved', reason: `standard change, pre-approved by template ${s.templateId}`, at: now, by: 'system' } },
    data: { ...data, templateId: s.templateId },
    events: ['change.approved'],
  };
}

/** The CAB convenes: who must answer, the quorum, the deadline, and a request to each approver. */
export function cabReviewEffect(s: ChangeSnapshot, board: Board, rule: BoardRule, risk: RiskAssessment, required: RequiredApprover[], data: Record<string, unknown>, now: number): ChangeEffect {
  const deadlineMs = parseIsoDuration(rule.deadline);
  const cab: CabState = {
    board,
    required,
    votes: [],
    quorum: quorumOf(rule.quorum, required.length),
    changeManagerRequired: changeManagerRequired(rule, risk.level, required),
    openedAt: now,
    deadline: now + deadlineMs,
    timeoutAt: now + deadlineMs + parseIsoDuration(rule.grace),
    remindedAt: null,
    escalatedAt: null,
  };
  const message = `${s.number} (${s.type}, risk ${risk.level}) awaits your CAB vote by ${iso(cab.deadline)}: ${s.title}`;
  return {
    snapshot: { ...s, state: 'cab_review', cab },
    data: { ...data, board, required: cab.required, quorum: cab.quorum, deadline: iso(cab.deadline) },
    notifications: cab.required.map((r) => ({ recipient: recipientOf(r.approver), kind: 'cab_vote_requested', message })),
  };
}

/** The CAB's decision once the tally is no longer pending; null while it is. */
export function decisionEffect(s: ChangeSnapshot, now: number): { action: string; effect: ChangeEffect } | null {
  if (s.state !== 'cab_review' || !s.cab) return null;
  const result = tally(s.cab);
  if (result.outcome === 'pending') return null;
  return {
    action: result.outcome === 'approved' ? 'approved' : 'rejected',
    effect: {
      snapshot: { ...s, state: result.outcome, decision: { outcome: result.outcome, reason: result.reason, at: now, by: 'cab' } },
      data: { reason: result.reason, approvals: result.approvals, rejections: result.rejections },
      events: [result.outcome === 'approved' ? 'change.approved' : 'change.rejected'],
      notifications: [{ recipient: `user:${s.createdBy}`, kind: `change_${result.outcome}`, message: `${s.number} was ${result.outcome} by the CAB: ${result.reason}` }],
    },
  };
}

/** The timer steps that need nothing from outside: reminder, escalation, time-out, window, overrun. */
export function timerEffect(s: ChangeSnapshot, kind: 'remind' | 'escalate' | 'timeout' | 'window' | 'overrun', now: number): { action: string; effect: ChangeEffect } {
  const cab = s.cab as CabState;
  switch (kind) {
    case 'remind': {
      const waiting = notYetVoted(cab);
      const message = `Reminder: ${s.number} awaits your CAB vote; the deadline is ${iso(cab.deadline)}`;
      return {
        action: 'cab_reminder',
        effect: {
          snapshot: { ...s, cab: { ...cab, remindedAt: now } },
          data: { waitingFor: waiting.map((r) => r.approver), deadline: iso(cab.deadline) },
          notifications: waiting.map((r) => ({ recipient: recipientOf(r.approver), kind: 'cab_reminder', message })),
        },
      };
    }
    case 'escalate': {
      const message = `${s.number} has no CAB decision at its deadline (${tally(cab).reason}); it will be rejected as timed out at ${iso(cab.timeoutAt)}`;
      return {
        action: 'cab_escalated',
        effect: {
          snapshot: { ...s, cab: { ...cab, escalatedAt: now } },
          data: { to: s.changeManager, waitingFor: notYetVoted(cab).map((r) => r.approver), timeoutAt: iso(cab.timeoutAt) },
          events: ['change.escalated'],
          notifications: toChangeManager(s, 'cab_escalation', message),
        },
      };
    }
    case 'timeout': {
      const reason = `timed out: no CAB decision by ${iso(cab.timeoutAt)} (${tally(cab).reason})`;
      return {
        action: 'rejected',
        effect: {
          snapshot: { ...s, state: 'rejected', decision: { outcome: 'rejected', reason, at: now, by: 'system' } },
          data: { reason, timedOut: true },
          events: ['change.rejected'],
          notifications: [{ recipient: `user:${s.createdBy}`, kind: 'change_rejected', message: `${s.number} was rejected: ${reason}` }, ...toChangeManager(s, 'change_rejected', `${s.number} was rejected: ${reason}`)],
        },
      };
    }
    case 'window':
      return {
        action: 'window_opened',
        effect: {
          snapshot: { ...s, windowOpenedAt: now },
          data: { plannedStart: iso(s.plannedStart), plannedEnd: iso(s.plannedEnd) },
          notifications: [{ recipient: `user:${s.createdBy}`, kind: 'change_window_open', message: `${s.number}: the change window is open until ${iso(s.plannedEnd)}` }],
        },
      };
    case 'overrun':
      return {
        action: 'overran',
        effect: {
          snapshot: { ...s, overranAt: now },
          data: { plannedEnd: iso(s.plannedEnd) },
          events: ['change.overran'],
          notifications: toChangeManager(s, 'change_overran', `${s.number} is still being implemented after its window closed at ${iso(s.plannedEnd)}`),
        },
      };
  }
}

export interface Reassessment {
  impact: ChangeImpact;
  risk: RiskAssessment;
}

/**
 * Where a change goes when it is (re)scheduled for window `w`: held by a freeze (unless an
 * emergency), held because its window passed, or scheduled. null: nothing changes.
 */
export function scheduleEffect(
  s: ChangeSnapshot,
  action: string,
  w: { plannedStart: number; plannedEnd: number },
  hit: Freeze[],
  reassessed: Reassessment | null,
  now: number,
): { action: string; effect: ChangeEffect } | null {
  const moved = w.plannedStart !== s.plannedStart || w.plannedEnd !== s.plannedEnd;
  let base: ChangeSnapshot = { ...s, ...w, windowOpenedAt: moved ? null : s.windowOpenedAt, overranAt: moved ? null : s.overranAt };
  let data: Record<string, unknown> = moved ? { plannedStart: iso(w.plannedStart), plannedEnd: iso(w.plannedEnd), previous: { plannedStart: iso(s.plannedStart), plannedEnd: iso(s.plannedEnd) } } : {};
  const riskNotices: NotificationRequest[] = [];
  if (reassessed) {
    const { impact, risk } = reassessed;
    base = { ...base, impact, risk };
    if (risk.score !== s.risk?.score) data = { ...data, risk: { before: s.risk, after: risk } };
    if (s.risk && risk.level !== s.risk.level) {
      riskNotices.push(...toChangeManager(s, 'change_risk_changed', `${s.number} was rescheduled; its risk is now ${risk.level} (${risk.score}), was ${s.risk.level} (${s.risk.score})`));
    }
  }
  const named = action === 'schedule' ? null : action;
  if (hit.length > 0 && s.type !== 'emergency') {
    const f = hit[0];
    const holdReason = `change freeze '${f.name}' (${iso(f.start)} to ${iso(f.end)}): ${f.reason}`;
    const heldUntil = Math.max(...hit.map((h) => h.end));
    if (s.state === 'held' && !moved && s.freezeId === f.id && s.heldUntil === heldUntil) return null;
    return {
      action: named ?? 'held',
      effect: {
        snapshot: { ...base, state: 'held', holdReason, freezeId: f.id, heldUntil },
        data: { ...data, freezes: hit.map((h) => ({ id: h.id, name: h.name })), holdReason },
        events: ['change.held'],
        notifications: [
          { recipient: `user:${s.createdBy}`, kind: 'change_held', message: `${s.number} is held: ${holdReason}. Reschedule it or wait for the freeze to end.` },
          ...toChangeManager(s, 'change_held', `${s.number} is held: ${holdReason}`),
          ...riskNotices,
        ],
      },
    };
  }
  if (s.state === 'held' && w.plannedEnd <= now) {
    const holdReason = 'the planned window passed while the change was held; reschedule it';
    if (s.holdReason === holdReason && !moved) return null;
    return { action: named ?? 'held', effect: { snapshot: { ...base, state: 'held', holdReason, freezeId: null, heldUntil: null }, data: { ...data, holdReason }, notifications: riskNotices } };
  }
  if (s.state === 'scheduled' && !moved) return null;
  return {
    action: named ?? 'scheduled',
    effect: {
      snapshot: { ...base, state: 'scheduled', holdReason: null, freezeId: null, heldUntil: null },
      data: { ...data, ...(hit.length ? { freezesOverridden: hit.map((h) => ({ id: h.id, name: h.name })) } : {}) },
      events: ['change.scheduled'],
      notifications: riskNotices,
    },
  };
}
