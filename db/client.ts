import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { PrismaClient as SqliteClient } from '../generated/prisma-sqlite/client';
import { PrismaClient as PostgresClient } from '../generated/prisma-postgres/client';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { openSqlWriter, type SqlWriter } from './sql';

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
  let db: Db;
  if (isSqliteUrl(url)) {
    const file = sqliteFilePath(url);
    mkdirSync(path.dirname(file), { recursive: true });
    db = new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: `file:${file}` }) });
  } else {
    // The two generated clients are comparable but not provably identical to the compiler (each
    // comes with its own copy of Prisma's conditional types), so this one assertion remains.
    db = new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as Db;
  }
  urls.set(db, url);
  // The driver connection beside it (sqlWriterOf) goes with it.
  const disconnect = db.$disconnect.bind(db);
  db.$disconnect = async () => {
    const writer = writers.get(db);
    writers.delete(db);
    await writer?.close();
    await disconnect();
  };
  return db;
}

const urls = new WeakMap<Db, string>();
const writers = new WeakMap<Db, SqlWriter>();

/**
 * The same database on the driver, for the transition writer's prepared statements (db/sql.ts):
 * opened on first use, closed by the client's `$disconnect`. Null for a client not made by createDb.
 */
export function sqlWriterOf(db: Db): SqlWriter | null {
  let writer = writers.get(db);
  if (!writer) {
    const url = urls.get(db);
    if (url === undefined) return null;
    writers.set(db, (writer = openSqlWriter(url, sqliteFilePath)));
  }
  return writer;
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
