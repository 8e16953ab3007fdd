/**
 * What each incident command and SLA timer does, as pure functions of the incident's
 * state and the time: the workflow supplies lookups (the SLA policy, a group's manager or
 * next tier) and persists the effects. Unit tests reach all of this without Temporal.
 */
import { dueLabel, type Deadline, type Effect, type NotificationRequest } from '../record';
import { priorityOf, type PriorityMatrix } from '../priority';
import * as clock from '../sla/clock';
import { agreementDeadlines, type AgreementDeadlineKind, type ClockFired } from '../sla/agreement-clocks';
import type { SlaPolicy } from '../sla/policy';
import type { CreateIncidentBody, IncidentCommandBody, IncidentCommandName } from '../schemas/incident';
import { incidentView, type IncidentSnapshot, type MatchedKnownError } from './snapshot';
import { isTerminal, type IncidentState } from './state-machine';
import { outageAfter, outageRequested, outageView } from './outage';
import { accessList, securityPriority, securityRestriction, closeRefusal, type DataClass, type IncidentSecurity } from './security';

/** Which timer-driven steps have already happened; carried across continue-as-new. */
export interface Fired {
  responseBreach: boolean;
  warning: boolean;
  resolutionBreach: boolean;
}

/** The incident as its workflow holds it: the snapshot plus the policy fixed at creation. */
export interface IncidentRecordState {
  snapshot: IncidentSnapshot;
  policy: SlaPolicy;
  fired: Fired;
  /** The same for each OLA/UC clock, by its index in `snapshot.clocks`; absent before those clocks. */
  clockFired?: ClockFired[];
}

export type IncidentEffect = Effect<IncidentSnapshot>;
export type IncidentDeadlineKind = 'response' | 'warning' | 'resolution' | 'autoClose' | AgreementDeadlineKind;

export const EVENT_OF: Record<IncidentCommandName, string | null> = {
  assign: 'incident.assigned',
  acknowledge: 'incident.acknowledged',
  hold: 'incident.on_hold',
  resume: 'incident.resumed',
  resolve: 'incident.resolved',
  reopen: 'incident.reopened',
  close: 'incident.closed',
  cancel: 'incident.cancelled',
  escalate: 'incident.escalated',
  notes: null,
  impact: 'incident.reprioritised',
  restrict: null,
  outage: 'incident.outage_recorded',
  review: 'incident.reviewed',
};

/**
 * A P1 on a service asks for its outage: the group holding it is told once, when it first holds
 * such a P1 (opened or routed so, re-prioritised to it, or an unassigned one assigned); handing
 * it on tells no one again, and the view keeps asking (`outageRequested`).
 */
export function outageRequestNotifications(before: IncidentSnapshot | null, after: IncidentSnapshot): NotificationRequest[] {
  const asks = (s: IncidentSnapshot) => s.assignmentGroup !== null && outageRequested(s, s.outage);
  if (!asks(after) || (before && asks(before))) return [];
  return [{ recipient: `group:${after.assignmentGroup}`, kind: 'outage_requested', message: `${after.number} (P1) ${after.title}: record the service outage (POST …/outage {start, end?})` }];
}

export function newIncident(
  ids: { id: string; number: string; workflowId: string },
  actor: string,
  body: CreateIncidentBody,
  policy: SlaPolicy,
  matrix: PriorityMatrix | undefined,
  now: number,
  matches: { knownErrors: MatchedKnownError[]; problem: { id: string; number: string } | null } = { knownErrors: [], problem: null },
  /** Where routing sent it (domain/incident/routing.ts); null leaves it unassigned. */
  routedTo: string | null = null,
  /** A security incident: the security class of its CI (null: none or unclassified). */
  dataClass: DataClass | null = null,
): IncidentRecordState {
  const security: IncidentSecurity | null = body.type === 'security' && body.classification ? { classification: body.classification, dataClass, review: null } : null;
  const priority = securityPriority(priorityOf(body.impact, body.urgency, matrix), security);
  const snapshot: IncidentSnapshot = {
    ...ids,
    type: body.type ?? 'incident',
    title: body.title,
    description: body.description ?? null,
    impact: body.impact,
    urgency: body.urgency,
    priority,
    state: 'new',
    serviceId: body.serviceId ?? null,
    ciId: body.ciId ?? null,
    category: body.category ?? null,
    callerId: body.callerId ?? null,
    callerEmail: body.callerEmail ?? null,
    restrictedTo: securityRestriction(accessList(body.restrictedTo ?? [], body.namedPeople ?? []), security),
    assignmentGroup: routedTo,
    assignee: null,
    escalationLevel: 0,
    holdReason: null,
    holdSupplier: null,
    resolutionCode: null,
    resolutionNotes: null,
    problemId: matches.problem?.id ?? null,
    problemNumber: matches.problem?.number ?? null,
    knownErrors: matches.knownErrors,
    knownErrorId: null,
    slaId: policy.slaId,
    slaVersion: policy.version ?? 1,
    clock: clock.startClock(now, policy.calendar, policy.targets[priority]),
    clocks: [],
    ...(security ? { security } : {}),
    openedAt: now,
    resolvedAt: null,
    closedAt: null,
    createdBy: actor,
    updatedAt: now,
  };
  return { snapshot, policy, fired: { responseBreach: false, warning: false, resolutionBreach: false } };
}

function resumeIfPaused(s: IncidentRecordState, now: number): IncidentSnapshot {
  return { ...s.snapshot, clock: s.snapshot.state === 'on_hold' ? clock.resume(s.snapshot.clock, now) : s.snapshot.clock };
}

type PureCommand = Exclude<IncidentCommandName, 'escalate'>;

/** Who hears of an assignment: the assignee named, else the group it was handed to. */
function assignmentNotifications(s: IncidentRecordState, b: IncidentCommandBody<'assign'>): NotificationRequest[] {
  const what = `${s.snapshot.number} (${s.snapshot.priority}) ${s.snapshot.title}`;
  if (b.assignee) return [{ recipient: `user:${b.assignee}`, kind: 'assignment', message: `${what}: assigned to you` }];
  if (b.group && b.group !== s.snapshot.assignmentGroup) return [{ recipient: `group:${b.group}`, kind: 'assignment', message: `${what}: assigned to your group ${b.group}` }];
  return [];
}

/** The effect of every command that needs no lookup; `to` is the state machine's answer. */
export const commandEffects: {
  [K in PureCommand]: (s: IncidentRecordState, body: IncidentCommandBody<K>, to: IncidentState, now: number, matrix?: PriorityMatrix) => IncidentEffect;
} = {
  assign: (s, b, to, now) => ({
    snapshot: { ...resumeIfPaused(s, now), state: to, assignmentGroup: b.group ?? s.snapshot.assignmentGroup, assignee: b.assignee ?? (b.group ? null : s.snapshot.assignee), holdReason: null },
    data: { group: b.group, assignee: b.assignee },
    events: ['incident.assigned'],
    notifications: assignmentNotifications(s, b),
  }),
  acknowledge: (s, b, to, now) => ({ snapshot: { ...s.snapshot, state: to, clock: clock.meetResponse(s.snapshot.clock, now) }, data: { note: b.note } }),
  hold: (s, b, to, now) => {
    const pauses = s.policy.pauseOn.includes(b.reason);
    return {
      snapshot: { ...s.snapshot, state: to, holdReason: b.reason, holdSupplier: b.supplier ?? null, clock: pauses ? clock.pause(s.snapshot.clock, now) : s.snapshot.clock },
      data: { reason: b.reason, note: b.note, clockPaused: pauses, ...(b.supplier ? { supplier: b.supplier } : {}) },
    };
  },
  resume: (s, b, to, now) => ({ snapshot: { ...resumeIfPaused(s, now), state: to, holdReason: null }, data: { note: b.note } }),
  resolve: (s, b, to, now) => ({
    snapshot: { ...s.snapshot, state: to, holdReason: null, resolutionCode: b.code, resolutionNotes: b.notes, resolvedAt: now, clock: clock.meetResolution(s.snapshot.clock, now) },
    data: { code: b.code, notes: b.notes },
  }),
  reopen: (s, b, to, now) => ({
    snapshot: { ...s.snapshot, state: to, resolutionCode: null, resolutionNotes: null, resolvedAt: null, clock: clock.reopen(s.snapshot.clock, now) },
    data: { reason: b.reason },
  }),
  close: (s, b, to, now) => ({ snapshot: { ...s.snapshot, state: to, closedAt: now }, data: { note: b.note } }),
  cancel: (s, b, to, now) => ({ snapshot: { ...s.snapshot, state: to, closedAt: now }, data: { reason: b.reason } }),
  notes: (s, b) => ({
    snapshot: s.snapshot,
    data: { text: b.text, ...(b.visibility ? { visibility: b.visibility } : {}), ...(b.attachmentIds ? { attachmentIds: b.attachmentIds } : {}), ...(b.mentions ? { mentions: b.mentions } : {}) },
    notifications: (b.mentions ?? []).map((id) => ({ recipient: `user:${id}`, kind: 'mention', message: `${s.snapshot.number}: you were mentioned in a note: ${b.text.replace(/\s+/g, ' ').slice(0, 300)}` })),
  }),
  restrict: (s, b) => {
    const groups = securityRestriction(accessList(b.groups, b.people, s.snapshot.restrictedTo), s.snapshot.security);
    return { snapshot: { ...s.snapshot, restrictedTo: groups }, data: { from: s.snapshot.restrictedTo ?? [], to: groups } };
  },
  review: (s, b, _to, now) => {
    // The workflow's validator refused it on an incident that is not a security incident.
    const review = { findings: b.findings, rootCause: b.rootCause, actions: b.actions, reviewer: b.reviewer, recordedAt: now };
    return { snapshot: { ...s.snapshot, security: { ...s.snapshot.security!, review } }, data: { findings: b.findings, rootCause: b.rootCause, actions: b.actions, reviewer: b.reviewer, replaces: s.snapshot.security?.review ? true : undefined } };
  },
  outage: (s, b) => {
    // The workflow's validator has checked the body against this very snapshot.
    const outage = outageAfter(s.snapshot.outage, s.snapshot, b).outage!;
    return { snapshot: { ...s.snapshot, outage }, data: { from: outageView(s.snapshot.outage), to: outageView(outage) } };
  },
  impact: (s, b, _to, _now, matrix) => {
    const impact = b.impact ?? s.snapshot.impact;
    const urgency = b.urgency ?? s.snapshot.urgency;
    const priority = securityPriority(priorityOf(impact, urgency, matrix), s.snapshot.security);
    return {
      snapshot: { ...s.snapshot, impact, urgency, priority, clock: clock.retarget(s.snapshot.clock, s.policy.targets[priority]) },
      data: { from: { impact: s.snapshot.impact, urgency: s.snapshot.urgency, priority: s.snapshot.priority }, to: { impact, urgency, priority } },
    };
  },
};

/** Hierarchical escalation (manual or on a resolution breach): one level up, the group's manager told. */
export function hierarchicalEscalation(s: IncidentRecordState, managerId: string | null, why: { reason: string; kind: 'manual' | 'sla_breach' }): IncidentEffect {
  const level = s.snapshot.escalationLevel + 1;
  const message = `${s.snapshot.number} (${s.snapshot.priority}) escalated to level ${level}: ${why.reason}`;
  return {
    snapshot: { ...s.snapshot, escalationLevel: level },
    data: { escalation: 'hierarchical', kind: why.kind, level, reason: why.reason, manager: managerId },
    events: ['incident.escalated'],
    notifications: [
      ...(managerId ? [{ recipient: `user:${managerId}`, kind: 'escalation', message }] : []),
      ...(s.snapshot.assignmentGroup ? [{ recipient: `group:${s.snapshot.assignmentGroup}`, kind: 'escalation', message }] : []),
    ],
  };
}

/** Every SLA step still to come. `+ 1`: a clock is breached only once its due time has passed. */
export function incidentDeadlines(s: IncidentRecordState, now: number, autoCloseMs: number): Deadline<IncidentDeadlineKind>[] {
  const { snapshot: snap, fired, policy } = s;
  const out: Deadline<IncidentDeadlineKind>[] = [];
  // A security incident waits for its review: only then does the auto-close timer run.
  if (snap.state === 'resolved' && snap.resolvedAt !== null && !closeRefusal(snap.security)) {
    out.push({ at: snap.resolvedAt + autoCloseMs, kind: 'autoClose', summary: dueLabel(`${snap.number} auto-close`, snap.resolvedAt + autoCloseMs) });
  }
  if (isTerminal(snap.state) || snap.state === 'resolved') return out;
  out.push(...agreementDeadlines(snap.clocks ?? [], s.clockFired ?? [], now));
  const c = snap.clock;
  if (c.responseMetAt === null && !fired.responseBreach) {
    const at = clock.responseDueAt(c);
    out.push({ at: at + 1, kind: 'response', summary: dueLabel(`${snap.priority} response`, at) });
  }
  if (c.resolutionMetAt === null && c.pausedSince === null) {
    const rule = policy.escalation[snap.priority];
    if (!fired.warning) {
      const at = clock.resolutionDueAt(c, now, rule.warnAtPercent / 100);
      out.push({ at, kind: 'warning', summary: dueLabel(`${snap.priority} resolution ${rule.warnAtPercent}% warning`, at) });
    }
    if (!fired.resolutionBreach) {
      const at = clock.resolutionDueAt(c, now);
      out.push({ at: at + 1, kind: 'resolution', summary: dueLabel(`${snap.priority} resolution`, at) });
    }
  }
  return out;
}

export function warningEffect(s: IncidentRecordState, now: number): IncidentEffect {
  const snap = s.snapshot;
  const rule = s.policy.escalation[snap.priority];
  const dueAt = incidentView(snap, now).sla.resolution.dueAt;
  const message = `${snap.number} (${snap.priority}) reached ${rule.warnAtPercent}% of its resolution target; due ${dueAt}`;
  return {
    snapshot: snap,
    data: { percent: rule.warnAtPercent, dueAt },
    events: ['incident.sla.warning'],
    notifications: snap.assignmentGroup ? [{ recipient: `group:${snap.assignmentGroup}`, kind: 'sla_warning', message }] : [],
  };
}

/** A warning that fires after its breach (e.g. after an outage) would only mislead. */
export function warningOvertaken(s: IncidentRecordState, now: number): boolean {
  return now > clock.resolutionDueAt(s.snapshot.clock, now);
}

/** Response breach; with functional escalation, the incident moves to `toGroup` (the next tier). */
export function responseBreachEffect(s: IncidentRecordState, toGroup: string | null, now: number): IncidentEffect {
  const snap = s.snapshot;
  const next: IncidentSnapshot = toGroup ? { ...snap, assignmentGroup: toGroup, assignee: null, state: snap.state === 'new' ? 'assigned' : snap.state } : snap;
  const dueAt = incidentView(snap, now).sla.response.dueAt;
  const message = `${snap.number} (${snap.priority}) was not acknowledged by ${dueAt}` + (toGroup ? `; reassigned to ${toGroup}` : '');
  const notifications: NotificationRequest[] = toGroup ? [{ recipient: `group:${toGroup}`, kind: 'functional_escalation', message }] : [];
  return {
    snapshot: next,
    data: { clock: 'response', dueAt, escalation: toGroup ? 'functional' : null, fromGroup: snap.assignmentGroup, toGroup },
    events: ['incident.sla.breached', ...(toGroup ? ['incident.escalated'] : [])],
    notifications,
  };
}

export function resolutionBreachEffect(s: IncidentRecordState, escalation: IncidentEffect | null, now: number): IncidentEffect {
  const snap = s.snapshot;
  return {
    snapshot: escalation?.snapshot ?? snap,
    data: { clock: 'resolution', dueAt: incidentView(snap, now).sla.resolution.dueAt, ...(escalation?.data ?? {}) },
    events: ['incident.sla.breached', ...(escalation?.events ?? [])],
    notifications: escalation?.notifications ?? [],
  };
}
