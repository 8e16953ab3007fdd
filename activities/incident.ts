import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_TARGETS, escalationRulesWithDefaults, type SlaPolicy } from '../domain/sla/policy';
import type { ActivityDeps } from './deps';
import { slaTermsOf } from '../db/columns';

export interface GroupInfo {
  name: string;
  managerId: string | null;
  nextTierGroup: string | null;
}

/** Used only when no SLA at all is configured, so an incident never lacks clocks. */
export const BUILT_IN_SLA: SlaPolicy = {
  slaId: 'built-in',
  name: 'Built-in default',
  calendar: '24x7',
  targets: DEFAULT_TARGETS,
  escalation: escalationRulesWithDefaults(undefined),
  pauseOn: ['awaiting_caller'],
};

export function createIncidentActivities(deps: ActivityDeps) {
  return {
    /** The SLA attached to the incident's service, else the default SLA. */
    async loadSlaPolicy(input: { serviceId: string | null }): Promise<SlaPolicy> {
      const sla =
        (input.serviceId ? await deps.db.sla.findFirst({ where: { serviceId: input.serviceId, kind: 'SLA' }, orderBy: { createdAt: 'desc' } }) : null) ??
        (await deps.db.sla.findFirst({ where: { isDefault: true }, orderBy: { createdAt: 'desc' } }));
      if (!sla) return BUILT_IN_SLA;
      const terms = slaTermsOf(sla);
      return { slaId: sla.id, name: sla.name, ...terms, escalation: escalationRulesWithDefaults(terms.escalation) };
    },

    async lookupGroup(input: { name: string }): Promise<GroupInfo | null> {
      const g = await deps.db.group.findUnique({ where: { name: input.name } });
      return g ? { name: g.name, managerId: g.managerId, nextTierGroup: g.nextTierGroup } : null;
    },

    /** The first support tier: where an unassigned incident goes on functional escalation. */
    async firstTierGroup(): Promise<string | null> {
      const g = await deps.db.group.findFirst({ where: { tier: 1 }, orderBy: { name: 'asc' } });
      return g?.name ?? null;
    },
  };
}

export function assertExists<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw ApplicationFailure.nonRetryable(`${what} not found`, 'NotFound');
  return value;
}
export type IncidentActivities = ReturnType<typeof createIncidentActivities>;
