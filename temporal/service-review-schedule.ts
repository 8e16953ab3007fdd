/**
 * A customer's recurring service review on a Temporal Schedule (`service-review-<CUS…>`),
 * created, changed and deleted with the customer's `reviewCron`, kept like every Schedule of the
 * project (`ensureSchedule`: a change of cron updates it, a pause set by ops survives).
 */
import type { Client } from '@temporalio/client';
import { SERVICE_REVIEW_WORKFLOW, serviceReviewScheduleId, type ServiceReviewInput } from '../workflows/contracts/service-review';
import { deleteScheduleIfAny, ensureSchedule, systemScheduleOptions, type EnsureResult } from './schedules';

export interface ReviewScheduleTarget {
  customer: { id: string; number: string; name: string };
  cron: string;
  taskQueue: string;
  searchAttributes: boolean;
}

export function reviewScheduleOptions(t: ReviewScheduleTarget) {
  return systemScheduleOptions({
    scheduleId: serviceReviewScheduleId(t.customer.number),
    cron: t.cron,
    pausedCron: t.cron,
    timezone: 'UTC',
    setting: `reviewCron of ${t.customer.number}`,
    workflowType: SERVICE_REVIEW_WORKFLOW,
    taskQueue: t.taskQueue,
    args: [{ customerId: t.customer.id, customerNumber: t.customer.number } satisfies ServiceReviewInput],
    recordType: 'service_review',
    recordNumber: t.customer.number,
    runTitle: `Service review of ${t.customer.number} ${t.customer.name}`,
    title: `Recurring service review of ${t.customer.number} ${t.customer.name}`,
    // A review missed during an outage is still useful within a few days; two never run at once.
    catchupWindow: '3d',
    searchAttributes: t.searchAttributes,
  });
}

export const ensureReviewSchedule = (client: Client, t: ReviewScheduleTarget): Promise<{ scheduleId: string; result: EnsureResult }> => ensureSchedule(client, reviewScheduleOptions(t));

/** The customer's Schedule gone (none is fine). */
export const deleteReviewSchedule = (client: Client, customerNumber: string): Promise<void> => deleteScheduleIfAny(client, serviceReviewScheduleId(customerNumber));
