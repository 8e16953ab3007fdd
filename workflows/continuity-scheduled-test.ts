import { proxyActivities } from '@temporalio/workflow';
import type { ContinuityActivities } from '../activities/continuity';
import type { ContinuityScheduledTestInput } from './contracts/continuity-run';

const starts = proxyActivities<ContinuityActivities>({ startToCloseTimeout: '1m', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 } });

/** A scheduled DR test of one plan: opens it from the plan as it is now (none if retired, unscheduled or a test is running). Returns the run's number. */
export async function continuityScheduledTestWorkflow(input: ContinuityScheduledTestInput): Promise<string | null> {
  return starts.startScheduledContinuityTest(input);
}
