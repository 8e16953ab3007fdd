import type { Group } from '../../generated/prisma-sqlite/client';
import { listOf } from '../../domain/schemas/common';
import { CreateGroupBody, GroupListQuery, GroupRecord, GroupSummary, UpdateGroupBody } from '../../domain/schemas/people';
import type { Db, Tx } from '../../db/client';
import { findCi, patchCiTx } from '../../db/ci-store';
import { decodeIdCursor, encodeIdCursor, escalationChain, findGroup, groupSummaries, idsContaining, isUniqueViolation, setGroupMembers } from '../../db/people-store';
import { newId } from '../../infra/ids';
import { badRequest, conflict, notFound } from '../errors';
import { route, type RouteDef } from '../route';
import { DIRECTORY_READERS, resolveUser, resolveUsers } from './users';

async function requireGroup(db: Db, ref: string): Promise<Group> {
  const group = await findGroup(db, ref);
  if (!group) throw notFound(`group ${ref}`);
  return group;
}

async function groupView(db: Db, group: Group): Promise<GroupRecord> {
  const [summary] = await groupSummaries(db, [group]);
  const members = await db.groupMember.findMany({ where: { groupId: group.id } });
  const users = members.length ? await db.user.findMany({ where: { id: { in: members.map((m) => m.userId) } }, orderBy: { name: 'asc' } }) : [];
  const source = new Map(members.map((m) => [m.userId, m.source === 'oidc' ? ('oidc' as const) : ('api' as const)]));
  const services = await db.configurationItem.findMany({ where: { class: 'service', ownerGroup: group.name, retiredAt: null }, orderBy: { number: 'asc' }, select: { id: true, number: true, name: true } });
  return {
    ...summary,
    members: users.map((u) => ({ id: u.id, name: u.name, email: u.email, active: u.active, source: source.get(u.id) ?? 'api' })),
    services,
    escalationChain: await escalationChain(db, group.name),
  };
}

/** The parent must exist and must not lead back to the group (functional escalation would loop). */
async function resolveParent(db: Db, ref: string, self: string | null): Promise<string> {
  const parent = await findGroup(db, ref);
  if (!parent) throw badRequest('parent does not exist', [{ path: 'parent', message: `no group ${ref}` }]);
  if (self !== null && (await escalationChain(db, parent.name)).includes(self)) {
    throw badRequest('parent would make the escalation chain a loop', [{ path: 'parent', message: `${parent.name} escalates (directly or through its parents) to ${self}` }]);
  }
  return parent.name;
}

/** Service CIs by id or number: each unknown, retired or non-service one is a 400 naming its index. */
async function resolveServices(db: Db, refs: string[]): Promise<string[]> {
  const found = await Promise.all(refs.map((r) => findCi(db, r)));
  const errors = refs
    .map((r, i) => {
      const ci = found[i];
      if (!ci) return { path: `services.${i}`, message: `no configuration item ${r}` };
      if (ci.class !== 'service') return { path: `services.${i}`, message: `${r} is a ${ci.class}, not a service` };
      if (ci.retiredAt) return { path: `services.${i}`, message: `${r} is retired` };
      return null;
    })
    .filter((e) => e !== null);
  if (errors.length) throw badRequest('services must name live service CIs', errors);
  return [...new Set(found.map((ci) => ci!.id))];
}

/**
 * Makes the group own exactly these services: each CI's ownerGroup changes through the CMDB's
 * versioned writer (its history names the admin), services it no longer owns lose the owner.
 */
async function setOwnedServices(tx: Tx, groupName: string, serviceIds: string[], actor: string): Promise<void> {
  const owned = await tx.configurationItem.findMany({ where: { class: 'service', ownerGroup: groupName, retiredAt: null }, select: { id: true } });
  const want = new Set(serviceIds);
  for (const ci of owned) if (!want.has(ci.id)) await patchCiTx(tx, ci.id, { ownerGroup: null }, { actor });
  for (const id of want) await patchCiTx(tx, id, { ownerGroup: groupName }, { actor });
}

export function groupRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/groups',
      summary: 'Create a group: manager, members, parent in the escalation chain, services it owns',
      tag: 'People',
      roles: ['admin'],
      body: CreateGroupBody,
      response: GroupRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const { db } = deps;
        const manager = body.manager ? await resolveUser(db, body.manager, 'manager') : null;
        const parent = body.parent ? await resolveParent(db, body.parent, null) : null;
        const members = await resolveUsers(db, body.members ?? [], 'members');
        const services = await resolveServices(db, body.services ?? []);
        try {
          const group = await db.$transaction(async (tx) => {
            const g = await tx.group.create({
              data: { id: newId('grp'), name: body.name, description: body.description ?? null, managerId: manager?.id ?? null, nextTierGroup: parent, tier: body.tier ?? 1 },
            });
            await setGroupMembers(tx, g.id, members.map((m) => m.id));
            if (services.length) await setOwnedServices(tx, g.name, services, user.id);
            return g;
          });
          return groupView(db, group);
        } catch (e) {
          if (isUniqueViolation(e)) throw conflict(`a group named ${body.name} already exists`);
          throw e;
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/groups',
      summary: 'List groups (newest first), by part of the name',
      tag: 'People',
      roles: DIRECTORY_READERS,
      query: GroupListQuery,
      response: listOf(GroupSummary),
      async handler({ query, deps }) {
        const after = decodeIdCursor(query.cursor);
        if (after === null) throw badRequest('invalid cursor', [{ path: 'query.cursor', message: 'not a cursor returned by this API' }]);
        const ids = query.q ? await idsContaining(deps.db, 'Group', query.q) : null;
        const rows = await deps.db.group.findMany({
          where: { id: { ...(after ? { lt: after } : {}), ...(ids ? { in: ids } : {}) } },
          orderBy: { id: 'desc' },
          take: query.limit + 1,
        });
        const more = rows.length > query.limit;
        const slice = rows.slice(0, query.limit);
        return { items: await groupSummaries(deps.db, slice), nextCursor: more ? encodeIdCursor(slice[slice.length - 1].id) : null };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/groups/:id',
      summary: 'Get a group by id or name: members, manager, escalation chain, owned services',
      tag: 'People',
      roles: DIRECTORY_READERS,
      response: GroupRecord,
      handler: async ({ params, deps }) => groupView(deps.db, await requireGroup(deps.db, params.id)),
    }),
    route({
      method: 'patch',
      path: '/api/v1/groups/:id',
      summary: 'Change a group (not its name, which records refer to); members and services are replaced as lists',
      tag: 'People',
      roles: ['admin'],
      body: UpdateGroupBody,
      response: GroupRecord,
      async handler({ params, body, user, deps }) {
        const { db } = deps;
        const group = await requireGroup(db, params.id);
        const manager = body.manager === undefined ? undefined : body.manager === null ? null : await resolveUser(db, body.manager, 'manager');
        const parent = body.parent === undefined ? undefined : body.parent === null ? null : await resolveParent(db, body.parent, group.name);
        const members = body.members ? await resolveUsers(db, body.members, 'members') : undefined;
        const services = body.services ? await resolveServices(db, body.services) : undefined;
        const updated = await db.$transaction(async (tx) => {
          const g = await tx.group.update({
            where: { id: group.id },
            data: {
              ...(body.description !== undefined ? { description: body.description } : {}),
              ...(manager !== undefined ? { managerId: manager?.id ?? null } : {}),
              ...(parent !== undefined ? { nextTierGroup: parent } : {}),
              ...(body.tier !== undefined ? { tier: body.tier } : {}),
            },
          });
          if (members) await setGroupMembers(tx, g.id, members.map((m) => m.id));
          if (services) await setOwnedServices(tx, g.name, services, user.id);
          return g;
        });
        return groupView(db, updated);
      },
    }),
  ];
}
