import type { Change } from '../generated/prisma-sqlite/client';
import type { ChangeSnapshot } from '../domain/change/snapshot';
import { ChangeSnapshotSchema } from '../domain/schemas/change-snapshot';
import type { Tx } from './client';
import { parseJson, toJson } from './json';
import { writeIfNewer, type RecordStore } from './record-store';

/** Changes: the columns the API filters on, the whole snapshot as JSON in `detail`. */
export const changeStore: RecordStore<ChangeSnapshot> = {
  recordType: 'change',
  async write(tx: Tx, s: ChangeSnapshot, seq: number, replace = false) {
    const row = {
      number: s.number,
      workflowId: s.workflowId,
      type: s.type,
      title: s.title,
      description: s.description,
      state: s.state,
      riskLevel: s.risk?.level ?? null,
      riskScore: s.risk?.score ?? null,
      plannedStart: new Date(s.plannedStart),
      plannedEnd: new Date(s.plannedEnd),
      problemId: s.problemId,
      templateId: s.templateId,
      outcome: s.outcome,
      detail: toJson(s),
      createdBy: s.createdBy,
      version: seq,
    };
    if (await writeIfNewer(tx.change, s.id, seq, row, replace)) {
      // The CIs never change after submission: index them once.
      await tx.changeCi.createMany({ data: s.ciIds.map((ciId) => ({ changeId: s.id, ciId })) });
    }
  },
};

/** The stored snapshot, checked: a `detail` that does not match is a CorruptRecordError naming the field. */
export const changeFromRow = (row: Pick<Change, 'id' | 'detail'>): ChangeSnapshot =>
  parseJson(ChangeSnapshotSchema, row.detail, { recordType: changeStore.recordType, recordId: row.id, field: 'detail' });
