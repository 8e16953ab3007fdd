import { existsSync } from 'node:fs';
import { defaultMaxCachedWorkflows } from '../config/env';
import type { Mailer } from '../infra/mailer';
import path from 'node:path';
import { Worker, bundleWorkflowCode, type NativeConnection, type State, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createActivities, createSinks } from '../activities';
import { createWebhookActivities } from '../activities/webhooks';
import { webhookDeliveryQueue } from '../workflows/contracts/webhook-delivery';
import type { Db } from '../db/client';
import type { Logger } from '../infra/logger';
import type { DslSettings } from '../config/dsl';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  client: Client;
  db: Db;
  log: Logger;
  webhookTimeoutMs?: number;
  allowPrivateWebhooks?: boolean;
  secretsKey?: Buffer | null;
  maxConcurrentActivities?: number;
  /** Webhook delivery attempts in flight at once, in slots of their own (default 50). */
  maxConcurrentDeliveries?: number;
  /** Workflows kept in memory between tasks (default: defaultMaxCachedWorkflows, from the heap). */
  maxCachedWorkflows?: number;
  /** Threads running workflow code (WORKER_WORKFLOW_THREADS, default 2). */
  workflowThreads?: number;
  /** The definitive software library's folders and limits (default: the DSL_* defaults). */
  dsl?: DslSettings;
  /** Notification e-mails (SMTP_URL); none: in-app only. */
  mailer?: Mailer | null;
  publicUrl?: string;
  /**
   * Reuse one bundle across workers in a test run (bundling takes a second or two), or a
   * prebuilt bundle file (`{codePath}`, what `npm run build` writes for the image).
   */
  workflowBundle?: WorkflowBundleWithSourceMap | { codePath: string };
}

/** The workflows' entry: TypeScript through the loader, JavaScript when compiled (dist/). */
export const WORKFLOWS_PATH = ['index.ts', 'index.js'].map((f) => path.join(__dirname, '..', 'workflows', f)).find((f) => existsSync(f)) ?? path.join(__dirname, '..', 'workflows', 'index.ts');

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } as never });
}

/**
 * The records' worker and the webhook deliveries' worker, run and stopped as one. Deliveries
 * have a queue and activity slots of their own, so subscribers that never answer (each attempt
 * waits out the webhook timeout, retried for days) hold up other deliveries, never a record's
 * command: before, 50 dead subscribers took every slot and commands timed out to 503s.
 */
export class ItsmWorker {
  constructor(
    readonly records: Worker,
    readonly deliveries: Worker,
  ) {}

  getState(): State {
    return this.records.getState();
  }

  shutdown(): void {
    for (const w of [this.records, this.deliveries]) if (w.getState() === 'RUNNING') w.shutdown();
  }

  /** Until shut down; one of the two failing stops the other, and its error is the run's. */
  async run(): Promise<void> {
    const results = await Promise.allSettled(
      [this.records, this.deliveries].map((w) =>
        w.run().catch((e: unknown) => {
          this.shutdown();
          throw e;
        }),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Runs while `work` does, then shuts down; the work's result, or the workers' failure if they stop first. */
  async runUntil<R>(work: Promise<R> | (() => Promise<R>)): Promise<R> {
    const run = this.run();
    const stopped = run.then(() => {
      throw new Error('the worker stopped before the work ended');
    });
    try {
      return await Promise.race([typeof work === 'function' ? work() : work, stopped]);
    } finally {
      this.shutdown();
      await run;
    }
  }
}

export async function createWorker(o: WorkerOptions): Promise<ItsmWorker> {
  const deps = { db: o.db, temporal: o.client, taskQueue: o.taskQueue, webhookTimeoutMs: o.webhookTimeoutMs ?? 10_000, allowPrivateWebhooks: o.allowPrivateWebhooks ?? false, secretsKey: o.secretsKey ?? null, log: o.log, ...(o.dsl ? { dsl: o.dsl } : {}), mailer: o.mailer ?? null, ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}) };
  const records = await Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(deps),
    sinks: createSinks(deps),
    maxConcurrentActivityTaskExecutions: o.maxConcurrentActivities ?? 50,
    maxCachedWorkflows: o.maxCachedWorkflows ?? defaultMaxCachedWorkflows(),
    workflowThreadPoolSize: o.workflowThreads ?? 2,
    // Activities that send Updates to other records (a release driving its changes) wait on
    // workflow tasks this worker stops taking at shutdown: cancel them after a grace period
    // (they heartbeat, so they see it; the server retries them elsewhere) rather than hang.
    shutdownGraceTime: '10s',
  });
  const deliveries = await Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: webhookDeliveryQueue(o.taskQueue),
    // Only attempts: the delivery workflows, and their failure marks, stay on the records' queue.
    activities: { deliverWebhook: createWebhookActivities(deps).deliverWebhook },
    maxConcurrentActivityTaskExecutions: o.maxConcurrentDeliveries ?? 50,
    // An attempt waits at most the webhook timeout; one cut short is retried by the server.
    shutdownGraceTime: '10s',
  });
  return new ItsmWorker(records, deliveries);
}
