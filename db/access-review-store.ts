import type { AccessReview } from '../generated/prisma-sqlite/client';
import { AccessReviewSnapshotSchema, type AccessReviewSnapshot } from '../domain/schemas/access-review';
import type { Tx } from './client';
import { parseJson, toJson } from './json';
import { writeIfNewer, type RecordStore } from './record-store';

/** Access reviews: the columns the API filters on, the accounts with their decisions (the evidence) as JSON in `detail`. */
export const accessReviewStore: RecordStore<AccessReviewSnapshot> = {
  recordType: 'access_review',
  async write(tx: Tx, s: AccessReviewSnapshot, seq: number, replace = false) {
    await writeIfNewer(tx.accessReview, s.id, seq, {
      number: s.number,
      workflowId: s.workflowId,
      ciId: s.ciId,
      state: s.state,
      owner: s.owner,
      dueAt: new Date(s.watch.due),
      detail: toJson(s),
      createdBy: s.createdBy,
      createdAt: new Date(s.createdAt),
      version: seq,
    }, replace);
  },
};

/** The row's snapshot, checked: a mismatch is a CorruptRecordError naming the field. */
export const accessReviewFromRow = (row: AccessReview): AccessReviewSnapshot => parseJson(AccessReviewSnapshotSchema, row.detail, { recordType: 'access_review', recordId: row.id, field: 'detail' });
