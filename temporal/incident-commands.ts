import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE } from '../workflows/contracts/record';
import { toStartedRecord, type RecordStartDeps } from './record-starts';

/** How a command sent by another process to an incident's workflow ended. */
export type IncidentCommandOutcome = 'applied' | 'refused' | 'ended';

/**
 * Runs an Update on an incident's workflow for another process (a problem, an alert):
 * `ended` when the incident's workflow is gone (closed or cancelled), `refused` when the
 * incident's state refuses the command (resolved meanwhile, say) — neither is the caller's to
 * force, so neither throws; anything else (an outage) throws and the activity retries. An
 * incident written before its workflow started (temporal/record-starts.ts) is started first.
 */
export async function onIncidentWorkflow(deps: RecordStartDeps, workflowId: string, run: (h: WorkflowHandle) => Promise<unknown>): Promise<IncidentCommandOutcome> {
  try {
    await toStartedRecord(deps, workflowId, () => run(deps.temporal.workflow.getHandle(workflowId)));
    return 'applied';
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return 'ended';
    if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure && e.cause.type === FAILURE.invalidTransition) return 'refused';
    throw e;
  }
}
