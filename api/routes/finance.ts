import type { Request } from 'express';
import type { Role } from '../../domain/access';
import { listOf } from '../../domain/schemas/common';
import { z } from '../../domain/schemas/zod';
import {
  BudgetQuery,
  BudgetRecord,
  ChargebackQuery,
  ChargebackStatement,
  CostReport,
  CostReportQuery,
  CreateBudgetBody,
  LabourRateRecord,
  PutLabourRateBody,
  RoleParam,
  UpdateBudgetBody,
} from '../../domain/schemas/finance';
import { budgetView, labourRateView, sameBudget } from '../../db/finance-store';
import { chargebackStatement, costReport, findCustomer, resolveService } from '../../services/finance';
import { ValidationFailed } from '../../services/errors';
import { newId } from '../../infra/ids';
import { conflict, notFound } from '../errors';
import { listPage } from '../pagination';
import { route, type RouteDef } from '../route';
import { sendCsv, wantsCsv } from './reports';

/** Money is the managers' and admins' to read; budgets and rates are set by admins. */
const READERS: readonly Role[] = ['problem_manager', 'change_manager', 'release_manager', 'admin'];
const WRITERS: readonly Role[] = ['admin'];

const duplicate = (b: { serviceId: string | null; costCentre: string | null; period: string }) =>
  conflict(`a budget for ${[b.serviceId && `service ${b.serviceId}`, b.costCentre && `cost centre ${b.costCentre}`].filter(Boolean).join(' and ')} in ${b.period} already exists`);

const COST_COLUMNS = ['key', 'label', 'currency', 'budget', 'actual', 'variance', 'labour', 'depreciation', 'contracts', 'labourMinutes'] as const;
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const CHARGEBACK_COLUMNS = ['service', 'basis', 'customerIncidents', 'serviceIncidents', 'serviceCost', 'amount', 'currency'] as const;

/** The statement is a CSV unless JSON is asked for (`format=json`, or an Accept header preferring it). */
const wantsJson = (req: Request, format: string | undefined) => format === 'json' || (format === undefined && req.accepts(['text/csv', 'application/json']) === 'application/json');

/** Financial management for IT services: budgets, labour rates, the cost report and chargeback. */
export function financeRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/budgets',
      summary: 'Set a budget for a service and/or a cost centre for a month (one per service, cost centre and month)',
      tag: 'Finance',
      roles: WRITERS,
      body: CreateBudgetBody,
      response: BudgetRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const key = { serviceId: body.serviceId ? await resolveService(deps.db, body.serviceId, 'serviceId') : null, costCentre: body.costCentre ?? null, period: body.period };
        if (await sameBudget(deps.db, key)) throw duplicate(key);
        return budgetView(await deps.db.budget.create({ data: { id: newId('bud'), ...key, amount: body.amount, currency: body.currency, createdBy: user.id } }));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/budgets',
      summary: 'Budgets (newest first), by month, service or cost centre',
      tag: 'Finance',
      roles: READERS,
      query: BudgetQuery,
      response: listOf(BudgetRecord),
      async handler({ query, deps }) {
        const serviceId = query.serviceId ? ((await deps.db.configurationItem.findFirst({ where: { OR: [{ id: query.serviceId }, { number: query.serviceId }] }, select: { id: true } }))?.id ?? query.serviceId) : undefined;
        const where = { ...(query.period ? { period: query.period } : {}), ...(serviceId ? { serviceId } : {}), ...(query.costCentre ? { costCentre: query.costCentre } : {}) };
        return listPage(query, where, (args) => deps.db.budget.findMany(args), budgetView);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/budgets/:id',
      summary: 'A budget',
      tag: 'Finance',
      roles: READERS,
      response: BudgetRecord,
      async handler({ params, deps }) {
        const row = await deps.db.budget.findUnique({ where: { id: params.id } });
        if (!row) throw notFound(`budget ${params.id}`);
        return budgetView(row);
      },
    }),
    route({
      method: 'patch',
      path: '/api/v1/budgets/:id',
      summary: "Change a budget's amount or currency",
      tag: 'Finance',
      roles: WRITERS,
      body: UpdateBudgetBody,
      response: BudgetRecord,
      async handler({ params, body, deps }) {
        const row = await deps.db.budget.findUnique({ where: { id: params.id } });
        if (!row) throw notFound(`budget ${params.id}`);
        return budgetView(await deps.db.budget.update({ where: { id: row.id }, data: { ...(body.amount !== undefined ? { amount: body.amount } : {}), ...(body.currency !== undefined ? { currency: body.currency } : {}) } }));
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/budgets/:id',
      summary: 'Delete a budget',
      tag: 'Finance',
      roles: WRITERS,
      status: 204,
      async handler({ params, deps }) {
        const { count } = await deps.db.budget.deleteMany({ where: { id: params.id } });
        if (count === 0) throw notFound(`budget ${params.id}`);
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/labour-rates',
      summary: 'Hourly labour rates per role (time logged by a role without one is not costed)',
      tag: 'Finance',
      roles: READERS,
      response: z.object({ items: z.array(LabourRateRecord) }),
      handler: async ({ deps }) => ({ items: (await deps.db.labourRate.findMany({ orderBy: { role: 'asc' } })).map(labourRateView) }),
    }),
    route({
      method: 'put',
      path: '/api/v1/labour-rates/:role',
      summary: "Set a role's hourly labour rate",
      tag: 'Finance',
      roles: WRITERS,
      body: PutLabourRateBody,
      response: LabourRateRecord,
      async handler({ params, body, deps }) {
        const role = RoleParam.safeParse(params.role);
        if (!role.success) throw notFound(`role ${params.role}`);
        const data = { hourlyRate: body.hourlyRate, currency: body.currency };
        return labourRateView(await deps.db.labourRate.upsert({ where: { role: role.data }, create: { role: role.data, ...data }, update: data }));
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/labour-rates/:role',
      summary: "Remove a role's labour rate",
      tag: 'Finance',
      roles: WRITERS,
      status: 204,
      async handler({ params, deps }) {
        const { count } = await deps.db.labourRate.deleteMany({ where: { role: params.role } });
        if (count === 0) throw notFound(`labour rate of ${params.role}`);
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/costs',
      summary: 'Cost of IT services per month range (labour, asset depreciation, supplier contracts) by service, cost centre or month, against the budgets',
      tag: 'Reports',
      roles: READERS,
      query: CostReportQuery,
      response: CostReport,
      alsoProduces: ['text/csv'],
      async handler({ req, query, deps }) {
        const report = await costReport(deps.db, query, Date.now());
        if (wantsCsv(req, query.format)) {
          sendCsv(req, `costs-${query.groupBy}-${query.from}-${query.to}`, [COST_COLUMNS.map(snake), ...report.rows.map((r) => COST_COLUMNS.map((k) => r[k]))]);
          return undefined;
        }
        return report;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/chargeback',
      summary: "A customer's chargeback statement for a month: each subscribed service by its monthly charge, or its actual cost shared by the customer's incidents",
      tag: 'Reports',
      roles: READERS,
      query: ChargebackQuery,
      response: ChargebackStatement,
      alsoProduces: ['text/csv'],
      async handler({ req, query, deps }) {
        const customer = await findCustomer(deps.db, query.customer);
        if (!customer) throw new ValidationFailed('customer does not exist', [{ path: 'query.customer', message: `no customer ${query.customer}` }]);
        const statement = await chargebackStatement(deps.db, customer, query.period);
        if (wantsJson(req, query.format)) return statement;
        sendCsv(req, `chargeback-${customer.number}-${query.period}`, [
          ['customer', 'period', ...CHARGEBACK_COLUMNS.map(snake)],
          ...statement.lines.map((l) => [customer.number, query.period, ...CHARGEBACK_COLUMNS.map((k) => l[k])]),
          ...statement.totals.map((t) => [customer.number, query.period, 'total', '', null, null, null, t.amount, t.currency]),
        ]);
        return undefined;
      },
    }),
  ];
}
