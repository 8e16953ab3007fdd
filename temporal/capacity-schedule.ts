/**
 * Capacity upkeep's Schedule (hourly by default): rollups, retention and the forecast run as
 * ordinary workflow executions ops see in the Temporal UI; runs never overlap and a missed
 * run is caught up (its look-back recomputes the hours it missed).
 */
import type { Client } from '@temporalio/client';
import type { Env } from '../config/env';
import { CAPACITY_MAINTENANCE_WORKFLOW, type CapacityMaintenanceConfig, type CapacityMaintenanceInput } from '../workflows/contracts/capacity';
import { observationMsFromEnv, problemConfigFromEnv } from './open-problem';
import { ensureSchedule, systemScheduleOptions, type EnsureResult } from './schedules';

export const CAPACITY_SCHEDULE_ID = 'capacity-maintenance';

type CapacitySettings = Pick<
  Env,
  'CAPACITY_RAW_RETENTION_DAYS' | 'CAPACITY_HOURLY_RETENTION_DAYS' | 'CAPACITY_FORECAST_WINDOW_DAYS' | 'CAPACITY_PLANNING_HORIZON_DAYS' | 'CAPACITY_ROLLUP_LOOKBACK_HOURS' | 'CONTINUE_AS_NEW_AFTER_EVENTS'
> &
  Partial<Pick<Env, 'PROBLEM_OBSERVATION_PERIOD'>>;
export type CapacityScheduleEnv = CapacitySettings & Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'CAPACITY_CRON'>;

export function capacityConfig(env: CapacitySettings, searchAttributes = true): CapacityMaintenanceConfig {
  return {
    rollupLookbackHours: env.CAPACITY_ROLLUP_LOOKBACK_HOURS,
    rawRetentionDays: env.CAPACITY_RAW_RETENTION_DAYS,
    hourlyRetentionDays: env.CAPACITY_HOURLY_RETENTION_DAYS,
    forecastWindowDays: env.CAPACITY_FORECAST_WINDOW_DAYS,
    planningHorizonDays: env.CAPACITY_PLANNING_HORIZON_DAYS,
    observationMs: observationMsFromEnv(env),
    problem: problemConfigFromEnv(env, searchAttributes),
    searchAttributes,
  };
}

export function ensureCapacitySchedule(client: Client, env: CapacityScheduleEnv, opts: { scheduleId?: string; searchAttributes?: boolean } = {}): Promise<{ scheduleId: string; result: EnsureResult }> {
  const searchAttributes = opts.searchAttributes !== false;
  return ensureSchedule(
    client,
    systemScheduleOptions({
      scheduleId: opts.scheduleId ?? CAPACITY_SCHEDULE_ID,
      cron: env.CAPACITY_CRON,
      pausedCron: '10 * * * *',
      timezone: 'UTC',
      setting: 'CAPACITY_CRON',
      workflowType: CAPACITY_MAINTENANCE_WORKFLOW,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      args: [{ trigger: 'schedule', config: capacityConfig(env, searchAttributes) } satisfies CapacityMaintenanceInput],
      recordType: 'capacity_maintenance',
      runTitle: `Capacity upkeep (${env.CAPACITY_CRON === 'off' ? 'paused' : env.CAPACITY_CRON} UTC, horizon ${env.CAPACITY_PLANNING_HORIZON_DAYS} days)`,
      title: 'Rolls metric points up per hour and day, prunes raw points, forecasts when each series reaches its limit',
      catchupWindow: '1h',
      searchAttributes,
    }),
  );
}
