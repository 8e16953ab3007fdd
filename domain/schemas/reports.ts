/** Service reporting's query and answer schemas: the report routes and scheduled runs (services/report-registry.ts) share them. */
import { AGREEMENT_KINDS, SLA_GROUP_BY } from '../reports/sla-report';
import { IsoDuration, IsoTimestamp, queryNumber } from './common';
import { z } from './zod';

export const ReportFormat = z.enum(['json', 'csv', 'svg']).optional().describe('json (default), csv (`Accept: text/csv` too) or svg (a chart: attainment per month with the target line; backlog by age)');

export const SlaReportQuery = z.object({
  from: IsoTimestamp.describe('start of the period (clocks due from this instant)'),
  to: IsoTimestamp.describe('end of the period (clocks due before this instant)'),
  groupBy: z.enum(SLA_GROUP_BY).default('service').describe("group: the assignment group (SLA), the clock's team (OLA) or supplier (UC); supplier: kind UC only; month: the month (UTC) the clock is due in"),
  kind: z.enum(AGREEMENT_KINDS).default('SLA').describe("SLA: the incidents' service level clocks; OLA: the support groups' clocks; UC: the suppliers' clocks (service via the incident)"),
  atRisk: IsoDuration.default('PT1H').describe('the at-risk window: open clocks due within it count as at risk now'),
  drill: z.enum(['true', 'false']).optional().describe('true: each row lists the records behind it'),
  target: queryNumber(z.number().min(0).max(100)).default(95).describe('the attainment target (%) the SVG chart draws as a line'),
  format: ReportFormat,
});
export type SlaReportQuery = z.infer<typeof SlaReportQuery>;

const Clock = z.object({ due: z.number().int(), met: z.number().int(), breached: z.number().int(), pending: z.number().int(), attainmentPct: z.number().nullable() });
const Mean = z.object({ wallMs: z.number().int(), businessMs: z.number().int().nullable().describe("null where the clocks keep no business time (an OLA's response)") }).nullable();
export const SlaReport = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(SLA_GROUP_BY),
  kind: z.enum(AGREEMENT_KINDS),
  generatedAt: z.string(),
  rows: z.array(
    z.object({
      key: z.string().nullable(),
      response: Clock,
      resolution: Clock,
      atRiskNow: z.number().int(),
      mtta: Mean,
      mttr: Mean,
      pausedMs: z.number().int(),
      records: z.array(z.object({ number: z.string(), clock: z.enum(['response', 'resolution']), dueAt: z.string(), outcome: z.enum(['met', 'breached', 'pending']) })).optional(),
    }),
  ),
});
export type SlaReport = z.infer<typeof SlaReport>;

export const BacklogReportQuery = z.object({ format: ReportFormat });

export const BacklogReport = z.object({
  generatedAt: z.string(),
  total: z.number().int(),
  byAge: z.array(z.object({ age: z.string(), count: z.number().int() })),
  byPriority: z.record(z.string(), z.number().int()),
  byGroup: z.array(z.object({ group: z.string().nullable(), count: z.number().int() })),
  rows: z.array(z.object({ group: z.string().nullable(), priority: z.string(), age: z.string(), count: z.number().int() })),
});
export type BacklogReport = z.infer<typeof BacklogReport>;
