import { Prisma } from '../generated/prisma-sqlite/client';

/** Prisma's codes for "the database is not there right now" (not for anything the data did). */
const UNREACHABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
/** Driver adapter error kinds with the same meaning. */
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);
/** PostgreSQL SQLSTATEs: connection exceptions (08…), shutting down or starting up (57P01-57P03), too many connections. */
const UNREACHABLE_SQLSTATE = /^(08\d{3}|57P0[123]|53300)$/;
const UNREACHABLE_MESSAGE = /ECONNREFUSED|ECONNRESET|Connection terminated|connection is closed|database system is (starting up|shutting down|in recovery mode)|terminating connection/i;

/**
 * True when a database call failed because the database could not be reached (an outage the
 * caller should retry: 503), false for anything about the query or the data. The same test
 * decides, in activities, what retries (outages) and what fails at once (data errors).
 */
export function isDatabaseUnreachable(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    if (cur instanceof Prisma.PrismaClientInitializationError) return true;
    const code = (cur as { code?: unknown }).code;
    if (cur instanceof Prisma.PrismaClientKnownRequestError) {
      if (UNREACHABLE_CODES.has(cur.code)) return true;
      const adapter = (cur.meta as { driverAdapterError?: { cause?: { kind?: string; originalCode?: string; originalMessage?: string } } } | undefined)?.driverAdapterError?.cause;
      if (adapter?.kind && UNREACHABLE_KINDS.has(adapter.kind)) return true;
      if (adapter?.originalCode && UNREACHABLE_SQLSTATE.test(adapter.originalCode)) return true;
      if (adapter?.originalMessage && UNREACHABLE_MESSAGE.test(adapter.originalMessage)) return true;
    } else if (typeof code === 'string' && (UNREACHABLE_SQLSTATE.test(code) || /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT)$/.test(code))) {
      return true;
    }
    if (cur instanceof Error && !(cur instanceof Prisma.PrismaClientValidationError) && UNREACHABLE_MESSAGE.test(cur.message)) return true;
  }
  return false;
}
