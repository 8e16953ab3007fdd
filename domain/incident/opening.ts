/**
 * A new incident's first state and first transition, from its lookups: the one opening that
 * both the incident workflow's `create` Update and the API's direct write use
 * (temporal/open-incident.ts). Whoever calls it supplies the lookups: the workflow through its
 * activities (some behind `patched()` markers, so histories from before a lookup existed
 * replay), the API on the database. The order of the lookups is the workflow's history: keep it.
 */
import type { NotificationRequest } from '../record';
import { priorityOf, type PriorityMatrix } from '../priority';
import type { CreateIncidentBody } from '../schemas/incident';
import type { SlaPolicy } from '../sla/policy';
import { agreementsNeeded, advanceClocks, type AgreementTerms } from '../sla/agreement-clocks';
import { newIncident, outageRequestNotifications, type IncidentRecordState } from './lifecycle';
import type { RoutingDecision } from './routing';
import { SECURITY_GROUP, type DataClass } from './security';
import type { IncidentSnapshot, MatchedKnownError } from './snapshot';

export interface KnownErrorMatches {
  knownErrors: MatchedKnownError[];
  /** A problem of a matched known error that is watching for recurrence: the incident links itself to it. */
  problem: { id: string; number: string } | null;
}

export interface OpeningLookups {
  slaPolicy(q: { serviceId: string | null }): Promise<SlaPolicy>;
  /** undefined: no matching (incidents opened before problem management). */
  knownErrors(q: { ciId: string | null; serviceId: string | null; category: string | null }): Promise<KnownErrorMatches> | undefined;
  securityContext(q: { ciId: string | null }): Promise<{ dataClass: DataClass | null; securityGroup: boolean }>;
  /** null: not routed (incidents opened before assignment rules). */
  route(q: { serviceId: string | null; ciId: string | null; category: string | null; priority: string }): Promise<RoutingDecision | null> | null;
  /** The OLA/UC clocks of an incident routed straight to a group (`before` is it unassigned). */
  clocked(before: IncidentSnapshot, after: IncidentSnapshot): Promise<IncidentSnapshot>;
  now(): number;
}

export interface IncidentOpening {
  first: IncidentRecordState;
  events: string[];
  data: Record<string, unknown>;
  notifications: NotificationRequest[];
  /** The recurring problem the incident linked itself to: told once the incident is recorded. */
  recurrenceOf: { id: string; number: string } | null;
}

export async function openingOf(
  ids: { id: string; number: string; workflowId: string },
  actor: string,
  body: CreateIncidentBody,
  matrix: PriorityMatrix | undefined,
  look: OpeningLookups,
): Promise<IncidentOpening> {
  const where = { ciId: body.ciId ?? null, serviceId: body.serviceId ?? null, category: body.category ?? null };
  const policy = await look.slaPolicy({ serviceId: where.serviceId });
  const matches = await look.knownErrors(where);
  // A security incident goes to the security group (whose OLA then runs), when there is one.
  const secured = body.type === 'security' ? await look.securityContext({ ciId: where.ciId }) : null;
  const routing = secured?.securityGroup ? { group: SECURITY_GROUP, source: 'security', ruleId: null } : await look.route({ ...where, priority: priorityOf(body.impact, body.urgency, matrix) });
  const opened = newIncident(ids, actor, body, policy, matrix, look.now(), matches, routing?.group ?? null, secured?.dataClass ?? null);
  // Routed straight to a group: that group's OLA starts with the incident.
  const first = opened.snapshot.assignmentGroup ? { ...opened, snapshot: await look.clocked({ ...opened.snapshot, assignmentGroup: null }, opened.snapshot) } : opened;
  const matched = matches?.knownErrors.length ? { knownErrors: matches.knownErrors.map((k) => k.number), ...(matches.problem ? { recurrenceOf: matches.problem.number } : {}) } : {};
  // The routing decision and the rule behind it stay in the history.
  const routed = routing ? { routing: { group: routing.group, source: routing.source, rule: routing.ruleId } } : {};
  return {
    first,
    events: ['incident.created', ...(matches?.knownErrors.length ? ['incident.known_error_matched'] : [])],
    data: { slaName: policy.name, ...matched, ...routed },
    notifications: outageRequestNotifications(null, first.snapshot),
    recurrenceOf: matches?.problem ?? null,
  };
}

/** The OLA/UC clocks an opening starts, looked up when it needs any (the API's `clocked`). */
export async function openingClocks(
  before: IncidentSnapshot,
  after: IncidentSnapshot,
  now: () => number,
  load: (q: { team: string | null; supplier: string | null; serviceId: string | null }) => Promise<{ ola: AgreementTerms | null; uc: AgreementTerms | null }>,
): Promise<IncidentSnapshot> {
  const need = agreementsNeeded(before, after);
  if (!need.team && !need.supplier) return after;
  const found = await load({ ...need, serviceId: after.serviceId });
  return { ...after, clocks: advanceClocks(before.clocks ?? [], before, after, now(), found) };
}
