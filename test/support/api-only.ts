import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import type { Db } from '../../db/client';
import { demoUsers, upsertUser } from '../../db/seed';
import { createLogger } from '../../infra/logger';

export interface ApiOnly {
  /** http://127.0.0.1:<port>/api/v1 */
  base: string;
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * The API on an ephemeral port without an engine, for suites and benchmarks of the routes that
 * need only the database (the CMDB): no Temporal server to start. Seeds the dev users.
 */
export async function startApiOnly(db: Db): Promise<ApiOnly> {
  for (const u of demoUsers()) await upsertUser(db, u);
  const app = createApp({ db, temporal: undefined as never, env: { TEMPORAL_TASK_QUEUE: 'unused', AUTO_CLOSE_AFTER: 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000, MAX_BODY_BYTES: 65536, AUTH_FAILURE_LIMIT: 1_000_000 }, log: createLogger('silent') });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  return {
    base,
    async api(method, path, body, token = 'dev-admin') {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
