import { personAccess } from './incident/security';
/** Who may do what: the roles of api.md, and the authenticated caller every command names. */
export const ROLES = ['requester', 'agent', 'problem_manager', 'change_manager', 'cab_member', 'release_manager', 'automation', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  id: string;
  name: string;
  role: Role;
  groups: string[];
}

type IncidentScope = {
  OR: ({ createdBy: string } | { callerId: string } | { assignee: string } | { restricted: false } | { assignmentGroup: { in: string[] } } | { access: { some: { group: { in: string[] } } } } | { type: { not: string } })[];
};

/**
 * Which incidents a caller may see and act on, as a filter every read applies in SQL: a
 * requester only those they opened or are the caller of; the desk every incident that is not
 * restricted, and a restricted one when one of their groups is named on it or holds it, they are
 * named on it, or it is theirs (assignee, caller, opener); admins everything. Others' records answer 404, as if they
 * did not exist, so nobody learns of them.
 */
export function incidentScope(user: Pick<Principal, 'id' | 'role' | 'groups'>): IncidentScope | Record<string, never> {
  const own = [{ createdBy: user.id }, { callerId: user.id }];
  if (user.role === 'requester') return { OR: own };
  if (user.role === 'admin') return {};
  return { OR: [{ restricted: false }, ...own, { assignee: user.id }, { assignmentGroup: { in: user.groups } }, { access: { some: { group: { in: [...user.groups, personAccess(user.id)] } } } }] };
}

/**
 * What a scheduled report's run counts: a run belongs to no user and managers outside the
 * security group read it, so every incident but the security incidents (whose restriction to
 * that group holds in every report).
 */
export const REPORT_RUN_SCOPE: IncidentScope = { OR: [{ type: { not: 'security' } }] };

/**
 * A note's or attachment's visibility: the desk's are `internal` (work notes) unless made
 * public; a requester's are always public. Null: a requester asked for `internal`.
 */
export function visibilityFor(user: Pick<Principal, 'role'>, requested?: 'public' | 'internal'): 'public' | 'internal' | null {
  if (user.role !== 'requester') return requested ?? 'internal';
  return requested === 'internal' ? null : 'public';
}

/** Which notes and attachments a caller may see, as a filter: a requester the public ones and their own. */
export function visibleToUser(user: Pick<Principal, 'id' | 'role'>): { OR: ({ visibility: 'public' } | { createdBy: string })[] } | Record<string, never> {
  return user.role === 'requester' ? { OR: [{ visibility: 'public' }, { createdBy: user.id }] } : {};
}
