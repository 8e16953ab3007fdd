import { z } from './zod';
import { ListQuery, NOT_BLANK, RecordRef } from './common';
import { ROLES } from '../access';
import { MAX_REPORT_MONTHS, monthsBetween } from '../finance/months';

/** Minutes of work logged with a note or transition: at least one, at most a day's worth per entry. */
export const TimeSpent = z.number().int().min(1).max(1440).describe('minutes of work logged with this command (1 to 1440), costed at the actor\'s role rate');

export const Month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM')
  .describe('a calendar month, YYYY-MM (UTC)');
const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
export const Currency = CurrencyCode.default('EUR');
const Amount = z.number().min(0).max(1e12);
export const CostCentre = z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK });

export const CreateBudgetBody = z
  .object({
    serviceId: RecordRef.optional().describe('the service (id or number) the budget is for'),
    costCentre: CostCentre.optional().describe('the cost centre the budget is for'),
    period: Month,
    amount: Amount,
    currency: Currency,
  })
  .strict()
  .refine((b) => b.serviceId !== undefined || b.costCentre !== undefined, { message: 'serviceId or costCentre is required', path: ['serviceId'] })
  .openapi({ anyOf: [{ required: ['serviceId'] }, { required: ['costCentre'] }] });
export type CreateBudgetBody = z.infer<typeof CreateBudgetBody>;

export const UpdateBudgetBody = z
  .object({ amount: Amount.optional(), currency: CurrencyCode.optional() })
  .strict()
  .refine((b) => b.amount !== undefined || b.currency !== undefined, { message: 'amount or currency is required', path: ['amount'] })
  .openapi({ anyOf: [{ required: ['amount'] }, { required: ['currency'] }] });

export const BudgetQuery = ListQuery.extend({
  period: Month.optional(),
  serviceId: RecordRef.optional(),
  costCentre: CostCentre.optional(),
});

export const BudgetRecord = z.object({
  id: z.string(),
  serviceId: z.string().nullable(),
  costCentre: z.string().nullable(),
  period: z.string(),
  amount: z.number(),
  currency: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type BudgetRecord = z.infer<typeof BudgetRecord>;

export const RoleParam = z.enum(ROLES);
export const PutLabourRateBody = z.object({ hourlyRate: Amount.describe('cost of an hour of this role\'s work'), currency: Currency }).strict();
export const LabourRateRecord = z.object({ role: RoleParam, hourlyRate: z.number(), currency: z.string(), updatedAt: z.string() });

export const COST_GROUPINGS = ['service', 'costCentre', 'month'] as const;
export type CostGrouping = (typeof COST_GROUPINGS)[number];

const monthRange = <T extends { from: string; to: string }>(q: T, ctx: z.RefinementCtx) => {
  const n = monthsBetween(q.from, q.to);
  if (n < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  else if (n > MAX_REPORT_MONTHS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_REPORT_MONTHS} months from from` });
};

const CostReportParams = z.object({
  groupBy: z.enum(COST_GROUPINGS).default('service').describe('service, costCentre or month'),
  from: Month.describe('first month reported'),
  to: Month.describe('last month reported (inclusive)'),
  format: z.enum(['json', 'csv']).optional().describe('json (default) or csv (`Accept: text/csv` too)'),
});
export const CostReportQuery = CostReportParams.superRefine(monthRange);
/** What a report schedule fixes: the grouping (the months come from the run's period). */
export const CostScheduleParams = CostReportParams.pick({ groupBy: true });
export type CostReportQuery = z.infer<typeof CostReportQuery>;

const Figure = z.number().describe('in the row\'s currency, rounded to cents');
export const CostRow = z.object({
  key: z.string().nullable().describe('the service id, cost centre or month; null: costs attributed to no service or cost centre'),
  label: z.string().nullable().describe('the service\'s number and name, where the key is a service'),
  currency: z.string(),
  budget: Figure.nullable().describe('null: no budget for this key'),
  actual: Figure,
  variance: Figure.nullable().describe('budget − actual (negative: overspent)'),
  labour: Figure,
  depreciation: Figure,
  contracts: Figure,
  labourMinutes: z.number().int(),
});
export type CostRow = z.infer<typeof CostRow>;
export const CostReport = z.object({
  groupBy: z.enum(COST_GROUPINGS),
  from: z.string(),
  to: z.string(),
  generatedAt: z.string(),
  rows: z.array(CostRow),
  unpricedMinutes: z.number().int().describe('minutes logged by roles with no labour rate (not costed)'),
});
export type CostReport = z.infer<typeof CostReport>;

export const ChargebackQuery = z.object({
  customer: RecordRef.describe('the customer (id or number)'),
  period: Month,
  format: z.enum(['json', 'csv']).optional().describe('csv (a statement) or json; default: csv unless `Accept` prefers JSON'),
});
export const ChargebackLine = z.object({
  serviceId: z.string(),
  service: z.string().describe('the service\'s number and name'),
  basis: z.enum(['subscription', 'usage']).describe('subscription: the agreed monthly charge; usage: the service\'s actual cost shared by incidents'),
  customerIncidents: z.number().int().nullable(),
  serviceIncidents: z.number().int().nullable(),
  serviceCost: z.number().nullable(),
  amount: z.number(),
  currency: z.string(),
});
export const ChargebackStatement = z.object({
  customerId: z.string(),
  customerNumber: z.string(),
  customerName: z.string(),
  period: z.string(),
  lines: z.array(ChargebackLine),
  totals: z.array(z.object({ currency: z.string(), amount: z.number() })),
});
export type ChargebackStatement = z.infer<typeof ChargebackStatement>;
