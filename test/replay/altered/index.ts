/**
 * A deliberately incompatible copy of the workflows, for the replay test's negative case:
 * `incidentWorkflow` and `changeWorkflow` first call an activity the recorded histories never
 * scheduled, then behave exactly like the real ones. Replaying any recorded incident or
 * change history against this must fail with a DeterminismViolationError. Never registered
 * by a real worker.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { IncidentActivities } from '../../../activities/incident';
import { changeWorkflow as realChangeWorkflow } from '../../../workflows/change';
import { incidentWorkflow as realIncidentWorkflow } from '../../../workflows/incident';

export * from '../../../workflows/index';

const { firstTierGroup } = proxyActivities<IncidentActivities>({ startToCloseTimeout: '10s' });

export async function incidentWorkflow(...args: Parameters<typeof realIncidentWorkflow>): ReturnType<typeof realIncidentWorkflow> {
  await firstTierGroup();
  return realIncidentWorkflow(...args);
}

export async function changeWorkflow(...args: Parameters<typeof realChangeWorkflow>): ReturnType<typeof realChangeWorkflow> {
  await firstTierGroup();
  return realChangeWorkflow(...args);
}
