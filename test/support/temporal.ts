import { parseSecretsKey } from '../../infra/secret-box';
import type { Mailer } from '../../infra/mailer';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows, createWorker, type ItsmWorker, type WorkerOptions } from '../../temporal/worker';
import { createLogger } from '../../infra/logger';
import { devServerSearchAttributeFlags } from '../../temporal/search-attributes';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/contracts/search-attributes';
import type { Db } from '../../db/client';
import type { DslSettings } from '../../config/dsl';
import { TEMPORAL_CLI, TEMPORAL_TEST_SERVER, assertBinaries } from './binaries';
import { existsSync } from 'node:fs';
import { BUNDLE_ENV } from './global-setup';

let runtimeInstalled = false;
/** Keep the SDK's own logging to warnings so test output stays readable. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed by an earlier suite in this process
  }
}

export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  assertBinaries();
  quietRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: TEMPORAL_TEST_SERVER } } });
}

export async function startDevServer(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  assertBinaries();
  quietRuntime();
  void devServerSearchAttributeFlags;
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: TEMPORAL_CLI },
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      extraArgs: ['--log-level', 'error', ...extraArgs],
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The run's bundle written by the global setup (test/support/global-setup.ts), else one bundled for this file. */
export function sharedBundle(): Promise<WorkflowBundleWithSourceMap> | { codePath: string } {
  const prebuilt = process.env[BUNDLE_ENV];
  if (prebuilt && existsSync(prebuilt)) return { codePath: prebuilt };
  bundle ??= bundleWorkflows();
  return bundle;
}

/** Tests seal webhook secrets at rest like production does. */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

export async function startWorker(env: TestWorkflowEnvironment, db: Db, taskQueue: string, webhookTimeoutMs = 2000, allowPrivateWebhooks = true, dsl?: DslSettings, mail?: { mailer: Mailer; publicUrl?: string }, slots?: Pick<WorkerOptions, 'maxConcurrentActivities' | 'maxConcurrentDeliveries'>): Promise<ItsmWorker> {
  return createWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    client: env.client,
    db,
    log: createLogger('silent'),
    webhookTimeoutMs,
    // Test receivers listen on 127.0.0.1.
    allowPrivateWebhooks,
    secretsKey: parseSecretsKey(TEST_SECRETS_KEY),
    workflowBundle: await sharedBundle(),
    ...(dsl ? { dsl } : {}),
    ...(mail ? { mailer: mail.mailer, ...(mail.publicUrl ? { publicUrl: mail.publicUrl } : {}) } : {}),
    ...slots,
  });
}
