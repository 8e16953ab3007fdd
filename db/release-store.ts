import type { Release } from '../generated/prisma-sqlite/client';
import { ReleaseSnapshotSchema, type ReleaseSnapshot } from '../domain/schemas/release';
import type { Db, Tx } from './client';
import { parseJson, toJson } from './json';
import { writeIfNewer, type RecordStore } from './record-store';

/** Releases: the columns the API filters on, the whole snapshot as JSON in `detail`, and which changes authorise each. */
export const releaseStore: RecordStore<ReleaseSnapshot> = {
  recordType: 'release',
  async write(tx: Tx, s: ReleaseSnapshot, seq: number, replace = false) {
    const created = await writeIfNewer(tx.release, s.id, seq, {
      number: s.number,
      workflowId: s.workflowId,
      name: s.name,
      releaseVersion: s.version,
      type: s.type,
      state: s.state,
      unitId: s.unit?.id ?? null,
      deployedAt: s.deployedAt === null ? null : new Date(s.deployedAt),
      detail: toJson(s),
      createdBy: s.createdBy,
      version: seq,
    }, replace);
    // The changes never change after creation: index them once.
    if (created) await tx.releaseChange.createMany({ data: s.changes.map((c) => ({ releaseId: s.id, changeId: c.id })) });
  },
};

export const releaseFromRow = (row: Pick<Release, 'id' | 'detail'>): ReleaseSnapshot =>
  parseJson(ReleaseSnapshotSchema, row.detail, { recordType: releaseStore.recordType, recordId: row.id, field: 'detail' });

export async function findRelease(db: Db, ref: string): Promise<Release | null> {
  return db.release.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
}
