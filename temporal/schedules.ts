/**
 * Temporal Schedules of the project. The CMDB verification runs on a Schedule (not a cron
 * in a process): every run is an ordinary workflow execution that ops see in the Temporal
 * UI, a missed run is caught up after an outage, and two runs never overlap.
 */
import { createHash } from 'node:crypto';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { Env } from '../config/env';
import { CMDB_VERIFICATION_WORKFLOW, type CmdbVerificationConfig, type CmdbVerificationInput } from '../workflows/contracts/cmdb-verification';
import * as SA from '../workflows/contracts/search-attributes';
import { incidentConfigFromEnv, type IncidentConfigEnv } from './open-incident';

export const VERIFICATION_SCHEDULE_ID = 'cmdb-verification';
/** Used while CMDB_VERIFICATION_CRON=off: the Schedule stays, paused, with this spec. */
const PAUSED_PLACEHOLDER_CRON = '0 2 * * *';

type VerificationSettings = Pick<Env, 'CMDB_VERIFICATION_OPEN_INCIDENTS' | 'CMDB_VERIFICATION_INCIDENT_STATUSES'>;
export type VerificationScheduleEnv = Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'CMDB_VERIFICATION_CRON' | 'CMDB_VERIFICATION_TIMEZONE'> & VerificationSettings & IncidentConfigEnv;

/** The verification workflow's configuration from the process's settings (defaults where unset). */
export function verificationConfig(env: IncidentConfigEnv & Partial<VerificationSettings>, searchAttributes = true): CmdbVerificationConfig {
  return {
    openIncidents: env.CMDB_VERIFICATION_OPEN_INCIDENTS ?? true,
    incidentStatuses: env.CMDB_VERIFICATION_INCIDENT_STATUSES ?? ['live'],
    incident: incidentConfigFromEnv(env, searchAttributes),
    searchAttributes,
  };
}

/** What the Schedule should be; `fingerprint` (kept in the action's memo) tells whether it changed. */
export function verificationScheduleOptions(env: VerificationScheduleEnv, opts: { scheduleId?: string; searchAttributes?: boolean } = {}) {
  const scheduleId = opts.scheduleId ?? VERIFICATION_SCHEDULE_ID;
  const searchAttributes = opts.searchAttributes !== false;
  const off = env.CMDB_VERIFICATION_CRON === 'off';
  const cron = off ? PAUSED_PLACEHOLDER_CRON : env.CMDB_VERIFICATION_CRON;
  const args: [CmdbVerificationInput] = [{ trigger: 'schedule', config: verificationConfig(env, searchAttributes) }];
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ cron: env.CMDB_VERIFICATION_CRON, timezone: env.CMDB_VERIFICATION_TIMEZONE, taskQueue: env.TEMPORAL_TASK_QUEUE, args, searchAttributes }))
    .digest('hex')
    .slice(0, 16);
  const options = {
    scheduleId,
    spec: { cronExpressions: [cron], timezone: env.CMDB_VERIFICATION_TIMEZONE },
    action: {
      type: 'startWorkflow' as const,
      workflowType: CMDB_VERIFICATION_WORKFLOW,
      // The Schedule appends each run's scheduled time: cmdb-verification-run-2026-11-30T02:00:00Z.
      workflowId: `${scheduleId}-run`,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      args,
      memo: { title: `CMDB verification (${off ? 'paused' : env.CMDB_VERIFICATION_CRON} ${env.CMDB_VERIFICATION_TIMEZONE})`, scheduleFingerprint: fingerprint },
      ...(searchAttributes ? { typedSearchAttributes: [{ key: SA.RecordType, value: 'cmdb_verification' }] } : {}),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '12h', pauseOnFailure: false },
    state: {
      paused: off,
      note: off ? 'paused by CMDB_VERIFICATION_CRON=off' : `CMDB_VERIFICATION_CRON=${env.CMDB_VERIFICATION_CRON} (${env.CMDB_VERIFICATION_TIMEZONE})`,
    },
    memo: { title: 'Compares the latest discovery snapshot with the CMDB' },
  } satisfies ScheduleOptions;
  return { options, fingerprint };
}

export type EnsureResult = 'created' | 'updated' | 'unchanged';

/** What `ensureSchedule` needs of a Schedule's options: the action's memo carries the fingerprint. */
type FingerprintedSchedule = ScheduleOptions & { scheduleId: string; state: { paused: boolean; note: string } };

/**
 * Creates a Schedule if it is missing and updates it if its settings changed (the fingerprint
 * kept in its action's memo differs); otherwise leaves it alone, so a pause set by ops in the
 * UI survives restarts. Safe for several workers starting at once. Every Schedule of the
 * project (CMDB verification, trend detection) is kept this way.
 */
export async function ensureSchedule(client: Client, { options, fingerprint }: { options: FingerprintedSchedule; fingerprint: string }): Promise<{ scheduleId: string; result: EnsureResult }> {
  const handle = client.schedule.getHandle(options.scheduleId);
  for (let attempt = 0; ; attempt++) {
    let current;
    try {
      current = await handle.describe();
    } catch (e) {
      if (!(e instanceof ScheduleNotFoundError)) throw e;
      try {
        await client.schedule.create(options);
        return { scheduleId: options.scheduleId, result: 'created' };
      } catch (err) {
        // Another worker created it meanwhile: compare with theirs.
        if (!(err instanceof ScheduleAlreadyRunning) || attempt > 2) throw err;
        continue;
      }
    }
    if (current.action.type === 'startWorkflow' && current.action.memo?.scheduleFingerprint === fingerprint) {
      return { scheduleId: options.scheduleId, result: 'unchanged' };
    }
    await handle.update((prev) => ({
      spec: options.spec,
      action: options.action,
      policies: options.policies,
      state: { ...prev.state, paused: options.state.paused, note: options.state.note },
      typedSearchAttributes: prev.typedSearchAttributes,
    }));
    return { scheduleId: options.scheduleId, result: 'updated' };
  }
}

/** The CMDB verification Schedule, created or brought up to date (see `ensureSchedule`). */
export function ensureVerificationSchedule(client: Client, env: VerificationScheduleEnv, opts: { scheduleId?: string; searchAttributes?: boolean } = {}): Promise<{ scheduleId: string; result: EnsureResult }> {
  return ensureSchedule(client, verificationScheduleOptions(env, opts));
}

/** What a Schedule of the project is made of: a system one (kept by the worker at start) or one record's (a review's, a plan's test). */
export interface SystemScheduleSpec {
  scheduleId: string;
  /** A cron, or `off`: the Schedule stays, paused, with `pausedCron`. */
  cron: string;
  pausedCron: string;
  timezone: string;
  /** The setting that sets the cron, for the Schedule's note (e.g. CAPACITY_CRON). */
  setting: string;
  workflowType: string;
  taskQueue: string;
  args: [unknown];
  /** The runs' RecordType search attribute (and RecordNumber, when the Schedule is one record's). */
  recordType: string;
  recordNumber?: string;
  /** The runs' title (memo) and the Schedule's. */
  runTitle: string;
  title: string;
  catchupWindow: Duration;
  searchAttributes: boolean;
}

/**
 * A Schedule's options and fingerprint: runs never overlap (SKIP), a run missed during an
 * outage is caught up within the window, and each run's id is the Schedule's plus its time.
 */
export function systemScheduleOptions(s: SystemScheduleSpec) {
  const off = s.cron === 'off';
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ cron: s.cron, timezone: s.timezone, taskQueue: s.taskQueue, args: s.args, searchAttributes: s.searchAttributes }))
    .digest('hex')
    .slice(0, 16);
  const options = {
    scheduleId: s.scheduleId,
    spec: { cronExpressions: [off ? s.pausedCron : s.cron], timezone: s.timezone },
    action: {
      type: 'startWorkflow' as const,
      workflowType: s.workflowType,
      workflowId: `${s.scheduleId}-run`,
      taskQueue: s.taskQueue,
      args: s.args,
      memo: { title: s.runTitle, scheduleFingerprint: fingerprint },
      ...(s.searchAttributes
        ? { typedSearchAttributes: [{ key: SA.RecordType, value: s.recordType }, ...(s.recordNumber ? [{ key: SA.RecordNumber, value: s.recordNumber }] : [])] }
        : {}),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: s.catchupWindow, pauseOnFailure: false },
    state: { paused: off, note: off ? `paused by ${s.setting}=off` : `${s.setting}=${s.cron} (${s.timezone})` },
    memo: { title: s.title },
  } satisfies ScheduleOptions;
  return { options, fingerprint };
}

/** A Schedule gone (none there is fine): a record's Schedule when the record no longer wants one. */
export async function deleteScheduleIfAny(client: Client, scheduleId: string): Promise<void> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
  } catch (e) {
    if (!(e instanceof ScheduleNotFoundError)) throw e;
  }
}
