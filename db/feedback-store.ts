import type { Feedback } from '../generated/prisma-sqlite/client';
import { FeedbackSnapshotSchema, type FeedbackSnapshot } from '../domain/schemas/feedback';
import type { Tx } from './client';
import { parseJson, toJson } from './json';
import { writeIfNewer, type RecordStore } from './record-store';

/** Complaints and compliments: the columns the API filters on, the whole snapshot as JSON in `detail`. */
export const feedbackStore: RecordStore<FeedbackSnapshot> = {
  recordType: 'feedback',
  async write(tx: Tx, s: FeedbackSnapshot, seq: number, replace = false) {
    await writeIfNewer(tx.feedback, s.id, seq, {
      number: s.number,
      workflowId: s.workflowId,
      customerId: s.customerId,
      kind: s.kind,
      state: s.state,
      serviceId: s.serviceId,
      title: s.title,
      detail: toJson(s),
      createdBy: s.createdBy,
      createdAt: new Date(s.createdAt),
      version: seq,
    }, replace);
  },
};

/** The row's snapshot, checked: a mismatch is a CorruptRecordError naming the field. */
export const feedbackFromRow = (row: Feedback): FeedbackSnapshot => parseJson(FeedbackSnapshotSchema, row.detail, { recordType: 'feedback', recordId: row.id, field: 'detail' });
