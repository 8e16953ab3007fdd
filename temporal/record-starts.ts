/**
 * Starting the workflows of records written before their workflow ran (db/record-starts.ts):
 * the API starts one right after answering, a worker sweeps up what a crash left, and a
 * command that reaches a record first starts it itself. Every start is the same idempotent
 * call (the workflow id is the record's), so any of them may race the others.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defineSearchAttributeKey, type SearchAttributePair, type SearchAttributeType } from '@temporalio/common';
import type { Db } from '../db/client';
import { pendingStart, removeStart, startsBefore, type RecordStartPlan } from '../db/record-starts';
import type { Logger } from '../infra/logger';

export interface RecordStartDeps {
  db: Db;
  temporal: Client;
}

/** Starts the record's workflow (or finds it running, or finished) and forgets the start. */
export async function startRecord(deps: RecordStartDeps, plan: RecordStartPlan): Promise<void> {
  try {
    await deps.temporal.workflow.start(plan.workflowType, {
      workflowId: plan.workflowId,
      taskQueue: plan.taskQueue,
      args: [plan.input],
      // Running: already started by another of the three. Closed: it ran its course; never a second run.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: plan.staticSummary,
      staticDetails: plan.staticDetails,
      memo: plan.memo,
      ...(plan.searchAttributes.length
        ? { typedSearchAttributes: plan.searchAttributes.map((a) => ({ key: defineSearchAttributeKey(a.name, a.type as SearchAttributeType), value: a.value }) as SearchAttributePair) }
        : {}),
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
  await removeStart(deps.db, plan.workflowId);
}

/**
 * For a command whose workflow was not found: starts it when the record is still waiting for
 * its start. True when it was waiting (the command may be sent again), false when it was not.
 */
export async function startIfPending(deps: RecordStartDeps, workflowId: string): Promise<boolean> {
  const plan = await pendingStart(deps.db, workflowId);
  if (!plan) return false;
  await startRecord(deps, plan);
  return true;
}

/**
 * Sends a message to a record's workflow; when there is no such workflow, starts it if the
 * record is still waiting for its start, and sends the message again. Also when nothing was
 * waiting: another caller may have started it between the message and the look (the API's own
 * start usually); a record whose workflow has ended is not found again.
 */
export async function toStartedRecord<T>(deps: RecordStartDeps, workflowId: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw e;
    await startIfPending(deps, workflowId);
    return send();
  }
}

/** Starts what was written more than `graceMs` ago and is still waiting; returns how many. */
export async function sweepRecordStarts(deps: RecordStartDeps, graceMs: number, limit = 200): Promise<number> {
  const due = await startsBefore(deps.db, new Date(Date.now() - graceMs), limit);
  for (const plan of due) await startRecord(deps, plan);
  return due.length;
}

/**
 * A worker's sweep, every `everyMs`: a start the API did not make (it crashed, or the engine
 * was away) is made here. Stops with the returned function.
 */
export function runRecordStartSweep(deps: RecordStartDeps & { log: Logger }, everyMs = 2_000, graceMs = 5_000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepRecordStarts(deps, graceMs)
      .then((n) => n > 0 && deps.log.info('started workflows of records written before them', { started: n }))
      .catch((e: unknown) => deps.log.warn('could not start the workflows of waiting records; retrying', { error: String(e) }))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
