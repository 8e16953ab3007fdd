import { ListQuery, listOf } from '../../domain/schemas/common';
import { CiListQuery, CiRecord, CreateCiBody } from '../../domain/schemas/ci';
import type { ConfigurationItem } from '../../generated/prisma-sqlite/client';
import { conflict } from '../errors';
import { newId } from '../ids';
import { nextNumber } from '../numbers';
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
      async handler({ body, deps }) {
        const existing = await deps.db.configurationItem.findUnique({ where: { class_name: { class: body.class, name: body.name } } });
        if (existing) throw conflict(`a ${body.class} named '${body.name}' already exists (${existing.number})`);
        const row = await deps.db.configurationItem.create({
          data: {
            id: newId('ci'),
            number: await nextNumber(deps.db, 'ci'),
            name: body.name,
            class: body.class,
            status: body.status,
            environment: body.environment ?? null,
            ownerGroup: body.ownerGroup ?? null,
            attributes: JSON.stringify(body.attributes),
          },
        });
        return ciView(row);
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
