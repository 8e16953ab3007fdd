import { z } from './zod';
import { IsoTimestamp, ListQuery, RecordRef } from './common';
import { REPORT_PERIODS } from '../reports/period';

/** Who a run tells: a user by id or a group by name (the in-app inbox, and e-mail where configured). */
export const Recipient = z
  .string()
  .maxChars(200)
  // No NUL anywhere (\S would take one): the document says what the database can store.
  .regex(/^(user|group):[^\s\u0000]([^\u0000]*[^\s\u0000])?$/, 'must be user:<id> or group:<name>')
  .describe('user:<id> or group:<name>');

export const ReportScheduleRecord = z.object({
  id: z.string(),
  number: z.string(),
  report: z.string(),
  params: z.record(z.string(), z.unknown()).describe("the report's parameters as stored (defaults filled in), with `period` for a periodic report"),
  cron: z.string(),
  timezone: z.string(),
  recipients: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  deletedAt: z.string().nullable(),
  temporalScheduleId: z.string().describe('the Temporal Schedule that runs it (visible in the Temporal UI)'),
  nextRunTimes: z.array(z.string()).optional().describe("the Schedule's next run times (GET of one schedule; none once deleted)"),
});
export type ReportScheduleRecord = z.infer<typeof ReportScheduleRecord>;

export const BackfillBody = z
  .object({
    from: IsoTimestamp.describe('start of the first period to regenerate'),
    to: IsoTimestamp.describe('end of the last period to regenerate (a period not yet over cannot be)'),
  })
  .strict();

export const BackfillAnswer = z.object({
  scheduleId: z.string(),
  periods: z.enum(REPORT_PERIODS),
  scheduledFrom: z.string().describe('the first scheduled time the backfill covers (inclusive)'),
  scheduledTo: z.string().describe('the last scheduled time it covers (exclusive)'),
});

export const TriggerAnswer = z.object({ scheduleId: z.string(), workflowId: z.string(), asOf: z.string() });

export const ReportRunRecord = z.object({
  id: z.string(),
  number: z.string(),
  scheduleId: z.string().nullable(),
  scheduleNumber: z.string().nullable(),
  report: z.string(),
  params: z.record(z.string(), z.unknown()).describe('the parameters it ran with, the period resolved (from, to)'),
  periodFrom: z.string(),
  periodTo: z.string(),
  trigger: z.enum(['scheduled', 'backfill', 'manual']),
  checksum: z.string().describe('SHA-256 (hex) of the result as canonical JSON (keys sorted): two runs of one period compare by it'),
  workflowId: z.string().describe('the run workflow (and its run id) that produced it'),
  createdAt: z.string(),
  result: z.unknown().optional().describe("the report as its route answers it in JSON, as of the run's scheduled time (GET of one run)"),
});
export type ReportRunRecord = z.infer<typeof ReportRunRecord>;

/** `report` is added by the route, from the registry of reports. */
export const ReportRunListQuery = ListQuery.extend({
  scheduleId: RecordRef.optional().describe("a schedule's id or number"),
});
