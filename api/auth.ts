import type { Db } from '../db/client';
import { userGroupsOf, userRoleOf } from '../db/columns';
import type { Principal, Role } from '../domain/access';
import { hashToken } from '../infra/tokens';
import { forbidden, unauthorized } from './errors';

export async function authenticate(db: Db, header: string | undefined): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw unauthorized('missing or malformed Authorization header (expected: Bearer <token>)');
  const user = await db.user.findUnique({ where: { tokenHash: hashToken(match[1]) } });
  if (!user) throw unauthorized('unknown or revoked token', true);
  return { id: user.id, name: user.name, role: userRoleOf(user), groups: userGroupsOf(user) };
}

export function authorize(principal: Principal, allowed: readonly Role[] | 'any', action: string): void {
  if (allowed === 'any' || allowed.includes(principal.role)) return;
  throw forbidden(`role '${principal.role}' may not ${action} (allowed: ${allowed.join(', ')})`);
}
