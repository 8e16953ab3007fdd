import { z } from '../../domain/schemas/zod';
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
import type { Db } from '../../db/client';
import { readReferences } from '../../db/references';

export function slaView(row: Sla): Omit<SlaRecord, 'serviceNumber'> {
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
    retiredAt: row.retiredAt?.toISOString() ?? null,
    retiredBy: row.retiredBy,
  };
}

/** Agreements as the API shows them: the service as id and number, one read for a whole page. */
async function presentSlas(db: Db, rows: Sla[]): Promise<SlaRecord[]> {
  const ref = await readReferences(db, rows, (r) => ({ ci: [r.serviceId] }));
  return rows.map((r) => ({ ...slaView(r), serviceNumber: ref('ci', r.serviceId) }));
}
const presentSla = async (db: Db, row: Sla) => (await presentSlas(db, [row]))[0];

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
        return presentSla(deps.db, row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/slas',
      summary: 'List agreements',
      tag: 'Service levels',
      roles: 'any',
      query: ListQuery.extend({ retired: z.enum(['true', 'false']).optional().describe('true: only retired agreements; false: only those in force; absent: all') }),
      response: listOf(SlaRecord),
      async handler({ query, deps }) {
        const { retired, ...paging } = query;
        const where = retired === undefined ? {} : retired === 'true' ? { retiredAt: { not: null } } : { retiredAt: null };
        const page = await listPage(paging, where, (args) => deps.db.sla.findMany(args), (row) => row);
        return { ...page, items: await presentSlas(deps.db, page.items) };
      },
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
        return presentSla(deps.db, row);
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/slas/:id',
      summary: 'Retire an agreement: no new incident gets it; incidents that have it keep their clocks (repeating it changes nothing)',
      tag: 'Service levels',
      roles: ['admin'],
      response: SlaRecord,
      async handler({ params, user, deps }) {
        const row = await deps.db.sla.findFirst({ where: { OR: [{ id: params.id }, { number: params.id }] } });
        if (!row) throw notFound(`SLA ${params.id}`);
        // Only the first retirement is recorded: a repeat answers the agreement as it is.
        await deps.db.sla.updateMany({ where: { id: row.id, retiredAt: null }, data: { retiredAt: new Date(), retiredBy: user.id } });
        return presentSla(deps.db, await deps.db.sla.findUniqueOrThrow({ where: { id: row.id } }));
      },
    }),
  ];
}
