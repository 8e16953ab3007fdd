/**
 * A system's recurring access review on a Temporal Schedule (`access-review-schedule-<CI…>`),
 * kept like every Schedule of the project (`ensureSchedule`: a change of cron updates it).
 */
import { createHash } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { ACCESS_REVIEW_SCHEDULED_WORKFLOW, accessReviewScheduleId, type AccessReviewScheduledInput } from '../workflows/contracts/access-review';
import type { RecordConfig } from '../workflows/contracts/record';
import { ensureSchedule, type EnsureResult } from './schedules';

export interface AccessReviewScheduleTarget {
  ci: { id: string; number: string; name: string };
  cron: string;
  taskQueue: string;
  config: RecordConfig;
}

export function accessReviewScheduleOptions(t: AccessReviewScheduleTarget) {
  const scheduleId = accessReviewScheduleId(t.ci.number);
  const args: [AccessReviewScheduledInput] = [{ ciId: t.ci.id, config: t.config }];
  const fingerprint = createHash('sha256').update(JSON.stringify({ cron: t.cron, taskQueue: t.taskQueue, args })).digest('hex').slice(0, 16);
  const options = {
    scheduleId,
    spec: { cronExpressions: [t.cron], timezone: 'UTC' },
    action: {
      type: 'startWorkflow' as const,
      workflowType: ACCESS_REVIEW_SCHEDULED_WORKFLOW,
      workflowId: `${scheduleId}-run`,
      taskQueue: t.taskQueue,
      args,
      memo: { title: `Access review of ${t.ci.number} ${t.ci.name}`, scheduleFingerprint: fingerprint },
    },
    // A review missed during an outage is still wanted within a few days; two never start at once.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '3d', pauseOnFailure: false },
    state: { paused: false, note: `access review cron ${t.cron} of ${t.ci.number}` },
  } satisfies ScheduleOptions;
  return { options, fingerprint };
}

export const ensureAccessReviewSchedule = (client: Client, t: AccessReviewScheduleTarget): Promise<{ scheduleId: string; result: EnsureResult }> => ensureSchedule(client, accessReviewScheduleOptions(t));

/** The system's Schedule gone (none is fine). */
export async function deleteAccessReviewSchedule(client: Client, ciNumber: string): Promise<void> {
  try {
    await client.schedule.getHandle(accessReviewScheduleId(ciNumber)).delete();
  } catch (e) {
    if (!(e instanceof ScheduleNotFoundError)) throw e;
  }
}
