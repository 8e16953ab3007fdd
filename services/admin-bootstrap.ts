import type { User } from '../generated/prisma-sqlite/client';
import type { Db } from '../db/client';
import { activeAdminCount, createTokenTx, createUserTx, findTokenByValue, findUser, isUniqueViolation, normaliseEmail } from '../db/people-store';

/**
 * The first admin of an empty production database, two ways: `npm run admin -- create-admin`
 * (scripts/admin.ts) and, for containers, BOOTSTRAP_ADMIN_EMAIL (+ BOOTSTRAP_ADMIN_TOKEN) read
 * when the API starts. Demo users never exist in production; these are how anyone gets in.
 */

export class AdminBootstrapRefused extends Error {}

/**
 * Creates an admin with this address (or takes the existing active admin who has it) and
 * issues a new token for them; the token is returned, its secret shown this once.
 */
export async function createAdmin(db: Db, key: Buffer, input: { email: string; name?: string; tokenName?: string }): Promise<{ user: User; created: boolean; token: string; prefix: string }> {
  const email = normaliseEmail(input.email);
  const existing = await findUser(db, email);
  if (existing && (existing.role !== 'admin' || !existing.active)) {
    throw new AdminBootstrapRefused(`${email} already belongs to ${existing.active ? `a user with role ${existing.role}` : 'a deactivated user'} (${existing.id}); an admin can change that through PATCH /api/v1/users/${existing.id}`);
  }
  return db.$transaction(async (tx) => {
    const user = existing ?? (await createUserTx(tx, { name: input.name ?? email, email, role: 'admin' }));
    const { row, token } = await createTokenTx(tx, key, { userId: user.id, name: input.tokenName ?? 'created by npm run admin', createdBy: 'admin-cli' });
    return { user, created: !existing, token, prefix: row.prefix };
  });
}

export type EnvBootstrapOutcome =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'created'; user: User; promoted: boolean; /** Only when the token was generated (no BOOTSTRAP_ADMIN_TOKEN). */ generatedToken?: string };

/**
 * The container path, run at every API start and idempotent: while the database has no active
 * admin, makes BOOTSTRAP_ADMIN_EMAIL one (a new user, or the existing user with that address,
 * promoted and reactivated) holding BOOTSTRAP_ADMIN_TOKEN (or a generated token, returned
 * once). With an active admin it does nothing, so a revoked bootstrap token stays revoked and
 * replicas starting together create one admin (the others lose the unique-address race).
 */
export async function bootstrapAdminFromEnv(db: Db, key: Buffer, input: { email: string; name?: string; token?: string }): Promise<EnvBootstrapOutcome> {
  if ((await activeAdminCount(db)) > 0) return { outcome: 'skipped', reason: 'an active admin exists' };
  if (input.token && (await findTokenByValue(db, key, input.token))) {
    return { outcome: 'skipped', reason: 'BOOTSTRAP_ADMIN_TOKEN was registered before (and is revoked, or its user is no admin): set a new one' };
  }
  const email = normaliseEmail(input.email);
  try {
    return await db.$transaction(async (tx) => {
      const existing = await findUser(tx, email);
      const user = existing
        ? await tx.user.update({ where: { id: existing.id }, data: { role: 'admin', active: true, deactivatedAt: null } })
        : await createUserTx(tx, { name: input.name ?? email, email, role: 'admin' });
      const { token } = await createTokenTx(tx, key, { userId: user.id, name: 'bootstrap (BOOTSTRAP_ADMIN_EMAIL)', createdBy: 'bootstrap', given: input.token });
      return { outcome: 'created' as const, user, promoted: existing !== null, ...(input.token ? {} : { generatedToken: token }) };
    });
  } catch (e) {
    if (isUniqueViolation(e)) return { outcome: 'skipped', reason: 'another API replica bootstrapped the admin at the same time' };
    throw e;
  }
}
