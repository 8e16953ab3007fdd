/**
 * The daily continuity check's Schedule, a system Schedule like trend detection's: kept by the
 * worker at start (created, or updated when CONTINUITY_CHECK_CRON changed), runs never overlap.
 */
import type { Client } from '@temporalio/client';
import type { Env } from '../config/env';
import { CONTINUITY_CHECK_SCHEDULE_ID, CONTINUITY_CHECK_WORKFLOW, type ContinuityCheckInput } from '../workflows/contracts/continuity-check';
import { CONTINUITY_SCHEDULED_TEST_WORKFLOW, continuityTestScheduleId, type ContinuityScheduledTestInput } from '../workflows/contracts/continuity-run';
import type { RecordConfig } from '../workflows/contracts/record';
import { deleteScheduleIfAny, ensureSchedule, systemScheduleOptions, type EnsureResult } from './schedules';

export type ContinuityScheduleEnv = Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'CONTINUITY_CHECK_CRON'>;

export function continuityCheckScheduleOptions(env: ContinuityScheduleEnv, opts: { scheduleId?: string; searchAttributes?: boolean } = {}) {
  return systemScheduleOptions({
    scheduleId: opts.scheduleId ?? CONTINUITY_CHECK_SCHEDULE_ID,
    cron: env.CONTINUITY_CHECK_CRON,
    pausedCron: '0 6 * * *',
    timezone: 'UTC',
    setting: 'CONTINUITY_CHECK_CRON',
    workflowType: CONTINUITY_CHECK_WORKFLOW,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    args: [{} satisfies ContinuityCheckInput],
    recordType: 'continuity_check',
    runTitle: `Continuity check (${env.CONTINUITY_CHECK_CRON === 'off' ? 'paused' : env.CONTINUITY_CHECK_CRON} UTC)`,
    title: 'Flags continuity plans not tested within their interval (continuity.plan.test_overdue, once per lapse)',
    // A day missed during an outage is still worth checking: the events are once per lapse anyway.
    catchupWindow: '1d',
    searchAttributes: opts.searchAttributes !== false,
  });
}

/** The continuity check's Schedule, created or brought up to date (see `ensureSchedule`). */
export function ensureContinuityCheckSchedule(client: Client, env: ContinuityScheduleEnv, opts: { scheduleId?: string; searchAttributes?: boolean } = {}): Promise<{ scheduleId: string; result: EnsureResult }> {
  return ensureSchedule(client, continuityCheckScheduleOptions(env, opts));
}

export interface ContinuityTestScheduleTarget {
  plan: { id: string; number: string; name: string };
  cron: string;
  taskQueue: string;
  config: RecordConfig;
}

/**
 * A plan's recurring DR test (`continuity-test-schedule-<BCP…>`, the plan's `testCron`, UTC):
 * each run opens a test from the plan as it is then; a test missed during an outage is still
 * wanted within a few days.
 */
export function continuityTestScheduleOptions(t: ContinuityTestScheduleTarget) {
  return systemScheduleOptions({
    scheduleId: continuityTestScheduleId(t.plan.number),
    cron: t.cron,
    pausedCron: '0 6 1 1,7 *',
    timezone: 'UTC',
    setting: `testCron of ${t.plan.number}`,
    workflowType: CONTINUITY_SCHEDULED_TEST_WORKFLOW,
    taskQueue: t.taskQueue,
    args: [{ planId: t.plan.id, config: t.config } satisfies ContinuityScheduledTestInput],
    recordType: 'continuity_run',
    runTitle: `DR test of ${t.plan.number} ${t.plan.name}`,
    title: `Recurring DR test of ${t.plan.number} ${t.plan.name}`,
    catchupWindow: '3d',
    searchAttributes: t.config.searchAttributes,
  });
}

export const ensureContinuityTestSchedule = (client: Client, t: ContinuityTestScheduleTarget): Promise<{ scheduleId: string; result: EnsureResult }> => ensureSchedule(client, continuityTestScheduleOptions(t));

/** The plan's Schedule gone (none is fine). */
export const deleteContinuityTestSchedule = (client: Client, planNumber: string): Promise<void> => deleteScheduleIfAny(client, continuityTestScheduleId(planNumber));
