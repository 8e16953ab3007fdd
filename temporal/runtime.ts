import { IllegalStateError, type LogLevel as SdkLevel } from '@temporalio/common';
import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogEntry } from '@temporalio/worker';
import type { Logger, LogLevel } from '../infra/logger';

/** The least severe SDK level that our level lets through ('silent' lets nothing through; the logger drops it). */
const SDK_LEVEL: Record<LogLevel, SdkLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', silent: 'ERROR' };

/** JSON-safe fields: an error as its name and message (and cause), a bigint as its digits. */
export function plainFields(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta) return {};
  try {
    return JSON.parse(
      JSON.stringify(meta, (_key, value: unknown) => {
        if (typeof value === 'bigint') return value.toString();
        if (value instanceof Error) return { name: value.name, message: value.message, ...(value.cause !== undefined ? { cause: value.cause } : {}) };
        return value;
      }),
    ) as Record<string, unknown>;
  } catch {
    // A cycle: keep what is plainly printable rather than lose the line.
    return Object.fromEntries(Object.entries(meta).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v)));
  }
}

/** One SDK log entry (the SDK's own, core's, or a workflow's `log.info`) as a line of our logger. */
export function writeSdkEntry(log: Logger, entry: Pick<LogEntry, 'level' | 'message' | 'meta'>): void {
  const fields = plainFields(entry.meta);
  switch (entry.level) {
    case 'TRACE':
    case 'DEBUG':
      return log.debug(entry.message, fields);
    case 'INFO':
      return log.info(entry.message, fields);
    case 'WARN':
      return log.warn(entry.message, fields);
    default:
      return log.error(entry.message, fields);
  }
}

/**
 * Sends the SDK's logs (Core's included) and the workflows' (`log` from @temporalio/workflow) to the process's
 * logger, so that LOG_LEVEL governs them and they are the same JSON lines as the rest. Without
 * it the SDK prints every workflow log at INFO, in its own format, to stderr, whatever LOG_LEVEL
 * says. The runtime is one per process: where one is already installed (a test harness, a process
 * embedding the worker that installed its own) it is kept, and this answers false.
 */
export function installRuntimeLogger(log: Logger, level: LogLevel): boolean {
  try {
    Runtime.install({
      logger: new DefaultLogger(SDK_LEVEL[level], (entry) => writeSdkEntry(log, entry)),
      // Core's own lines (Rust) too, forwarded rather than printed: its warnings and errors, as the SDK's default keeps them.
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: level === 'error' || level === 'silent' ? 'ERROR' : 'WARN', other: 'ERROR' }), forward: {} } },
    });
    return true;
  } catch (e) {
    if (e instanceof IllegalStateError) return false;
    throw e;
  }
}
