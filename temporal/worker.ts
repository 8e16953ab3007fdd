import { existsSync } from 'node:fs';
import { defaultMaxCachedWorkflows } from '../config/env';
import type { Mailer } from '../infra/mailer';
import path from 'node:path';
import { Worker, bundleWorkflowCode, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createActivities, createSinks } from '../activities';
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

export async function createWorker(o: WorkerOptions): Promise<Worker> {
  const deps = { db: o.db, temporal: o.client, taskQueue: o.taskQueue, webhookTimeoutMs: o.webhookTimeoutMs ?? 10_000, allowPrivateWebhooks: o.allowPrivateWebhooks ?? false, secretsKey: o.secretsKey ?? null, log: o.log, ...(o.dsl ? { dsl: o.dsl } : {}), mailer: o.mailer ?? null, ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}) };
  return Worker.create({
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
}
