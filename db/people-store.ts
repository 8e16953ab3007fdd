import { Prisma, type ApiToken, type Group, type User } from '../generated/prisma-sqlite/client';
import type { Principal, Role } from '../domain/access';
import type { GroupSummary, TokenRecord, UserRecord } from '../domain/schemas/people';
import { CURSOR_PATTERN } from '../domain/schemas/common';
import { newId } from '../infra/ids';
import { generateToken, hashToken, tokenPrefixOf } from '../infra/tokens';
import { userRoleOf } from './columns';
import { hasDriver, providerOf, selectRows, type Db, type Tx } from './client';

/**
 * Users, groups, memberships and API tokens. Users are never deleted (records name them);
 * group names never change (records hold them); tokens are stored as keyed hashes only.
 */

export const isUniqueViolation = (e: unknown) => (e as { code?: unknown } | null)?.code === 'P2002';
const iso = (d: Date | null) => (d ? d.toISOString() : null);
export const normaliseEmail = (s: string) => s.trim().toLowerCase();

/**
 * Ids of the users (name or e-mail) or groups (name) containing `q` as plain text, any case:
 * `instr`/`strpos` rather than LIKE, so `%` and `_` are characters. At most `cap` of them.
 */
export async function idsContaining(db: Db, table: 'User' | 'Group', q: string, cap = 10_000): Promise<string[]> {
  const needle = q.toLowerCase();
  const has = (column: string) =>
    providerOf(db) === 'sqlite' ? Prisma.sql`instr(lower(coalesce(${Prisma.raw(`"${column}"`)}, '')), ${needle}) > 0` : Prisma.sql`strpos(lower(coalesce(${Prisma.raw(`"${column}"`)}, '')), ${needle}) > 0`;
  const cond = table === 'User' ? Prisma.sql`(${has('name')} OR ${has('email')})` : has('name');
  const rows = await db.$queryRaw<{ id: string }[]>`SELECT "id" FROM ${Prisma.raw(`"${table}"`)} WHERE ${cond} ORDER BY "id" DESC LIMIT ${cap}`;
  return rows.map((r) => r.id);
}

/**
 * Keyset pages over users and groups by id, newest first. Their ids are not all ULIDs (the
 * seeded `usr-admin`, `grp-cab`); the cursor is the last id itself, in the shape every list's
 * cursor has (CURSOR_PATTERN, which the query schemas check first).
 */
export function decodeIdCursor(cursor: string | undefined): string | undefined | null {
  if (cursor === undefined) return undefined;
  return CURSOR_PATTERN.test(cursor) ? cursor : null;
}
export const encodeIdCursor = (id: string) => id;

export interface GroupRef {
  id: string;
  name: string;
}

/** A user by id or e-mail address. */
export function findUser(db: Db | Tx, ref: string): Promise<User | null> {
  return ref.includes('@') ? db.user.findUnique({ where: { email: normaliseEmail(ref) } }) : db.user.findUnique({ where: { id: ref } });
}

/** A group by id or name. */
export async function findGroup(db: Db | Tx, ref: string): Promise<Group | null> {
  // Assignments look a group up on every command: on the driver, outside a transaction.
  if (hasDriver(db)) return (await selectRows<Group>(db, 'Group', 'SELECT * FROM "Group" WHERE "id" = ? OR "name" = ? ORDER BY "id" LIMIT 1', [ref, ref]))[0] ?? null;
  return db.group.findFirst({ where: { OR: [{ id: ref }, { name: ref }] } });
}

/** The groups a user is in, by name: one query (this runs on every authenticated request). */
export async function groupsOf(db: Db | Tx, userId: string): Promise<GroupRef[]> {
  return db.$queryRaw<GroupRef[]>`SELECT g."id" AS "id", g."name" AS "name" FROM "GroupMember" m JOIN "Group" g ON g."id" = m."groupId" WHERE m."userId" = ${userId} ORDER BY g."name"`;
}

export function principalOf(user: User, groups: GroupRef[]): Principal {
  return { id: user.id, name: user.name, role: userRoleOf(user), groups: groups.map((g) => g.name) };
}

export function userView(user: User, groups: GroupRef[]): UserRecord {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: userRoleOf(user),
    active: user.active,
    groups: groups.map((g) => ({ id: g.id, name: g.name })),
    sso: user.externalId !== null,
    deactivatedAt: iso(user.deactivatedAt),
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** Views of several users with their groups in two queries. */
export async function userViews(db: Db, users: User[]): Promise<UserRecord[]> {
  if (users.length === 0) return [];
  const members = await db.groupMember.findMany({ where: { userId: { in: users.map((u) => u.id) } } });
  const groups = await db.group.findMany({ where: { id: { in: [...new Set(members.map((m) => m.groupId))] } }, select: { id: true, name: true } });
  const byId = new Map(groups.map((g) => [g.id, g]));
  return users.map((u) =>
    userView(
      u,
      members
        .filter((m) => m.userId === u.id)
        .map((m) => byId.get(m.groupId))
        .filter((g): g is GroupRef => g !== undefined)
        .sort((a, b) => a.name.localeCompare(b.name)),
    ),
  );
}

export async function userViewOf(db: Db, user: User): Promise<UserRecord> {
  return userView(user, await groupsOf(db, user.id));
}

/**
 * Makes `groupIds` the user's memberships of the given source: adds the missing ones and
 * removes the others of that source. A membership an admin made (`api`) is never removed
 * by a sign-in (`oidc`); one the identity provider made becomes an admin's when they set it.
 */
export async function setMemberships(tx: Tx, userId: string, groupIds: string[], source: 'api' | 'oidc'): Promise<void> {
  const current = await tx.groupMember.findMany({ where: { userId } });
  const want = new Set(groupIds);
  const stale = current.filter((m) => !want.has(m.groupId) && (source === 'api' || m.source === 'oidc')).map((m) => m.groupId);
  if (stale.length) await tx.groupMember.deleteMany({ where: { userId, groupId: { in: stale } } });
  const have = new Map(current.map((m) => [m.groupId, m]));
  for (const groupId of want) {
    const m = have.get(groupId);
    if (!m) await tx.groupMember.create({ data: { groupId, userId, source } });
    else if (source === 'api' && m.source !== 'api') await tx.groupMember.update({ where: { groupId_userId: { groupId, userId } }, data: { source: 'api' } });
  }
}

/** Makes `userIds` the group's members (an admin's list: every membership of the group becomes `api`). */
export async function setGroupMembers(tx: Tx, groupId: string, userIds: string[]): Promise<void> {
  const want = new Set(userIds);
  await tx.groupMember.deleteMany({ where: { groupId, userId: { notIn: [...want] } } });
  await tx.groupMember.updateMany({ where: { groupId, source: { not: 'api' } }, data: { source: 'api' } });
  const have = new Set((await tx.groupMember.findMany({ where: { groupId }, select: { userId: true } })).map((m) => m.userId));
  for (const userId of want) if (!have.has(userId)) await tx.groupMember.create({ data: { groupId, userId, source: 'api' } });
}

export async function createUserTx(tx: Tx, input: { id?: string; name: string; email?: string | null; role: Role; externalId?: string | null }, groupIds: string[] = [], source: 'api' | 'oidc' = 'api'): Promise<User> {
  const user = await tx.user.create({
    data: { id: input.id ?? newId('usr'), name: input.name, email: input.email ? normaliseEmail(input.email) : null, role: input.role, externalId: input.externalId ?? null },
  });
  if (groupIds.length) await setMemberships(tx, user.id, groupIds, source);
  return user;
}

/** Deactivation keeps the user and everything that names them; it ends every token they hold. */
export async function deactivateUserTx(tx: Tx, userId: string, at: Date): Promise<User> {
  await tx.apiToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: at } });
  return tx.user.update({ where: { id: userId }, data: { active: false, deactivatedAt: at } });
}

export async function activeAdminCount(db: Db | Tx): Promise<number> {
  return db.user.count({ where: { role: 'admin', active: true } });
}

// ---- groups -------------------------------------------------------------------------------

export async function groupSummaries(db: Db, groups: Group[]): Promise<GroupSummary[]> {
  if (groups.length === 0) return [];
  const managerIds = [...new Set(groups.map((g) => g.managerId).filter((x): x is string => x !== null))];
  const parentNames = [...new Set(groups.map((g) => g.nextTierGroup).filter((x): x is string => x !== null))];
  const [managers, parents, counts] = await Promise.all([
    managerIds.length ? db.user.findMany({ where: { id: { in: managerIds } }, select: { id: true, name: true } }) : [],
    parentNames.length ? db.group.findMany({ where: { name: { in: parentNames } }, select: { id: true, name: true } }) : [],
    db.groupMember.groupBy({ by: ['groupId'], where: { groupId: { in: groups.map((g) => g.id) } }, _count: { _all: true } }),
  ]);
  const manager = new Map(managers.map((m) => [m.id, m]));
  const parent = new Map(parents.map((p) => [p.name, p]));
  const count = new Map(counts.map((c) => [c.groupId, c._count._all]));
  return groups.map((g) => ({
    id: g.id,
    name: g.name,
    description: g.description,
    tier: g.tier,
    manager: g.managerId ? (manager.get(g.managerId) ?? { id: g.managerId, name: g.managerId }) : null,
    parent: g.nextTierGroup ? (parent.get(g.nextTierGroup) ?? { id: g.nextTierGroup, name: g.nextTierGroup }) : null,
    memberCount: count.get(g.id) ?? 0,
    createdAt: g.createdAt.toISOString(),
    updatedAt: g.updatedAt.toISOString(),
  }));
}

/** The escalation chain from a group: itself, its parent, … (stops at a repeat or a missing group). */
export async function escalationChain(db: Db | Tx, name: string): Promise<string[]> {
  const chain: string[] = [];
  let at: string | null = name;
  while (at && !chain.includes(at) && chain.length < 50) {
    chain.push(at);
    const g: { nextTierGroup: string | null } | null = await db.group.findUnique({ where: { name: at }, select: { nextTierGroup: true } });
    at = g?.nextTierGroup ?? null;
  }
  return chain;
}

// ---- tokens -------------------------------------------------------------------------------

export function tokenStatus(t: Pick<ApiToken, 'revokedAt' | 'expiresAt'>, now = new Date()): TokenRecord['status'] {
  if (t.revokedAt) return 'revoked';
  if (t.expiresAt && t.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export function tokenView(t: ApiToken, now = new Date()): TokenRecord {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    userId: t.userId,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    expiresAt: iso(t.expiresAt),
    lastUsedAt: iso(t.lastUsedAt),
    revokedAt: iso(t.revokedAt),
    status: tokenStatus(t, now),
  };
}

/**
 * Stores a token for a user and returns it with its secret (the only time it exists outside
 * the caller). `given` registers a token chosen elsewhere (the seeded dev tokens, a
 * BOOTSTRAP_ADMIN_TOKEN); otherwise one is generated.
 */
export async function createTokenTx(
  tx: Tx,
  key: Buffer,
  input: { userId: string; name: string; expiresAt?: Date | null; createdBy: string; given?: string },
): Promise<{ row: ApiToken; token: string }> {
  const generated = input.given === undefined ? generateToken() : null;
  const token = input.given ?? generated!.token;
  // A chosen token that is not in the itsm_ format still gets a prefix to be named by: random, unrelated to its secret.
  const prefix = generated?.prefix ?? tokenPrefixOf(token) ?? `x${generateToken().prefix.slice(1)}`;
  const row = await tx.apiToken.create({
    data: { id: newId('tok'), userId: input.userId, name: input.name, prefix, hash: hashToken(token, key), expiresAt: input.expiresAt ?? null, createdBy: input.createdBy },
  });
  return { row, token };
}

/** The token a bearer value is, by its keyed hash; null when no token has that hash. */
export async function findTokenByValue(db: Db, key: Buffer, token: string): Promise<ApiToken | null> {
  const [row] = await selectRows<ApiToken>(db, 'ApiToken', 'SELECT * FROM "ApiToken" WHERE "hash" = ?', [hashToken(token, key)]);
  return row ?? null;
}

/**
 * A user and the groups they are in, as findUser and groupsOf read them. Every request
 * authenticates: these reads go to the driver (db/sql.ts), not through Prisma's query compiler
 * (a few milliseconds of CPU each).
 */
export async function userWithGroups(db: Db, userId: string): Promise<{ user: User | null; groups: GroupRef[] }> {
  const [users, groups] = await Promise.all([
    selectRows<User>(db, 'User', 'SELECT * FROM "User" WHERE "id" = ?', [userId]),
    selectRows<GroupRef>(db, 'Group', 'SELECT g."id" AS "id", g."name" AS "name" FROM "GroupMember" m JOIN "Group" g ON g."id" = m."groupId" WHERE m."userId" = ? ORDER BY g."name"', [userId]),
  ]);
  return { user: users[0] ?? null, groups };
}

/** Last-used time, written at most once a minute per token so a busy token is not a write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;
export async function touchToken(db: Db, t: Pick<ApiToken, 'id' | 'lastUsedAt'>, now: Date): Promise<void> {
  if (t.lastUsedAt && now.getTime() - t.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  const since = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  // Conditional, so concurrent requests (or API replicas) write it once.
  await db.apiToken.updateMany({ where: { id: t.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: since } }] }, data: { lastUsedAt: now } });
}

// ---- single sign-on -------------------------------------------------------------------------

export interface SsoIdentity {
  /** `<issuer>#<subject>`. */
  externalId: string;
  name: string;
  /** A verified address (or one the issuer did not mark unverified); null otherwise. */
  email: string | null;
  /** The role the claims give; null when the role claim is not configured. */
  role: Role | null;
  /** Group names the claims give; null when the groups claim is not configured. */
  groups: string[] | null;
  defaultRole: Role;
}

/**
 * The user behind a verified SSO token: found by subject; else linked by e-mail address to a
 * user an admin created (and not yet linked); else created just in time with the mapped role.
 * When the role or groups claim is configured the identity provider is authoritative: the
 * role follows it, and so do the memberships it made (not the ones an admin made). Nothing is
 * written when nothing changed.
 */
export async function ssoUser(db: Db, id: SsoIdentity): Promise<User> {
  let user = await db.user.findUnique({ where: { externalId: id.externalId } });
  if (!user) {
    const byEmail = id.email ? await db.user.findUnique({ where: { email: id.email } }) : null;
    try {
      user =
        byEmail && byEmail.externalId === null
          ? await db.user.update({ where: { id: byEmail.id }, data: { externalId: id.externalId } })
          : await db.$transaction((tx) => createUserTx(tx, { name: id.name, email: byEmail ? null : id.email, role: id.role ?? id.defaultRole, externalId: id.externalId }));
    } catch (e) {
      // Two first requests at once: the other one created the user.
      if (!isUniqueViolation(e)) throw e;
      user = await db.user.findUnique({ where: { externalId: id.externalId } });
      if (!user) throw e;
    }
  }
  if (!user.active) return user;
  if (id.role !== null && user.role !== id.role) user = await db.user.update({ where: { id: user.id }, data: { role: id.role } });
  if (id.groups !== null) await syncSsoGroups(db, user.id, id.groups);
  return user;
}

async function syncSsoGroups(db: Db, userId: string, names: string[]): Promise<void> {
  const groups = names.length ? await db.group.findMany({ where: { name: { in: names } }, select: { id: true } }) : [];
  const want = new Set(groups.map((g) => g.id));
  const current = await db.groupMember.findMany({ where: { userId } });
  const has = new Set(current.map((m) => m.groupId));
  const stale = current.some((m) => m.source === 'oidc' && !want.has(m.groupId));
  const missing = [...want].some((g) => !has.has(g));
  if (!stale && !missing) return;
  await db.$transaction((tx) => setMemberships(tx, userId, [...want], 'oidc'));
}
