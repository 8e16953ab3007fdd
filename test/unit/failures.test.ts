import { Prisma } from '../../generated/prisma-sqlite/client';
import { isDatabaseUnreachable } from '../../db/failures';
import { isTransientEngineError } from '../../temporal/engine-failures';

const known = (code: string, cause?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError('x', { code, clientVersion: '6.19.3', meta: cause ? { driverAdapterError: { name: 'DriverAdapterError', cause } } : undefined });

describe('which failures are outages (503, retried) and which are not', () => {
  test('the database not there: unreachable, closed, timed out, shutting down, too many connections', () => {
    expect(isDatabaseUnreachable(known('P1001', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 }))).toBe(true);
    expect(isDatabaseUnreachable(known('P2024'))).toBe(true);
    expect(isDatabaseUnreachable(known('P2010', { kind: 'ConnectionClosed' }))).toBe(true);
    expect(isDatabaseUnreachable(known('P2010', { kind: 'postgres', originalCode: '57P01', originalMessage: 'terminating connection due to administrator command' }))).toBe(true);
    expect(isDatabaseUnreachable(known('P2010', { kind: 'postgres', originalCode: '57P03', originalMessage: 'the database system is starting up' }))).toBe(true);
    expect(isDatabaseUnreachable(new Prisma.PrismaClientInitializationError("Can't reach database server", '6.19.3'))).toBe(true);
    expect(isDatabaseUnreachable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnreachable(new Error('wrapped', { cause: new Error('Connection terminated unexpectedly') }))).toBe(true);
  });

  test('anything about the query or the data is not an outage', () => {
    expect(isDatabaseUnreachable(known('P2002', { kind: 'UniqueConstraintViolation' }))).toBe(false);
    expect(isDatabaseUnreachable(known('P2000'))).toBe(false);
    expect(isDatabaseUnreachable(known('P2010', { kind: 'postgres', originalCode: '22P05', originalMessage: 'unsupported Unicode escape sequence' }))).toBe(false);
    expect(isDatabaseUnreachable(known('P1003', { kind: 'DatabaseDoesNotExist', db: 'x' }))).toBe(false);
    expect(isDatabaseUnreachable(new Prisma.PrismaClientValidationError('Argument title is missing', { clientVersion: '6.19.3' }))).toBe(false);
    expect(isDatabaseUnreachable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnreachable(undefined)).toBe(false);
  });

  test('the engine: unavailable, overloaded or past the deadline are outages; a rejected call is not', () => {
    const grpc = (code: number) => Object.assign(new Error(`grpc ${code}`), { code, details: '', metadata: {} });
    expect([4, 8, 14].map((c) => isTransientEngineError(new Error('wrapped', { cause: grpc(c) })))).toEqual([true, true, true]);
    expect([3, 5, 6, 9].map((c) => isTransientEngineError(grpc(c)))).toEqual([false, false, false, false]);
  });
});
