import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ServiceReviewActivities } from '../activities/service-review';
import { periodOf } from '../domain/reports/period';
import { SERVICE_REVIEW_FAILURE, type ServiceReviewInput, type ServiceReviewOutcome } from './contracts/service-review';
import { scheduledTime } from './scheduled-time';

/** Generating the agenda reads a month of records: a few attempts ride out a database hiccup. */
const reviews = proxyActivities<ServiceReviewActivities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

/**
 * One service review of a customer: the calendar month (UTC) before its scheduled time, its
 * agenda generated and stored once for this execution (a retried activity finds the review its
 * earlier attempt stored).
 */
export async function serviceReviewWorkflow(input: ServiceReviewInput): Promise<ServiceReviewOutcome> {
  const info = workflowInfo();
  const at = input.manualAt !== undefined ? Date.parse(input.manualAt) : scheduledTime(SERVICE_REVIEW_FAILURE.noTime);
  const period = periodOf(at, 'previous_month', 'UTC');
  const periodFrom = new Date(period.from).toISOString();
  const periodTo = new Date(period.to).toISOString();
  const stored = await reviews.produceServiceReview({ idempotencyKey: `${info.workflowId}/${info.runId}`, customerId: input.customerId, periodFrom, periodTo, asOf: at });
  return { ...stored, periodFrom, periodTo };
}
