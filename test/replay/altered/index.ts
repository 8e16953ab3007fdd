/**
 * A deliberately incompatible copy of the workflows, for the replay test's negative case:
 * `incidentWorkflow` first calls an activity the recorded histories never scheduled, then
 * behaves exactly like the real one. Replaying any recorded incident history against this
 * must fail with a DeterminismViolationError. Never registered by a real worker.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../../activities';
import { incidentWorkflow as realIncidentWorkflow } from '../../../workflows/incident';

export * from '../../../workflows/index';

const { firstTierGroup } = proxyActivities<Activities>({ startToCloseTimeout: '10s' });

export async function incidentWorkflow(...args: Parameters<typeof realIncidentWorkflow>): ReturnType<typeof realIncidentWorkflow> {
  await firstTierGroup();
  return realIncidentWorkflow(...args);
}
