import { ListQuery, listOf } from '../../domain/schemas/common';
import { CiListQuery, CiRecord, CreateCiBody } from '../../domain/schemas/ci';
import type { ConfigurationItem } from '../../generated/prisma-sqlite/client';
import { attributeSchemaOf } from '../../domain/cmdb/classes';
import { z } from '../../domain/schemas/zod';
import { CiConflictError, createCi } from '../../db/ci-store';
import { conflict, parseOr400 } from '../errors';
import { listPage } from '../pagination';
import { requireCi } from '../refs';
import { route, type RouteDef } from '../route';

export function ciView(row: ConfigurationItem): CiRecord {
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    class: row.class as CiRecord['class'],
    status: row.status as CiRecord['status'],
    environment: row.environment,
    ownerGroup: row.ownerGroup,
    attributes: JSON.parse(row.attributes),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A first cut of the CMDB: enough for services and the CIs incidents point at. */
export function ciRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/cis',
      summary: 'Register a configuration item',
      tag: 'CMDB',
      roles: ['admin', 'change_manager'],
      body: CreateCiBody,
      response: CiRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const attributes = parseOr400(attributeSchemaOf(body.class) ?? z.record(z.string(), z.unknown()), body.attributes, 'body', 'attributes');
        try {
          return ciView(await createCi(deps.db, { ...body, attributes: attributes as Record<string, unknown> }, { actor: user.id }));
        } catch (e) {
          if (e instanceof CiConflictError) throw conflict(e.message);
          throw e;
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/cis',
      summary: 'List configuration items',
      tag: 'CMDB',
      roles: 'any',
      query: ListQuery.extend(CiListQuery.shape),
      response: listOf(CiRecord),
      handler: ({ query, deps }) =>
        listPage(
          query,
          {
            ...(query.class ? { class: query.class } : {}),
            ...(query.status ? { status: query.status } : {}),
            ...(query.q ? { OR: [{ name: { contains: query.q } }, { number: { contains: query.q } }] } : {}),
          },
          (args) => deps.db.configurationItem.findMany(args),
          ciView,
        ),
    }),
    route({
      method: 'get',
      path: '/api/v1/cis/:id',
      summary: 'Get a configuration item by id or number',
      tag: 'CMDB',
      roles: 'any',
      response: CiRecord,
      handler: async ({ params, deps }) => ciView(await requireCi(deps.db, params.id)),
    }),
  ];
}
