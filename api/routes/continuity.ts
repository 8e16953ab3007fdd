import { listOf } from '../../domain/schemas/common';
import { IMPACT_MAX_DEPTH } from '../../domain/schemas/ci';
import { ContinuityPlanDetail, ContinuityPlanQuery, ContinuityPlanRecord, CreateContinuityPlanBody, PLAN_NEEDS_SHOWN, UpdateContinuityPlanBody } from '../../domain/schemas/continuity';
import type { PlanStep } from '../../domain/continuity/lifecycle';
import type { ContinuityPlan } from '../../generated/prisma-sqlite/client';
import type { Db } from '../../db/client';
import { findPlan, planView, plansByLapse } from '../../db/continuity-store';
import { walkImpact } from '../../db/impact';
import { findGroup } from '../../db/people-store';
import { nextNumber } from '../../db/numbers';
import { toJson } from '../../db/json';
import { newId } from '../../infra/ids';
import { badRequest, conflict, notFound } from '../errors';
import { decodeCursor, listPage, page } from '../pagination';
import { findCi, resolveCi } from '../refs';
import { route, type RouteDef } from '../route';
import { affectedView } from './ci-relationships';
import { SUPPLIER_READERS, SUPPLIER_WRITERS } from './suppliers';

/** Continuity is service delivery like supplier management: the desk reads the plans (it runs their steps), the managers and admins keep them. */
export const CONTINUITY_READERS = SUPPLIER_READERS;
export const CONTINUITY_WRITERS = SUPPLIER_WRITERS;

async function planOr404(db: Db, ref: string) {
  const p = await findPlan(db, ref);
  if (!p) throw notFound(`continuity plan ${ref}`);
  return p;
}

/** The owner group and every step's group must exist: a step nobody can be told about could never be done. */
async function checkGroups(db: Db, body: { ownerGroup?: string; steps?: PlanStep[] }) {
  const refs = [
    ...(body.ownerGroup !== undefined ? [{ path: 'ownerGroup', name: body.ownerGroup }] : []),
    ...(body.steps ?? []).map((s, i) => ({ path: `steps.${i}.group`, name: s.group })),
  ];
  const known = new Set((await db.group.findMany({ where: { name: { in: [...new Set(refs.map((r) => r.name))] } }, select: { name: true } })).map((g) => g.name));
  const errors = refs.filter((r) => !known.has(r.name)).map((r) => ({ path: r.path, message: `no group ${r.name}` }));
  if (errors.length) throw badRequest(`${errors.map((e) => e.path).join(', ')}: no such group`, errors);
}

/** A plan with the CIs its service needs: the CMDB's upstream walk from the service, as impact analysis answers it. */
async function planDetail(db: Db, p: ContinuityPlan): Promise<ContinuityPlanDetail> {
  const walk = await walkImpact(db, p.serviceId, { depth: IMPACT_MAX_DEPTH, direction: 'upstream' });
  return { ...planView(p, Date.now()), needs: { total: walk.counts().total, cis: walk.page(PLAN_NEEDS_SHOWN, undefined).items.map(affectedView) } };
}

/** IT service continuity: one recovery plan per business service, its DR tests and invocations. */
export function continuityRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/continuity-plans',
      summary: 'Create a continuity plan for a business service (a CI of class service): RTO, RPO, ordered recovery steps each with its group',
      tag: 'Continuity',
      roles: CONTINUITY_WRITERS,
      body: CreateContinuityPlanBody,
      response: ContinuityPlanDetail,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const service = await resolveCi(deps.db, body.serviceId, 'serviceId', { class: 'service' });
        if (service.retiredAt) throw badRequest('serviceId is retired', [{ path: 'serviceId', message: `${service.number} is retired` }]);
        await checkGroups(deps.db, body);
        const row = await deps.db.$transaction(async (tx) =>
          tx.continuityPlan.create({
            data: {
              id: newId('bcp'), number: await nextNumber(tx, 'continuity_plan'), serviceId: service.id, name: body.name, rtoMinutes: body.rtoMinutes, rpoMinutes: body.rpoMinutes,
              steps: toJson(body.steps), ownerGroup: body.ownerGroup, testIntervalDays: body.testIntervalDays, testCron: body.testCron ?? null, createdBy: user.id,
            },
          }),
        );
        return planDetail(deps.db, row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/continuity-plans',
      summary: 'Continuity plans (newest first), retired ones left out; by service, and ?overdue=true for those not tested within their interval',
      tag: 'Continuity',
      roles: CONTINUITY_READERS,
      query: ContinuityPlanQuery,
      response: listOf(ContinuityPlanRecord),
      async handler({ query, deps }) {
        const serviceId = query.serviceId ? ((await findCi(deps.db, query.serviceId))?.id ?? query.serviceId) : undefined;
        const where = { retiredAt: null, ...(serviceId ? { serviceId } : {}) };
        const now = Date.now();
        if (query.overdue === undefined) return listPage(query, where, (args) => deps.db.continuityPlan.findMany(args), (p) => planView(p, now));
        const p = page(await plansByLapse(deps.db, where, query.overdue === 'true', now, decodeCursor(query.cursor), query.limit + 1), query.limit);
        return { items: p.rows.map((r) => planView(r, now)), nextCursor: p.nextCursor };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/continuity-plans/:id',
      summary: 'A continuity plan, by id or number, with the CIs its service needs (transitively, from the CMDB) and whether its test is overdue',
      tag: 'Continuity',
      roles: CONTINUITY_READERS,
      response: ContinuityPlanDetail,
      handler: async ({ params, deps }) => planDetail(deps.db, await planOr404(deps.db, params.id)),
    }),
    route({
      method: 'patch',
      path: '/api/v1/continuity-plans/:id',
      summary: 'Change a continuity plan (runs started keep the steps they started with)',
      tag: 'Continuity',
      roles: CONTINUITY_WRITERS,
      body: UpdateContinuityPlanBody,
      response: ContinuityPlanDetail,
      errors: [409],
      async handler({ params, body, deps }) {
        const p = await planOr404(deps.db, params.id);
        if (p.retiredAt) throw conflict(`continuity plan ${p.number} is retired`);
        await checkGroups(deps.db, body);
        const { steps, ...rest } = body;
        const row = await deps.db.continuityPlan.update({
          where: { id: p.id },
          data: { ...rest, ...(steps !== undefined ? { steps: toJson(steps) } : {}), version: { increment: 1 } },
        });
        return planDetail(deps.db, row);
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/continuity-plans/:id',
      summary: 'Retire a continuity plan: no more tests or invocations; kept with its runs',
      tag: 'Continuity',
      roles: CONTINUITY_WRITERS,
      status: 204,
      async handler({ params, deps }) {
        const p = await planOr404(deps.db, params.id);
        if (!p.retiredAt) await deps.db.continuityPlan.update({ where: { id: p.id }, data: { retiredAt: new Date() } });
        return undefined;
      },
    }),
  ];
}
