import { ListQuery, listOf } from '../../domain/schemas/common';
import { CreateSlaBody, SlaRecord } from '../../domain/schemas/sla';
import type { Sla } from '../../generated/prisma-sqlite/client';
import { notFound } from '../errors';
import { newId } from '../../infra/ids';
import { nextNumber } from '../../db/numbers';
import { listPage } from '../pagination';
import { slaKindOf, slaTermsOf } from '../../db/columns';
import { resolveCiField } from '../refs';
import { route, type RouteDef } from '../route';

export function slaView(row: Sla): SlaRecord {
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    kind: slaKindOf(row),
    serviceId: row.serviceId,
    supplier: row.supplier,
    team: row.team,
    ...slaTermsOf(row),
    isDefault: row.isDefault,
    createdAt: row.createdAt.toISOString(),
  };
}

export function slaRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/slas',
      summary: 'Create an SLA, OLA or underpinning contract (attached to a service)',
      tag: 'Service levels',
      roles: ['admin'],
      body: CreateSlaBody,
      response: SlaRecord,
      status: 201,
      creates: true,
      async handler({ body, deps }) {
        const serviceId = await resolveCiField(deps.db, body.serviceId, 'serviceId', { class: 'service' });
        const row = await deps.db.sla.create({
          data: {
            id: newId('sla'),
            number: await nextNumber(deps.db, 'sla'),
            name: body.name,
            kind: body.kind,
            serviceId: serviceId ?? null,
            supplier: body.supplier ?? null,
            team: body.team ?? null,
            calendar: JSON.stringify(body.calendar),
            targets: JSON.stringify(body.targets),
            escalation: JSON.stringify(body.escalation ?? {}),
            pauseOn: JSON.stringify(body.pauseOn),
            isDefault: body.isDefault,
          },
        });
        return slaView(row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/slas',
      summary: 'List agreements',
      tag: 'Service levels',
      roles: 'any',
      query: ListQuery,
      response: listOf(SlaRecord),
      handler: ({ query, deps }) => listPage(query, {}, (args) => deps.db.sla.findMany(args), slaView),
    }),
    route({
      method: 'get',
      path: '/api/v1/slas/:id',
      summary: 'Get an agreement by id or number',
      tag: 'Service levels',
      roles: 'any',
      response: SlaRecord,
      async handler({ params, deps }) {
        const row = await deps.db.sla.findFirst({ where: { OR: [{ id: params.id }, { number: params.id }] } });
        if (!row) throw notFound(`SLA ${params.id}`);
        return slaView(row);
      },
    }),
  ];
}
