import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { PrismaClient as SqliteClient } from '../generated/prisma-sqlite/client';
import { PrismaClient as PostgresClient } from '../generated/prisma-postgres/client';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { openSqlDriver, sqlBool, sqlDate, type SqlDriver, type SqlValue } from './sql';

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
  // The driver connection beside it (driverOf) goes with it.
  const disconnect = db.$disconnect.bind(db);
  db.$disconnect = async () => {
    const driver = drivers.get(db);
    drivers.delete(db);
    await driver?.close();
    await disconnect();
  };
  return db;
}

const urls = new WeakMap<Db, string>();
const drivers = new WeakMap<Db, SqlDriver>();

/**
 * The same database on the driver (db/sql.ts), for the hot paths' prepared statements: opened on
 * first use, closed by the client's `$disconnect`. Every client is made by createDb.
 */
export function driverOf(db: Db): SqlDriver {
  let driver = drivers.get(db);
  if (!driver) {
    const url = urls.get(db);
    if (url === undefined) throw new Error('driverOf: a database client not made by createDb');
    drivers.set(db, (driver = openSqlDriver(url, sqliteFilePath)));
  }
  return driver;
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

/** The generated client's own description of its models (like `_activeProvider`, read in this one place). */
interface RuntimeDataModel {
  models: Record<string, { fields: { name: string; kind: string; type: string }[] }>;
}
const decoders = new Map<string, (row: Record<string, unknown>) => void>();
function decoderOf(db: Db, model: string): (row: Record<string, unknown>) => void {
  let decode = decoders.get(model);
  if (!decode) {
    const fields = (db as unknown as { _runtimeDataModel: RuntimeDataModel })._runtimeDataModel.models[model]?.fields;
    if (!fields) throw new Error(`no model ${model}`);
    const dates = fields.filter((f) => f.type === 'DateTime').map((f) => f.name);
    const bools = fields.filter((f) => f.type === 'Boolean').map((f) => f.name);
    decode = (row) => {
      for (const f of dates) if (f in row) row[f] = sqlDate(row[f]);
      for (const f of bools) if (f in row) row[f] = sqlBool(row[f]);
    };
    decoders.set(model, decode);
  }
  return decode;
}

/**
 * Rows of one model read on the driver (db/sql.ts) rather than through Prisma's query compiler,
 * for the API's per-request reads: dates and booleans come back as Prisma gives them, whichever
 * database it is. `T` is the model's type (or the part of it the statement selects).
 */
export async function selectRows<T>(db: Db, model: string, text: string, params: SqlValue[] = []): Promise<T[]> {
  const rows = await driverOf(db).query<Record<string, unknown>>(text, params);
  const decode = decoderOf(db, model);
  for (const r of rows) decode(r);
  return rows as T[];
}

/** Whether this is a client createDb made (a Prisma transaction is not: it reads through Prisma). */
export const hasDriver = (db: Db | Tx): db is Db => urls.has(db as Db);
