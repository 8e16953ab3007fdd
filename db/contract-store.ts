import type { Contract } from '../generated/prisma-sqlite/client';
import { ContractSnapshotSchema, type ContractSnapshot } from '../domain/schemas/contract';
import type { Tx } from './client';
import { parseJson, toJson } from './json';
import { writeIfNewer, type RecordStore } from './record-store';

/** Supplier contracts: the columns the API and reports filter on, the whole snapshot as JSON in `detail`. */
export const contractStore: RecordStore<ContractSnapshot> = {
  recordType: 'contract',
  async write(tx: Tx, s: ContractSnapshot, seq: number, replace = false) {
    await writeIfNewer(tx.contract, s.id, seq, {
      number: s.number,
      workflowId: s.workflowId,
      supplierId: s.supplierId,
      title: s.title,
      state: s.state,
      value: s.value,
      currency: s.currency,
      startDate: new Date(s.startDate),
      endDate: new Date(s.endDate),
      noticeDays: s.noticeDays,
      renewal: s.renewal,
      ownerGroup: s.ownerGroup,
      owner: s.owner,
      slaId: s.slaId,
      serviceId: s.serviceId,
      detail: toJson(s),
      createdBy: s.createdBy,
      createdAt: new Date(s.createdAt),
      version: seq,
    }, replace);
  },
};

/** The row's snapshot, checked: a mismatch is a CorruptRecordError naming the field. */
export const contractFromRow = (row: Contract): ContractSnapshot => parseJson(ContractSnapshotSchema, row.detail, { recordType: 'contract', recordId: row.id, field: 'detail' });
