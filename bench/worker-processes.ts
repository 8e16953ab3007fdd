/**
 * The product worker as a deployment runs it: `worker.ts` in processes of its own (docker-compose
 * runs the worker apart from the API), sharing the task queue. The SDK refuses a second worker
 * on one task queue in one process, so this is the only way to give each worker its share of
 * the open records, and the SDK core's cost per input grows with the runs a worker caches.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface WorkerProcessesOptions {
  count: number;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  /** Every line a worker writes at warn or error (its own log is JSON lines, the SDK's is not). */
  onProblem: (line: string) => void;
}

export interface WorkerProcesses {
  pids: number[];
  stop(): Promise<void>;
}

const WORKER_ENTRY = path.join(__dirname, '..', 'worker.ts');
const READY = 'worker started';
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
/** A stack trace's or a logged object's later lines: part of the warning on the line before. */
const CONTINUATION = /^\s|^}/;
const BUSY = /database is locked|SQLITE_BUSY/;
/** A folder to keep each worker's whole output in (worker-<pid>.log), for reading a warning in full. */
const LOG_DIR = process.env.BENCH_WORKER_LOG_DIR;

export async function startWorkerProcesses(o: WorkerProcessesOptions): Promise<WorkerProcesses> {
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null || c.signalCode !== null
          ? undefined
          : new Promise<void>((resolve) => {
              // The worker's own shutdown grace is 10 s; past that it is killed rather than waited for.
              const kill = setTimeout(() => c.kill('SIGKILL'), STOP_TIMEOUT_MS);
              c.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              c.kill('SIGTERM');
            }),
      ),
    );
  };
  try {
    await Promise.all(
      Array.from({ length: o.count }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
          env: {
            ...process.env,
            NODE_ENV: 'development',
            TEMPORAL_ADDRESS: o.temporalAddress,
            TEMPORAL_NAMESPACE: o.namespace,
            TEMPORAL_TASK_QUEUE: o.taskQueue,
            DATABASE_URL: o.databaseUrl,
            // info: the line that says the worker is polling; the rest of info is filtered out below.
            LOG_LEVEL: 'info',
            // The bench's schedules would fire into the measurement: a deployment's crons, not its load.
            CMDB_VERIFICATION_CRON: 'off',
            PROBLEM_TREND_CRON: 'off',
            CONTINUITY_CHECK_CRON: 'off',
            CAPACITY_CRON: 'off',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.push(child);
        return new Promise<void>((resolve, reject) => {
          let started = false;
          const timer = setTimeout(() => reject(new Error(`worker process ${child.pid} did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
          const onLine = (line: string) => {
            if (LOG_DIR) appendFileSync(path.join(LOG_DIR, `worker-${child.pid}.log`), line + '\n');
            if (line.includes(READY)) {
              clearTimeout(timer);
              started = true;
              resolve();
            } else if (CONTINUATION.test(line) ? BUSY.test(line) : line.startsWith('{') ? /"level":"(warn|error)"/.test(line) : /\b(WARN|ERROR)\b|Error/.test(line) || BUSY.test(line)) {
              o.onProblem(`worker ${child.pid}: ${line}`);
            }
          };
          createInterface({ input: child.stdout! }).on('line', onLine);
          createInterface({ input: child.stderr! }).on('line', onLine);
          child.once('exit', (code, signal) => {
            clearTimeout(timer);
            if (!started) reject(new Error(`worker process ${child.pid} exited (${code ?? signal}) before it started`));
            // Its share of the task queue falls to the others: the figures are then not the configured topology's.
            else if (!stopping) o.onProblem(`worker ${child.pid}: exited (${code ?? signal}) during the run`);
          });
        });
      }),
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { pids: children.map((c) => c.pid!), stop };
}
