import type { Role } from '../../domain/access';
import { parseIsoDuration } from '../../domain/duration';
import { listOf } from '../../domain/schemas/common';
import { z } from '../../domain/schemas/zod';
import { AuditEntry } from '../../domain/schemas/incident';
import { CreateFeedbackBody, FEEDBACK_COMMANDS, FeedbackCommandBodies, FeedbackQuery, FeedbackRecord, type FeedbackCommandName } from '../../domain/schemas/feedback';
import { DEFAULT_FEEDBACK_GROUP, DEFAULT_TARGETS, isTerminal } from '../../domain/relationship/feedback';
import type { Db } from '../../db/client';
import { feedbackFromRow } from '../../db/feedback-store';
import { feedbackView } from '../../domain/relationship/feedback';
import { findGroup } from '../../db/people-store';
import { findCustomer, resolveService } from '../../services/finance';
import { ValidationFailed } from '../../services/errors';
import { openFeedback } from '../../temporal/open-feedback';
import { feedbackCommandUpdates } from '../../workflows/contracts/feedback';
import { commandRoutes } from '../command-routes';
import { notFound } from '../errors';
import { listPage } from '../pagination';
import { route, type RouteDef } from '../route';
import { commandError } from '../temporal-errors';
import { auditEntries } from './history';
import { openRecordDeps } from '../open-record-deps';

/** Feedback is taken and worked by the desk and its managers. */
const DESK: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'release_manager', 'admin'];
const COMMAND_ROLES = Object.fromEntries(FEEDBACK_COMMANDS.map((c) => [c, DESK])) as Record<FeedbackCommandName, readonly Role[]>;

async function requireFeedback(db: Db, ref: string) {
  const row = await db.feedback.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
  if (!row) throw notFound(`feedback ${ref}`);
  return row;
}

/** Complaints and compliments: one workflow per record, with acknowledgement and resolution targets. */
export function feedbackRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/feedback',
      summary: "Record a customer's complaint or compliment (starts its workflow and its response targets)",
      tag: 'Feedback',
      roles: DESK,
      body: CreateFeedbackBody,
      response: FeedbackRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const customer = await findCustomer(deps.db, body.customerId);
        if (!customer) throw new ValidationFailed('customerId does not exist', [{ path: 'customerId', message: `no customer ${body.customerId}` }]);
        const serviceId = body.serviceId ? await resolveService(deps.db, body.serviceId, 'serviceId') : null;
        const groupRef = body.group ?? DEFAULT_FEEDBACK_GROUP;
        const group = await findGroup(deps.db, groupRef);
        if (!group) throw new ValidationFailed('group does not exist', [{ path: 'group', message: `no group ${groupRef}` }]);
        try {
          return await openFeedback(openRecordDeps(deps), user.id, {
            customerId: customer.id,
            accountManager: customer.accountManager,
            kind: body.kind,
            title: body.title,
            description: body.description ?? null,
            serviceId,
            group: group.name,
            acknowledgeMs: body.targets?.acknowledge ? parseIsoDuration(body.targets.acknowledge) : DEFAULT_TARGETS.acknowledgeMs,
            resolveMs: body.targets?.resolve ? parseIsoDuration(body.targets.resolve) : DEFAULT_TARGETS.resolveMs,
          });
        } catch (e) {
          throw commandError(e, 'the new feedback');
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/feedback',
      summary: 'Complaints and compliments (newest first), by customer, kind or state',
      tag: 'Feedback',
      roles: DESK,
      query: FeedbackQuery,
      response: listOf(FeedbackRecord),
      async handler({ query, deps }) {
        const customerId = query.customerId ? ((await findCustomer(deps.db, query.customerId))?.id ?? query.customerId) : undefined;
        const where = { ...(customerId ? { customerId } : {}), ...(query.kind ? { kind: query.kind } : {}), ...(query.state ? { state: query.state } : {}) };
        return listPage(query, where, (args) => deps.db.feedback.findMany(args), (row) => feedbackView(feedbackFromRow(row), Date.now()));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/feedback/:id',
      summary: 'A complaint or compliment, by id or number',
      tag: 'Feedback',
      roles: DESK,
      response: FeedbackRecord,
      handler: async ({ params, deps }) => feedbackView(feedbackFromRow(await requireFeedback(deps.db, params.id)), Date.now()),
    }),
    route({
      method: 'get',
      path: '/api/v1/feedback/:id/history',
      summary: 'The audit trail of a complaint or compliment (its steps, warnings and breaches)',
      tag: 'Feedback',
      roles: DESK,
      response: z.array(AuditEntry),
      handler: async ({ params, deps }) => auditEntries(deps.db, (await requireFeedback(deps.db, params.id)).id),
    }),
    ...commandRoutes({
      recordType: 'feedback',
      tag: 'Feedback',
      path: '/api/v1/feedback/:id',
      bodies: FeedbackCommandBodies,
      roles: COMMAND_ROLES,
      updates: feedbackCommandUpdates,
      response: FeedbackRecord,
      find: requireFeedback,
      isTerminal,
    }),
  ];
}
