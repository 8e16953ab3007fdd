/**
 * Where a new incident goes (pure): assignment rules first, then the service's owner group, then
 * the service desk. Rules are data (`POST /api/v1/assignment-rules`); the decision, with the rule
 * that made it, is recorded in the incident's history.
 */
export interface AssignmentRuleMatch {
  serviceId: string | null;
  ciClass: string | null;
  /** Lower-cased. */
  category: string | null;
  priority: string | null;
}

export interface AssignmentRuleData extends AssignmentRuleMatch {
  id: string;
  order: number;
  group: string;
}

/** What routing knows of a new incident. */
export interface RoutingFacts {
  serviceId: string | null;
  ciClass: string | null;
  category: string | null;
  priority: string;
}

export type RoutingSource = 'rule' | 'service_owner' | 'service_desk';

export interface RoutingDecision {
  group: string;
  source: RoutingSource;
  /** The rule applied, when a rule decided. */
  ruleId: string | null;
}

/** A rule matches when every field it sets equals the incident's (category case-insensitively); a rule that sets none matches everything. */
export function ruleMatches(rule: AssignmentRuleMatch, facts: RoutingFacts): boolean {
  return (
    (rule.serviceId === null || rule.serviceId === facts.serviceId) &&
    (rule.ciClass === null || rule.ciClass === facts.ciClass) &&
    (rule.category === null || rule.category === facts.category?.toLowerCase()) &&
    (rule.priority === null || rule.priority === facts.priority)
  );
}

/** The rules in the order they are tried: `order`, then id (so equal orders are still deterministic). */
export const byOrder = (a: AssignmentRuleData, b: AssignmentRuleData) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function routeIncident(rules: readonly AssignmentRuleData[], facts: RoutingFacts, serviceOwnerGroup: string | null, serviceDeskGroup: string | null): RoutingDecision | null {
  const rule = [...rules].sort(byOrder).find((r) => ruleMatches(r, facts));
  if (rule) return { group: rule.group, source: 'rule', ruleId: rule.id };
  if (serviceOwnerGroup) return { group: serviceOwnerGroup, source: 'service_owner', ruleId: null };
  if (serviceDeskGroup) return { group: serviceDeskGroup, source: 'service_desk', ruleId: null };
  return null;
}
