/**
 * What an OLA's or UC's timer does to its incident, as pure functions: the workflow looks up
 * the manager to tell and persists the effect.
 */
import type { NotificationRequest } from '../record';
import { viewAgreementClock, type AgreementClock, type AgreementDeadlineStep } from '../sla/agreement-clocks';
import type { IncidentEffect } from './lifecycle';
import type { IncidentSnapshot } from './snapshot';

/** The transition recorded for a step, e.g. `ola_warning`, `uc_resolution_breached`. */
export function agreementStepAction(c: AgreementClock, step: AgreementDeadlineStep): string {
  const kind = c.kind.toLowerCase();
  return step === 'warning' ? `${kind}_warning` : `${kind}_${step}_breached`;
}

/**
 * The group answerable for a clock: an OLA's own group; for a UC the group holding the
 * incident, whose manager manages the supplier relationship for it.
 */
export function answerableGroup(c: AgreementClock, s: IncidentSnapshot): string | null {
  return c.kind === 'OLA' ? c.team : s.assignmentGroup;
}

/**
 * Warning: the answerable group is told. Breach: the group and its manager are told, and the
 * event names the agreement, so a supplier's breaches are counted against it (the clock's row
 * says `breached` too). The incident itself does not change; the SLA's escalation stays its own.
 */
export function agreementStepEffect(s: IncidentSnapshot, index: number, step: AgreementDeadlineStep, managerId: string | null, now: number): IncidentEffect {
  const c = (s.clocks ?? [])[index];
  const view = viewAgreementClock(c, now);
  const who = c.kind === 'OLA' ? `group ${c.team}` : `supplier ${c.supplier}`;
  const dueAt = step === 'response' ? (view.response?.dueAt ?? view.dueAt) : view.dueAt;
  const what =
    step === 'warning'
      ? `reached ${c.warnAtPercent}% of the ${c.kind} target of ${who} (${c.name}); due ${dueAt}`
      : `${c.kind} ${step} target of ${who} (${c.name}) breached; was due ${dueAt}`;
  const message = `${s.number} (${s.priority}) ${what}`;
  const group = answerableGroup(c, s);
  const kind = step === 'warning' ? `${c.kind.toLowerCase()}_warning` : `${c.kind.toLowerCase()}_breach`;
  const notifications: NotificationRequest[] = [
    ...(group ? [{ recipient: `group:${group}`, kind, message }] : []),
    ...(step !== 'warning' && managerId ? [{ recipient: `user:${managerId}`, kind, message }] : []),
  ];
  return {
    snapshot: s,
    data: { clock: index, kind: c.kind, step, agreementId: c.agreementId, agreement: c.name, group: c.team, supplier: c.supplier, dueAt, ...(step === 'warning' ? {} : { manager: managerId }) },
    events: [step === 'warning' ? `incident.${c.kind.toLowerCase()}.warning` : `incident.${c.kind.toLowerCase()}.breached`],
    notifications,
  };
}
