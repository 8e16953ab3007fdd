import type { Server } from 'node:http';
import { loadEnvOrExit } from '../config/env';
import { createDb, tuneDb } from '../db/client';
import { connectClient } from '../temporal/connection';
import { createApp } from './app';
import { createLogger } from '../infra/logger';

/** Starts the stateless API; any number of replicas can run behind a load balancer. */
export async function startApi(env = loadEnvOrExit()): Promise<{ server: Server; close(): Promise<void> }> {
  const log = createLogger(env.LOG_LEVEL, { service: 'api' });
  const db = createDb(env.DATABASE_URL);
  await tuneDb(db, env.DATABASE_URL);
  const temporal = await connectClient(env);
  const app = createApp({ db, temporal, env, log });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(env.PORT, env.HOST, () => resolve(s));
  });
  log.info('api listening', { port: env.PORT });
  return {
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await temporal.connection.close();
      await db.$disconnect();
    },
  };
}

if (require.main === module) {
  startApi().then(
    (api) => {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void api.close().then(() => process.exit(0)));
    },
    (e) => {
      console.error(`api failed to start: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
