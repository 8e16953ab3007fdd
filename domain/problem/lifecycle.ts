/**
 * What each problem step does, as pure functions of the problem and the time: the workflow
 * supplies what it looked up (incidents, impact, known-error numbers) and persists the
 * effects. Unit tests reach all of this without Temporal.
 */
import { dueLabel, type Deadline, type Effect, type NotificationRequest } from '../record';
import type { ChangeOutcomeKind, KnownErrorState, LinkedIncident, ProblemCommandBody, ProblemSnapshot, RcaEntry } from '../schemas/problem';
import { reopensOnRecurrence } from './state-machine';

export type ProblemEffect = Effect<ProblemSnapshot>;
export type ProblemDeadlineKind = 'observation_end' | 'known_error_expiry';

/** Who hears about a problem's setbacks: the problem management group. */
export const PROBLEM_MANAGERS = 'group:problem-management';

export interface ProblemImpact {
  services: { id: string; number: string; name: string }[];
  cis: { id: string; number: string; name: string }[];
}

/** A new problem as the API (or trend detection) resolved it: references are ids. */
export interface ProblemSubmission {
  title: string;
  description?: string;
  serviceId?: string;
  ciId?: string;
  category?: string;
  incidentIds?: string[];
  observationMs: number;
  /** Set by trend detection: the incident group the problem was opened for. */
  trendKey?: string;
}

export function newProblem(
  ids: { id: string; number: string; workflowId: string },
  actor: string,
  body: ProblemSubmission,
  incidents: LinkedIncident[],
  impact: ProblemImpact,
  now: number,
): ProblemSnapshot {
  return {
    ...ids,
    title: body.title,
    description: body.description ?? null,
    state: 'new',
    serviceId: body.serviceId ?? null,
    ciId: body.ciId ?? null,
    category: body.category ?? null,
    incidents,
    impact,
    rca: [],
    rcaWaived: null,
    knownError: null,
    changes: [],
    resolutionCode: null,
    resolutionNotes: null,
    duplicateOf: null,
    observationMs: body.observationMs,
    observationUntil: null,
    reopenCount: 0,
    trendKey: body.trendKey ?? null,
    openedAt: now,
    resolvedAt: null,
    closedAt: null,
    createdBy: actor,
    updatedAt: now,
  };
}

/** The incidents of `incidents` not already linked. */
export function newlyLinked(s: ProblemSnapshot, incidents: LinkedIncident[]): LinkedIncident[] {
  const known = new Set(s.incidents.map((i) => i.id));
  return incidents.filter((i) => !known.has(i.id) && known.add(i.id));
}

/**
 * Links incidents; a problem watching for recurrence goes back to investigation (the
 * incidents are the recurrence). Nothing new to link changes nothing.
 */
export function linkEffect(s: ProblemSnapshot, added: LinkedIncident[], impact: ProblemImpact, recurrence: boolean): ProblemEffect {
  const reopen = recurrence && added.length > 0 && reopensOnRecurrence(s.state);
  const snapshot: ProblemSnapshot = {
    ...s,
    incidents: [...s.incidents, ...added],
    impact,
    ...(reopen ? { state: 'investigating' as const, observationUntil: null, resolvedAt: null, resolutionCode: null, reopenCount: s.reopenCount + 1 } : {}),
  };
  return {
    snapshot,
    data: { incidents: added.map((i) => i.number), ...(reopen ? { reopened: true } : {}) },
    events: reopen ? ['problem.reopened'] : [],
    notifications: reopen ? [{ recipient: PROBLEM_MANAGERS, kind: 'problem_reopened', message: `${s.number} recurred (${added.map((i) => i.number).join(', ')}): back to investigating` }] : [],
  };
}

export function rcaEffect(s: ProblemSnapshot, to: ProblemSnapshot['state'], actor: string, body: ProblemCommandBody<'rca'>, now: number): ProblemEffect {
  const entries: RcaEntry[] = body.entries.map((e) => ({
    method: body.method,
    why: e.why ?? null,
    answer: e.answer ?? null,
    category: e.category ?? null,
    cause: e.cause ?? null,
    author: actor,
    at: now,
  }));
  return { snapshot: { ...s, state: to, rca: [...s.rca, ...entries] }, data: { method: body.method, entries: body.entries } };
}

/** Every RCA entry is its own audit event: one effect per entry, the first also moving the state. */
export function rcaEffects(s: ProblemSnapshot, to: ProblemSnapshot['state'], actor: string, body: ProblemCommandBody<'rca'>, now: number): ProblemEffect[] {
  let current = s;
  return body.entries.map((entry, i) => {
    const effect = rcaEffect(current, to, actor, { method: body.method, entries: [entry] }, now);
    current = effect.snapshot;
    return { ...effect, data: { method: body.method, index: s.rca.length + i, ...entry } };
  });
}

/** Why `known-error` cannot be accepted yet, or null. */
export function knownErrorRefusal(s: ProblemSnapshot, body: ProblemCommandBody<'known-error'>): string | null {
  if (s.rca.length === 0 && !body.rcaWaived) return `${s.number} has no root-cause analysis: record an RCA entry first, or give rcaWaived with the reason`;
  return null;
}

export function knownErrorEffect(s: ProblemSnapshot, to: ProblemSnapshot['state'], body: ProblemCommandBody<'known-error'>, ke: { id: string; number: string }, now: number): ProblemEffect {
  const knownError: KnownErrorState = {
    id: ke.id,
    number: ke.number,
    title: s.title,
    symptoms: body.symptoms ?? s.description ?? s.title,
    rootCause: body.rootCause,
    workaround: body.workaround,
    category: s.category,
    ciIds: s.impact.cis.map((c) => c.id),
    serviceIds: s.impact.services.map((c) => c.id),
    status: 'active',
    validUntil: body.validUntil ? Date.parse(body.validUntil) : null,
    publishedAt: s.knownError?.publishedAt ?? now,
    retiredAt: null,
  };
  return {
    snapshot: { ...s, state: to, knownError, rcaWaived: body.rcaWaived ?? s.rcaWaived },
    data: { knownError: ke.number, rootCause: body.rootCause, workaround: body.workaround, ...(body.rcaWaived ? { rcaWaived: body.rcaWaived } : {}) },
    events: ['problem.known_error', 'known_error.published'],
  };
}

export function changeRequestedEffect(s: ProblemSnapshot, change: { id: string; number: string }, now: number): ProblemEffect {
  return {
    snapshot: { ...s, state: 'change_pending', changes: [...s.changes, { id: change.id, number: change.number, requestedAt: now, outcome: null, reason: null, reportedAt: null }] },
    data: { changeId: change.id, changeNumber: change.number },
    events: ['problem.change_requested'],
  };
}

export interface ChangeReport {
  changeNumber: string;
  outcome: ChangeOutcomeKind;
  reason?: string | null;
}

/**
 * A change raised for the problem reports its outcome. A failure (failed, backed out,
 * rejected, cancelled) sends a waiting problem back to `known_error`; the last success
 * resolves it (`fix` is then true: the linked incidents are resolved too).
 */
export function changeOutcomeEffect(s: ProblemSnapshot, r: ChangeReport, now: number): { effect: ProblemEffect; fix: boolean } | null {
  const change = s.changes.find((c) => c.number === r.changeNumber);
  if (!change || change.outcome !== null) return null; // not ours, or already reported
  const changes = s.changes.map((c) => (c === change ? { ...c, outcome: r.outcome, reason: r.reason ?? null, reportedAt: now } : c));
  const data = { changeNumber: r.changeNumber, outcome: r.outcome, reason: r.reason ?? null };
  const waiting = s.state === 'change_pending';
  if (r.outcome !== 'success') {
    if (!waiting) return { effect: { snapshot: { ...s, changes }, data }, fix: false };
    const message = `${r.changeNumber} for ${s.number} ${r.outcome}${r.reason ? `: ${r.reason}` : ''}; the problem is back to known_error`;
    return {
      effect: { snapshot: { ...s, changes, state: 'known_error' }, data, events: ['problem.change_failed'], notifications: [{ recipient: PROBLEM_MANAGERS, kind: 'problem_change_failed', message }] },
      fix: false,
    };
  }
  const stillPending = changes.some((c) => c.outcome === null);
  if (!waiting || stillPending) return { effect: { snapshot: { ...s, changes }, data }, fix: false };
  return { effect: resolveEffect({ ...s, changes }, 'fix_applied', `fixed by ${r.changeNumber}`, now, data), fix: true };
}

export function resolveEffect(s: ProblemSnapshot, code: 'fix_applied' | 'cannot_reproduce', notes: string, now: number, data: Record<string, unknown> = {}): ProblemEffect {
  return {
    snapshot: { ...s, state: 'resolved', resolutionCode: code, resolutionNotes: notes, resolvedAt: now },
    data: { code, notes, ...data },
    events: ['problem.resolved'],
  };
}

/** Straight after resolution: watch for recurrence for the problem's observation period. */
export function observeEffect(s: ProblemSnapshot, now: number): ProblemEffect {
  const until = now + s.observationMs;
  return { snapshot: { ...s, state: 'under_observation', observationUntil: until }, data: { observationUntil: new Date(until).toISOString() } };
}

const retired = (k: KnownErrorState | null, now: number): KnownErrorState | null => (k && k.status === 'active' ? { ...k, status: 'retired', retiredAt: now } : k);
const retiredEvents = (s: ProblemSnapshot) => (s.knownError?.status === 'active' ? ['known_error.retired'] : []);

/** Closure after a fix (by the observation timer or by hand): the known error is retired, the fix having removed it. */
export function closeEffect(s: ProblemSnapshot, how: 'observation_ended' | 'manual', note: string | null, now: number): ProblemEffect {
  return {
    snapshot: { ...s, state: 'closed', closedAt: now, observationUntil: null, knownError: retired(s.knownError, now) },
    data: { how, ...(note ? { note } : {}) },
    events: ['problem.closed', ...retiredEvents(s)],
  };
}

/** Living with it: the known error stays active (its workaround is how incidents are handled from now on). */
export function acceptRiskEffect(s: ProblemSnapshot, reason: string, now: number): ProblemEffect {
  return {
    snapshot: { ...s, state: 'closed', resolutionCode: 'risk_accepted', resolutionNotes: reason, closedAt: now },
    data: { reason },
    events: ['problem.closed'],
  };
}

export function duplicateEffect(s: ProblemSnapshot, of: { id: string; number: string }, now: number): ProblemEffect {
  return {
    snapshot: { ...s, state: 'closed', resolutionCode: 'duplicate', resolutionNotes: `duplicate of ${of.number}`, duplicateOf: of, closedAt: now, knownError: retired(s.knownError, now) },
    data: { of: of.number, movedIncidents: s.incidents.map((i) => i.number) },
    events: ['problem.closed', ...retiredEvents(s)],
  };
}

export function cancelEffect(s: ProblemSnapshot, reason: string, now: number): ProblemEffect {
  return {
    snapshot: { ...s, state: 'cancelled', resolutionNotes: reason, closedAt: now, knownError: retired(s.knownError, now) },
    data: { reason },
    events: ['problem.cancelled', ...retiredEvents(s)],
  };
}

/** A known error past its `validUntil` is retired; the problem itself is untouched. */
export function knownErrorExpiryEffect(s: ProblemSnapshot, now: number): ProblemEffect {
  return { snapshot: { ...s, knownError: retired(s.knownError, now) }, data: { expired: true }, events: retiredEvents(s) };
}

export function problemDeadlines(s: ProblemSnapshot): Deadline<ProblemDeadlineKind>[] {
  const out: Deadline<ProblemDeadlineKind>[] = [];
  if (s.state === 'under_observation' && s.observationUntil !== null) {
    out.push({ at: s.observationUntil, kind: 'observation_end', summary: dueLabel(`${s.number} observation ends, closure`, s.observationUntil) });
  }
  const ke = s.knownError;
  if (ke?.status === 'active' && ke.validUntil !== null) out.push({ at: ke.validUntil, kind: 'known_error_expiry', summary: dueLabel(`${ke.number} expiry`, ke.validUntil) });
  return out;
}

/** The notes written into open incidents when a problem's risk is accepted or a workaround is communicated. */
export const riskAcceptedNote = (s: ProblemSnapshot, reason: string) => `${s.number}: risk accepted, no fix will follow. ${reason}`;
export const fixedNote = (s: ProblemSnapshot, changeNumber: string | null) =>
  changeNumber ? `Resolved by problem ${s.number}: fixed by change ${changeNumber}` : `Resolved by problem ${s.number}: ${s.resolutionNotes ?? 'fix applied'}`;

export type { NotificationRequest };
