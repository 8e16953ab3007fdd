import Database from 'better-sqlite3';
import pg, { Pool, type PoolClient } from 'pg';

const TIMESTAMP_OID = 1114;
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The hot write path on the driver itself: prepared statements, no query compiler. Prisma costs
 * about 14 ms of CPU for a transition's handful of statements; the driver runs them in well under
 * one. Only the transition writer uses it (activities/record-transition.ts), for stores that
 * know their row as SQL; everything else stays on Prisma.
 *
 * A transaction is a generator of statements (`yield* sql.all(...)`, `yield* sql.run(...)`):
 * on SQLite it is stepped synchronously from BEGIN IMMEDIATE to COMMIT, so the write lock is
 * never held across an await. That matters in one process: Prisma's SQLite connection waits for
 * a busy lock synchronously, and would block the very event loop our transaction needed to
 * finish. This connection never waits synchronously (busy_timeout 0): a busy database is
 * retried after a short async sleep. On PostgreSQL the same generator runs on a pooled client.
 */
export type SqlValue = string | number | boolean | Date | null;
export type SqlRow = Record<string, SqlValue>;
interface Statement {
  kind: 'all' | 'run';
  text: string;
  params: SqlValue[];
}
export type SqlBody<T> = Generator<Statement, T, unknown>;

export const sql = {
  /** The rows a query returns. */
  *all<R>(text: string, params: SqlValue[] = []): SqlBody<R[]> {
    return (yield { kind: 'all', text, params }) as R[];
  },
  /** Runs a statement; returns how many rows it changed. */
  *run(text: string, params: SqlValue[] = []): SqlBody<number> {
    return (yield { kind: 'run', text, params }) as number;
  },
  /** INSERT of one row; `onConflict` e.g. `ON CONFLICT ("id") DO NOTHING`. */
  *insert(table: string, row: SqlRow, onConflict = ''): SqlBody<number> {
    const cols = Object.keys(row);
    return yield* sql.run(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ${onConflict}`, Object.values(row));
  },
  /** UPDATE of `set` where every `where` column equals its value, plus `extra` (SQL with its own params). */
  *update(table: string, set: SqlRow, where: SqlRow, extra?: { text: string; params: SqlValue[] }): SqlBody<number> {
    const text = `UPDATE "${table}" SET ${Object.keys(set).map((c) => `"${c}" = ?`).join(', ')} WHERE ${Object.keys(where).map((c) => `"${c}" = ?`).join(' AND ')}${extra ? ` AND ${extra.text}` : ''}`;
    return yield* sql.run(text, [...Object.values(set), ...Object.values(where), ...(extra?.params ?? [])]);
  },
};

/** `?, ?, …` for an IN list of these values. */
export const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(', ');

/** One query per 500 keys of an IN list (SQLite and PostgreSQL cap a statement's parameters), rows together; none for no keys. */
export async function inChunks<K, R>(keys: readonly K[], read: (chunk: K[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < keys.length; i += 500) out.push(...(await read(keys.slice(i, i + 500))));
  return out;
}

export interface SqlDriver {
  dialect: 'sqlite' | 'postgres';
  transaction<T>(body: () => SqlBody<T>): Promise<T>;
  /**
   * A read outside any transaction, for the API's hot paths (authentication, a command's target).
   * Values come back as the driver gives them: read dates with `sqlDate`, booleans with `sqlBool`.
   */
  query<R>(text: string, params?: SqlValue[]): Promise<R[]>;
  close(): Promise<void>;
}

/** A date column as read by either driver (SQLite: Prisma's ISO text; PostgreSQL: a Date). */
export function sqlDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'string' || typeof v === 'number') return new Date(v);
  throw new TypeError(`not a date column value: ${String(v)}`);
}

/** A boolean column as read by either driver (SQLite: 0/1). */
export const sqlBool = (v: unknown): boolean => v === true || v === 1 || v === 1n;

/** SQLite answers BUSY at once (busy_timeout 0): wait asynchronously and try again, up to 5 s. */
async function retryBusy<T>(attempt: () => T): Promise<T> {
  for (let waited = 0; ; ) {
    try {
      return attempt();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_BUSY_SNAPSHOT') || waited >= 5_000) throw e;
      const pause = Math.min(2 + waited / 10, 50);
      await sleep(pause);
      waited += pause;
    }
  }
}

/** Errors about the data itself (a constraint, a type): the same on every retry. */
export function isSqlDataError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  if (code.startsWith('SQLITE_')) return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG' || code === 'SQLITE_RANGE';
  // PostgreSQL SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation).
  return /^2[23][0-9A-Z]{3}$/.test(code);
}

function sqliteDriver(file: string): SqlDriver {
  const db = new Database(file, { timeout: 0 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const prepared = new Map<string, Database.Statement>();
  const prepare = (text: string) => {
    let st = prepared.get(text);
    if (!st) prepared.set(text, (st = db.prepare(text)));
    return st;
  };
  // Stored as Prisma's SQLite adapter stores them (ISO 8601 with +00:00; booleans as 0/1).
  const encode = (v: SqlValue) => (v instanceof Date ? v.toISOString().replace('Z', '+00:00') : typeof v === 'boolean' ? (v ? 1 : 0) : v);
  const exec = (s: Statement): unknown => {
    const st = prepare(s.text);
    const params = s.params.map(encode);
    return s.kind === 'all' ? st.all(...params) : st.run(...params).changes;
  };
  const attempt = <T>(body: () => SqlBody<T>): T => {
    prepare('BEGIN IMMEDIATE').run();
    try {
      const g = body();
      let step = g.next();
      while (!step.done) step = g.next(exec(step.value));
      prepare('COMMIT').run();
      return step.value;
    } catch (e) {
      if (db.inTransaction) prepare('ROLLBACK').run();
      throw e;
    }
  };
  return {
    dialect: 'sqlite',
    transaction: <T>(body: () => SqlBody<T>) => retryBusy(() => attempt(body)),
    query: <R>(text: string, params: SqlValue[] = []) => retryBusy(() => prepare(text).all(...params.map(encode)) as R[]),
    async close() {
      db.close();
    },
  };
}

/**
 * An error the server gave for a statement on a connection that still works (a constraint, a
 * type, a lock timeout), as opposed to the connection itself failing or the server going away
 * (connection exceptions 08…, shutdown 57P…, too many connections 53300): such a connection is
 * dropped, not rolled back and put back.
 */
function isStatementError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57P|53300)/.test(code);
}

function postgresDriver(url: string): SqlDriver {
  // timestamp(3) without time zone holds UTC (as Prisma writes it): read it so, whatever TZ says.
  const types = { getTypeParser: (oid: number, format?: string) => (oid === TIMESTAMP_OID ? (v: string) => new Date(`${v.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format as 'text')) };
  // Nothing waits forever: a connection that cannot be made, or a statement on a connection that
  // went away without a word, fails within seconds (and the activity or request retries).
  const pool = new Pool({ connectionString: url, max: 10, idleTimeoutMillis: 10_000, allowExitOnIdle: true, connectionTimeoutMillis: 5_000, query_timeout: 15_000, types });
  // An idle connection the server closed (a restart, a failover, DROP DATABASE … FORCE) is dropped
  // from the pool; without a listener the event would end the process. The next query reconnects.
  pool.on('error', () => undefined);
  const numbered = new Map<string, string>();
  const toPg = (text: string) => {
    let t = numbered.get(text);
    if (t === undefined) {
      let n = 0;
      numbered.set(text, (t = text.replace(/\?/g, () => `$${++n}`)));
    }
    return t;
  };
  // Prisma's columns are timestamp(3) without time zone, holding UTC.
  const encode = (v: SqlValue) => (v instanceof Date ? v.toISOString() : v);
  const exec = async (c: PoolClient, s: Statement): Promise<unknown> => {
    const r = await c.query(toPg(s.text), s.params.map(encode));
    return s.kind === 'all' ? r.rows : (r.rowCount ?? 0);
  };
  return {
    dialect: 'postgres',
    async transaction<T>(body: () => SqlBody<T>): Promise<T> {
      const c = await pool.connect();
      // A connection that failed (rather than a statement the server refused) is not put back.
      let broken: Error | undefined;
      // The pool listens for errors only on idle connections: one that fails while checked out
      // (between two statements) must not go unheard, or the process would end.
      const onError = (e: Error) => {
        broken = e;
      };
      c.on('error', onError);
      try {
        await c.query('BEGIN');
        const g = body();
        let step = g.next();
        while (!step.done) step = g.next(await exec(c, step.value));
        await c.query('COMMIT');
        return step.value;
      } catch (e) {
        if (!isStatementError(e)) broken = e as Error;
        else await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.off('error', onError);
        c.release(broken);
      }
    },
    async query<R>(text: string, params: SqlValue[] = []) {
      return (await pool.query(toPg(text), params.map(encode))).rows as R[];
    },
    async close() {
      await pool.end();
    },
  };
}

export function openSqlDriver(url: string, sqliteFile: (url: string) => string): SqlDriver {
  return url.startsWith('file:') ? sqliteDriver(sqliteFile(url)) : postgresDriver(url);
}
