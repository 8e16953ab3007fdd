import type { Db } from '../../db/client';

/** The audit trail of any record, oldest first (shared by every process's /history). */
export async function auditEntries(db: Db, recordId: string) {
  const rows = await db.auditEvent.findMany({ where: { recordId }, orderBy: { seq: 'asc' } });
  return rows.map((r) => ({
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    ...(r.fromState !== null ? { from: r.fromState } : {}),
    ...(r.toState !== null ? { to: r.toState } : {}),
    data: JSON.parse(r.data) as Record<string, unknown>,
    ...(r.timeSpent !== null ? { timeSpent: r.timeSpent } : {}),
  }));
}
