import type { Tx } from './client';
import type { SqlBody } from './sql';

/**
 * How one record type's snapshot becomes its row, and back. Each process has its own store
 * (db/<process>-store.ts) and registers it in activities/processes.ts; the transition writer
 * (activities/record-transition.ts) knows none of them by name.
 */
export interface RecordStore<S = never> {
  recordType: string;
  /** `replace`: the row is rewritten whatever its version (the workflow's history has overruled a later write). */
  write(tx: Tx, snapshot: S, seq: number, replace?: boolean): Promise<void>;
  /**
   * Notifications the store's write may raise itself beside the transition's own (an incident's
   * survey invitation on close), by their deterministic ids: mailed like the transition's when
   * they exist, also on a retry of the write.
   */
  notificationsOf?(snapshot: S): string[];
  /**
   * The same write on the driver's prepared statements (db/sql.ts), for the snapshots it can
   * take (null: this one takes `write`). Called as `sqlWrite(s, seq, replace)(s, seq)`.
   */
  sqlWrite?(snapshot: S, seq: number, replace: boolean): ((snapshot: S, seq: number) => SqlBody<void>) | null;
}

/** The part of a record table's Prisma delegate that writing a versioned snapshot needs. */
interface VersionedTable<Row> {
  updateMany(args: { where: { id: string; version?: { lt: number } }; data: Row }): Promise<{ count: number }>;
  findUnique(args: { where: { id: string }; select: { id: true } }): Promise<unknown>;
  create(args: { data: Row & { id: string } }): Promise<unknown>;
}

/**
 * Writes a record's row for transition `seq`. Only a newer transition may overwrite: a late
 * retry of an older one is a no-op (unless `replace`). True when this created the row.
 */
export async function writeIfNewer<Row>(table: VersionedTable<Row>, id: string, seq: number, row: Row, replace = false): Promise<boolean> {
  const updated = await table.updateMany({ where: replace ? { id } : { id, version: { lt: seq } }, data: row });
  if (updated.count > 0 || (await table.findUnique({ where: { id }, select: { id: true } }))) return false;
  await table.create({ data: { id, ...row } });
  return true;
}

/** The ApplicationFailure type an activity fails with when it reads a CorruptRecordError: never retried. */
export const CORRUPT_RECORD_FAILURE = 'CorruptRecord';

/**
 * Stored data that no longer matches its schema: an error to surface, never a silent
 * default. `field` is the path of the first failing value (e.g. `sla.clock.calendar.timezone`).
 */
export class CorruptRecordError extends Error {
  constructor(
    readonly recordType: string,
    readonly recordId: string,
    readonly field: string,
    detail: string,
  ) {
    super(`stored ${recordType} ${recordId} is corrupt: ${detail}`);
    this.name = 'CorruptRecordError';
  }
}
