import type { GateFacts } from '../domain/release/gate';
import { changeFromRow } from './change-store';
import type { Db } from './client';

/** What a release's gate reads at `at`: its changes as they are now, and the freezes in force. */
export async function readGateFacts(db: Db, changeIds: string[], at: number): Promise<GateFacts> {
  const rows = await db.change.findMany({ where: { id: { in: changeIds } } });
  const when = new Date(at);
  const freezes = await db.changeFreeze.findMany({ where: { start: { lte: when }, end: { gt: when } }, orderBy: { end: 'desc' } });
  return {
    changes: rows
      .map((r) => {
        const s = changeFromRow(r);
        return { id: s.id, number: s.number, type: s.type, state: s.state, plannedStart: s.plannedStart, plannedEnd: s.plannedEnd, holdReason: s.holdReason, heldUntil: s.heldUntil };
      })
      .sort((a, b) => a.number.localeCompare(b.number)),
    freezes: freezes.map((f) => ({ id: f.id, name: f.name, start: f.start.getTime(), end: f.end.getTime() })),
  };
}
