import type { Level, Priority } from '../priority';
import type { HoldReason } from '../sla/policy';
import { viewClock, isResolutionBreached, isResponseBreached, type SlaClock } from '../sla/clock';
import { viewAgreementClock, type AgreementClock } from '../sla/agreement-clocks';
import type { IncidentState } from './state-machine';
import { outageRequested, outageView, type IncidentOutage } from './outage';
import { splitAccess, type IncidentSecurity } from './security';

/**
 * Everything persisted about an incident, as plain data: written by the workflow's
 * activity, read back by the API. The SLA view is computed from the clock at read time,
 * so `pausedMs` and `breached` are current whenever the record is read.
 */
export interface IncidentSnapshot {
  id: string;
  number: string;
  workflowId: string;
  type: 'incident' | 'service_request' | 'security';
  title: string;
  description: string | null;
  impact: Level;
  urgency: Level;
  priority: Priority;
  state: IncidentState;
  serviceId: string | null;
  ciId: string | null;
  category: string | null;
  callerId: string | null;
  /** A caller known only by address; absent from snapshots older than e-mail in. */
  callerEmail?: string | null;
  /** The groups a restricted incident is limited to (empty: not restricted); absent from older snapshots. */
  restrictedTo?: string[];
  assignmentGroup: string | null;
  assignee: string | null;
  escalationLevel: number;
  holdReason: HoldReason | null;
  /** The supplier an `awaiting_supplier` hold waits on (its UC clock runs meanwhile); absent from older snapshots. */
  holdSupplier?: string | null;
  resolutionCode: string | null;
  resolutionNotes: string | null;
  /** The problem this incident is linked to (problem management). */
  problemId: string | null;
  problemNumber: string | null;
  /** Known errors that matched the incident when it was opened, best first. */
  knownErrors: MatchedKnownError[];
  /** The known error whose workaround was applied. */
  knownErrorId: string | null;
  slaId: string;
  /** The agreement version the SLA clock runs on; absent from snapshots older than versions (version 1). */
  slaVersion?: number;
  clock: SlaClock;
  /** OLA and UC clocks, in the order they started; absent from older snapshots. */
  clocks?: AgreementClock[];
  /** The service outage recorded on the incident (POST …/outage); absent from older snapshots (none). */
  outage?: IncidentOutage | null;
  /** Security incidents only: classification, the CI's data class, the post-incident review (domain/incident/security.ts). */
  security?: IncidentSecurity | null;
  openedAt: number;
  resolvedAt: number | null;
  closedAt: number | null;
  createdBy: string;
  updatedAt: number;
}

export interface MatchedKnownError {
  id: string;
  number: string;
  title: string;
  workaround: string;
}

/** Incidents carried over from before problem management lack its fields: they read as unlinked. */
export function withProblemFields<S extends Omit<IncidentSnapshot, 'problemId' | 'problemNumber' | 'knownErrors' | 'knownErrorId'>>(s: S): IncidentSnapshot {
  const p = s as Partial<IncidentSnapshot>;
  return { ...s, problemId: p.problemId ?? null, problemNumber: p.problemNumber ?? null, knownErrors: p.knownErrors ?? [], knownErrorId: p.knownErrorId ?? null };
}

export function slaBreached(s: IncidentSnapshot, now: number): boolean {
  return isResponseBreached(s.clock, now) || isResolutionBreached(s.clock, now);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The SLA clock as the first entry of the incident's `clocks` list, in the shape OLAs and UCs have. */
function slaClockEntry(s: IncidentSnapshot, at: number) {
  const v = viewClock(s.clock, at);
  const met = s.clock.resolutionMetAt;
  return {
    kind: 'SLA' as const,
    agreementId: s.slaId,
    agreementVersion: s.slaVersion ?? 1,
    name: null,
    group: null,
    supplier: null,
    priority: s.priority,
    start: new Date(s.clock.openedAt).toISOString(),
    stop: iso(met),
    stopReason: met === null ? null : ('resolved' as const),
    dueAt: v.resolution.dueAt,
    metAt: v.resolution.metAt,
    breached: v.response.breached || v.resolution.breached,
    paused: v.paused,
    pausedMs: v.resolution.pausedMs,
    response: v.response,
  };
}

function securityView(sec: IncidentSecurity | null | undefined) {
  if (!sec) return null;
  const r = sec.review;
  return { classification: sec.classification, dataClass: sec.dataClass, review: r && { findings: r.findings, rootCause: r.rootCause, actions: r.actions, reviewer: r.reviewer, recordedAt: new Date(r.recordedAt).toISOString() } };
}

/** The public shape of an incident (the API's IncidentRecord). */
export function incidentView(s: IncidentSnapshot, now: number) {
  // Terminal records freeze their clocks at the moment they ended.
  const at = s.closedAt ?? now;
  return {
    id: s.id,
    number: s.number,
    type: s.type,
    title: s.title,
    description: s.description,
    impact: s.impact,
    urgency: s.urgency,
    priority: s.priority,
    state: s.state,
    serviceId: s.serviceId,
    ciId: s.ciId,
    category: s.category,
    callerId: s.callerId,
    callerEmail: s.callerEmail ?? null,
    restricted: (s.restrictedTo ?? []).length > 0,
    restrictedTo: splitAccess(s.restrictedTo ?? []).groups,
    namedPeople: splitAccess(s.restrictedTo ?? []).people,
    assignmentGroup: s.assignmentGroup,
    assignee: s.assignee,
    escalationLevel: s.escalationLevel,
    holdReason: s.holdReason,
    holdSupplier: s.holdSupplier ?? null,
    resolutionCode: s.resolutionCode,
    resolutionNotes: s.resolutionNotes,
    problemId: s.problemId ?? null,
    problemNumber: s.problemNumber ?? null,
    knownErrors: s.knownErrors ?? [],
    knownErrorId: s.knownErrorId ?? null,
    sla: { slaId: s.slaId, ...viewClock(s.clock, at) },
    slaVersion: s.slaVersion ?? 1,
    clocks: [slaClockEntry(s, at), ...(s.clocks ?? []).map((c) => viewAgreementClock(c, at))],
    outage: outageView(s.outage),
    outageRequested: outageRequested(s, s.outage),
    security: securityView(s.security),
    openedAt: new Date(s.openedAt).toISOString(),
    resolvedAt: iso(s.resolvedAt),
    closedAt: iso(s.closedAt),
    createdBy: s.createdBy,
    workflowId: s.workflowId,
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}
export type IncidentView = ReturnType<typeof incidentView>;
