import type { Db } from './client';
import { insertRows } from './insert-rows';

export interface MetricPointRow {
  ciId: string;
  metric: string;
  at: Date;
  value: number;
}

const POINT_COLUMNS = ['ciId', 'metric', 'at', 'value'] as const;

/** CIs named by id or number, in one read: the ref each was named by maps to its row. */
export async function cisByRef(db: Db, refs: readonly string[]) {
  const unique = [...new Set(refs)];
  const rows = await db.configurationItem.findMany({
    where: { OR: [{ id: { in: unique } }, { number: { in: unique } }] },
    select: { id: true, number: true, class: true },
  });
  const byRef = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    byRef.set(r.id, r);
    byRef.set(r.number, r);
  }
  return byRef;
}

/** Store a batch of points in one statement; a point already stored (same CI, metric and instant) is kept as first received. Returns how many were new. */
export async function insertMetricPoints(db: Db, rows: MetricPointRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  return db.$transaction((tx) => insertRows(tx, 'MetricPoint', POINT_COLUMNS, rows, { skipExisting: true }));
}
