import type { Calendar } from '../calendar';
import type { Priority } from '../priority';

export type HoldReason = 'awaiting_caller' | 'awaiting_supplier' | 'other';

export interface ClockTargets {
  response: string; // ISO-8601 duration
  resolution: string;
}

export interface EscalationRule {
  /** Percentage of the resolution target at which the group is warned. */
  warnAtPercent: number;
  /** Response target passes unacknowledged → reassign to the next support tier. */
  functional: boolean;
  /** Resolution target passes → the group manager is notified and the level raised. */
  hierarchical: boolean;
}

/** What an incident workflow needs to know about its SLA, resolved once at creation. */
export interface SlaPolicy {
  slaId: string;
  /** The agreement version these terms are; absent from policies carried by older incidents (version 1). */
  version?: number;
  name: string;
  calendar: Calendar;
  targets: Record<Priority, ClockTargets>;
  escalation: Record<Priority, EscalationRule>;
  /** Hold reasons that stop the resolution clock. */
  pauseOn: HoldReason[];
}

export const DEFAULT_ESCALATION_RULE: EscalationRule = { warnAtPercent: 75, functional: true, hierarchical: true };

export const DEFAULT_TARGETS: Record<Priority, ClockTargets> = {
  P1: { response: 'PT15M', resolution: 'PT4H' },
  P2: { response: 'PT30M', resolution: 'PT8H' },
  P3: { response: 'PT2H', resolution: 'P1D' },
  P4: { response: 'PT8H', resolution: 'P3D' },
  P5: { response: 'P1D', resolution: 'P5D' },
};

export function escalationRulesWithDefaults(partial: Partial<Record<Priority, Partial<EscalationRule>>> | undefined): Record<Priority, EscalationRule> {
  const out = {} as Record<Priority, EscalationRule>;
  for (const p of ['P1', 'P2', 'P3', 'P4', 'P5'] as const) out[p] = { ...DEFAULT_ESCALATION_RULE, ...(partial?.[p] ?? {}) };
  return out;
}
