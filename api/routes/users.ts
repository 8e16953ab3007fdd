import type { Request } from 'express';
import type { User } from '../../generated/prisma-sqlite/client';
import { ListQuery, listOf } from '../../domain/schemas/common';
import { ROLES, type Principal, type Role } from '../../domain/access';
import { parseIsoDuration } from '../../domain/duration';
import { CreateTokenBody, CreateUserBody, CreatedToken, MeRecord, TokenRecord, UpdateUserBody, UserListQuery, UserRecord } from '../../domain/schemas/people';
import type { Db } from '../../db/client';
import {
  activeAdminCount,
  createTokenTx,
  createUserTx,
  deactivateUserTx,
  decodeIdCursor,
  encodeIdCursor,
  findGroup,
  findUser,
  idsContaining,
  isUniqueViolation,
  setMemberships,
  tokenView,
  userViewOf,
  userViews,
} from '../../db/people-store';
import { parseTokenHashKey } from '../../infra/tokens';
import { authenticationOf } from '../auth';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import { listPage } from '../pagination';
import { route, type ApiDeps, type RouteDef } from '../route';

/** Everyone but requesters may look people and groups up (to assign, to route); admins manage them. */
export const DIRECTORY_READERS: readonly Role[] = ROLES.filter((r) => r !== 'requester');

export async function requireUser(db: Db, ref: string): Promise<User> {
  const user = await findUser(db, ref);
  if (!user) throw notFound(`user ${ref}`);
  return user;
}

/** Group references in a body: each unknown one is a 400 naming its index. */
export async function resolveGroupIds(db: Db, refs: string[], field: string): Promise<string[]> {
  const found = await Promise.all(refs.map((r) => findGroup(db, r)));
  const missing = refs.map((r, i) => (found[i] ? null : { path: `${field}.${i}`, message: `no group ${r}` })).filter((e) => e !== null);
  if (missing.length) throw badRequest(`${field} names groups that do not exist`, missing);
  return [...new Set(found.map((g) => g!.id))];
}

/** User references in a body: each unknown one is a 400 naming its index. */
export async function resolveUsers(db: Db, refs: string[], field: string): Promise<User[]> {
  const found = await Promise.all(refs.map((r) => findUser(db, r)));
  const missing = refs.map((r, i) => (found[i] ? null : { path: `${field}.${i}`, message: `no user ${r}` })).filter((e) => e !== null);
  if (missing.length) throw badRequest(`${field} names users that do not exist`, missing);
  return found as User[];
}

/** One user reference in a body: unknown is a 400 naming the field. */
export async function resolveUser(db: Db, ref: string, field: string): Promise<User> {
  const user = await findUser(db, ref);
  if (!user) throw badRequest(`${field} does not exist`, [{ path: field, message: `no user ${ref}` }]);
  return user;
}

const emailTaken = (email: string | null | undefined) => conflict(`the e-mail address ${email} belongs to another user`);

/** A user's tokens are theirs and the admins' business: anyone else gets a 403 whether the user exists or not. */
async function tokenOwner(deps: ApiDeps, caller: Principal, ref: string): Promise<User> {
  const user = await findUser(deps.db, ref);
  if (caller.role !== 'admin' && user?.id !== caller.id) throw forbidden("only an admin may manage another user's tokens");
  if (!user) throw notFound(`user ${ref}`);
  return user;
}

function meView(req: Request) {
  const auth = authenticationOf(req);
  if (!auth) throw new Error('GET /me reached without authentication');
  return auth;
}

export function userRoutes(): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/v1/me',
      summary: 'The caller: user, role, groups, and how this request authenticated',
      tag: 'People',
      roles: 'any',
      response: MeRecord,
      async handler({ req, deps }) {
        const auth = meView(req);
        const view = await userViewOf(deps.db, auth.user);
        const t = auth.token;
        return { ...view, authenticatedBy: auth.method, token: t ? { id: t.id, name: t.name, prefix: t.prefix, expiresAt: t.expiresAt?.toISOString() ?? null } : null };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/users',
      summary: 'Create a user (a person, or an integration with role automation)',
      tag: 'People',
      roles: ['admin'],
      body: CreateUserBody,
      response: UserRecord,
      status: 201,
      creates: true,
      async handler({ body, deps }) {
        const groupIds = await resolveGroupIds(deps.db, body.groups ?? [], 'groups');
        try {
          const user = await deps.db.$transaction((tx) => createUserTx(tx, { name: body.name, email: body.email ?? null, role: body.role }, groupIds));
          return userViewOf(deps.db, user);
        } catch (e) {
          if (isUniqueViolation(e)) throw emailTaken(body.email);
          throw e;
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/users',
      summary: 'List users (newest first), by role, group, active or part of the name or address',
      tag: 'People',
      roles: DIRECTORY_READERS,
      query: UserListQuery,
      response: listOf(UserRecord),
      async handler({ query, deps }) {
        const after = decodeIdCursor(query.cursor);
        if (after === null) throw badRequest('invalid cursor', [{ path: 'query.cursor', message: 'not a cursor returned by this API' }]);
        const ids: string[][] = [];
        if (query.q) ids.push(await idsContaining(deps.db, 'User', query.q));
        if (query.group) {
          const group = await findGroup(deps.db, query.group);
          ids.push(group ? (await deps.db.groupMember.findMany({ where: { groupId: group.id }, select: { userId: true } })).map((m) => m.userId) : []);
        }
        const rows = await deps.db.user.findMany({
          where: {
            ...(after ? { id: { lt: after } } : {}),
            ...(ids.length ? { AND: ids.map((list) => ({ id: { in: list } })) } : {}),
            ...(query.role ? { role: query.role } : {}),
            ...(query.active !== undefined ? { active: query.active } : {}),
          },
          orderBy: { id: 'desc' },
          take: query.limit + 1,
        });
        const more = rows.length > query.limit;
        const slice = rows.slice(0, query.limit);
        return { items: await userViews(deps.db, slice), nextCursor: more ? encodeIdCursor(slice[slice.length - 1].id) : null };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/users/:id',
      summary: 'Get a user by id or e-mail address',
      tag: 'People',
      roles: DIRECTORY_READERS,
      response: UserRecord,
      handler: async ({ params, deps }) => userViewOf(deps.db, await requireUser(deps.db, params.id)),
    }),
    route({
      method: 'patch',
      path: '/api/v1/users/:id',
      summary: 'Change a user: name, address, role, groups; active: false deactivates (history kept, tokens revoked)',
      tag: 'People',
      roles: ['admin'],
      body: UpdateUserBody,
      response: UserRecord,
      errors: [409],
      async handler({ params, body, deps }) {
        const user = await requireUser(deps.db, params.id);
        const groupIds = body.groups ? await resolveGroupIds(deps.db, body.groups, 'groups') : undefined;
        const losesAdmin = user.role === 'admin' && user.active && ((body.role !== undefined && body.role !== 'admin') || body.active === false);
        try {
          const updated = await deps.db.$transaction(async (tx) => {
            // Checked in the transaction that makes the change.
            if (losesAdmin && (await activeAdminCount(tx)) <= 1) throw conflict('this is the last active admin: make another user an admin first');
            const now = new Date();
            let row = await tx.user.update({
              where: { id: user.id },
              data: {
                ...(body.name !== undefined ? { name: body.name } : {}),
                ...(body.email !== undefined ? { email: body.email } : {}),
                ...(body.role !== undefined ? { role: body.role } : {}),
                ...(body.active === true && !user.active ? { active: true, deactivatedAt: null } : {}),
              },
            });
            if (body.active === false && user.active) row = await deactivateUserTx(tx, user.id, now);
            if (groupIds) await setMemberships(tx, user.id, groupIds, 'api');
            return row;
          });
          return userViewOf(deps.db, updated);
        } catch (e) {
          if (isUniqueViolation(e)) throw emailTaken(body.email);
          throw e;
        }
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/users/:id/tokens',
      summary: 'Create a personal API token (admin, or the user for themself): the secret is in this answer only',
      tag: 'People',
      roles: 'any',
      body: CreateTokenBody,
      response: CreatedToken,
      status: 201,
      // No Idempotency-Key: a replay would have to store the secret to answer with it.
      errors: [409],
      async handler({ params, body, user, deps }) {
        const owner = await tokenOwner(deps, user, params.id);
        if (!owner.active) throw conflict(`user ${owner.id} is deactivated`);
        const key = parseTokenHashKey(deps.env.TOKEN_HASH_KEY, deps.env.NODE_ENV);
        const expiresAt = body.expiresIn ? new Date(Date.now() + parseIsoDuration(body.expiresIn)) : null;
        const { row, token } = await deps.db.$transaction((tx) => createTokenTx(tx, key, { userId: owner.id, name: body.name, expiresAt, createdBy: user.id }));
        return { ...tokenView(row), token };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/users/:id/tokens',
      summary: "A user's API tokens, newest first, with last use, expiry and revocation (never the secret)",
      tag: 'People',
      roles: 'any',
      query: ListQuery,
      response: listOf(TokenRecord),
      async handler({ params, query, user, deps }) {
        const owner = await tokenOwner(deps, user, params.id);
        const now = new Date();
        return listPage(query, { userId: owner.id }, (args) => deps.db.apiToken.findMany(args), (t) => tokenView(t, now));
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/users/:id/tokens/:tokenId',
      summary: 'Revoke an API token (at once; revoking a revoked token changes nothing)',
      tag: 'People',
      roles: 'any',
      status: 204,
      async handler({ params, user, deps }) {
        const owner = await tokenOwner(deps, user, params.id);
        const token = await deps.db.apiToken.findUnique({ where: { id: params.tokenId } });
        if (!token || token.userId !== owner.id) throw notFound(`token ${params.tokenId}`);
        await deps.db.apiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: new Date() } });
        return null;
      },
    }),
  ];
}
