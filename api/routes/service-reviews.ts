import type { Role } from '../../domain/access';
import { listOf } from '../../domain/schemas/common';
import { CreateReviewActionBody, ReviewActionQuery, ReviewActionRecord, ServiceReviewQuery, ServiceReviewRecord, TriggerReviewBody } from '../../domain/schemas/relationship';
import { isOverdue } from '../../domain/relationship/service-review';
import type { Db } from '../../db/client';
import type { ReviewAction } from '../../generated/prisma-sqlite/client';
import { newId } from '../../infra/ids';
import { findCustomer } from '../../services/finance';
import { resolveUser } from '../../services/relationship';
import { serviceReviewView } from '../../services/service-review';
import { ValidationFailed } from '../../services/errors';
import { SERVICE_REVIEW_WORKFLOW, manualServiceReviewWorkflowId, type ServiceReviewInput, type ServiceReviewOutcome } from '../../workflows/contracts/service-review';
import { conflict, notFound } from '../errors';
import { listPage } from '../pagination';
import { route, type RouteDef } from '../route';

/** Reviews are the relationship's: read by the desk and its managers, triggered and acted on by the managers and admins. */
const READERS: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'release_manager', 'admin'];
const WRITERS: readonly Role[] = ['problem_manager', 'change_manager', 'release_manager', 'admin'];

async function requireReview(db: Db, ref: string) {
  const row = await db.serviceReview.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
  if (!row) throw notFound(`service review ${ref}`);
  return row;
}

const actionView = (a: ReviewAction, now = Date.now()) => ({
  id: a.id,
  reviewId: a.reviewId,
  title: a.title,
  owner: a.owner,
  dueAt: a.dueAt?.toISOString() ?? null,
  state: a.state as 'open' | 'closed',
  overdue: isOverdue({ state: a.state, dueAt: a.dueAt?.getTime() ?? null }, now),
  closedAt: a.closedAt?.toISOString() ?? null,
  closedBy: a.closedBy,
  createdBy: a.createdBy,
  createdAt: a.createdAt.toISOString(),
});

const actionFilter = (q: { state?: 'open' | 'closed'; overdue?: 'true' | 'false' }) =>
  q.overdue === 'true' ? { state: 'open', dueAt: { lt: new Date() } } : { ...(q.state ? { state: q.state } : {}) };

/** Service reviews: generated per customer by its Schedule or by hand; their actions tracked to closure. */
export function serviceReviewRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/service-reviews',
      summary: "Run a customer's service review now (the calendar month before `at`), as its Schedule would; answers the stored review",
      tag: 'Customers',
      roles: WRITERS,
      body: TriggerReviewBody,
      response: ServiceReviewRecord,
      status: 201,
      creates: true,
      async handler({ body, deps }) {
        const customer = await findCustomer(deps.db, body.customerId);
        if (!customer) throw new ValidationFailed('customerId does not exist', [{ path: 'customerId', message: `no customer ${body.customerId}` }]);
        if (customer.retiredAt) throw conflict(`customer ${customer.number} is retired`);
        const at = new Date(body.at ?? Date.now()).toISOString();
        const outcome: ServiceReviewOutcome = await deps.temporal.workflow.execute(SERVICE_REVIEW_WORKFLOW, {
          workflowId: manualServiceReviewWorkflowId(customer.number, at),
          taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
          args: [{ customerId: customer.id, customerNumber: customer.number, manualAt: at } satisfies ServiceReviewInput],
        });
        return serviceReviewView(await deps.db.serviceReview.findUniqueOrThrow({ where: { id: outcome.reviewId } }));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/service-reviews',
      summary: 'Service reviews (newest first), by customer',
      tag: 'Customers',
      roles: READERS,
      query: ServiceReviewQuery,
      response: listOf(ServiceReviewRecord),
      async handler({ query, deps }) {
        const customerId = query.customerId ? ((await findCustomer(deps.db, query.customerId))?.id ?? query.customerId) : undefined;
        return listPage(query, customerId ? { customerId } : {}, (args) => deps.db.serviceReview.findMany(args), serviceReviewView);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/service-reviews/:id',
      summary: 'A service review with its agenda, by id or number',
      tag: 'Customers',
      roles: READERS,
      response: ServiceReviewRecord,
      handler: async ({ params, deps }) => serviceReviewView(await requireReview(deps.db, params.id)),
    }),
    route({
      method: 'post',
      path: '/api/v1/service-reviews/:id/actions',
      summary: 'Record an action agreed in a review, with its owner and due date',
      tag: 'Customers',
      roles: WRITERS,
      body: CreateReviewActionBody,
      response: ReviewActionRecord,
      status: 201,
      creates: true,
      async handler({ params, body, user, deps }) {
        const review = await requireReview(deps.db, params.id);
        const owner = await resolveUser(deps.db, body.owner, 'owner');
        const row = await deps.db.reviewAction.create({ data: { id: newId('rva'), reviewId: review.id, title: body.title, owner, dueAt: body.dueAt ? new Date(body.dueAt) : null, state: 'open', createdBy: user.id } });
        return actionView(row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/service-reviews/:id/actions',
      summary: "A review's actions (newest first); overdue=true: the open ones past their due date",
      tag: 'Customers',
      roles: READERS,
      query: ReviewActionQuery,
      response: listOf(ReviewActionRecord),
      async handler({ params, query, deps }) {
        const review = await requireReview(deps.db, params.id);
        return listPage(query, { reviewId: review.id, ...actionFilter(query) }, (args) => deps.db.reviewAction.findMany(args), (a) => actionView(a));
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/service-reviews/:id/actions/:actionId/close',
      summary: 'Close a review action (done); closing it again is a 409',
      tag: 'Customers',
      roles: WRITERS,
      response: ReviewActionRecord,
      async handler({ params, user, deps }) {
        const review = await requireReview(deps.db, params.id);
        const action = await deps.db.reviewAction.findFirst({ where: { id: params.actionId, reviewId: review.id } });
        if (!action) throw notFound(`review action ${params.actionId}`);
        const { count } = await deps.db.reviewAction.updateMany({ where: { id: action.id, state: 'open' }, data: { state: 'closed', closedAt: new Date(), closedBy: user.id } });
        if (count === 0) throw conflict(`review action ${action.id} is already closed`);
        return actionView(await deps.db.reviewAction.findUniqueOrThrow({ where: { id: action.id } }));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/review-actions',
      summary: "Every review's actions (newest first); overdue=true: the open ones past their due date, across customers",
      tag: 'Customers',
      roles: READERS,
      query: ReviewActionQuery,
      response: listOf(ReviewActionRecord),
      handler: async ({ query, deps }) => listPage(query, actionFilter(query), (args) => deps.db.reviewAction.findMany(args), (a) => actionView(a)),
    }),
  ];
}
