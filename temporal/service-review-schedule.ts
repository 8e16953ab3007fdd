/**
 * A customer's recurring service review on a Temporal Schedule (`service-review-<CUS…>`),
 * created, changed and deleted with the customer's `reviewCron`, kept like every Schedule of the
 * project (`ensureSchedule`: a change of cron updates it, a pause set by ops survives).
 */
import { createHash } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { SERVICE_REVIEW_WORKFLOW, serviceReviewScheduleId, type ServiceReviewInput } from '../workflows/contracts/service-review';
import * as SA from '../workflows/contracts/search-attributes';
import { ensureSchedule, type EnsureResult } from './schedules';

export interface ReviewScheduleTarget {
  customer: { id: string; number: string; name: string };
  cron: string;
  taskQueue: string;
  searchAttributes: boolean;
}

export function reviewScheduleOptions(t: ReviewScheduleTarget) {
  const scheduleId = serviceReviewScheduleId(t.customer.number);
  const args: [ServiceReviewInput] = [{ customerId: t.customer.id, customerNumber: t.customer.number }];
  const fingerprint = createHash('sha256').update(JSON.stringify({ cron: t.cron, taskQueue: t.taskQueue, args })).digest('hex').slice(0, 16);
  const options = {
    scheduleId,
    spec: { cronExpressions: [t.cron], timezone: 'UTC' },
    action: {
      type: 'startWorkflow' as const,
      workflowType: SERVICE_REVIEW_WORKFLOW,
      workflowId: `${scheduleId}-run`,
      taskQueue: t.taskQueue,
      args,
      memo: { title: `Service review of ${t.customer.number} ${t.customer.name}`, scheduleFingerprint: fingerprint },
      ...(t.searchAttributes ? { typedSearchAttributes: [{ key: SA.RecordType, value: 'service_review' }, { key: SA.RecordNumber, value: t.customer.number }] } : {}),
    },
    // A review missed during an outage is still useful within a few days; two never run at once.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '3d', pauseOnFailure: false },
    state: { paused: false, note: `reviewCron ${t.cron} of ${t.customer.number}` },
  } satisfies ScheduleOptions;
  return { options, fingerprint };
}

export const ensureReviewSchedule = (client: Client, t: ReviewScheduleTarget): Promise<{ scheduleId: string; result: EnsureResult }> => ensureSchedule(client, reviewScheduleOptions(t));

/** The customer's Schedule gone (none is fine). */
export async function deleteReviewSchedule(client: Client, customerNumber: string): Promise<void> {
  try {
    await client.schedule.getHandle(serviceReviewScheduleId(customerNumber)).delete();
  } catch (e) {
    if (!(e instanceof ScheduleNotFoundError)) throw e;
  }
}
