import { z } from '../../domain/schemas/zod';
import { listOf } from '../../domain/schemas/common';
import { IMPACT_MAX_DEPTH } from '../../domain/schemas/ci';
import { AuditEntry, CreateIncidentBody } from '../../domain/schemas/incident';
import {
  ContinuityPlanDetail, ContinuityPlanQuery, ContinuityPlanRecord, ContinuityRunCommandBodies, ContinuityRunQuery, ContinuityRunRecord, CreateContinuityPlanBody, PLAN_NEEDS_SHOWN,
  InvokeContinuityPlanBody, StartContinuityTestBody, UpdateContinuityPlanBody, type ContinuityRunCommandName,
} from '../../domain/schemas/continuity';
import { incidentScope, type Principal } from '../../domain/access';
import { commandRefusal, continuityRunView, isTerminal, type ContinuityRunCommandPayload, type NewContinuityRun } from '../../domain/continuity/run';
import type { PlanStep } from '../../domain/continuity/lifecycle';
import type { ContinuityPlan } from '../../generated/prisma-sqlite/client';
import type { Db } from '../../db/client';
import { continuityRunFromRow, findPlan, findRun, planView, plansByLapse, startRefusal } from '../../db/continuity-store';
import { walkImpact } from '../../db/impact';
import { nextNumber } from '../../db/numbers';
import { toJson } from '../../db/json';
import { newId } from '../../infra/ids';
import { openIncident, reserveIncident } from '../../temporal/open-incident';
import { openPlanRun } from '../../temporal/open-continuity-run';
import { deleteContinuityTestSchedule, ensureContinuityTestSchedule } from '../../temporal/continuity-schedule';
import { continuityRunCommandUpdates } from '../../workflows/contracts/continuity-run';
import { attachmentRoutes } from '../attachment-routes';
import { commandRoutes } from '../command-routes';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import { decodeCursor, listPage, page } from '../pagination';
import { findCi, resolveCi } from '../refs';
import { route, type ApiDeps, type RouteDef } from '../route';
import { commandError } from '../temporal-errors';
import { openRecordDeps } from '../open-record-deps';
import { affectedView } from './ci-relationships';
import { auditEntries } from './history';
import { incidentWorkflowConfig } from './incidents';
import { withCronCheck } from '../temporal-errors';
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

/**
 * The plan's DR test Schedule as its `testCron` says: kept (created or updated), or deleted for
 * null. A cron the schedule engine refuses is a 400 naming testCron, and changes nothing.
 */
async function keepTestSchedule(deps: ApiDeps, plan: { id: string; number: string; name: string }, cron: string | null) {
  if (cron === null) return deleteContinuityTestSchedule(deps.temporal, plan.number);
  await withCronCheck('testCron', () => ensureContinuityTestSchedule(deps.temporal, { plan, cron, taskQueue: deps.env.TEMPORAL_TASK_QUEUE, config: openRecordDeps(deps).config }));
}

async function runOr404(db: Db, ref: string) {
  const r = await findRun(db, ref);
  if (!r) throw notFound(`continuity run ${ref}`);
  return r;
}

/** A run's files are read by anyone who may read the run; for the others (requesters) it does not exist. */
const runForReader = (db: Db, ref: string, user: Principal) => {
  if (!CONTINUITY_READERS.includes(user.role)) throw notFound(`continuity run ${ref}`);
  return runOr404(db, ref);
};

async function checkStartable(db: Db, p: ContinuityPlan, kind: NewContinuityRun['kind']) {
  const refusal = await startRefusal(db, p, kind);
  if (refusal) throw conflict(refusal);
}

/** Opens a run of a live plan with its steps as they are now. */
async function startRun(deps: ApiDeps, actor: string, p: ContinuityPlan, kind: NewContinuityRun['kind'], incident: NewContinuityRun['incident']) {
  await checkStartable(deps.db, p, kind);
  try {
    return await openPlanRun(openRecordDeps(deps), actor, p, kind, incident);
  } catch (e) {
    throw commandError(e, `the new ${kind} of ${p.number}`);
  }
}

/**
 * The major incident of an invocation: the one named (an incident the caller may see, not ended;
 * else a 400 naming incidentId), or a new P1 on the service opened now through the incident room.
 */
async function majorIncident(deps: ApiDeps, user: Principal, p: ContinuityPlan, ref: string | undefined): Promise<{ id: string; number: string }> {
  if (ref !== undefined) {
    const found = await deps.db.incident.findFirst({ where: { AND: [{ OR: [{ id: ref }, { number: ref }] }, incidentScope(user)] }, select: { id: true, number: true, state: true } });
    if (!found) throw badRequest('incidentId does not exist', [{ path: 'incidentId', message: `no incident ${ref}` }]);
    if (found.state === 'closed' || found.state === 'cancelled') throw conflict(`incident ${found.number} is ${found.state}`);
    return { id: found.id, number: found.number };
  }
  const service = await deps.db.configurationItem.findUniqueOrThrow({ where: { id: p.serviceId }, select: { id: true, number: true, name: true } });
  const reservation = await reserveIncident(deps.db);
  try {
    const view = await openIncident(
      { db: deps.db, temporal: deps.temporal, taskQueue: deps.env.TEMPORAL_TASK_QUEUE, config: incidentWorkflowConfig(deps) },
      reservation,
      user.id,
      CreateIncidentBody.parse({
        title: `Disaster declared: ${service.name} (${service.number}), recovery by ${p.number}`,
        description: `Continuity plan ${p.number} (${p.name}) invoked by ${user.id}; RTO ${p.rtoMinutes} min, RPO ${p.rpoMinutes} min.`,
        impact: 'high', urgency: 'high', serviceId: service.id, category: 'continuity',
      }),
    );
    return { id: view.id, number: view.number };
  } catch (e) {
    throw commandError(e, `incident ${reservation.number}`);
  }
}

const COMMAND_ROLES = { 'start-step': CONTINUITY_READERS, 'complete-step': CONTINUITY_READERS, 'fail-step': CONTINUITY_READERS, abort: CONTINUITY_WRITERS } as const satisfies Record<ContinuityRunCommandName, typeof CONTINUITY_READERS>;

/** A step is its group's task: the desk works the steps of its own groups, managers and admins any step. */
function mayWorkStep(user: Principal, group: string) {
  return CONTINUITY_WRITERS.includes(user.role) || user.groups.includes(group);
}

/** IT service continuity: one recovery plan per business service, its DR tests and invocations. */
export function continuityRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/continuity-plans',
      summary: 'Create a continuity plan for a business service (a CI of class service): RTO, RPO, ordered recovery steps each with its group; testCron starts a DR test on that cron (a Temporal Schedule per plan)',
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
        const ids = { id: newId('bcp'), number: await nextNumber(deps.db, 'continuity_plan') };
        // The Schedule first: a cron the engine refuses creates no plan.
        if (body.testCron) await keepTestSchedule(deps, { ...ids, name: body.name }, body.testCron);
        const row = await deps.db.continuityPlan.create({
          data: {
            ...ids, serviceId: service.id, name: body.name, rtoMinutes: body.rtoMinutes, rpoMinutes: body.rpoMinutes,
            steps: toJson(body.steps), ownerGroup: body.ownerGroup, testIntervalDays: body.testIntervalDays, testCron: body.testCron ?? null, createdBy: user.id,
          },
        });
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
      summary: 'Change a continuity plan (runs started keep the steps they started with); testCron keeps its DR test Schedule, null deletes it',
      tag: 'Continuity',
      roles: CONTINUITY_WRITERS,
      body: UpdateContinuityPlanBody,
      response: ContinuityPlanDetail,
      errors: [409],
      async handler({ params, body, deps }) {
        const p = await planOr404(deps.db, params.id);
        if (p.retiredAt) throw conflict(`continuity plan ${p.number} is retired`);
        await checkGroups(deps.db, body);
        if (body.testCron !== undefined) await keepTestSchedule(deps, { id: p.id, number: p.number, name: body.name ?? p.name }, body.testCron);
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
      summary: 'Retire a continuity plan: no more tests or invocations (its DR test Schedule deleted); kept with its runs',
      tag: 'Continuity',
      roles: CONTINUITY_WRITERS,
      status: 204,
      async handler({ params, deps }) {
        const p = await planOr404(deps.db, params.id);
        if (p.retiredAt) return undefined;
        await deleteContinuityTestSchedule(deps.temporal, p.number);
        await deps.db.continuityPlan.update({ where: { id: p.id }, data: { retiredAt: new Date() } });
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/continuity-plans/:id/tests',
      summary: 'Start a DR test of a plan now: each step a task for its group with a deadline; recovery time against the RTO gives passed, failed or overrun',
      tag: 'Continuity',
      roles: CONTINUITY_WRITERS,
      body: StartContinuityTestBody,
      response: ContinuityRunRecord,
      status: 201,
      creates: true,
      errors: [409],
      handler: async ({ params, user, deps }) => startRun(deps, user.id, await planOr404(deps.db, params.id), 'test', null),
    }),
    route({
      method: 'post',
      path: '/api/v1/continuity-plans/:id/invoke',
      summary: 'Declare a disaster: start the plan’s recovery for real (kind invocation), linked to the major incident given or to a new P1 incident on the service; recovered or abandoned, time to recovery against the RTO',
      tag: 'Continuity',
      roles: CONTINUITY_WRITERS,
      body: InvokeContinuityPlanBody,
      response: ContinuityRunRecord,
      status: 201,
      creates: true,
      errors: [409],
      async handler({ params, body, user, deps }) {
        const p = await planOr404(deps.db, params.id);
        await checkStartable(deps.db, p, 'invocation');
        return startRun(deps, user.id, p, 'invocation', await majorIncident(deps, user, p, body.incidentId));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/continuity-runs',
      summary: 'DR tests and invocations (newest first), by plan, kind or state',
      tag: 'Continuity',
      roles: CONTINUITY_READERS,
      query: ContinuityRunQuery,
      response: listOf(ContinuityRunRecord),
      async handler({ query, deps }) {
        const planId = query.planId ? ((await findPlan(deps.db, query.planId))?.id ?? query.planId) : undefined;
        const where = { ...(planId ? { planId } : {}), ...(query.kind ? { kind: query.kind } : {}), ...(query.state ? { state: query.state } : {}) };
        const now = Date.now();
        return listPage(query, where, (args) => deps.db.continuityRun.findMany(args), (r) => continuityRunView(continuityRunFromRow(r), now));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/continuity-runs/:id',
      summary: 'A DR test or invocation, by id or number, with each step (deadline, evidence, who did it when) and the recovery time',
      tag: 'Continuity',
      roles: CONTINUITY_READERS,
      response: ContinuityRunRecord,
      handler: async ({ params, deps }) => continuityRunView(continuityRunFromRow(await runOr404(deps.db, params.id)), Date.now()),
    }),
    route({
      method: 'get',
      path: '/api/v1/continuity-runs/:id/history',
      summary: 'The audit trail of a DR test or invocation (steps, reminders, escalations, outcome, problem raised)',
      tag: 'Continuity',
      roles: CONTINUITY_READERS,
      response: z.array(AuditEntry),
      handler: async ({ params, deps }) => auditEntries(deps.db, (await runOr404(deps.db, params.id)).id),
    }),
    ...attachmentRoutes({ recordType: 'continuity_run', tag: 'Continuity', path: '/api/v1/continuity-runs/:id', roles: CONTINUITY_READERS, find: runForReader }),
    ...commandRoutes({
      recordType: 'continuity run',
      tag: 'Continuity',
      path: '/api/v1/continuity-runs/:id',
      bodies: ContinuityRunCommandBodies,
      roles: COMMAND_ROLES,
      updates: continuityRunCommandUpdates,
      response: ContinuityRunRecord,
      find: runOr404,
      isTerminal,
      /** A step the plan lacks is a 400 naming `step`, a step out of turn a 409 (the workflow checks again); another group's step a 403. */
      async payload(deps, row, verb, body, user) {
        const run = continuityRunFromRow(row);
        const b = body as ContinuityRunCommandPayload;
        const refusal = commandRefusal(run, verb, b);
        if (refusal?.status === 'unknown') throw badRequest(refusal.message, [{ path: 'step', message: refusal.message }]);
        const step = (b as { step?: number }).step;
        if (step !== undefined && !mayWorkStep(user, run.steps[step].group)) throw forbidden(`step ${step} of ${run.number} is a task for group ${run.steps[step].group}`);
        if (refusal) throw conflict(refusal.message);
        // Evidence names a file attached to this run (POST …/:id/attachments), not any file.
        const attachmentId = (b as { attachmentId?: string }).attachmentId;
        if (attachmentId !== undefined && !(await deps.db.attachment.findFirst({ where: { id: attachmentId, recordId: row.id }, select: { id: true } }))) {
          throw badRequest('attachmentId does not exist', [{ path: 'attachmentId', message: `no attachment ${attachmentId} on ${run.number}` }]);
        }
        return body;
      },
    }),
  ];
}
