/**
 * A system's recurring access review on a Temporal Schedule (`access-review-schedule-<CI…>`),
 * kept like every Schedule of the project (`ensureSchedule`: a change of cron updates it).
 */
import type { Client } from '@temporalio/client';
import { ACCESS_REVIEW_SCHEDULED_WORKFLOW, accessReviewScheduleId, type AccessReviewScheduledInput } from '../workflows/contracts/access-review';
import type { RecordConfig } from '../workflows/contracts/record';
import { deleteScheduleIfAny, ensureSchedule, systemScheduleOptions, type EnsureResult } from './schedules';

export interface AccessReviewScheduleTarget {
  ci: { id: string; number: string; name: string };
  cron: string;
  taskQueue: string;
  config: RecordConfig;
}

export function accessReviewScheduleOptions(t: AccessReviewScheduleTarget) {
  return systemScheduleOptions({
    scheduleId: accessReviewScheduleId(t.ci.number),
    cron: t.cron,
    pausedCron: t.cron,
    timezone: 'UTC',
    setting: `access review cron of ${t.ci.number}`,
    workflowType: ACCESS_REVIEW_SCHEDULED_WORKFLOW,
    taskQueue: t.taskQueue,
    args: [{ ciId: t.ci.id, config: t.config } satisfies AccessReviewScheduledInput],
    recordType: 'access_review',
    runTitle: `Access review of ${t.ci.number} ${t.ci.name}`,
    title: `Recurring access review of ${t.ci.number} ${t.ci.name}`,
    // A review missed during an outage is still wanted within a few days; two never start at once.
    catchupWindow: '3d',
    searchAttributes: t.config.searchAttributes,
  });
}

export const ensureAccessReviewSchedule = (client: Client, t: AccessReviewScheduleTarget): Promise<{ scheduleId: string; result: EnsureResult }> => ensureSchedule(client, accessReviewScheduleOptions(t));

/** The system's Schedule gone (none is fine). */
export const deleteAccessReviewSchedule = (client: Client, ciNumber: string): Promise<void> => deleteScheduleIfAny(client, accessReviewScheduleId(ciNumber));
