import { z } from '../../domain/schemas/zod';
import { listOf } from '../../domain/schemas/common';
import { AuditEntry } from '../../domain/schemas/incident';
import { AccessReviewCommandBodies, AccessReviewQuery, AccessReviewRecord, AccessReviewScheduleRecord, PutAccessReviewScheduleBody, ReviewedAccount, StartAccessReviewBody, type AccessReviewCommandName } from '../../domain/schemas/access-review';
import { accessReviewView, decideRefusal, isTerminal } from '../../domain/security/access-review';
import type { Db } from '../../db/client';
import { accessReviewFromRow } from '../../db/access-review-store';
import { findCi } from '../../db/ci-store';
import { resolveUser } from '../../services/relationship';
import { ValidationFailed } from '../../services/errors';
import { openAccessReview } from '../../temporal/open-access-review';
import { accessReviewCommandUpdates, accessReviewScheduleId } from '../../workflows/contracts/access-review';
import type { AccessReviewSchedule } from '../../generated/prisma-sqlite/client';
import { parseJson, toJson } from '../../db/json';
import { deleteAccessReviewSchedule, ensureAccessReviewSchedule } from '../../temporal/access-review-schedule';
import { commandRoutes } from '../command-routes';
import { conflict, forbidden, notFound } from '../errors';
import { listPage } from '../pagination';
import { requireCi } from '../refs';
import { route, type RouteDef } from '../route';
import { commandError, withCronCheck } from '../temporal-errors';
import { auditEntries } from './history';
import { SECURITY_POLICY_READERS, SECURITY_POLICY_WRITERS } from './security-policies';
import { openRecordDeps } from '../open-record-deps';

async function requireReview(db: Db, ref: string) {
  const row = await db.accessReview.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
  if (!row) throw notFound(`access review ${ref}`);
  return row;
}

function scheduleView(row: AccessReviewSchedule, ciNumber: string) {
  return {
    ciId: row.ciId, scheduleId: accessReviewScheduleId(ciNumber), cron: row.cron, owner: row.owner, dueDays: row.dueDays,
    accounts: parseJson(z.array(ReviewedAccount), row.accounts, { recordType: 'access_review_schedule', recordId: row.ciId, field: 'accounts' }),
    createdBy: row.createdBy, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString(),
  };
}

async function requireSchedule(db: Db, ciId: string) {
  const row = await db.accessReviewSchedule.findUnique({ where: { ciId } });
  if (!row || row.deletedAt) throw notFound(`access review schedule of ${ciId}`);
  return row;
}

/** Access reviews: one workflow per review of one system; the owner (or an admin) decides each account. */
export function accessReviewRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/cis/:id/access-reviews',
      summary: 'Start an access review of a system now: its owner confirms or revokes each account by the deadline',
      tag: 'Access reviews',
      roles: SECURITY_POLICY_WRITERS,
      body: StartAccessReviewBody,
      response: AccessReviewRecord,
      status: 201,
      creates: true,
      async handler({ params, body, user, deps }) {
        const ci = await requireCi(deps.db, params.id);
        if (ci.retiredAt) throw conflict(`configuration item ${ci.number} is retired`);
        const owner = await resolveUser(deps.db, body.owner, 'owner');
        try {
          return await openAccessReview(openRecordDeps(deps), user.id, {
            ciId: ci.id, ciNumber: ci.number, ciName: ci.name, ownerGroup: ci.ownerGroup, owner, dueDays: body.dueDays, accounts: body.accounts,
          });
        } catch (e) {
          throw commandError(e, 'the new access review');
        }
      },
    }),
    route({
      method: 'put',
      path: '/api/v1/cis/:id/access-review-schedule',
      summary: 'Review a system’s access on a cron: a Temporal Schedule starts an access review with these accounts each time',
      tag: 'Access reviews',
      roles: SECURITY_POLICY_WRITERS,
      body: PutAccessReviewScheduleBody,
      response: AccessReviewScheduleRecord,
      async handler({ params, body, user, deps }) {
        const ci = await requireCi(deps.db, params.id);
        if (ci.retiredAt) throw conflict(`configuration item ${ci.number} is retired`);
        const owner = await resolveUser(deps.db, body.owner, 'owner');
        // The Schedule first: a cron the engine refuses leaves the system's schedule as it was.
        await withCronCheck('cron', () => ensureAccessReviewSchedule(deps.temporal, { ci, cron: body.cron, taskQueue: deps.env.TEMPORAL_TASK_QUEUE, config: openRecordDeps(deps).config }));
        const data = { cron: body.cron, owner, dueDays: body.dueDays, accounts: toJson(body.accounts), deletedAt: null };
        const row = await deps.db.accessReviewSchedule.upsert({ where: { ciId: ci.id }, create: { ciId: ci.id, ...data, createdBy: user.id }, update: data });
        return scheduleView(row, ci.number);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/cis/:id/access-review-schedule',
      summary: 'A system’s access review schedule',
      tag: 'Access reviews',
      roles: SECURITY_POLICY_READERS,
      response: AccessReviewScheduleRecord,
      async handler({ params, deps }) {
        const ci = await requireCi(deps.db, params.id);
        return scheduleView(await requireSchedule(deps.db, ci.id), ci.number);
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/cis/:id/access-review-schedule',
      summary: 'Stop a system’s recurring access reviews (its Schedule deleted; reviews started stay)',
      tag: 'Access reviews',
      roles: SECURITY_POLICY_WRITERS,
      status: 204,
      async handler({ params, deps }) {
        const ci = await requireCi(deps.db, params.id);
        await requireSchedule(deps.db, ci.id);
        await deleteAccessReviewSchedule(deps.temporal, ci.number);
        await deps.db.accessReviewSchedule.update({ where: { ciId: ci.id }, data: { deletedAt: new Date() } });
        return null;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/access-reviews',
      summary: 'Access reviews (newest first), by system, state or owner',
      tag: 'Access reviews',
      roles: SECURITY_POLICY_READERS,
      query: AccessReviewQuery,
      response: listOf(AccessReviewRecord),
      async handler({ query, deps }) {
        const ciId = query.ciId ? ((await findCi(deps.db, query.ciId))?.id ?? query.ciId) : undefined;
        const where = { ...(ciId ? { ciId } : {}), ...(query.state ? { state: query.state } : {}), ...(query.owner ? { owner: query.owner } : {}) };
        return listPage(query, where, (args) => deps.db.accessReview.findMany(args), (row) => accessReviewView(accessReviewFromRow(row), Date.now()));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/access-reviews/:id',
      summary: 'An access review, by id or number, with each account’s decision (who, what, when)',
      tag: 'Access reviews',
      roles: SECURITY_POLICY_READERS,
      response: AccessReviewRecord,
      handler: async ({ params, deps }) => accessReviewView(accessReviewFromRow(await requireReview(deps.db, params.id)), Date.now()),
    }),
    route({
      method: 'get',
      path: '/api/v1/access-reviews/:id/history',
      summary: 'The audit trail of an access review (decisions, reminders, escalation, completion)',
      tag: 'Access reviews',
      roles: SECURITY_POLICY_READERS,
      response: z.array(AuditEntry),
      handler: async ({ params, deps }) => auditEntries(deps.db, (await requireReview(deps.db, params.id)).id),
    }),
    ...commandRoutes({
      recordType: 'access_review',
      tag: 'Access reviews',
      path: '/api/v1/access-reviews/:id',
      bodies: AccessReviewCommandBodies,
      roles: { decide: SECURITY_POLICY_READERS } as Record<AccessReviewCommandName, typeof SECURITY_POLICY_READERS>,
      updates: accessReviewCommandUpdates,
      response: AccessReviewRecord,
      find: requireReview,
      isTerminal,
      /** Only the owner or an admin decides; an account not listed is a 400, one decided already a 409 (the workflow checks again). */
      async payload(_deps, row, _verb, body, user) {
        if (user.role !== 'admin' && user.id !== row.owner) throw forbidden(`only the owner ${row.owner} or an admin may decide in ${row.number}`);
        const b = body as z.infer<typeof AccessReviewCommandBodies.decide>;
        const refusal = decideRefusal(accessReviewFromRow(row), b);
        if (refusal?.status === 'unknown') throw new ValidationFailed(refusal.message, [{ path: 'account', message: refusal.message }]);
        if (refusal) throw conflict(refusal.message);
        return body;
      },
    }),
  ];
}
