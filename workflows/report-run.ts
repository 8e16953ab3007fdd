import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ReportRunActivities } from '../activities/report-run';
import { periodOf } from '../domain/reports/period';
import { REPORT_FAILURE, type ReportRunInput, type ReportRunOutcome, type ReportRunTrigger } from './contracts/report-run';
import * as SA from './contracts/search-attributes';
import { scheduledTime } from './scheduled-time';

/**
 * The computation reads a period of incidents and writes one row: a few attempts with backoff
 * ride out a database hiccup; parameters the report refuses fail at once (non-retryable), so a
 * bad definition ends its run clearly instead of retrying for ever.
 */
const reports = proxyActivities<ReportRunActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5, nonRetryableErrorTypes: [REPORT_FAILURE.invalidParams] },
});

/**
 * One run of a scheduled report: its period resolved from the run's scheduled time (so a backfill
 * of last spring reports last spring, from the same records), then computed and stored once as an
 * immutable snapshot that announces `report.ready`. Only ids and the checksum pass through history.
 */
export async function reportRunWorkflow(input: ReportRunInput): Promise<ReportRunOutcome> {
  const info = workflowInfo();
  const at = input.manualAt !== undefined ? Date.parse(input.manualAt) : scheduledTime(REPORT_FAILURE.invalidParams);
  const trigger: ReportRunTrigger = input.manualAt !== undefined ? 'manual' : info.startTime.getTime() - at > input.catchupWindowMs ? 'backfill' : 'scheduled';
  const period = input.period ? periodOf(at, input.period, input.timezone) : { from: at, to: at };
  if (input.searchAttributes) upsertSearchAttributes([{ key: SA.RecordState, value: 'running' }]);
  const run = await reports.produceReportRun({
    // The execution, not just the id: a retried activity writes once, a second backfill of the same time writes its own run.
    idempotencyKey: `${info.workflowId}/${info.runId}`,
    scheduleId: input.scheduleId,
    report: input.report,
    params: input.params,
    ...(input.period ? { period: input.period } : {}),
    periodFrom: new Date(period.from).toISOString(),
    periodTo: new Date(period.to).toISOString(),
    asOf: at,
    trigger,
    recipients: input.recipients,
  });
  if (input.searchAttributes) upsertSearchAttributes([{ key: SA.RecordState, value: 'completed' }]);
  return { ...run, periodFrom: new Date(period.from).toISOString(), periodTo: new Date(period.to).toISOString(), trigger };
}
