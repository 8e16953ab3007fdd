/**
 * Records whose workflow is still to be started (RecordStart rows): written in the same
 * transaction as the record itself, removed once its workflow runs. What the start needs is
 * kept whole in the row, so whoever starts it (the API right after answering, a worker's sweep
 * after a crash, a command that got there first) needs nothing else.
 */
import type { Db } from './client';
import { driverOf } from './client';
import { sql, type SqlBody } from './sql';

/** A search attribute as stored: the key's name and type, and the value. */
export interface StoredSearchAttribute {
  name: string;
  type: string;
  value: unknown;
}

export interface RecordStartPlan {
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  input: unknown;
  staticSummary: string;
  staticDetails: string;
  memo: Record<string, unknown>;
  searchAttributes: StoredSearchAttribute[];
}

export function* insertRecordStart(recordType: string, recordId: string, plan: RecordStartPlan, at: Date): SqlBody<void> {
  yield* sql.insert('RecordStart', { workflowId: plan.workflowId, workflowType: plan.workflowType, recordType, recordId, start: JSON.stringify(plan), createdAt: at });
}

const planOf = (r: { start: string }): RecordStartPlan => JSON.parse(r.start) as RecordStartPlan;

export async function pendingStart(db: Db, workflowId: string): Promise<RecordStartPlan | null> {
  const [row] = await driverOf(db).query<{ start: string }>('SELECT "start" FROM "RecordStart" WHERE "workflowId" = ?', [workflowId]);
  return row ? planOf(row) : null;
}

/** The oldest starts written before `before`: what nobody has started yet. */
export async function startsBefore(db: Db, before: Date, limit: number): Promise<RecordStartPlan[]> {
  const rows = await driverOf(db).query<{ start: string }>('SELECT "start" FROM "RecordStart" WHERE "createdAt" < ? ORDER BY "createdAt" LIMIT ?', [before, limit]);
  return rows.map(planOf);
}

export async function removeStart(db: Db, workflowId: string): Promise<void> {
  await driverOf(db).transaction(function* () {
    yield* sql.run('DELETE FROM "RecordStart" WHERE "workflowId" = ?', [workflowId]);
  });
}
