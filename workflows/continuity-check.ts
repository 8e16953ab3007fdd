import { proxyActivities } from '@temporalio/workflow';
import type { ContinuityActivities } from '../activities/continuity';
import type { ContinuityCheckInput, ContinuityCheckResult } from './contracts/continuity-check';

/** Idempotent (one event per lapse, keyed by it), so it is retried until the database answers. */
const acts = proxyActivities<ContinuityActivities>({ startToCloseTimeout: '5m', retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' } });

/** The daily check: every live plan not tested within its interval raises continuity.plan.test_overdue, once per lapse. */
export async function continuityCheckWorkflow(_input: ContinuityCheckInput = {}): Promise<ContinuityCheckResult> {
  return acts.raiseContinuityTestsOverdue({ at: Date.now() });
}
