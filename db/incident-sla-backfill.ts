import type { Db } from './client';
import { CorruptRecordError } from './record-store';
import { incidentFromRow, slaColumnsOf } from './incident-store';

/**
 * Incidents recorded before the SLA clock had columns get them from their `sla` JSON, in
 * batches; run after the migrations (a row with no response due time has never been written
 * since). Idempotent; each row's columns are what its next transition would write. A row whose
 * stored clock is corrupt is left as it is (its reads already say so) and counted.
 */
export async function backfillIncidentSlaColumns(db: Db, batch = 500): Promise<{ filled: number; corrupt: number }> {
  let filled = 0;
  let corrupt = 0;
  let after = '';
  for (;;) {
    const rows = await db.incident.findMany({ where: { responseDueAt: null, id: { gt: after } }, take: batch, orderBy: { id: 'asc' } });
    if (rows.length === 0) return { filled, corrupt };
    for (const row of rows) {
      try {
        const s = incidentFromRow(row);
        await db.incident.update({ where: { id: row.id }, data: slaColumnsOf(s.slaId, s.clock) });
        filled++;
      } catch (e) {
        if (!(e instanceof CorruptRecordError)) throw e;
        corrupt++;
      }
    }
    after = rows[rows.length - 1].id;
  }
}
