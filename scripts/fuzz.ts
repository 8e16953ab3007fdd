/**
 * `npm run fuzz`: property-based fuzzing of the whole HTTP API from its own OpenAPI document.
 *
 * Starts a fresh stack in this process (a Temporal dev server in memory on free ports, a new
 * SQLite CMDB in a temporary folder, migrations, the demo data with its dev-<role> tokens, the
 * worker and the API on a free port), then runs schemathesis (pinned, installed into
 * .tools/venv-fuzz by scripts/install-fuzz.mjs) against /openapi.json with every check on,
 * authenticated as `dev-admin`. Exits with schemathesis's code: non-zero on any server error,
 * response that does not match its schema, undocumented status code, … and on any error of
 * the harness itself. Everything is torn down afterwards; nothing under .data/ is touched.
 *
 * Settings (environment):
 *   FUZZ_MAX_EXAMPLES  test cases per operation and phase (default 50)
 *   FUZZ_MAX_TIME      seconds: a time budget that fuzzing and stateful testing fill (default: none, one pass)
 *   FUZZ_SEED          seed for a reproducible run (default: random; the summary prints it)
 *   FUZZ_WORKERS       concurrent schemathesis workers (default 2)
 *   FUZZ_REPORT_DIR    where the JUnit report and the NDJSON event log go (default test-results/fuzz)
 *   FUZZ_KEEP_LOGS     'true': the stack logs at info (every request), not only warnings and errors
 * Further arguments go to `schemathesis run` as they are, e.g.
 *   npm run fuzz -- --include-path-regex '/incidents' --max-failures 5
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { loadEnv } from '../config/env';
import { createDb } from '../db/client';
import { migrate } from '../db/migrate';
import { seedDemo } from '../db/seed';
import { parseTokenHashKey } from '../infra/tokens';
import { registerSearchAttributes, devServerSearchAttributeFlags } from '../temporal/search-attributes';
import { startApi } from '../api/server';
import { runWorker } from '../worker';

const root = path.join(__dirname, '..');
const log = (msg: string) => process.stderr.write(`[fuzz] ${msg}\n`);

/** The path the API serves its OpenAPI document at (api/app.ts). */
export const OPENAPI_PATH = '/openapi.json';

/** Distinct free ports, held together until all are known (a port handed out twice is a failed start). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<net.Server>((resolve, reject) => {
        const srv = net.createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve(srv));
      }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function positiveInt(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return n;
}

/** Installs the pinned schemathesis if missing (stamped: a no-op afterwards) and returns its path. */
async function schemathesisBinary(): Promise<string> {
  const installer = path.join(root, 'scripts', 'install-fuzz.mjs');
  const { installFuzzTools } = (await import(installer)) as { installFuzzTools(): string };
  return installFuzzTools();
}

async function startTemporal([port, httpPort, metricsPort]: number[]): Promise<ChildProcess> {
  const args = [
    'server', 'start-dev',
    // No --db-filename: in memory, a fresh engine for every run.
    '--ip', '127.0.0.1',
    '--port', String(port),
    // Left to itself the dev server picks these at random, and may pick the one the API is given.
    '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort),
    '--headless',
    '--namespace', 'default',
    '--log-level', 'error',
    ...devServerSearchAttributeFlags(),
  ];
  const child = spawn(path.join(root, '.tools', 'venv', 'bin', 'temporal'), args, { stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with ${child.exitCode}`);
    if (await portOpen(port)) return child;
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error('temporal dev server did not come up within 30 s');
}

async function main(): Promise<number> {
  const maxExamples = positiveInt('FUZZ_MAX_EXAMPLES', 50)!;
  const maxTime = positiveInt('FUZZ_MAX_TIME', undefined);
  const seed = process.env.FUZZ_SEED || undefined;
  const workers = positiveInt('FUZZ_WORKERS', 2)!;
  const reportDir = path.resolve(root, process.env.FUZZ_REPORT_DIR || path.join('test-results', 'fuzz'));
  const schemathesis = await schemathesisBinary();

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'itsm-fuzz-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rmSync(tmp, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) await Promise.resolve().then(fn).catch((e) => log(`cleanup: ${(e as Error).message}`));
  };
  let fuzzer: ChildProcess | undefined;
  const interrupt = () => {
    fuzzer?.kill('SIGINT');
    if (!fuzzer) void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  try {
    const temporalPorts = await freePorts(3);
    const temporalPort = temporalPorts[0];
    const temporal = await startTemporal(temporalPorts);
    cleanups.push(() => {
      if (temporal.exitCode !== null) return;
      temporal.kill('SIGTERM');
      return new Promise((r) => temporal.once('exit', r));
    });
    const env = loadEnv({
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      DATABASE_URL: `file:${path.join(tmp, 'itsm.db')}`,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_TASK_QUEUE: 'itsm-fuzz',
      PORT: '0', // any free port, read back once listening
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.FUZZ_KEEP_LOGS === 'true' ? 'info' : 'warn',
      SEED_DEMO_DATA: 'true',
      // The fuzzer may subscribe webhooks and register artifacts at any URL: none may reach this machine's services.
      WEBHOOK_ALLOW_PRIVATE: 'false',
      SECRETS_KEY: randomBytes(32).toString('base64'),
      DSL_DIR: path.join(tmp, 'dsl'),
      DSL_FILE_ROOT: path.join(tmp, 'dsl-inbox'),
      // Checks such as ignored_auth send requests without (valid) credentials on purpose; the limit itself has its own tests.
      AUTH_FAILURE_LIMIT: '1000000',
      // No background runs on a clock: what happens is what the fuzzer asked for.
      CMDB_VERIFICATION_CRON: 'off',
      PROBLEM_TREND_CRON: 'off',
    });
    mkdirSync(env.DSL_FILE_ROOT, { recursive: true });

    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    await registerSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
    await connection.close();
    await migrate(env.DATABASE_URL);
    const db = createDb(env.DATABASE_URL);
    await seedDemo(db, parseTokenHashKey(env.TOKEN_HASH_KEY, env.NODE_ENV));
    await db.$disconnect();

    const worker = await runWorker(env);
    cleanups.push(async () => {
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await worker.done;
    });
    const api = await startApi(env);
    cleanups.push(() => {
      api.server.closeAllConnections();
      return api.close();
    });
    const baseUrl = `http://127.0.0.1:${(api.server.address() as net.AddressInfo).port}`;
    log(`stack up: API ${baseUrl}, Temporal 127.0.0.1:${temporalPort}, database ${tmp}`);

    mkdirSync(reportDir, { recursive: true });
    const args = [
      '--config-file', path.join(root, 'scripts', 'fuzz', 'schemathesis.toml'),
      'run', `${baseUrl}${OPENAPI_PATH}`,
      '--checks', 'all',
      // Run by hooks.py's positive_data_acceptance_beyond_schema instead: the same check, which also
      // knows the few rules JSON Schema cannot state (references to records, rules between fields).
      // ensure_resource_availability likewise runs as hooks.py's ..._beyond_optional_parts, which
      // knows the optional parts of a record (a CI's access review schedule) a new one has not got.
      // use_after_free likewise runs as hooks.py's ..._beyond_retirement, which knows the DELETEs
      // that retire a record (kept readable, marked retired) rather than erase it.
      '--exclude-checks', 'positive_data_acceptance,ensure_resource_availability,use_after_free',
      '--header', 'Authorization: Bearer dev-admin',
      '--max-examples', String(maxExamples),
      '--workers', String(workers),
      '--report', 'junit,ndjson',
      '--report-dir', reportDir,
      ...(maxTime ? ['--max-time', String(maxTime)] : []),
      ...(seed ? ['--seed', seed] : []),
      ...process.argv.slice(2),
    ];
    log(`schemathesis ${args.join(' ')}`);
    const started = Date.now();
    const code = await new Promise<number>((resolve, reject) => {
      fuzzer = spawn(schemathesis, args, {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit'],
        // Plain output for logs and CI.
        // hooks.py: positive_data_acceptance, knowing the rules no schema can state.
        env: { ...process.env, NO_COLOR: '1', PYTHONPATH: path.join(root, 'scripts', 'fuzz'), SCHEMATHESIS_HOOKS: 'hooks' },
      });
      fuzzer.on('error', reject);
      fuzzer.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    });
    fuzzer = undefined;
    log(`schemathesis exited ${code} after ${((Date.now() - started) / 1000).toFixed(0)} s (reports in ${path.relative(root, reportDir)})`);
    return code;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(`failed: ${(e as Error).stack ?? (e as Error).message}`);
    process.exit(2);
  },
);
