/**
 * Real child processes for the durability and fault suites: the worker and the API as the
 * product runs them, the Temporal dev server on a database file that survives a restart, and
 * a PostgreSQL instance of the suite's own that can be stopped without disturbing any other.
 *
 * Node children run as `node --import tsx <script>` (one process), not through `tsx/cli`: the
 * tsx CLI runs the script in a grandchild and cannot relay a SIGKILL, so killing it would leave
 * the real process running and the test would prove nothing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { devServerSearchAttributeFlags } from '../../temporal/search-attributes';
import { TEMPORAL_CLI, assertBinaries } from './binaries';
import { eventually } from './stack';
import { BUNDLE_ENV } from './global-setup';

export const ROOT = path.join(__dirname, '..', '..');

export interface ChildRun {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): ChildRun {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + String(d)).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { name, child, output: () => out.slice(-4000), exited };
}

/**
 * A product entry point (worker.ts, api/server.ts) as its own process. A worker loads the run's
 * workflow bundle (WORKFLOW_BUNDLE_PATH, as a deployment may) rather than bundling at each start.
 */
export function spawnNode(name: string, script: string, env: Record<string, string>): ChildRun {
  const bundle = process.env[BUNDLE_ENV];
  return spawnChild(name, process.execPath, ['--import', 'tsx', script], { ...process.env, ...(bundle ? { WORKFLOW_BUNDLE_PATH: bundle } : {}), ...env });
}

export function isRunning(c: ChildRun): boolean {
  return c.child.exitCode === null && c.child.signalCode === null;
}

/** Stops a child: `signal` first, SIGKILL if it is still there after 10 s. */
export async function stopChild(c: ChildRun, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isRunning(c)) return;
  c.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([c.exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), 10_000)))]);
  clearTimeout(timer);
  if (!done) {
    c.child.kill('SIGKILL');
    await c.exited;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the worker process (by pid, the SDK's default identity) long-polls the workflow queue. */
export async function waitUntilPolling(client: Client, namespace: string, taskQueue: string, w: ChildRun, timeoutMs = 60_000): Promise<void> {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void w.exited.then((e) => (exit = e));
  await eventually(
    async () => {
      if (exit) throw new Error(`${w.name} exited (${exit.code ?? exit.signal}) before polling:\n${w.output()}`);
      const res = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${w.child.pid}@`)) ? true : undefined;
    },
    timeoutMs,
    `${w.name} (pid ${w.child.pid}) to poll ${taskQueue}`,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}\n--- ${w.name} output ---\n${w.output()}`);
  });
}

/** Waits until an HTTP server answers on `url` (any status). */
export async function waitUntilListening(url: string, c: ChildRun, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      if (!isRunning(c)) throw new Error(`${c.name} exited:\n${c.output()}`);
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return true;
    },
    timeoutMs,
    `${c.name} to listen on ${url}`,
  );
}

/**
 * The Temporal dev server on a database file of its own: stopped and started again on the same
 * port, it comes back with every workflow and timer it had.
 */
export class DevServerProcess {
  private run: ChildRun | undefined;
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'itsm-temporal-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<DevServerProcess> {
    assertBinaries();
    const s = new DevServerProcess(await freePort());
    await s.start();
    return s;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(this.port), '--http-port', String(await freePort()), '--metrics-port', String(await freePort()), '--db-filename', path.join(this.dir, 'temporal.db'), '--log-level', 'error', ...devServerSearchAttributeFlags()];
    this.run = spawnChild('temporal dev server', TEMPORAL_CLI, args, process.env);
    await eventually(
      async () => {
        if (!isRunning(this.run!)) throw new Error(`the dev server exited:\n${this.run!.output()}`);
        return (await canConnect(this.port)) ? true : undefined;
      },
      60_000,
      'the Temporal dev server to listen',
    );
  }

  async stop(): Promise<void> {
    if (this.run) await stopChild(this.run, 'SIGTERM');
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = require('node:net').connect(port, '127.0.0.1') as import('node:net').Socket;
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A PostgreSQL server of the suite's own (Debian's binaries, which scripts/postgres-for-tests.sh
 * installs), in a temporary directory on a free port: `stop()` takes it away as an outage would.
 */
export class PostgresProcess {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'itsm-pg-'));
  private readonly bin: string;
  private readonly asRoot = process.getuid?.() === 0;

  private constructor(readonly port: number) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
    this.bin = path.join('/usr/lib/postgresql', versions[versions.length - 1], 'bin');
  }

  static async start(): Promise<PostgresProcess> {
    execFileSync('bash', [path.join(ROOT, 'scripts', 'postgres-for-tests.sh')], { stdio: ['ignore', 'ignore', 'inherit'] }); // installs the binaries if missing
    const pg = new PostgresProcess(await freePort());
    if (pg.asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(pg.dir, uid, gid);
      chmodSync(pg.dir, 0o700);
    }
    pg.exec('initdb', ['-D', path.join(pg.dir, 'data'), '-A', 'trust', '-U', 'itsm', '--no-sync']);
    pg.start();
    pg.exec('createdb', ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'itsm', 'itsm']);
    return pg;
  }

  get url(): string {
    return `postgresql://itsm@127.0.0.1:${this.port}/itsm`;
  }

  start(): void {
    this.exec('pg_ctl', ['-D', path.join(this.dir, 'data'), '-l', path.join(this.dir, 'log'), '-w', '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  }

  /** A fast shutdown: connected sessions are terminated, as when the server goes away. */
  stop(): void {
    this.exec('pg_ctl', ['-D', path.join(this.dir, 'data'), '-w', '-m', 'fast', 'stop']);
  }

  dispose(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private exec(tool: string, args: string[]): void {
    const cmd = path.join(this.bin, tool);
    if (this.asRoot) execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')], { stdio: ['ignore', 'ignore', 'pipe'] });
    else execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}
