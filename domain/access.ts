/** Who may do what: the roles of api.md, and the authenticated caller every command names. */
export const ROLES = ['requester', 'agent', 'problem_manager', 'change_manager', 'cab_member', 'release_manager', 'automation', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  id: string;
  name: string;
  role: Role;
  groups: string[];
}
