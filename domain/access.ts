/** Who may do what: the roles of api.md, and the authenticated caller every command names. */
export const ROLES = ['requester', 'agent', 'problem_manager', 'change_manager', 'cab_member', 'release_manager', 'automation', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  id: string;
  name: string;
  role: Role;
  groups: string[];
}

/**
 * Which incidents a caller may see and act on, as a filter every read applies in SQL: a
 * requester only those they opened or are the caller of; everyone else every incident. Others'
 * records answer 404, as if they did not exist, so a requester learns nothing of them.
 */
export function incidentScope(user: Pick<Principal, 'id' | 'role'>): { OR: ({ createdBy: string } | { callerId: string })[] } | Record<string, never> {
  return user.role === 'requester' ? { OR: [{ createdBy: user.id }, { callerId: user.id }] } : {};
}

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
