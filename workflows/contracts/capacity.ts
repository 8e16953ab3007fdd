/** Capacity maintenance's contract: workflow type and input, for its Schedule and for tests. */
import type { ProblemWorkflowConfig } from './problem';

export const CAPACITY_MAINTENANCE_WORKFLOW = 'capacityMaintenanceWorkflow';

export interface CapacityMaintenanceConfig {
  /** Complete hours before the run rolled up again (a late point lands in one of them). */
  rollupLookbackHours: number;
  rawRetentionDays: number;
  hourlyRetentionDays: number;
  /** The hourly rollups the trend is fitted over. */
  forecastWindowDays: number;
  /** Exhaustion forecast within this many days raises a capacity problem. */
  planningHorizonDays: number;
  /** The observation period of the problems it opens. */
  observationMs: number;
  problem: ProblemWorkflowConfig;
  /** Off only on the time-skipping test server, which cannot register custom attributes. */
  searchAttributes: boolean;
}

export interface CapacityMaintenanceInput {
  trigger: 'schedule' | 'api';
  /** The run's instant (default: when it starts): rollups end at its hour, retention and forecast count from it. */
  at?: string;
  /** A backfill: every hour from here to `at` is rolled up, not only the look-back. */
  from?: string;
  config: CapacityMaintenanceConfig;
}

export interface CapacityMaintenanceOutcome {
  hours: number;
  days: number;
  pruned: { points: number; hours: number };
  forecasts: number;
  /** Series forecast to reach their limit within the planning horizon. */
  exhausting: number;
  /** Problems opened by this run (numbers). */
  problems: string[];
}
