import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { CapacityActivities } from '../activities/capacity';
import type { CapacityMaintenanceInput, CapacityMaintenanceOutcome } from './contracts/capacity';
import * as SA from './contracts/search-attributes';

/**
 * Each step is idempotent (a bucket is recomputed and replaced, a forecast row rewritten, a
 * problem looked up by its key before one is opened), so a retry repeats it whole. The steps
 * heartbeat, so a dead worker is noticed in a minute rather than at the timeout.
 */
const capacity = proxyActivities<CapacityActivities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 5 },
});

/**
 * Capacity upkeep, run by its Schedule: hourly and daily rollups of the metric points, raw
 * points and old hourly rollups removed past their retention, then the forecast of every
 * series with a limit, opening a problem for a series that exhausts within the horizon. Only
 * counts pass through history, never the points.
 */
export async function capacityMaintenanceWorkflow(input: CapacityMaintenanceInput): Promise<CapacityMaintenanceOutcome> {
  const at = input.at ? Date.parse(input.at) : Date.now();
  const c = input.config;
  if (c.searchAttributes) upsertSearchAttributes([{ key: SA.RecordType, value: 'capacity_maintenance' }, { key: SA.RecordState, value: 'running' }]);
  const rolled = await capacity.rollupMetrics({ to: at, from: input.from ? Date.parse(input.from) : at - c.rollupLookbackHours * 3_600_000 });
  const pruned = await capacity.pruneMetrics({ at, rawRetentionDays: c.rawRetentionDays, hourlyRetentionDays: c.hourlyRetentionDays });
  const forecast = await capacity.forecastCapacity({ runId: workflowInfo().workflowId, at, windowDays: c.forecastWindowDays, horizonDays: c.planningHorizonDays, observationMs: c.observationMs, problem: c.problem });
  if (c.searchAttributes) upsertSearchAttributes([{ key: SA.RecordState, value: 'completed' }]);
  return { ...rolled, pruned, ...forecast };
}
