import { proxyActivities } from '@temporalio/workflow';
import type { AccessReviewActivities } from '../activities/access-review';
import type { AccessReviewScheduledInput } from './contracts/access-review';

const starts = proxyActivities<AccessReviewActivities>({ startToCloseTimeout: '1m', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 } });

/** A scheduled access review of one system: opens it from the schedule row as it is now (none if the schedule was deleted). Returns the review's number. */
export async function accessReviewScheduledWorkflow(input: AccessReviewScheduledInput): Promise<string | null> {
  return starts.startScheduledAccessReview(input);
}
