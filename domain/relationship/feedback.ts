/**
 * Complaints and compliments: their lifecycle, response targets and what each step tells whom.
 * A complaint is acknowledged, investigated, resolved (reopened if the customer is not
 * satisfied) and closed; a compliment is acknowledged and closed. Each has a time to be
 * acknowledged, a complaint also a time to be resolved, both from when it came in: a warning at
 * WARN_AT of the target and a breach at the target go to the owning group and the account manager.
 */
import type { Deadline, Effect, NotificationRequest } from '../record';
import { dueLabel } from '../record';
import type { FeedbackAlarm, FeedbackCommandBody, FeedbackCommandName, FeedbackSnapshot, FeedbackState, FeedbackView } from '../schemas/feedback';

export const DEFAULT_TARGETS = { acknowledgeMs: 86_400_000, resolveMs: 10 * 86_400_000 };
/** The share of a target after which its owners are warned. */
export const WARN_AT = 0.75;
export const DEFAULT_FEEDBACK_GROUP = 'service-desk';

type Kind = FeedbackSnapshot['kind'];
const MOVES: Record<Kind, Partial<Record<FeedbackCommandName, { from: readonly FeedbackState[]; to: FeedbackState }>>> = {
  complaint: {
    acknowledge: { from: ['new'], to: 'acknowledged' },
    investigate: { from: ['acknowledged'], to: 'investigating' },
    resolve: { from: ['acknowledged', 'investigating'], to: 'resolved' },
    reopen: { from: ['resolved'], to: 'investigating' },
    close: { from: ['resolved'], to: 'closed' },
  },
  compliment: {
    acknowledge: { from: ['new'], to: 'acknowledged' },
    close: { from: ['acknowledged'], to: 'closed' },
  },
};

export const isTerminal = (state: string) => state === 'closed';

/** Where a command takes the record, or why it may not. */
export function nextFeedbackState(kind: Kind, state: FeedbackState, command: FeedbackCommandName): { ok: true; to: FeedbackState } | { ok: false; reason: string } {
  const move = MOVES[kind][command];
  if (!move) return { ok: false, reason: `a ${kind} cannot be ${command === 'reopen' ? 'reopened' : `given ${command}`}` };
  if (!move.from.includes(state)) return { ok: false, reason: `cannot ${command} a ${kind} in state '${state}'` };
  return { ok: true, to: move.to };
}

export interface NewFeedback {
  id: string;
  number: string;
  workflowId: string;
  customerId: string;
  accountManager: string | null;
  kind: Kind;
  title: string;
  description: string | null;
  serviceId: string | null;
  group: string;
  acknowledgeMs: number;
  resolveMs: number;
}

export function newFeedback(f: NewFeedback, actor: string, now: number): FeedbackSnapshot {
  return {
    ...f,
    state: 'new',
    acknowledgeDueAt: now + f.acknowledgeMs,
    resolveDueAt: f.kind === 'complaint' ? now + f.resolveMs : null,
    acknowledgedAt: null,
    resolvedAt: null,
    closedAt: null,
    resolution: null,
    alarms: [],
    createdBy: actor,
    createdAt: now,
    updatedAt: now,
  };
}

/** Who is told about a target: the owning group, and the customer's account manager. */
const owners = (s: FeedbackSnapshot, kind: string, message: string): NotificationRequest[] => [
  { recipient: `group:${s.group}`, kind, message },
  ...(s.accountManager ? [{ recipient: `user:${s.accountManager}`, kind, message }] : []),
];

export function commandEffect<K extends FeedbackCommandName>(s: FeedbackSnapshot, to: FeedbackState, name: K, body: FeedbackCommandBody<K>, now: number): Effect<FeedbackSnapshot> {
  const b = body as Record<string, string | undefined>;
  switch (name) {
    case 'acknowledge':
      return { snapshot: { ...s, state: to, acknowledgedAt: now }, events: ['feedback.acknowledged'], data: { note: b.note ?? null } };
    case 'investigate':
      return { snapshot: { ...s, state: to }, events: ['feedback.investigating'], data: { note: b.note ?? null } };
    case 'resolve':
      return { snapshot: { ...s, state: to, resolvedAt: now, resolution: b.resolution! }, events: ['feedback.resolved'], data: { resolution: b.resolution } };
    case 'reopen':
      return { snapshot: { ...s, state: to, resolvedAt: null }, events: ['feedback.reopened'], data: { reason: b.reason }, notifications: owners(s, 'feedback_reopened', `${s.number} was reopened: ${b.reason}`) };
    default:
      return { snapshot: { ...s, state: to, closedAt: now }, events: ['feedback.closed'], data: { note: b.note ?? null } };
  }
}

/** The alarms still to come: acknowledgement while new, resolution while a complaint is unresolved. */
export function feedbackDeadlines(s: FeedbackSnapshot): Deadline<FeedbackAlarm>[] {
  const out: Deadline<FeedbackAlarm>[] = [];
  const add = (kind: FeedbackAlarm, at: number, what: string) => {
    if (!s.alarms.includes(kind)) out.push({ kind, at, summary: dueLabel(`${s.number} ${what}`, at) });
  };
  if (s.state === 'new') {
    add('acknowledge_warning', s.createdAt + Math.round(WARN_AT * s.acknowledgeMs), 'acknowledgement warning');
    add('acknowledge_breach', s.acknowledgeDueAt, 'acknowledgement');
  }
  if (s.resolveDueAt !== null && ['new', 'acknowledged', 'investigating'].includes(s.state)) {
    add('resolve_warning', s.createdAt + Math.round(WARN_AT * s.resolveMs), 'resolution warning');
    add('resolve_breach', s.resolveDueAt, 'resolution');
  }
  return out;
}

/** A target's warning or breach: recorded once, raised as an event, told to the owners. */
export function alarmEffect(s: FeedbackSnapshot, alarm: FeedbackAlarm): Effect<FeedbackSnapshot> {
  const [target, stage] = alarm.split('_') as ['acknowledge' | 'resolve', 'warning' | 'breach'];
  const due = target === 'acknowledge' ? s.acknowledgeDueAt : s.resolveDueAt!;
  const message = stage === 'warning' ? `${s.kind} ${s.number} (${s.title}) must be ${target}d by ${new Date(due).toISOString()}` : `${s.kind} ${s.number} (${s.title}) was not ${target}d by its target ${new Date(due).toISOString()}`;
  return {
    snapshot: { ...s, alarms: [...s.alarms, alarm] },
    events: [stage === 'warning' ? 'feedback.target_warning' : 'feedback.target_breached'],
    data: { target, dueAt: new Date(due).toISOString() },
    notifications: owners(s, stage === 'warning' ? 'feedback_target_warning' : 'feedback_target_breached', message),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function feedbackView(s: FeedbackSnapshot, _now: number): FeedbackView {
  return {
    id: s.id,
    number: s.number,
    kind: s.kind,
    state: s.state,
    customerId: s.customerId,
    serviceId: s.serviceId,
    title: s.title,
    description: s.description,
    group: s.group,
    accountManager: s.accountManager,
    acknowledgeDueAt: new Date(s.acknowledgeDueAt).toISOString(),
    resolveDueAt: iso(s.resolveDueAt),
    acknowledgedAt: iso(s.acknowledgedAt),
    resolvedAt: iso(s.resolvedAt),
    closedAt: iso(s.closedAt),
    resolution: s.resolution,
    breached: (['acknowledge', 'resolve'] as const).filter((t) => s.alarms.includes(`${t}_breach`)),
    createdBy: s.createdBy,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
    workflowId: s.workflowId,
  };
}
