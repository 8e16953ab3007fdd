import type { ApproverRole, Board, BoardRule, RiskLevel } from './policy';

/**
 * The CAB's decision rules, pure: who must vote, which vote counts, when the board has
 * decided. Used by the change workflow (in the sandbox) and the API.
 *
 * A required approver is a person (`usr-…`) or a group (`group:<name>`, any one member
 * votes for the group: a service's owner team answers as one).
 */
export interface RequiredApprover {
  approver: string;
  role: ApproverRole;
}

export type Decision = 'approve' | 'reject';

export interface CabVote {
  voteId: string;
  member: string;
  decision: Decision;
  comment: string | null;
  at: number;
  /** The required approvers this vote answers for; empty: recorded, but it changes nothing. */
  countsFor: string[];
  /** Why a vote does not count (not required, second vote, group already answered). */
  ignoredReason: string | null;
}

export interface CabState {
  board: Board;
  required: RequiredApprover[];
  votes: CabVote[];
  /** Approvals needed. */
  quorum: number;
  changeManagerRequired: boolean;
  openedAt: number;
  deadline: number;
  /** Deadline plus grace: an undecided change is rejected as timed out then. */
  timeoutAt: number;
  remindedAt: number | null;
  escalatedAt: number | null;
}

export interface Voter {
  member: string;
  groups: string[];
}

export function quorumOf(rule: BoardRule['quorum'], required: number): number {
  const n = rule === 'majority' ? Math.floor(required / 2) + 1 : Math.min(rule, required);
  // Never 0: an empty board cannot approve by default; the deadline escalates it instead.
  return Math.max(1, n);
}

export function changeManagerRequired(rule: BoardRule, risk: RiskLevel, required: RequiredApprover[]): boolean {
  return rule.changeManagerRequiredAt.includes(risk) && required.some((r) => r.role === 'change_manager');
}

function matches(r: RequiredApprover, voter: Voter): boolean {
  return r.approver === voter.member || voter.groups.some((g) => r.approver === `group:${g}`);
}

/** What a new vote counts for, given the votes already cast. One vote per member counts. */
export function classifyVote(cab: Pick<CabState, 'required' | 'votes'>, voter: Voter): { countsFor: string[]; ignoredReason: string | null } {
  const eligible = cab.required.filter((r) => matches(r, voter));
  if (eligible.length === 0) return { countsFor: [], ignoredReason: 'not a required approver of this change' };
  if (cab.votes.some((v) => v.member === voter.member && v.countsFor.length > 0)) {
    return { countsFor: [], ignoredReason: 'duplicate vote: the member has already voted, the first vote counts' };
  }
  const answered = new Set(cab.votes.flatMap((v) => v.countsFor));
  const open = eligible.filter((r) => !answered.has(r.approver)).map((r) => r.approver);
  if (open.length === 0) return { countsFor: [], ignoredReason: `already answered by another member of ${eligible.map((r) => r.approver).join(', ')}` };
  return { countsFor: open, ignoredReason: null };
}

export type Outcome = { outcome: 'approved' | 'rejected' | 'pending'; reason: string; approvals: number; rejections: number };

export function tally(cab: Pick<CabState, 'required' | 'votes' | 'quorum' | 'changeManagerRequired'>): Outcome {
  const approved = new Set<string>();
  const rejectedBy: string[] = [];
  for (const v of cab.votes) {
    if (v.countsFor.length === 0) continue;
    if (v.decision === 'approve') v.countsFor.forEach((a) => approved.add(a));
    else rejectedBy.push(v.member);
  }
  const approvals = approved.size;
  const rejections = rejectedBy.length;
  if (rejections > 0) return { outcome: 'rejected', reason: `rejected by ${rejectedBy.join(', ')}`, approvals, rejections };
  const cm = cab.required.find((r) => r.role === 'change_manager');
  const cmMissing = cab.changeManagerRequired && !!cm && !approved.has(cm.approver);
  if (approvals >= cab.quorum && !cmMissing) return { outcome: 'approved', reason: `quorum reached: ${approvals} of ${cab.required.length} required approvers approved (quorum ${cab.quorum})`, approvals, rejections };
  const missing = cmMissing ? ', the change manager must approve a change of this risk' : '';
  return { outcome: 'pending', reason: `${approvals} of ${cab.quorum} approvals${missing}`, approvals, rejections };
}

/** Required approvers who have not voted yet: whom a reminder goes to. */
export function notYetVoted(cab: Pick<CabState, 'required' | 'votes'>): RequiredApprover[] {
  const answered = new Set(cab.votes.flatMap((v) => v.countsFor));
  return cab.required.filter((r) => !answered.has(r.approver));
}

/** Notification recipient for an approver: `user:<id>` or `group:<name>`. */
export const recipientOf = (approver: string) => (approver.startsWith('group:') ? approver : `user:${approver}`);
