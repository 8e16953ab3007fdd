/** Scheduled reports' contract: workflow type, ids and input, for the Schedule, the API and the worker. */
import type { ReportPeriod } from '../../domain/reports/period';

export const REPORT_RUN_WORKFLOW = 'reportRunWorkflow';
/** The Temporal Schedule of a report schedule (RPS0000001). */
export const reportScheduleId = (scheduleNumber: string) => `report-schedule-${scheduleNumber}`;
/** The Schedule's action id: Temporal appends each run's scheduled time (report-run-RPS0000001-2026-04-01T06:00:00Z). */
export const reportRunWorkflowIdPrefix = (scheduleNumber: string) => `report-run-${scheduleNumber}`;
/** A run started by hand (POST …/trigger). */
export const manualReportRunWorkflowId = (scheduleNumber: string, requestId: string) => `report-run-${scheduleNumber}-manual-${requestId}`;

/** Failure types a run ends with; none is retried. */
export const REPORT_FAILURE = {
  /** The stored parameters are not the report's (or the report is unknown): no retry can succeed. */
  invalidParams: 'InvalidReportParams',
} as const;

export interface ReportRunInput {
  scheduleId: string;
  scheduleNumber: string;
  report: string;
  /** The report's own parameters (no period, no format). */
  params: Record<string, unknown>;
  /** The period each run reports; absent for a point-in-time report (the backlog). */
  period?: ReportPeriod;
  timezone: string;
  /** Told when the run is stored: `user:<id>` or `group:<name>`. */
  recipients: string[];
  /**
   * A run later than its scheduled time by more than this was started by a backfill: the Schedule
   * itself never starts one later than its catch-up window.
   */
  catchupWindowMs: number;
  /** Only for runs started by hand: the instant they are as of (the Schedule's runs take their scheduled time). */
  manualAt?: string;
  searchAttributes: boolean;
}

export type ReportRunTrigger = 'scheduled' | 'backfill' | 'manual';

export interface ReportRunOutcome {
  runId: string;
  number: string;
  checksum: string;
  periodFrom: string;
  periodTo: string;
  trigger: ReportRunTrigger;
}
