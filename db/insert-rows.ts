import { Prisma } from '../generated/prisma-sqlite/client';
import type { Tx } from './client';

/**
 * Raw parameters reach Prisma's query compiler as JSON, where a whole number above 2^53 (every
 * double from 9.007e15 up is one, e.g. 1e16 bytes, or a forecast's intercept) is refused as "can't
 * be represented as a JavaScript number": such a value goes as a Decimal, which both databases
 * store in a Float column exactly. A safe integer or a fraction goes as it is.
 */
const bindable = (v: unknown): unknown => (typeof v === 'number' && Number.isFinite(v) && Number.isInteger(v) && !Number.isSafeInteger(v) ? new Prisma.Decimal(v.toString()) : v);

/**
 * One multi-row INSERT. Prisma's createMany compiles its whole payload on every call (most
 * of an import's time went there); a raw statement binds the values instead. Dates are bound
 * as Date parameters, which the driver adapters store exactly as model writes do.
 */
export async function insertRows<R extends object>(tx: Tx, table: string, columns: readonly (keyof R & string)[], rows: R[], opts: { skipExisting?: boolean } = {}): Promise<number> {
  // Built flat (one Sql of strings and values): nesting Prisma.sql per row costs more than the insert.
  const strings = [`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `];
  const values: unknown[] = [];
  rows.forEach((row, i) => {
    columns.forEach((c, j) => {
      strings[strings.length - 1] += j > 0 ? ', ' : i > 0 ? ', (' : '(';
      values.push(bindable(row[c]));
      strings.push('');
    });
    strings[strings.length - 1] += ')';
  });
  // A row whose key is already there is left as it is (both SQLite and PostgreSQL spell it so): idempotent ingest.
  if (opts.skipExisting) strings[strings.length - 1] += ' ON CONFLICT DO NOTHING';
  return tx.$executeRaw(new Prisma.Sql(strings, values as Prisma.Sql['values']));
}
