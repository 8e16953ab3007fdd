/**
 * `npm start`: the whole stack on embedded defaults — Temporal dev server (with its Web UI)
 * persisting under .data/, SQLite CMDB, migrations, demo data, worker and API — in one
 * process tree that Ctrl-C stops cleanly. Set TEMPORAL_ADDRESS to use an existing cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { loadEnvOrExit } from '../config/env';
import { createDb } from '../db/client';
import { migrate } from '../db/migrate';
import { seedDemo } from '../db/seed';
import { parseTokenHashKey } from '../infra/tokens';
import { registerSearchAttributes, devServerSearchAttributeFlags } from '../temporal/search-attributes';
import { startApi } from '../api/server';
import { runWorker } from '../worker';
import { startMailCatcher, type MailCatcher } from './mail-catcher';

const root = path.join(__dirname, '..');
const externalTemporal = Boolean(process.env.TEMPORAL_ADDRESS);
// The dev stack's demo webhooks point at local receivers: private targets allowed here only.
const env = loadEnvOrExit({ SEED_DEMO_DATA: 'true', WEBHOOK_ALLOW_PRIVATE: 'true', ...process.env });

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function startTemporalDevServer(): Promise<ChildProcess | null> {
  if (externalTemporal) return null;
  const [host, port] = env.TEMPORAL_ADDRESS.split(':');
  if (await portOpen(host, Number(port))) {
    console.log(`[dev] Temporal already listening on ${env.TEMPORAL_ADDRESS}: reusing it`);
    return null;
  }
  mkdirSync(path.join(root, '.data'), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', path.join(root, '.data', 'temporal.db'),
    '--ip', '127.0.0.1',
    '--port', port,
    '--ui-port', String(env.TEMPORAL_UI_PORT),
    '--namespace', env.TEMPORAL_NAMESPACE,
    '--log-level', 'error',
    // Plain file persistence is slow; WAL makes the dev server usable.
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=NORMAL',
    ...devServerSearchAttributeFlags(),
  ];
  const child = spawn(path.join(root, '.tools', 'venv', 'bin', 'temporal'), args, { stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}`);
    if (await portOpen(host, Number(port))) return child;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('temporal dev server did not come up within 30 s');
}

let temporalProcess: ChildProcess | null = null;

async function main() {
  temporalProcess = await startTemporalDevServer();
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const added = await registerSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
  if (added.length) console.log(`[dev] registered search attributes: ${added.join(', ')}`);
  await connection.close();

  const applied = await migrate(env.DATABASE_URL);
  if (applied.length) console.log(`[dev] applied migrations: ${applied.join(', ')}`);
  if (env.SEED_DEMO_DATA) {
    const db = createDb(env.DATABASE_URL);
    await seedDemo(db, parseTokenHashKey(env.TOKEN_HASH_KEY, env.NODE_ENV));
    await db.$disconnect();
  }
  // Notification e-mails go to a local catcher unless an SMTP server is configured.
  let mail: MailCatcher | null = null;
  if (!env.SMTP_URL) {
    mail = await startMailCatcher({ smtpPort: 1025, webPort: 1080 }).catch((e: Error) => {
      console.log(`[dev] mail catcher not started (${e.message}): notifications stay in-app`);
      return null;
    });
    if (mail) env.SMTP_URL = `smtp://127.0.0.1:${mail.smtpPort}`;
  }
  env.PUBLIC_URL ??= `http://localhost:${env.PORT}`;
  // E-mail to the desk: a local listener, so a newcomer can mail an incident in (swaks, a mail client, curl smtp://).
  if (env.MAIL_IN_PORT === undefined && !(await portOpen('127.0.0.1', 2525))) env.MAIL_IN_PORT = 2525;
  // runWorker also ensures the CMDB verification Schedule (created, or updated if its settings changed).
  const worker = await runWorker(env);
  const api = await startApi(env);
  const apiUrl = `http://localhost:${env.PORT}`;
  console.log(`
  ITSM stack is up
    API           ${apiUrl}/api/v1
    API docs      ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)
    Temporal UI   ${externalTemporal ? '(external cluster)' : `http://localhost:${env.TEMPORAL_UI_PORT}`}
    Mail          ${mail ? `http://localhost:${mail.webPort}   (every notification e-mail the stack sends; SMTP on ${mail.smtpPort})` : env.SMTP_URL ? `sent through ${new URL(env.SMTP_URL).host}` : 'in-app only'}
    Mail in       ${env.MAIL_IN_PORT !== undefined ? `smtp://localhost:${env.MAIL_IN_PORT}   (mail to the desk opens an incident; a reply with [INC…] in the subject adds a note)` : 'off (set MAIL_IN_PORT)'}
    CMDB audit    ${worker.schedule ? `schedule ${worker.schedule.scheduleId} (${worker.schedule.result}): ${env.CMDB_VERIFICATION_CRON === 'off' ? 'paused' : `cron '${env.CMDB_VERIFICATION_CRON}' ${env.CMDB_VERIFICATION_TIMEZONE}`}` : 'schedule NOT ensured (see the worker log)'}
    Try           curl -H 'Authorization: Bearer dev-agent' ${apiUrl}/api/v1/incidents
  Ctrl-C stops everything.
`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('[dev] stopping…');
    await api.close().catch(() => undefined);
    await mail?.close().catch(() => undefined);
    // The SDK's runtime also reacts to SIGINT/SIGTERM by shutting workers down.
    if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
    await worker.done.catch(() => undefined);
    const child = temporalProcess;
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e) => {
  console.error(`[dev] failed: ${(e as Error).message}`);
  temporalProcess?.kill('SIGTERM');
  process.exit(1);
});
