/**
 * The reports a schedule can run: each one's parameters (its route's own query schema, without
 * the period and the output format) and its computation (the very function its route calls, services/reports.ts). A
 * scheduled run is computed as the system: every incident, whatever its restrictions; that is
 * why only admins and managers read runs (api/routes/report-schedules.ts).
 */
import type { Db } from '../db/client';
import { REPORT_RUN_SCOPE } from '../domain/access';
import { BacklogReportQuery, SlaReportQuery } from '../domain/schemas/reports';
import { backlogReport, computeSlaReport } from './reports';
import { satisfactionReport } from './relationship';
import { SatisfactionParams } from '../domain/schemas/relationship';
import { AvailabilityQuery } from '../domain/schemas/availability';
import { availabilityReport } from './availability';
import { REPORT_PERIODS } from '../domain/reports/period';
import { NOT_BLANK } from '../domain/schemas/common';
import { groupByRefusal, type ReportKind, type SlaGroupBy } from '../domain/reports/sla-report';
import { z } from '../domain/schemas/zod';
import { isKnownTimezone } from '../domain/calendar';
import { Recipient } from '../domain/schemas/report-schedule';
import { CostScheduleParams, type CostReport } from '../domain/schemas/finance';
import { budgetOverruns } from '../domain/finance/costs';
import { costReport } from './finance';
import { monthsOfPeriod } from '../domain/finance/months';

/** What a run passes a report: its period (from/to; an instant for a point-in-time report) and the instant it is as of. */
export interface RunAt {
  from: string;
  to: string;
  now: number;
}

export interface ReportDefinition<P extends z.ZodObject = z.ZodObject> {
  /** The report's parameters a schedule fixes, as the report's route takes them. */
  params: P;
  /** Reports a period: a run resolves one (`period`) from its scheduled time, and a past period can be regenerated. False: a snapshot of now (a backlog), which no backfill can recreate. */
  periodic: boolean;
  compute(db: Db, params: z.infer<P>, at: RunAt): Promise<unknown>;
  /** Webhook events a stored run raises from its result, beside `report.ready` (a month close: the budgets it finds exceeded). */
  events?(result: unknown): { type: string; data: Record<string, unknown> }[];
}

const define = <P extends z.ZodObject>(d: ReportDefinition<P>): ReportDefinition<P> => d;

/** A run belongs to no user: every incident but the security incidents (domain/access.ts). */
const SYSTEM_SCOPE = REPORT_RUN_SCOPE;

/**
 * The registry: a report joins with one line (its name then appears in the create body's
 * `report`, its parameters are checked by its own schema, and runs compute it).
 */
export const REPORTS = {
  sla: define({
    // `target` only draws the SVG chart's line, and a run stores JSON.
    params: SlaReportQuery.omit({ from: true, to: true, format: true, target: true }),
    periodic: true,
    compute: (db, params, at) => computeSlaReport(db, SYSTEM_SCOPE, { ...params, from: at.from, to: at.to }, at.now),
  }),
  backlog: define({ params: BacklogReportQuery.omit({ format: true }), periodic: false, compute: (db, _params, at) => backlogReport(db, SYSTEM_SCOPE, at.now) }),
  availability: define({ params: AvailabilityQuery.omit({ from: true, to: true, format: true }), periodic: true, compute: (db, p, at) => availabilityReport(db, { ...p, from: at.from, to: at.to }, at.now, SYSTEM_SCOPE) }),
  costs: define({ params: CostScheduleParams, periodic: true, compute: (db, p, at) => costReport(db, { ...p, ...monthsOfPeriod(Date.parse(at.from), Date.parse(at.to)) }, at.now), events: (r) => budgetOverruns(r as CostReport) }),
  satisfaction: define({ params: SatisfactionParams, periodic: true, compute: (db, p, at) => satisfactionReport(db, { ...p, from: at.from, to: at.to }) }),
} satisfies Record<string, ReportDefinition>;

export type ReportName = keyof typeof REPORTS;
export const REPORT_NAMES = Object.keys(REPORTS) as [ReportName, ...ReportName[]];

export const Period = z.enum(REPORT_PERIODS).default('previous_month').describe('the period each run reports, before its scheduled time in the schedule\'s timezone (a run scheduled for 1 April reports March)');

/** A schedule's `params` for a report: its own parameters, strict (a misspelt one is refused, not ignored), plus `period` for a periodic report. */
export function scheduleParams(name: ReportName) {
  const def: ReportDefinition = REPORTS[name];
  return (def.periodic ? def.params.extend({ period: Period }) : def.params).strict();
}

const scheduleFields = {
  cron: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }).describe("a cron expression as Temporal Schedules take it, e.g. '0 6 1 * *' (06:00 on the 1st), in `timezone`"),
  timezone: z
    .string()
    .maxChars(100)
    .refine(isKnownTimezone, { message: 'unknown timezone (an IANA name such as UTC or Europe/London)' })
    .default('UTC'),
  recipients: z.array(Recipient).max(50).default([]).describe('told when each run is ready (in-app, and by e-mail where configured)'),
};

/** `POST /report-schedules`: one shape per report, so `params` is checked by that report's own schema (and the document says so). */
export const CreateReportScheduleBody = z
  .discriminatedUnion(
    'report',
    REPORT_NAMES.map((name) => z.object({ report: z.literal(name), params: scheduleParams(name).prefault({}), ...scheduleFields }).strict()) as unknown as [z.ZodObject, ...z.ZodObject[]],
  )
  // What the SLA report's route refuses between its parameters, refused here too, rather than by every run.
  .superRefine((body, ctx) => {
    const p = body.params as { kind?: ReportKind; groupBy?: SlaGroupBy };
    const refusal = body.report === 'sla' && p.groupBy ? groupByRefusal(p.kind ?? 'SLA', p.groupBy) : null;
    if (refusal) ctx.addIssue({ code: 'custom', message: refusal, path: ['params', 'groupBy'] });
  });
export interface CreateReportSchedule {
  report: ReportName;
  params: Record<string, unknown>;
  cron: string;
  timezone: string;
  recipients: string[];
}
