import { parseSecretsKey } from './infra/secret-box';
import { smtpMailer } from './infra/mailer';
import { loadEnvOrExit } from './config/env';
import { createLogger } from './infra/logger';
import { createDb, tuneDb } from './db/client';
import { connectClient, connectWorker } from './temporal/connection';
import { createWorker } from './temporal/worker';
import { installRuntimeLogger } from './temporal/runtime';
import { runRecordStartSweep } from './temporal/record-starts';
import { dslSettings } from './config/dsl';
import { registerSearchAttributes } from './temporal/search-attributes';
import { ensureVerificationSchedule } from './temporal/schedules';
import { ensureTrendSchedule } from './temporal/trend-schedule';
import { ensureContinuityCheckSchedule } from './temporal/continuity-schedule';
import { ensureCapacitySchedule } from './temporal/capacity-schedule';
import type { Connection } from '@temporalio/client';

/** A worker process: scale by running more of them; they share the task queue. */
export async function runWorker(env = loadEnvOrExit()) {
  const log = createLogger(env.LOG_LEVEL, { service: 'worker' });
  installRuntimeLogger(log, env.LOG_LEVEL);
  const db = createDb(env.DATABASE_URL);
  await tuneDb(db, env.DATABASE_URL);
  const client = await connectClient(env);
  const connection = await connectWorker(env);
  // Idempotent; needs operator rights, which a managed namespace may not grant (then ops register them).
  await registerSearchAttributes(client.connection as Connection, env.TEMPORAL_NAMESPACE).then(
    (added) => added.length && log.info('registered search attributes', { added }),
    (e) => log.warn('could not register search attributes; register them with the Temporal CLI', { error: (e as Error).message }),
  );
  // The CMDB verification Schedule: created if missing, updated if CMDB_VERIFICATION_* changed.
  const schedule = await ensureVerificationSchedule(client, env).then(
    (s) => {
      log.info('cmdb verification schedule', { ...s, cron: env.CMDB_VERIFICATION_CRON, timezone: env.CMDB_VERIFICATION_TIMEZONE });
      return s;
    },
    (e) => {
      log.warn('could not ensure the cmdb verification schedule; verifications run only on request', { error: (e as Error).message });
      return null;
    },
  );
  await ensureTrendSchedule(client, env).then(
    (s) => log.info('problem trend schedule', { ...s, cron: env.PROBLEM_TREND_CRON, window: env.PROBLEM_TREND_WINDOW, threshold: env.PROBLEM_TREND_THRESHOLD }),
    (e) => log.warn('could not ensure the problem trend schedule; trends are detected only on request', { error: (e as Error).message }),
  );
  await ensureContinuityCheckSchedule(client, env).then(
    (s) => log.info('continuity check schedule', { ...s, cron: env.CONTINUITY_CHECK_CRON }),
    (e) => log.warn('could not ensure the continuity check schedule; untested plans are not flagged by events', { error: (e as Error).message }),
  );
  await ensureCapacitySchedule(client, env).then(
    (s) => log.info('capacity schedule', { ...s, cron: env.CAPACITY_CRON }),
    (e) => log.warn('could not ensure the capacity schedule; rollups and forecasts do not run', { error: (e as Error).message }),
  );
  const worker = await createWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    client,
    db,
    log,
    webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
    allowPrivateWebhooks: env.WEBHOOK_ALLOW_PRIVATE,
    secretsKey: parseSecretsKey(env.SECRETS_KEY),
    maxConcurrentActivities: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentDeliveries: env.WORKER_MAX_CONCURRENT_DELIVERIES,
    maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
    workflowThreads: env.WORKER_WORKFLOW_THREADS,
    dsl: dslSettings(env),
    mailer: env.SMTP_URL ? smtpMailer(env.SMTP_URL, env.MAIL_FROM) : null,
    ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
    ...(env.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: env.WORKFLOW_BUNDLE_PATH } } : {}),
  });
  log.info('worker started', { taskQueue: env.TEMPORAL_TASK_QUEUE, namespace: env.TEMPORAL_NAMESPACE });
  // Records the API wrote whose workflow start was lost (the API stopped, the engine was away).
  const stopSweep = runRecordStartSweep({ db, temporal: client, log });
  return { worker, schedule, done: worker.run().finally(async () => {
    stopSweep(); await connection.close(); await client.connection.close(); await db.$disconnect(); }) };
}

if (require.main === module) {
  runWorker().then(
    ({ worker, done }) => {
      // The SDK's runtime already shuts workers down on SIGINT/SIGTERM; this covers a custom runtime.
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => worker.getState() === 'RUNNING' && worker.shutdown());
      done.then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
    },
    (e) => {
      console.error(`worker failed to start: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
