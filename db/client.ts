import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { PrismaClient as SqliteClient } from '../generated/prisma-sqlite/client';
import { PrismaClient as PostgresClient } from '../generated/prisma-postgres/client';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';

/**
 * Both generated clients expose the same model API (they come from one models.prisma);
 * the SQLite one's type stands for both so the rest of the code is provider-agnostic.
 */
export type Db = SqliteClient;
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export function isSqliteUrl(url: string): boolean {
  return url.startsWith('file:');
}

export function sqliteFilePath(url: string): string {
  return path.resolve(url.slice('file:'.length).split('?')[0]);
}

export function createDb(url: string): Db {
  if (isSqliteUrl(url)) {
    const file = sqliteFilePath(url);
    mkdirSync(path.dirname(file), { recursive: true });
    return new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: `file:${file}` }) });
  }
  // The two generated clients are comparable but not provably identical to the compiler (each
  // comes with its own copy of Prisma's conditional types), so this one assertion remains.
  return new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as Db;
}

/**
 * WAL lets the API read while the worker writes, and busy_timeout turns a concurrent
 * writer into a short wait instead of SQLITE_BUSY.
 */
export async function tuneDb(db: Db, url: string): Promise<void> {
  if (!isSqliteUrl(url)) return;
  await db.$queryRawUnsafe('PRAGMA journal_mode=WAL');
  await db.$queryRawUnsafe('PRAGMA synchronous=NORMAL');
  await db.$queryRawUnsafe('PRAGMA busy_timeout=5000');
}

/**
 * Which database a client (or a transaction of it) talks to, for the few statements that
 * differ (full-text search). Prisma keeps it on the client; this is the one place that reads it.
 */
export function providerOf(db: Db | Tx): 'sqlite' | 'postgres' {
  return (db as unknown as { _activeProvider: string })._activeProvider === 'sqlite' ? 'sqlite' : 'postgres';
}
