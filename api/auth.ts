import { createHash } from 'node:crypto';
import type { Db } from '../db/client';
import { forbidden, unauthorized } from './errors';

export const ROLES = ['requester', 'agent', 'problem_manager', 'change_manager', 'cab_member', 'release_manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  id: string;
  name: string;
  role: Role;
  groups: string[];
}

/** Tokens are stored only as SHA-256 digests: a leaked database leaks no credentials. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function authenticate(db: Db, header: string | undefined): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw unauthorized('missing or malformed Authorization header (expected: Bearer <token>)');
  const user = await db.user.findUnique({ where: { tokenHash: hashToken(match[1]) } });
  if (!user) throw unauthorized('unknown or revoked token');
  let groups: string[] = [];
  try {
    groups = JSON.parse(user.groups) as string[];
  } catch {
    groups = [];
  }
  return { id: user.id, name: user.name, role: user.role as Role, groups };
}

export function authorize(principal: Principal, allowed: readonly Role[] | 'any', action: string): void {
  if (allowed === 'any' || allowed.includes(principal.role)) return;
  throw forbidden(`role '${principal.role}' may not ${action} (allowed: ${allowed.join(', ')})`);
}
