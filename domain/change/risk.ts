import type { ChangeType, RiskLevel, RiskWeights } from './policy';

/** What the assessment activities found in the CMDB and the records, as plain data. */
export interface RiskFacts {
  type: ChangeType;
  services: { number: string; name: string; criticality: RiskLevel }[];
  /** Failed changes on the changed CIs within the lookback period (their numbers). */
  recentFailedChanges: string[];
  /** Open incidents on the changed or affected CIs and services (their numbers). */
  openIncidents: string[];
  /** Affected services whose SLA hours the change window overlaps. */
  businessHoursOverlap: { service: string; sla: string }[];
}

export interface RiskFactor {
  factor: 'type' | 'services' | 'failed_changes' | 'open_incidents' | 'business_hours';
  points: number;
  detail: string;
}

export interface RiskAssessment {
  score: number;
  level: RiskLevel;
  factors: RiskFactor[];
}

/** Additive and capped per factor, so one noisy factor cannot drown out the others; 0–100. */
export function assessRisk(facts: RiskFacts, w: RiskWeights): RiskAssessment {
  const factors: RiskFactor[] = [];
  const add = (factor: RiskFactor['factor'], points: number, detail: string) => {
    if (points > 0) factors.push({ factor, points, detail });
  };
  add('type', w.type[facts.type], `${facts.type} change`);
  const servicePoints = facts.services.reduce((sum, s) => sum + w.serviceCriticality[s.criticality], 0);
  add('services', Math.min(w.servicesCap, servicePoints), facts.services.map((s) => `${s.name} (${s.criticality})`).join(', '));
  add('failed_changes', Math.min(w.failedChangesCap, facts.recentFailedChanges.length * w.perFailedChange), `failed in the last ${w.lookbackDays} days: ${facts.recentFailedChanges.join(', ')}`);
  add('open_incidents', Math.min(w.openIncidentsCap, facts.openIncidents.length * w.perOpenIncident), `open: ${facts.openIncidents.join(', ')}`);
  add('business_hours', facts.businessHoursOverlap.length ? w.businessHoursOverlap : 0, `window overlaps service hours of ${facts.businessHoursOverlap.map((o) => `${o.service} (${o.sla})`).join(', ')}`);
  const score = Math.min(100, factors.reduce((sum, f) => sum + f.points, 0));
  const level: RiskLevel = score >= w.thresholds.high ? 'high' : score >= w.thresholds.medium ? 'medium' : 'low';
  return { score, level, factors };
}

export function criticalityOf(value: unknown): RiskLevel {
  return value === 'high' || value === 'low' || value === 'medium' ? value : 'medium';
}
