import { z } from '../../domain/schemas/zod';
import { ListQuery, listOf } from '../../domain/schemas/common';
import { CreateSlaBody, SlaRecord, SlaVersionRecord, UpdateSlaBody } from '../../domain/schemas/sla';
import type { Sla } from '../../generated/prisma-sqlite/client';
import { conflict, notFound } from '../errors';
import { AgreementChanged, agreementVersions, agreementWarnings, createAgreement, reviseAgreement } from '../../services/agreements';
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
    availabilityTarget: row.availabilityTarget,
    version: row.version,
    updatedAt: row.updatedAt?.toISOString() ?? null,
  };
}

export async function findAgreement(db: Db, ref: string): Promise<Sla> {
  const row = await db.sla.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
  if (!row) throw notFound(`SLA ${ref}`);
  return row;
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
      async handler({ body, user, deps }) {
        const serviceId = await resolveCiField(deps.db, body.serviceId, 'serviceId', { class: 'service' });
        const row = await createAgreement(deps.db, user.id, body, serviceId ?? null);
        return { ...(await presentSla(deps.db, row)), warnings: await agreementWarnings(deps.db, row) };
      },
    }),
    route({
      method: 'patch',
      path: '/api/v1/slas/:id',
      summary: "Edit an agreement's terms: a new version (incidents keep the version they were opened with unless re-prioritised); an edit that changes nothing makes none",
      tag: 'Service levels',
      roles: ['admin'],
      body: UpdateSlaBody,
      response: SlaRecord,
      errors: [409],
      async handler({ params, body, user, deps }) {
        const row = await findAgreement(deps.db, params.id);
        if (row.retiredAt) throw conflict(`${row.number} is retired: its terms are kept as they were`);
        let saved: Sla;
        try {
          saved = await reviseAgreement(deps.db, user.id, row, body);
        } catch (e) {
          if (e instanceof AgreementChanged) throw conflict(e.message);
          throw e;
        }
        return { ...(await presentSla(deps.db, saved)), warnings: await agreementWarnings(deps.db, saved) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/slas/:id/versions',
      summary: "An agreement's versions, newest first (each an immutable copy of its terms)",
      tag: 'Service levels',
      roles: 'any',
      response: z.object({ items: z.array(SlaVersionRecord) }),
      async handler({ params, deps }) {
        const row = await findAgreement(deps.db, params.id);
        const rows = await agreementVersions(deps.db, row.id);
        return {
          items: rows.map((v) => ({
            version: v.version,
            name: v.name,
            ...slaTermsOf({ id: `${row.id} version ${v.version}`, calendar: v.calendar, targets: v.targets, escalation: v.escalation, pauseOn: v.pauseOn }),
            availabilityTarget: v.availabilityTarget,
            createdAt: v.createdAt.toISOString(),
            createdBy: v.createdBy,
          })),
        };
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
        return presentSla(deps.db, await findAgreement(deps.db, params.id));
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
        const row = await findAgreement(deps.db, params.id);
        // Only the first retirement is recorded: a repeat answers the agreement as it is.
        await deps.db.sla.updateMany({ where: { id: row.id, retiredAt: null }, data: { retiredAt: new Date(), retiredBy: user.id } });
        return presentSla(deps.db, await deps.db.sla.findUniqueOrThrow({ where: { id: row.id } }));
      },
    }),
  ];
}
