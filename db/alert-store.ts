import { createHash } from 'node:crypto';
import type { MonitoringAlert } from '../generated/prisma-sqlite/client';
import type { AlertRecord, EventSeverity } from '../domain/schemas/monitoring';
import type { Db } from './client';

/** An alert's id (and its workflow's): a digest of the dedup key, which is free text of any length. */
export function alertIdOf(dedupKey: string): string {
  return `alert-${createHash('sha256').update(dedupKey, 'utf8').digest('hex').slice(0, 32)}`;
}

export interface AlertRow {
  id: string;
  dedupKey: string;
  source: string;
  node: string;
  check: string;
  ciId: string | null;
  state: 'open' | 'resolved';
  severity: EventSeverity;
  lastMessage: string;
  count: number;
  ignored: number;
  incidentId: string | null;
  incidentNumber: string | null;
  firstAt: number;
  lastAt: number;
}

/** The alert as its workflow last wrote it; idempotent, so a retried activity writes the same row. */
export async function saveAlert(db: Db, a: AlertRow): Promise<void> {
  const data = { ...a, firstAt: new Date(a.firstAt), lastAt: new Date(a.lastAt) };
  await db.monitoringAlert.upsert({ where: { id: a.id }, create: data, update: data });
}

/** An alert as the API shows it, but for its CI's number (api/routes/events.ts adds it). */
export function alertView(row: MonitoringAlert): Omit<AlertRecord, 'ciNumber'> {
  return {
    id: row.id,
    dedupKey: row.dedupKey,
    source: row.source,
    node: row.node,
    check: row.check,
    ciId: row.ciId,
    state: row.state as AlertRecord['state'],
    severity: row.severity as EventSeverity,
    lastMessage: row.lastMessage,
    count: row.count,
    ignored: row.ignored,
    incidentId: row.incidentId,
    incidentNumber: row.incidentNumber,
    firstAt: row.firstAt.toISOString(),
    lastAt: row.lastAt.toISOString(),
  };
}
