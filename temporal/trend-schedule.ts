/**
 * Trend detection's Schedule (proactive problem management): each run is an ordinary
 * workflow execution ops see in the Temporal UI; runs never overlap (SKIP), and a run
 * missed during an outage is caught up within the catch-up window. Overlap is also safe
 * without it: a run claims a trend key before opening its problem.
 */
import type { Client } from '@temporalio/client';
import type { Env } from '../config/env';
import { parseIsoDuration } from '../domain/duration';
import { PROBLEM_TRENDS_WORKFLOW, type ProblemTrendsConfig, type ProblemTrendsInput } from '../workflows/contracts/problem-trends';
import { observationMsFromEnv, problemConfigFromEnv } from './open-problem';
import { ensureSchedule, systemScheduleOptions, type EnsureResult } from './schedules';

export const TREND_SCHEDULE_ID = 'problem-trends';
/** Used while PROBLEM_TREND_CRON=off: the Schedule stays, paused, with this spec. */
const PAUSED_PLACEHOLDER_CRON = '0 * * * *';

type TrendSettings = Pick<Env, 'PROBLEM_TREND_WINDOW' | 'PROBLEM_TREND_THRESHOLD'> & Partial<Pick<Env, 'PROBLEM_OBSERVATION_PERIOD'>>;
export type TrendScheduleEnv = Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'CONTINUE_AS_NEW_AFTER_EVENTS' | 'PROBLEM_TREND_CRON'> & TrendSettings;

/** The detection's configuration from the process's settings; the API passes its own window and threshold. */
export function trendConfig(env: Pick<Env, 'CONTINUE_AS_NEW_AFTER_EVENTS'> & Partial<TrendSettings>, searchAttributes = true, override: { window?: string; threshold?: number } = {}): ProblemTrendsConfig {
  return {
    windowMs: parseIsoDuration(override.window ?? env.PROBLEM_TREND_WINDOW ?? 'P7D'),
    threshold: override.threshold ?? env.PROBLEM_TREND_THRESHOLD ?? 5,
    observationMs: observationMsFromEnv(env),
    problem: problemConfigFromEnv(env, searchAttributes),
    searchAttributes,
  };
}

export function trendScheduleOptions(env: TrendScheduleEnv, opts: { scheduleId?: string; searchAttributes?: boolean } = {}) {
  const searchAttributes = opts.searchAttributes !== false;
  const off = env.PROBLEM_TREND_CRON === 'off';
  return systemScheduleOptions({
    scheduleId: opts.scheduleId ?? TREND_SCHEDULE_ID,
    cron: env.PROBLEM_TREND_CRON,
    pausedCron: PAUSED_PLACEHOLDER_CRON,
    timezone: 'UTC',
    setting: 'PROBLEM_TREND_CRON',
    workflowType: PROBLEM_TRENDS_WORKFLOW,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    // The Schedule appends each run's scheduled time, which makes the run's claims its own.
    args: [{ trigger: 'schedule', config: trendConfig(env, searchAttributes) } satisfies ProblemTrendsInput],
    recordType: 'problem_trends',
    runTitle: `Problem trend detection (${off ? 'paused' : env.PROBLEM_TREND_CRON} UTC, window ${env.PROBLEM_TREND_WINDOW}, threshold ${env.PROBLEM_TREND_THRESHOLD})`,
    title: 'Opens problems for groups of incidents (per CI, service, category) in a sliding window',
    catchupWindow: '1h',
    searchAttributes,
  });
}

/** The trend-detection Schedule, created or brought up to date (see `ensureSchedule`). */
export function ensureTrendSchedule(client: Client, env: TrendScheduleEnv, opts: { scheduleId?: string; searchAttributes?: boolean } = {}): Promise<{ scheduleId: string; result: EnsureResult }> {
  return ensureSchedule(client, trendScheduleOptions(env, opts));
}
