import type { CabState } from './cab';
import { tally } from './cab';
import type { ChangeType } from './policy';
import type { RiskAssessment } from './risk';
import type { ChangeState } from './state-machine';

/** A CMDB update the change carries, applied when it is implemented successfully. */
export interface CiUpdate {
  ciId: string;
  attributes?: Record<string, unknown>;
  status?: string;
}

export interface ImpactCi {
  id: string;
  number: string;
  name: string;
  class: string;
}

export interface ChangeImpact {
  /** The CIs the change touches. */
  cis: ImpactCi[];
  /** What depends on them, transitively (from the CMDB): the nearest, at most 500. */
  affected: (ImpactCi & { distance: number; path: string[] })[];
  /** How many CIs depend on them in all (absent on changes assessed before the list was capped). */
  affectedTotal?: number;
  /** The business services among the changed and affected CIs. */
  services: (ImpactCi & { criticality: string; ownerGroup: string | null })[];
}

/**
 * Everything persisted about a change, as plain data: written by the workflow's
 * activity, read back by the API. Times are epoch milliseconds.
 */
export interface ChangeSnapshot {
  id: string;
  number: string;
  workflowId: string;
  type: ChangeType;
  title: string;
  description: string | null;
  state: ChangeState;
  ciIds: string[];
  plannedStart: number;
  plannedEnd: number;
  implementationPlan: string;
  backoutPlan: string;
  problemId: string | null;
  problemNumber: string | null;
  /** The release that deploys this change, once one links it. */
  releaseId: string | null;
  releaseNumber: string | null;
  templateId: string | null;
  ciUpdates: CiUpdate[];
  risk: RiskAssessment | null;
  impact: ChangeImpact | null;
  cab: CabState | null;
  decision: { outcome: 'approved' | 'rejected'; reason: string; at: number; by: string } | null;
  /** The change manager (resolved at assessment): escalations and overruns go to them. */
  changeManager: string | null;
  holdReason: string | null;
  freezeId: string | null;
  /** While held by a freeze: when that freeze ends and the schedule is checked again. */
  heldUntil: number | null;
  windowOpenedAt: number | null;
  startedAt: number | null;
  completedAt: number | null;
  outcome: 'success' | 'failed' | null;
  completionNotes: string | null;
  backout: { plan: string; executedAt: number; executedBy: string } | null;
  overranAt: number | null;
  review: { notes: string; by: string; at: number } | null;
  cancelReason: string | null;
  closedAt: number | null;
  createdBy: string;
  submittedAt: number;
  updatedAt: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function cabView(cab: CabState) {
  const t = tally(cab);
  const answer = new Map(cab.votes.flatMap((v) => v.countsFor.map((a) => [a, v.decision] as const)));
  return {
    board: cab.board,
    required: cab.required.map((r) => r.approver),
    approvers: cab.required.map((r) => ({ approver: r.approver, role: r.role, decision: answer.get(r.approver) ?? null })),
    votes: cab.votes.map((v) => ({
      member: v.member,
      decision: v.decision,
      at: new Date(v.at).toISOString(),
      comment: v.comment,
      counted: v.countsFor.length > 0,
      countsFor: v.countsFor,
      ignoredReason: v.ignoredReason,
    })),
    quorum: cab.quorum,
    changeManagerRequired: cab.changeManagerRequired,
    approvals: t.approvals,
    rejections: t.rejections,
    deadline: new Date(cab.deadline).toISOString(),
    timeoutAt: new Date(cab.timeoutAt).toISOString(),
    remindedAt: iso(cab.remindedAt),
    escalatedAt: iso(cab.escalatedAt),
  };
}

/** The public shape of a change (the API's ChangeRecord). */
export function changeView(s: ChangeSnapshot) {
  return {
    id: s.id,
    number: s.number,
    type: s.type,
    title: s.title,
    description: s.description,
    state: s.state,
    ciIds: s.ciIds,
    plannedStart: new Date(s.plannedStart).toISOString(),
    plannedEnd: new Date(s.plannedEnd).toISOString(),
    implementationPlan: s.implementationPlan,
    backoutPlan: s.backoutPlan,
    problemId: s.problemId,
    problemNumber: s.problemNumber ?? null,
    releaseId: s.releaseId ?? null,
    releaseNumber: s.releaseNumber ?? null,
    templateId: s.templateId,
    ciUpdates: s.ciUpdates,
    risk: s.risk,
    impact: s.impact,
    cab: s.cab ? cabView(s.cab) : null,
    decision: s.decision ? { ...s.decision, at: new Date(s.decision.at).toISOString() } : null,
    changeManager: s.changeManager,
    holdReason: s.holdReason,
    freezeId: s.freezeId,
    heldUntil: iso(s.heldUntil),
    windowOpenedAt: iso(s.windowOpenedAt),
    startedAt: iso(s.startedAt),
    completedAt: iso(s.completedAt),
    outcome: s.outcome,
    completionNotes: s.completionNotes,
    backout: s.backout ? { ...s.backout, executedAt: new Date(s.backout.executedAt).toISOString() } : null,
    overranAt: iso(s.overranAt),
    review: s.review ? { ...s.review, at: new Date(s.review.at).toISOString() } : null,
    cancelReason: s.cancelReason,
    closedAt: iso(s.closedAt),
    createdBy: s.createdBy,
    submittedAt: new Date(s.submittedAt).toISOString(),
    workflowId: s.workflowId,
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}
export type ChangeView = ReturnType<typeof changeView>;
