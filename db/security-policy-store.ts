import type { SecurityPolicy } from '../generated/prisma-sqlite/client';
import { SecurityPolicySnapshotSchema, type SecurityPolicySnapshot } from '../domain/schemas/security-policy';
import type { Tx } from './client';
import { parseJson, toJson } from './json';
import { writeIfNewer, type RecordStore } from './record-store';

/** Security policies: the columns the API filters on, the whole snapshot (body, reviews) as JSON in `detail`. */
export const securityPolicyStore: RecordStore<SecurityPolicySnapshot> = {
  recordType: 'security_policy',
  async write(tx: Tx, s: SecurityPolicySnapshot, seq: number, replace = false) {
    await writeIfNewer(tx.securityPolicy, s.id, seq, {
      number: s.number,
      workflowId: s.workflowId,
      title: s.title,
      state: s.state,
      ownerGroup: s.ownerGroup,
      reviewDue: new Date(s.watch.due),
      detail: toJson(s),
      createdBy: s.createdBy,
      createdAt: new Date(s.createdAt),
      version: seq,
    }, replace);
  },
};

/** The row's snapshot, checked: a mismatch is a CorruptRecordError naming the field. */
export const securityPolicyFromRow = (row: SecurityPolicy): SecurityPolicySnapshot => parseJson(SecurityPolicySnapshotSchema, row.detail, { recordType: 'security_policy', recordId: row.id, field: 'detail' });
