import { ROLES, type Role } from './access';

/**
 * Single sign-on claims → role and groups (pure; the API verifies the token first).
 *
 * A claim is named by its key (namespaced keys such as `https://itsm.example/roles` are read
 * whole) or by a dotted path (`realm_access.roles`). Its value is a string or an array of
 * strings; a map translates identity-provider values to roles or group names, and without a
 * map a value is taken as the role or group name itself. Values that map to nothing are ignored.
 */
export interface ClaimMapping {
  roleClaim?: string;
  roleMap?: Record<string, Role>;
  defaultRole: Role;
  groupsClaim?: string;
  groupMap?: Record<string, string>;
}

/** When several values map to roles, the user gets the most privileged one. */
export const ROLE_PRECEDENCE: readonly Role[] = ['admin', 'change_manager', 'problem_manager', 'release_manager', 'cab_member', 'agent', 'requester', 'automation'];

export function claimAt(payload: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, name)) return payload[name];
  let at: unknown = payload;
  for (const part of name.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.prototype.hasOwnProperty.call(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return value ? [value] : [];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [];
}

const isRole = (v: string): v is Role => (ROLES as readonly string[]).includes(v);

/** The role the claims give, or null when the role claim is not configured or maps to nothing. */
export function roleFromClaims(payload: Record<string, unknown>, m: ClaimMapping): Role | null {
  if (!m.roleClaim) return null;
  const roles = new Set<Role>();
  for (const v of claimValues(claimAt(payload, m.roleClaim))) {
    const mapped = m.roleMap ? m.roleMap[v] : isRole(v) ? v : undefined;
    if (mapped) roles.add(mapped);
  }
  return ROLE_PRECEDENCE.find((r) => roles.has(r)) ?? null;
}

/** Group names the claims give (sorted, unique), or null when the groups claim is not configured. */
export function groupsFromClaims(payload: Record<string, unknown>, m: ClaimMapping): string[] | null {
  if (!m.groupsClaim) return null;
  const names = new Set<string>();
  for (const v of claimValues(claimAt(payload, m.groupsClaim))) {
    const mapped = m.groupMap ? m.groupMap[v] : v;
    if (mapped) names.add(mapped);
  }
  return [...names].sort();
}

/** Display name from the usual OIDC claims. */
export function displayNameFromClaims(payload: Record<string, unknown>, fallback: string): string {
  for (const k of ['name', 'preferred_username', 'email']) {
    const v = payload[k];
    if (typeof v === 'string' && v.trim()) return v.trim().slice(0, 200);
  }
  return fallback.slice(0, 200);
}
