import type { Role } from '../../domain/access';
import { listOf } from '../../domain/schemas/common';
import {
  ContactRecord,
  CreateContactBody,
  CreateCustomerBody,
  CreateSubscriptionBody,
  CustomerQuery,
  CustomerRecord,
  SatisfactionQuery,
  SatisfactionReport,
  SubscriptionRecord,
  SurveyAnswerBody,
  SurveyAnswered,
  UpdateCustomerBody,
} from '../../domain/schemas/relationship';
import { contactView, customerView, subscriptionView } from '../../db/customer-store';
import { isUniqueViolation } from '../../db/people-store';
import { findCustomer, resolveService } from '../../services/finance';
import { answerSurvey, resolveSla, resolveUser, satisfactionReport, SurveyUnavailable } from '../../services/relationship';
import { nextNumber } from '../../db/numbers';
import { newId } from '../../infra/ids';
import type { Db } from '../../db/client';
import { HttpError, conflict, notFound } from '../errors';
import { listPage } from '../pagination';
import { route, type ApiDeps, type RouteDef } from '../route';
import { withCronCheck } from '../temporal-errors';
import { deleteReviewSchedule, ensureReviewSchedule } from '../../temporal/service-review-schedule';

/** Customers and what they subscribe to are read by the desk and its managers, and kept by the managers and admins. */
const READERS: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'release_manager', 'admin'];
const WRITERS: readonly Role[] = ['problem_manager', 'change_manager', 'release_manager', 'admin'];
const REPORT_READERS: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'admin'];

async function customerOr404(db: Db, ref: string) {
  const c = await findCustomer(db, ref);
  if (!c) throw notFound(`customer ${ref}`);
  return c;
}

/** A unique index refusing the write is the conflict the caller caused. */
async function orConflict<T>(write: Promise<T>, detail: string): Promise<T> {
  try {
    return await write;
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(detail);
    throw e;
  }
}

/** The customer's review Schedule made to match its cron; the engine's refusal of the cron is the caller's 400. */
async function scheduleReviews(deps: ApiDeps, customer: { id: string; number: string; name: string }, cron: string): Promise<void> {
  await withCronCheck('reviewCron', () => ensureReviewSchedule(deps.temporal, { customer, cron, taskQueue: deps.env.TEMPORAL_TASK_QUEUE, searchAttributes: deps.searchAttributes !== false }));
}

/** Business relationship management: customers, their contacts and subscriptions, surveys and the satisfaction report. */
export function customerRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/customers',
      summary: 'Create a customer (an organisation the services are delivered to), with a recurring service review on a Temporal Schedule if reviewCron is given',
      tag: 'Customers',
      roles: WRITERS,
      body: CreateCustomerBody,
      response: CustomerRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const accountManager = body.accountManager ? await resolveUser(deps.db, body.accountManager, 'accountManager') : null;
        const number = await nextNumber(deps.db, 'customer');
        const row = await orConflict(deps.db.customer.create({ data: { id: newId('cus'), number, name: body.name, accountManager, reviewCron: body.reviewCron ?? null, createdBy: user.id } }), `a customer named ${body.name} already exists`);
        if (body.reviewCron) {
          try {
            await scheduleReviews(deps, row, body.reviewCron);
          } catch (e) {
            // Neither or both: a customer whose review cron has no Schedule would wait for reviews that never come.
            await deps.db.customer.delete({ where: { id: row.id } });
            throw e;
          }
        }
        return customerView(row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/customers',
      summary: 'Customers (newest first), retired ones left out',
      tag: 'Customers',
      roles: READERS,
      query: CustomerQuery,
      response: listOf(CustomerRecord),
      async handler({ query, deps }) {
        return listPage(query, { retiredAt: null, ...(query.name ? { name: { contains: query.name } } : {}) }, (args) => deps.db.customer.findMany(args), customerView);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/customers/:id',
      summary: 'A customer, by id or number',
      tag: 'Customers',
      roles: READERS,
      response: CustomerRecord,
      async handler({ params, deps }) {
        return customerView(await customerOr404(deps.db, params.id));
      },
    }),
    route({
      method: 'patch',
      path: '/api/v1/customers/:id',
      summary: 'Rename a customer, change its account manager, or set or remove its recurring service review (reviewCron)',
      tag: 'Customers',
      roles: WRITERS,
      body: UpdateCustomerBody,
      response: CustomerRecord,
      async handler({ params, body, deps }) {
        const c = await customerOr404(deps.db, params.id);
        const accountManager = body.accountManager ? await resolveUser(deps.db, body.accountManager, 'accountManager') : body.accountManager;
        // The Schedule first: a cron the engine refuses leaves the customer as it was.
        if (body.reviewCron) await scheduleReviews(deps, { ...c, name: body.name ?? c.name }, body.reviewCron);
        if (body.reviewCron === null) await deleteReviewSchedule(deps.temporal, c.number);
        const data = { ...(body.name !== undefined ? { name: body.name } : {}), ...(accountManager !== undefined ? { accountManager } : {}), ...(body.reviewCron !== undefined ? { reviewCron: body.reviewCron } : {}) };
        return customerView(await orConflict(deps.db.customer.update({ where: { id: c.id }, data }), `a customer named ${body.name} already exists`));
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/customers/:id',
      summary: 'Retire a customer: kept for the records and reports that name it, left out of the list; its review Schedule is deleted',
      tag: 'Customers',
      roles: WRITERS,
      status: 204,
      async handler({ params, deps }) {
        const c = await customerOr404(deps.db, params.id);
        // Its recurring review goes with it; the reviews already held stay.
        await deleteReviewSchedule(deps.temporal, c.number);
        if (!c.retiredAt) await deps.db.customer.update({ where: { id: c.id }, data: { retiredAt: new Date(), reviewCron: null } });
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/customers/:id/contacts',
      summary: "Add a contact to a customer (a contact who is a user makes their incidents the customer's)",
      tag: 'Customers',
      roles: WRITERS,
      body: CreateContactBody,
      response: ContactRecord,
      status: 201,
      creates: true,
      async handler({ params, body, deps }) {
        const c = await customerOr404(deps.db, params.id);
        const userId = body.userId ? await resolveUser(deps.db, body.userId, 'userId') : null;
        const row = deps.db.customerContact.create({ data: { id: newId('cct'), customerId: c.id, name: body.name, email: body.email ?? null, userId } });
        return contactView(await orConflict(row, `user ${userId} is already a contact of a customer`));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/customers/:id/contacts',
      summary: "A customer's contacts",
      tag: 'Customers',
      roles: READERS,
      query: CustomerQuery.pick({ limit: true, cursor: true }),
      response: listOf(ContactRecord),
      async handler({ params, query, deps }) {
        const c = await customerOr404(deps.db, params.id);
        return listPage(query, { customerId: c.id }, (args) => deps.db.customerContact.findMany(args), contactView);
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/customers/:id/contacts/:contactId',
      summary: 'Remove a contact',
      tag: 'Customers',
      roles: WRITERS,
      status: 204,
      async handler({ params, deps }) {
        const c = await customerOr404(deps.db, params.id);
        const { count } = await deps.db.customerContact.deleteMany({ where: { id: params.contactId, customerId: c.id } });
        if (count === 0) throw notFound(`contact ${params.contactId}`);
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/customers/:id/subscriptions',
      summary: 'Subscribe a customer to a service, under an agreement and for a monthly charge if given',
      tag: 'Customers',
      roles: WRITERS,
      body: CreateSubscriptionBody,
      response: SubscriptionRecord,
      status: 201,
      creates: true,
      async handler({ params, body, deps }) {
        const c = await customerOr404(deps.db, params.id);
        const serviceId = await resolveService(deps.db, body.serviceId, 'serviceId');
        const slaId = body.slaId ? await resolveSla(deps.db, body.slaId, 'slaId') : null;
        const row = deps.db.subscription.create({
          data: { id: newId('sub'), customerId: c.id, serviceId, slaId, monthlyCharge: body.monthlyCharge ?? null, since: body.since ? new Date(body.since) : new Date(), until: body.until ? new Date(body.until) : null },
        });
        return subscriptionView(await orConflict(row, `${c.number} already subscribes to ${body.serviceId}`));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/customers/:id/subscriptions',
      summary: 'The services a customer subscribes to',
      tag: 'Customers',
      roles: READERS,
      query: CustomerQuery.pick({ limit: true, cursor: true }),
      response: listOf(SubscriptionRecord),
      async handler({ params, query, deps }) {
        const c = await customerOr404(deps.db, params.id);
        return listPage(query, { customerId: c.id }, (args) => deps.db.subscription.findMany(args), subscriptionView);
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/customers/:id/subscriptions/:subscriptionId',
      summary: 'End a subscription (deleted: chargeback from now on leaves it out)',
      tag: 'Customers',
      roles: WRITERS,
      status: 204,
      async handler({ params, deps }) {
        const c = await customerOr404(deps.db, params.id);
        const { count } = await deps.db.subscription.deleteMany({ where: { id: params.subscriptionId, customerId: c.id } });
        if (count === 0) throw notFound(`subscription ${params.subscriptionId}`);
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/surveys/:token',
      summary: "Answer a closed incident's satisfaction survey through its one-time link (no bearer: the token is the credential)",
      tag: 'Customers',
      roles: 'any',
      public: true,
      body: SurveyAnswerBody,
      response: SurveyAnswered,
      errors: [409, 410],
      async handler({ params, body, deps }) {
        try {
          return await answerSurvey(deps.db, params.token, body, Date.now());
        } catch (e) {
          if (!(e instanceof SurveyUnavailable)) throw e;
          if (e.why === 'unknown') throw notFound('survey');
          if (e.why === 'answered') throw conflict(e.message);
          throw new HttpError(410, 'Gone', e.message);
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/satisfaction',
      summary: 'Customer satisfaction per service, group or customer: CSAT (share of 4-5 scores), mean score, responses and response rate of the surveys sent in [from, to)',
      tag: 'Reports',
      roles: REPORT_READERS,
      query: SatisfactionQuery,
      response: SatisfactionReport,
      async handler({ query, deps }) {
        return satisfactionReport(deps.db, query);
      },
    }),
  ];
}
