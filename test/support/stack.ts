import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ItsmWorker } from '../../temporal/worker';
import { createApp } from '../../api/app';
import type { ApiDeps } from '../../api/route';
import { createLogger } from '../../infra/logger';
import { seedGroups, upsertUser, demoUsers } from '../../db/seed';
import { createTestDatabase, type TestDatabase } from './database';
import { TEST_SECRETS_KEY, startDevServer, startWorker } from './temporal';
import { formatIsoDuration } from '../../domain/duration';
import type { DslSettings } from '../../config/dsl';
import type { Mailer } from '../../infra/mailer';

export interface Stack {
  env: TestWorkflowEnvironment;
  tdb: TestDatabase;
  worker: ItsmWorker;
  workerRun: Promise<void>;
  baseUrl: string;
  taskQueue: string;
  api(method: string, path: string, opts?: { token?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

let queueCounter = 0;

/**
 * The real stack in one process: a Temporal dev server, a migrated database (SQLite or
 * PostgreSQL), a worker and the Express API on an ephemeral port, with the dev users seeded.
 */
export async function startStack(
  opts: { provider?: 'sqlite' | 'postgres'; env?: TestWorkflowEnvironment; autoCloseAfter?: string; allowPrivateWebhooks?: boolean; /** Further API settings, as the process's environment would give them. */ apiEnv?: Partial<ApiDeps['env']>; /** The library's folders and limits, for the worker and the API alike. */ dsl?: DslSettings; /** Notification e-mails from the worker. */ mail?: { mailer: Mailer; publicUrl?: string }; /** The worker's webhook timeout (2 s) and activity slots (50 and 50). */ worker?: { webhookTimeoutMs?: number } & Parameters<typeof startWorker>[7] } = {},
): Promise<Stack> {
  const env = opts.env ?? (await startDevServer());
  const tdb = await createTestDatabase(opts.provider ?? 'sqlite');
  for (const u of demoUsers()) await upsertUser(tdb.db, u);
  await seedGroups(tdb.db);
  const stackIndex = queueCounter++;
  const taskQueue = `itsm-test-${process.pid}-${stackIndex}`;
  // Stacks of one suite share a Temporal namespace but not a database: start each one's
  // record numbers elsewhere so their workflow ids (incident-INC…, change-CHG…) and Schedule ids (report-schedule-RPS…) cannot collide.
  if (stackIndex > 0) {
    for (const name of ['incident', 'change', 'problem', 'release', 'report_schedule', 'simulation', 'feedback', 'customer', 'contract', 'security_policy', 'access_review', 'continuity_run']) await tdb.db.counter.create({ data: { name, value: stackIndex * 1_000_000 } });
  }
  const { webhookTimeoutMs = 2000, ...slots } = opts.worker ?? {};
  const worker = await startWorker(env, tdb.db, taskQueue, webhookTimeoutMs, opts.allowPrivateWebhooks ?? true, opts.dsl, opts.mail, slots);
  const workerRun = worker.run();
  const app = createApp({
    db: tdb.db,
    temporal: env.client,
    env: { WEBHOOK_ALLOW_PRIVATE: opts.allowPrivateWebhooks ?? true, SECRETS_KEY: TEST_SECRETS_KEY, TEMPORAL_TASK_QUEUE: taskQueue, AUTO_CLOSE_AFTER: opts.autoCloseAfter ?? 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000, MAX_BODY_BYTES: 64 * 1024,
      // Suites answer many 401s from 127.0.0.1 on purpose; the limit itself is tested with a low one.
      AUTH_FAILURE_LIMIT: 1_000_000,
      ...opts.apiEnv,
      ...(opts.dsl ? { DSL_DIR: opts.dsl.dir, DSL_FILE_ROOT: opts.dsl.fileRoot, DSL_MAX_BYTES: opts.dsl.maxBytes, DSL_FETCH_TIMEOUT: formatIsoDuration(opts.dsl.fetchTimeoutMs) } : {}) },
    log: createLogger('silent'),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env,
    tdb,
    worker,
    workerRun,
    baseUrl,
    taskQueue,
    async api(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token !== null) headers.authorization = `Bearer ${o.token ?? 'dev-agent'}`;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(baseUrl + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON (e.g. /docs HTML)
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      worker.shutdown();
      await workerRun;
      await tdb.dispose();
      if (!opts.env) await env.teardown();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
