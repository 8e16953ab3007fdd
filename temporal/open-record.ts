/**
 * Opening a record process on the kernel: allocates the number, then Update-with-Start of its
 * workflow, whose `create` Update persists the record before it answers. Every room opened
 * from the API (contracts, feedback, security policies, access reviews) opens through this.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { nextNumber, type NUMBER_PREFIX } from '../db/numbers';
import { newId } from '../infra/ids';
import * as SA from '../workflows/contracts/search-attributes';
import type { Db } from '../db/client';
import type { RecordConfig } from '../workflows/contracts/record';

export interface OpenRecordDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  config: RecordConfig;
}

export interface OpenRecord<Input, View> {
  recordType: keyof typeof NUMBER_PREFIX;
  workflowType: string;
  workflowId(number: string): string;
  idPrefix: string;
  create: UpdateDefinition<View, [Input]>;
  input: Input;
  summary(number: string): string;
  details(number: string): string;
}

/** A record's identity chosen before its workflow starts, so a retried opening finds the one it started. */
export interface Reservation {
  id: string;
  number: string;
}

export const reserveRecord = async (db: OpenRecordDeps['db'], recordType: keyof typeof NUMBER_PREFIX, idPrefix: string): Promise<Reservation> => ({
  id: newId(idPrefix),
  number: await nextNumber(db, recordType),
});

/**
 * Opens a record: update-with-start of its workflow, whose create Update persists it before it
 * answers. With a reservation, a repeat attaches to the workflow already started (its create
 * answers with the record as it is) instead of failing.
 */
export async function openRecord<Input, View>(deps: OpenRecordDeps, o: OpenRecord<Input, View>, reservation?: Reservation): Promise<View> {
  const { id, number } = reservation ?? (await reserveRecord(deps.db, o.recordType, o.idPrefix));
  const startWorkflowOperation = new WithStartWorkflowOperation(o.workflowType, {
    workflowId: o.workflowId(number),
    taskQueue: deps.taskQueue,
    args: [{ id, number, config: deps.config }],
    ...(reservation ? { workflowIdConflictPolicy: 'USE_EXISTING' as const, workflowIdReusePolicy: 'REJECT_DUPLICATE' as const } : { workflowIdConflictPolicy: 'FAIL' as const }),
    staticSummary: o.summary(number).slice(0, 200),
    staticDetails: o.details(number),
    ...(deps.config.searchAttributes === false ? {} : { typedSearchAttributes: [{ key: SA.RecordType, value: o.recordType }, { key: SA.RecordNumber, value: number }] }),
  });
  return deps.temporal.workflow.executeUpdateWithStart(o.create, { args: [o.input], startWorkflowOperation });
}
