/**
 * `npm run test:cluster`: the scale-out topology on a real Temporal cluster, no Docker.
 *
 * A local PostgreSQL (scripts/postgres-for-tests.sh) holds Temporal's two databases and the
 * CMDB, each with its own user; the Temporal server built by scripts/cluster/build-temporal.sh
 * (v1.32.0, the version the dev server embeds) runs on it, single node, with the `default`
 * namespace and the project's search attributes; then two worker processes and two API
 * replicas. A load generator opens incidents with short SLA targets through both replicas
 * (alternating) and sends commands; mid-load one worker and one API replica are SIGKILLed.
 *
 * Checked: the survivors carry on (every request to the surviving replica succeeds); a create
 * retried with the same Idempotency-Key after the killed replica dropped it yields exactly one
 * incident; every incident whose create answered 201 exists in the CMDB and in Temporal; every
 * SLA timer fires exactly once. Prints a figures table, exits 1 on any violation.
 *
 * Workers and APIs run as `node --import tsx <file>` (one process each, see
 * test/integration/durability.test.ts: the tsx CLI would not relay a SIGKILL).
 *
 * Options (environment): CLUSTER_INCIDENTS (default 120), CLUSTER_RATE (creates/s, default 3),
 * CLUSTER_KEEP=1 leaves the databases and logs for inspection.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { Connection, Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { registerSearchAttributes } from '../../temporal/search-attributes';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/contracts/search-attributes';
import { createDb, type Db } from '../../db/client';
import { seedGroups } from '../../db/seed';

const ROOT = path.join(__dirname, '..', '..');
const TOOLS = path.join(ROOT, '.tools', 'temporal-cluster');
const NAMESPACE = 'default';
const TASK_QUEUE = 'itsm-cluster';
const INCIDENTS = Number(process.env.CLUSTER_INCIDENTS ?? 120);
const RATE = Number(process.env.CLUSTER_RATE ?? 3);
const RESPONSE_S = 10;
const RESOLUTION_S = 60;
const WORK = path.join(ROOT, '.data', 'cluster');
const SLA_ACTIONS = ['sla_response_breached', 'sla_warning', 'sla_resolution_breached'];

const log = (msg: string) => process.stdout.write(`[cluster] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes

interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}
const procs: Proc[] = [];

function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const logFile = path.join(WORK, `${name}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const p = { name, child, logFile, exited };
  procs.push(p);
  return p;
}
const alive = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;
const tail = (p: Proc) => (existsSync(p.logFile) ? readFileSync(p.logFile, 'utf8').slice(-3000) : '');

async function stopAll(): Promise<void> {
  for (const p of [...procs].reverse()) {
    if (!alive(p)) continue;
    p.child.kill('SIGTERM');
    const done = await Promise.race([p.exited, sleep(10_000).then(() => null)]);
    if (!done) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
}

/** A free port below 32768: Temporal keeps membership ports in a PostgreSQL smallint. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, watch?: Proc): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (watch && !alive(watch)) throw new Error(`${watch.name} exited while waiting for ${what}:\n${tail(watch)}`);
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}${watch ? `\n${tail(watch)}` : ''}`);
}

// ---------------------------------------------------------------- PostgreSQL and Temporal

function postgresAdminUrl(): string {
  if (process.env.TEST_POSTGRES_URL) return process.env.TEST_POSTGRES_URL;
  return execFileSync('bash', [path.join(ROOT, 'scripts', 'postgres-for-tests.sh')], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim();
}

/** Fresh databases each run, each owned by its own login. */
async function createDatabases(adminUrl: string, dbs: { db: string; user: string; password: string }[]): Promise<void> {
  const pg = new PgClient({ connectionString: adminUrl });
  await pg.connect();
  try {
    for (const { db, user, password } of dbs) {
      await pg.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
      const exists = await pg.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
      if (exists.rowCount) await pg.query(`ALTER ROLE "${user}" LOGIN PASSWORD '${password}'`);
      else await pg.query(`CREATE ROLE "${user}" LOGIN PASSWORD '${password}'`);
      await pg.query(`CREATE DATABASE "${db}" OWNER "${user}"`);
    }
  } finally {
    await pg.end();
  }
}

function sqlTool(pg: URL, user: string, password: string, db: string, args: string[]): void {
  execFileSync(
    path.join(TOOLS, 'bin', 'sql'),
    ['--plugin', 'postgres12', '--endpoint', pg.hostname, '--port', pg.port || '5432', '--user', user, '--password', password, '--database', db, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

interface Ports {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  membership: [number, number, number, number];
}

function serverConfig(pg: URL, user: string, password: string, ports: Ports, dynamicConfigFile: string): string {
  const store = (db: string, conns: number) => `
      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "${pg.hostname}:${pg.port || '5432'}"
        connectProtocol: "tcp"
        user: "${user}"
        password: "${password}"
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const svc = (grpc: number, membership: number, extra = '') => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${extra}`;
  // Single node, PostgreSQL 12+ persistence and SQL visibility: config/development-postgres12.yaml
  // from the module, on free ports, without archival and metrics.
  return `log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:${store('temporal', 20)}
    postgres-visibility:${store('temporal_visibility', 5)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
  frontend:${svc(ports.frontend, ports.membership[0], `\n      httpPort: ${ports.frontendHttp}`)}
  matching:${svc(ports.matching, ports.membership[1])}
  history:${svc(ports.history, ports.membership[2])}
  worker:${svc(ports.worker, ports.membership[3])}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "${dynamicConfigFile}"
  pollInterval: "10s"
`;
}

// ---------------------------------------------------------------- HTTP load

interface Api {
  name: string;
  url: string;
  proc: Proc;
}
interface Res {
  status: number;
  body: any;
  ms: number;
  replayed: boolean;
}

async function call(api: Api, token: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const t = performance.now();
  const res = await fetch(api.url + p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(90_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, ms: performance.now() - t, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

type Kind = 'plain' | 'acknowledged' | 'noted';
interface Created {
  key: string;
  title: string;
  kind: Kind;
  id: string;
  number: string;
  workflowId: string;
  via: string;
  attempts: number;
  sawInProgress: boolean;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const violations: string[] = [];
  const t0 = Date.now();
  mkdirSync(WORK, { recursive: true });
  const stamp = path.join(TOOLS, 'version');
  const moduleDirFile = path.join(TOOLS, 'module-dir');
  if (!existsSync(stamp) || !existsSync(moduleDirFile)) throw new Error('the Temporal server is not built: run scripts/cluster/build-temporal.sh');
  const moduleDir = readFileSync(moduleDirFile, 'utf8').trim();
  const buildSeconds = existsSync(path.join(TOOLS, 'build-seconds')) ? Number(readFileSync(path.join(TOOLS, 'build-seconds'), 'utf8')) : NaN;
  log(`Temporal server ${readFileSync(stamp, 'utf8').trim()} (built in ${buildSeconds} s), schemas from ${moduleDir}`);

  // ---- PostgreSQL: Temporal's two databases and the CMDB, separate users
  const adminUrl = postgresAdminUrl();
  const pg = new URL(adminUrl);
  const temporalUser = { user: 'temporal', password: 'temporal' };
  const cmdb = { db: 'itsm_cluster', user: 'itsm_cluster', password: randomBytes(12).toString('hex') };
  await createDatabases(adminUrl, [
    { db: 'temporal', ...temporalUser },
    { db: 'temporal_visibility', ...temporalUser },
    cmdb,
  ]);
  const databaseUrl = `postgresql://${cmdb.user}:${cmdb.password}@${pg.hostname}:${pg.port || '5432'}/${cmdb.db}`;
  const schemaRoot = path.join(moduleDir, 'schema', 'postgresql', 'v12');
  for (const [db, dir] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']]) {
    sqlTool(pg, temporalUser.user, temporalUser.password, db, ['setup-schema', '--version', '0.0']);
    sqlTool(pg, temporalUser.user, temporalUser.password, db, ['update-schema', '--schema-dir', path.join(schemaRoot, dir, 'versioned')]);
  }
  log('PostgreSQL: temporal, temporal_visibility (schemas set up by the sql tool) and the CMDB itsm_cluster');

  // ---- Temporal server, single node
  const ports: Ports = {
    frontend: await freePort(),
    frontendHttp: await freePort(),
    history: await freePort(),
    matching: await freePort(),
    worker: await freePort(),
    membership: [await freePort(), await freePort(), await freePort(), await freePort()],
  };
  const dynamicConfig = path.join(WORK, 'dynamicconfig.yaml');
  writeFileSync(dynamicConfig, 'system.forceSearchAttributesCacheRefreshOnRead:\n  - value: true\n    constraints: {}\n');
  const configFile = path.join(WORK, 'temporal.yaml');
  writeFileSync(configFile, serverConfig(pg, temporalUser.user, temporalUser.password, ports, dynamicConfig));
  const serverStarted = Date.now();
  const server = start('temporal-server', path.join(TOOLS, 'bin', 'server'), ['--config-file', configFile, '--allow-no-auth', 'start'], process.env);
  const address = `127.0.0.1:${ports.frontend}`;
  const connection = await eventually(
    'the Temporal frontend',
    120_000,
    async () => {
      const c = await Connection.connect({ address, connectTimeout: 2000 });
      await c.workflowService.getSystemInfo({});
      return c;
    },
    server,
  );
  await eventually('namespace default', 60_000, async () => {
    try {
      await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
      return true;
    } catch {
      await connection.workflowService.registerNamespace({ namespace: NAMESPACE, workflowExecutionRetentionPeriod: msToTs('1 day') }).catch(() => undefined);
      return undefined;
    }
  });
  const added = await eventually('search attributes', 60_000, () => registerSearchAttributes(connection, NAMESPACE));
  await eventually('search attributes to be listed', 60_000, async () => {
    const listed = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
    return ALL_SEARCH_ATTRIBUTES.every((a) => a.name in (listed.customAttributes ?? {})) ? true : undefined;
  });
  const serverUpMs = Date.now() - serverStarted;
  log(`Temporal server up on ${address} in ${serverUpMs} ms; namespace ${NAMESPACE}; search attributes added: ${added.join(', ') || 'none'}`);
  const client = new Client({ connection, namespace: NAMESPACE });

  // ---- CMDB migrations and groups
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'inherit'] });
  const db: Db = createDb(databaseUrl);
  await seedGroups(db); // the escalation chain the SLA breaches walk (service-desk, l2-support, …)

  // ---- two workers, two API replicas (production mode, a bootstrap admin token)
  const adminToken = randomBytes(32).toString('hex');
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    TOKEN_HASH_KEY: randomBytes(32).toString('base64'),
    SECRETS_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    CMDB_VERIFICATION_CRON: 'off',
    PROBLEM_TREND_CRON: 'off',
  };
  const workers = ['worker-1', 'worker-2'].map((name) => start(name, process.execPath, ['--import', 'tsx', 'worker.ts'], common));
  for (const w of workers) {
    await eventually(
      `${w.name} to poll ${TASK_QUEUE}`,
      120_000,
      async () => {
        const res = await connection.workflowService.describeTaskQueue({
          namespace: NAMESPACE,
          taskQueue: { name: TASK_QUEUE, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${w.child.pid}@`)) ? true : undefined;
      },
      w,
    );
  }
  const apis: Api[] = [];
  for (const name of ['api-1', 'api-2']) {
    const port = await freePort();
    const proc = start(name, process.execPath, ['--import', 'tsx', 'api/server.ts'], {
      ...common,
      PORT: String(port),
      HOST: '127.0.0.1',
      BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com',
      BOOTSTRAP_ADMIN_TOKEN: adminToken,
    });
    const api = { name, url: `http://127.0.0.1:${port}`, proc };
    await eventually(`${name} /readyz`, 120_000, async () => ((await fetch(`${api.url}/readyz`)).ok ? true : undefined), proc);
    apis.push(api);
  }
  log(`two workers (pids ${workers.map((w) => w.child.pid).join(', ')}) polling, two API replicas ready (${apis.map((a) => a.url).join(', ')})`);

  const me = await call(apis[0], adminToken, 'GET', '/api/v1/me');
  if (me.status !== 200) throw new Error(`admin token refused: ${me.status} ${JSON.stringify(me.body)}`);
  const sla = await call(apis[0], adminToken, 'POST', '/api/v1/slas', {
    name: 'Fast (cluster test)',
    kind: 'SLA',
    isDefault: true,
    targets: Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: `PT${RESPONSE_S}S`, resolution: `PT${RESOLUTION_S}S` }])),
  });
  if (sla.status !== 201) throw new Error(`SLA refused: ${sla.status} ${JSON.stringify(sla.body)}`);

  // ---- load
  const runId = Date.now().toString(36);
  const created: Created[] = [];
  const createLat: number[] = [];
  const commandLat: number[] = [];
  const figures = { commandsOk: 0, commandsFailedOnKilled: 0, survivorFailures: 0, createRetries: 0, createsRetriedAfterKill: 0, inProgressWaits: 0, failovers: 0 };
  const killed = new Set<string>();
  const levels = ['high', 'medium', 'low'] as const;
  const loadStart = Date.now();

  /** A request to `api`; a failure on the replica that was (or is being) killed is the caller's to retry. */
  async function attempt(api: Api, method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<Res | Error> {
    try {
      return await call(api, adminToken, method, p, body, headers);
    } catch (e) {
      return e as Error;
    }
  }

  async function create(i: number, prefer: Api): Promise<void> {
    const key = `cluster-${runId}-${i}`;
    const title = `cluster load ${key}`;
    const kind: Kind = (['plain', 'acknowledged', 'noted'] as const)[i % 3];
    const body = { title, impact: levels[i % 3], urgency: levels[(i + 1) % 3] };
    // Like a load balancer: a replica known to be dead gets no new requests.
    let api = killed.has(prefer.name) ? apis.find((a) => !killed.has(a.name))! : prefer;
    let sawInProgress = false;
    let failedOnKilled = false;
    const deadline = Date.now() + 120_000;
    for (let n = 1; ; n++) {
      const r = await attempt(api, 'POST', '/api/v1/incidents', body, { 'idempotency-key': key });
      if (!(r instanceof Error) && r.status === 201) {
        if (n === 1) createLat.push(r.ms);
        if (failedOnKilled) figures.createsRetriedAfterKill++;
        created.push({ key, title, kind, id: r.body.id, number: r.body.number, workflowId: r.body.workflowId, via: api.name, attempts: n, sawInProgress });
        return;
      }
      if (r instanceof Error || r.status >= 500) {
        if (killed.has(api.name)) failedOnKilled = true;
        else figures.survivorFailures++;
        if (!killed.has(api.name) || !(r instanceof Error)) log(`create ${key} on ${api.name}: ${r instanceof Error ? r.message : `${r.status} ${JSON.stringify(r.body)}`}`);
      } else if (r.status === 409) {
        sawInProgress = true;
        figures.inProgressWaits++;
      } else {
        figures.survivorFailures++;
        log(`create ${key} on ${api.name}: ${r.status} ${JSON.stringify(r.body)}`);
        return;
      }
      if (Date.now() > deadline) {
        violations.push(`create ${key} never succeeded`);
        return;
      }
      figures.createRetries++;
      // Retry the same key on the other replica when this one is gone.
      const next = apis.find((a) => a !== api && !killed.has(a.name));
      if (killed.has(api.name) && next) {
        api = next;
        figures.failovers++;
      }
      await sleep(r instanceof Error ? 200 : 1000);
    }
  }

  async function command(c: Created, name: string, body: unknown, prefer: Api): Promise<void> {
    let api = killed.has(prefer.name) ? apis.find((a) => !killed.has(a.name))! : prefer;
    for (let n = 1; n <= 2; n++) {
      const r = await attempt(api, 'POST', `/api/v1/incidents/${c.number}/${name}`, body);
      if (!(r instanceof Error) && r.status === 200) {
        figures.commandsOk++;
        commandLat.push(r.ms);
        return;
      }
      if (killed.has(api.name) && r instanceof Error) {
        // Not idempotent (a note may have been written): retried only when it cannot have run twice.
        figures.commandsFailedOnKilled++;
        if (name !== 'acknowledge') return;
        api = apis.find((a) => !killed.has(a.name))!;
        continue;
      }
      if (name === 'acknowledge' && n === 2 && !(r instanceof Error) && r.status === 409) return; // the first attempt did land
      figures.survivorFailures++;
      log(`${name} ${c.number} on ${api.name}: ${r instanceof Error ? r.message : `${r.status} ${JSON.stringify(r.body)}`}`);
      return;
    }
  }

  const tasks: Promise<void>[] = [];
  const killWorkerAt = Math.floor(INCIDENTS * 0.35);
  const killApiAt = Math.floor(INCIDENTS * 0.5);
  let workerKilledAt = 0;
  let apiKilledAt = 0;
  for (let i = 0; i < INCIDENTS; i++) {
    const due = loadStart + (i * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    if (i === killWorkerAt) {
      workers[0].child.kill('SIGKILL');
      workerKilledAt = Date.now();
      log(`SIGKILL ${workers[0].name} (pid ${workers[0].child.pid}) after ${i} creates`);
    }
    if (i === killApiAt) {
      // A burst at replica 2 right before its SIGKILL, so creates die mid-request there.
      for (let b = 0; b < 6; b++) tasks.push(create(INCIDENTS + b, apis[1]).then(() => undefined));
      await sleep(60);
      killed.add(apis[1].name);
      apis[1].proc.child.kill('SIGKILL');
      apiKilledAt = Date.now();
      log(`SIGKILL ${apis[1].name} (pid ${apis[1].proc.child.pid}) after ${i} creates, 6 creates in flight on it`);
    }
    const prefer = apis[i % 2];
    tasks.push(
      create(i, prefer).then(async () => {
        const c = created.find((x) => x.key === `cluster-${runId}-${i}`);
        if (!c) return;
        const other = apis[(i + 1) % 2];
        if (c.kind === 'acknowledged') await command(c, 'acknowledge', {}, other);
        if (c.kind === 'noted') {
          await command(c, 'notes', { text: 'first look' }, other);
          await command(c, 'notes', { text: 'still looking' }, prefer);
        }
      }),
    );
  }
  await Promise.all(tasks);
  const loadEnd = Date.now();
  for (const w of workers) if (w !== workers[0] && !alive(w)) violations.push(`${w.name} died: ${tail(w)}`);
  if (!alive(apis[0].proc)) violations.push(`${apis[0].name} died: ${tail(apis[0].proc)}`);
  log(`load done in ${((loadEnd - loadStart) / 1000).toFixed(1)} s: ${created.length} incidents created, ${figures.commandsOk} commands`);

  // ---- every SLA timer fires, exactly once
  const ids = created.map((c) => c.id);
  const expectedFor = (actions: string[]): number => {
    const ackAt = actions.indexOf('acknowledge');
    const respAt = actions.indexOf('sla_response_breached');
    const responseExpected = ackAt === -1 || (respAt !== -1 && respAt < ackAt) ? 1 : 0;
    return responseExpected + 2; // + the 75 % warning and the resolution breach
  };
  const auditOf = async () => {
    const rows = await db.auditEvent.findMany({ where: { recordId: { in: ids } }, orderBy: [{ recordId: 'asc' }, { seq: 'asc' }] });
    const by = new Map<string, typeof rows>();
    for (const r of rows) by.set(r.recordId, [...(by.get(r.recordId) ?? []), r]);
    return by;
  };
  const timersDeadline = loadEnd + (RESOLUTION_S + 90) * 1000;
  let expectedTimers = 0;
  let firedTimers = 0;
  let audits = await auditOf();
  while (Date.now() < timersDeadline) {
    audits = await auditOf();
    expectedTimers = 0;
    firedTimers = 0;
    for (const c of created) {
      const actions = (audits.get(c.id) ?? []).map((e) => e.action);
      expectedTimers += expectedFor(actions);
      firedTimers += actions.filter((a) => SLA_ACTIONS.includes(a)).length;
    }
    if (firedTimers >= expectedTimers) break;
    await sleep(2000);
  }
  const allFiredAt = Date.now();
  await sleep(5000); // a grace period in which a duplicate firing would show
  audits = await auditOf();

  // ---- nothing lost, nothing duplicated, every timer once
  const lostKeys = new Set<string>();
  let tasksFailed = 0;
  let tasksTimedOut = 0;
  let duplicated = 0;
  let timerDuplicates = 0;
  let timerMissing = 0;
  expectedTimers = 0;
  firedTimers = 0;
  const byTitle = await db.incident.groupBy({ by: ['title'], where: { title: { startsWith: `cluster load cluster-${runId}-` } }, _count: { _all: true } });
  const titleCount = new Map(byTitle.map((r) => [r.title, r._count._all]));
  for (const c of created) {
    const n = titleCount.get(c.title) ?? 0;
    if (n === 0) lostKeys.add(c.key);
    if (n > 1) duplicated += n - 1;
    const row = await db.incident.findUnique({ where: { id: c.id } });
    if (!row) {
      lostKeys.add(c.key);
      violations.push(`${c.number} (${c.key}) answered 201 but is not in the CMDB`);
    }
    try {
      const handle = client.workflow.getHandle(c.workflowId);
      const d = await handle.describe();
      if (d.status.name !== 'RUNNING') violations.push(`${c.number}: workflow ${d.status.name}`);
      // A killed worker's tasks time out and are retried elsewhere; none may fail (nondeterminism).
      const events = (await handle.fetchHistory()).events ?? [];
      const failed = events.filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).length;
      tasksFailed += failed;
      tasksTimedOut += events.filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT).length;
      if (failed) violations.push(`${c.number}: ${failed} workflow task(s) failed`);
    } catch (e) {
      lostKeys.add(c.key);
      violations.push(`${c.number} (${c.key}) answered 201 but its workflow is missing: ${(e as Error).message}`);
    }
    const actions = (audits.get(c.id) ?? []).map((e) => e.action);
    const seqs = (audits.get(c.id) ?? []).map((e) => e.seq);
    if (seqs.some((s, k) => s !== k + 1)) violations.push(`${c.number}: audit seq ${seqs.join(',')}`);
    const expected = expectedFor(actions);
    expectedTimers += expected;
    for (const a of SLA_ACTIONS) {
      const k = actions.filter((x) => x === a).length;
      if (k > 1) timerDuplicates += k - 1;
    }
    const fired = actions.filter((a) => SLA_ACTIONS.includes(a)).length;
    firedTimers += fired;
    const missing = ['sla_warning', 'sla_resolution_breached'].filter((a) => !actions.includes(a)).length + (expected === 3 && !actions.includes('sla_response_breached') ? 1 : 0);
    timerMissing += missing;
    if (missing || fired !== expected) violations.push(`${c.number} (${c.kind}): ${actions.join(', ')}`);
  }
  const extra = [...titleCount.entries()].filter(([t]) => !created.some((c) => c.title === t));
  if (extra.length) violations.push(`incidents nobody got a 201 for: ${extra.map(([t]) => t).join(', ')}`);
  const lost = lostKeys.size;
  if (lost) violations.push(`${lost} lost`);
  if (duplicated) violations.push(`${duplicated} duplicated`);
  if (timerDuplicates) violations.push(`${timerDuplicates} SLA timers fired more than once`);
  if (timerMissing) violations.push(`${timerMissing} SLA timers never fired`);
  if (figures.survivorFailures) violations.push(`${figures.survivorFailures} requests failed on surviving processes`);
  const resumedAfterTakeover = created.filter((c) => c.sawInProgress).length;

  // After the kills: the surviving replica still answers commands.
  const probe = created[created.length - 1];
  if (probe) {
    const r = await attempt(apis[0], 'POST', `/api/v1/incidents/${probe.number}/notes`, { text: 'after the kills' });
    if (r instanceof Error || r.status !== 200) violations.push(`a command on ${apis[0].name} after the load failed: ${r instanceof Error ? r.message : r.status}`);
  }

  const rows: [string, string][] = [
    ['Temporal server build (one-off, go install)', Number.isFinite(buildSeconds) ? `${buildSeconds} s` : 'n/a'],
    ['Temporal server start + namespace + search attributes', `${(serverUpMs / 1000).toFixed(1)} s`],
    ['incidents created (201)', `${created.length} of ${INCIDENTS + 6} (${INCIDENTS} at ${RATE}/s + 6 in flight on the killed replica)`],
    ['creates retried after the replica kill / that waited out a dead claim (lease)', `${figures.createsRetriedAfterKill} / ${resumedAfterTakeover}`],
    ['commands (acknowledge, notes) ok / in flight on the killed replica', `${figures.commandsOk} / ${figures.commandsFailedOnKilled}`],
    ['requests failed on surviving processes', String(figures.survivorFailures)],
    ['lost (201 but missing in CMDB or Temporal)', String(lost)],
    ['duplicated (more than one incident per Idempotency-Key)', String(duplicated)],
    ['workflow tasks failed / timed out (on the killed worker) in the histories', `${tasksFailed} / ${tasksTimedOut}`],
    ['SLA timers fired / expected (duplicates)', `${firedTimers} / ${expectedTimers} (${timerDuplicates})`],
    ['create latency, first attempt', `p50 ${pct(createLat, 50).toFixed(0)} ms, p99 ${pct(createLat, 99).toFixed(0)} ms`],
    ['command latency', `p50 ${pct(commandLat, 50).toFixed(0)} ms, p99 ${pct(commandLat, 99).toFixed(0)} ms`],
    ['worker-1 killed / api-2 killed / load ended (s after load start)', `${((workerKilledAt - loadStart) / 1000).toFixed(1)} / ${((apiKilledAt - loadStart) / 1000).toFixed(1)} / ${((loadEnd - loadStart) / 1000).toFixed(1)}`],
    ['all timers fired (s after load end)', `${((allFiredAt - loadEnd) / 1000).toFixed(1)}`],
    ['total run time', `${((Date.now() - t0) / 1000).toFixed(0)} s`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\nScale-out cluster test (Temporal ${readFileSync(stamp, 'utf8').trim()} on PostgreSQL, 2 workers, 2 API replicas)\n`);
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
  writeFileSync(path.join(WORK, 'last-run.json'), JSON.stringify({ at: new Date().toISOString(), figures: Object.fromEntries(rows), violations }, null, 2));
  await db.$disconnect();
  await connection.close();
  if (violations.length) {
    process.stdout.write(`\nVIOLATIONS (${violations.length}):\n${violations.slice(0, 50).map((v) => `  - ${v}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write('\nOK: survivors carried on, nothing lost or duplicated, every SLA timer fired exactly once.\n');
  return 0;
}

main()
  .then(
    (code) => code,
    (e) => {
      console.error(`[cluster] failed: ${(e as Error).stack ?? e}`);
      return 1;
    },
  )
  .then(async (code) => {
    await stopAll();
    if (code !== 0) log(`process logs in ${path.relative(ROOT, WORK)}/`);
    process.exit(code);
  });
