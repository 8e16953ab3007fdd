/**
 * How changes are assessed and approved. One value, fixed into each change's workflow when
 * it is submitted (so a policy edit never changes the rules under a running CAB), and
 * overridable per deployment with the CHANGE_POLICY setting.
 */
export type ChangeType = 'standard' | 'normal' | 'emergency';
export type RiskLevel = 'low' | 'medium' | 'high';
export type ApproverRole = 'change_manager' | 'service_owner' | 'cab_member';
export type Board = 'cab' | 'ecab';

export interface BoardRule {
  /** Who is required: the change manager, the owner groups of affected services, the CAB group's members. */
  include: ApproverRole[];
  /** 'majority' of the required approvers, or an absolute number (capped at how many are required). */
  quorum: 'majority' | number;
  /** Risk levels at which the change manager must be among the approvals. */
  changeManagerRequiredAt: RiskLevel[];
  /** ISO-8601: from the start of CAB review to escalation. Reminders go out at half of it. */
  deadline: string;
  /** ISO-8601: after escalation, how long before an undecided change is rejected as timed out. */
  grace: string;
}

export interface RiskWeights {
  type: Record<ChangeType, number>;
  /** Per affected business service, by its `criticality` attribute (missing: medium). */
  serviceCriticality: Record<RiskLevel, number>;
  servicesCap: number;
  perFailedChange: number;
  failedChangesCap: number;
  perOpenIncident: number;
  openIncidentsCap: number;
  businessHoursOverlap: number;
  /** Score at or above which the level is medium / high. */
  thresholds: { medium: number; high: number };
  /** How far back a CI's failed changes count. */
  lookbackDays: number;
}

export interface ChangePolicy {
  /** The group whose members sit on the CAB; its manager is the change manager. */
  cabGroup: string;
  boards: Record<Board, BoardRule>;
  risk: RiskWeights;
}

export const DEFAULT_CHANGE_POLICY: ChangePolicy = {
  cabGroup: 'cab',
  boards: {
    cab: { include: ['change_manager', 'service_owner', 'cab_member'], quorum: 'majority', changeManagerRequiredAt: ['high'], deadline: 'P2D', grace: 'P1D' },
    // The emergency CAB: fewer people (no service-owner round), two approvals, hours not days.
    ecab: { include: ['change_manager', 'cab_member'], quorum: 2, changeManagerRequiredAt: ['high'], deadline: 'PT4H', grace: 'PT1H' },
  },
  risk: {
    type: { standard: 0, normal: 10, emergency: 25 },
    serviceCriticality: { high: 15, medium: 8, low: 3 },
    servicesCap: 40,
    perFailedChange: 10,
    failedChangesCap: 20,
    perOpenIncident: 5,
    openIncidentsCap: 15,
    businessHoursOverlap: 15,
    thresholds: { medium: 30, high: 60 },
    lookbackDays: 90,
  },
};

export const boardFor = (type: ChangeType): Board | null => (type === 'normal' ? 'cab' : type === 'emergency' ? 'ecab' : null);

/** The default policy with a deployment's partial override applied. */
export function changePolicyWith(o: {
  cabGroup?: string;
  boards?: Partial<Record<Board, Partial<BoardRule>>>;
  risk?: Partial<Pick<RiskWeights, 'thresholds' | 'lookbackDays' | 'businessHoursOverlap'>>;
} = {}): ChangePolicy {
  const d = DEFAULT_CHANGE_POLICY;
  return {
    cabGroup: o.cabGroup ?? d.cabGroup,
    boards: { cab: { ...d.boards.cab, ...(o.boards?.cab ?? {}) }, ecab: { ...d.boards.ecab, ...(o.boards?.ecab ?? {}) } },
    risk: { ...d.risk, ...(o.risk ?? {}) },
  };
}
