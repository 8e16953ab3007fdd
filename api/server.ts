import type { Server } from 'node:http';
import { loadEnvOrExit } from '../config/env';
import { createDb, tuneDb } from '../db/client';
import { connectClient } from '../temporal/connection';
import { createApp } from './app';
import { mailInOptionsFromEnv, startMailIn } from './mail-in/listener';
import { createLogger, type Logger } from '../infra/logger';
import { parseTokenHashKey } from '../infra/tokens';
import { bootstrapAdminFromEnv } from '../services/admin-bootstrap';
import type { Db } from '../db/client';
import type { Env } from '../config/env';

/**
 * Refuses to serve without a token key in production, then, when BOOTSTRAP_ADMIN_EMAIL is set
 * and no active admin exists, creates the first admin (idempotent: see bootstrapAdminFromEnv).
 */
export async function bootstrapAdmin(db: Db, env: Env, log: Logger): Promise<void> {
  const key = parseTokenHashKey(env.TOKEN_HASH_KEY, env.NODE_ENV);
  if (!env.BOOTSTRAP_ADMIN_EMAIL) return;
  const result = await bootstrapAdminFromEnv(db, key, { email: env.BOOTSTRAP_ADMIN_EMAIL, name: env.BOOTSTRAP_ADMIN_NAME, token: env.BOOTSTRAP_ADMIN_TOKEN });
  if (result.outcome === 'skipped') {
    log.info('admin bootstrap skipped', { reason: result.reason });
    return;
  }
  log.warn('admin bootstrapped', { userId: result.user.id, email: result.user.email, promoted: result.promoted });
  // Printed once, as plain text beside the log (not a log field). Setting BOOTSTRAP_ADMIN_TOKEN keeps it out of container output altogether.
  if (result.generatedToken) process.stdout.write(`\nFirst admin ${result.user.email}: API token (shown once, store it now):\n  ${result.generatedToken}\n\n`);
}

/** Starts the stateless API; any number of replicas can run behind a load balancer. */
export async function startApi(env = loadEnvOrExit()): Promise<{ server: Server; close(): Promise<void> }> {
  const log = createLogger(env.LOG_LEVEL, { service: 'api' });
  parseTokenHashKey(env.TOKEN_HASH_KEY, env.NODE_ENV); // production without a token key stops here, before anything opens
  const db = createDb(env.DATABASE_URL);
  await tuneDb(db, env.DATABASE_URL);
  await bootstrapAdmin(db, env, log);
  const temporal = await connectClient(env);
  const app = createApp({ db, temporal, env, log });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(env.PORT, env.HOST, () => resolve(s));
  });
  log.info('api listening', { port: env.PORT });
  // E-mail to the service desk, when MAIL_IN_PORT is set (one listener per API replica is fine: Message-IDs make a message count once).
  const mailOptions = mailInOptionsFromEnv(env);
  const mailIn = mailOptions ? await startMailIn({ db, temporal, env, log }, mailOptions) : null;
  if (mailIn) log.info('mail in listening', { port: mailIn.port });
  return {
    server,
    async close() {
      await mailIn?.close();
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
