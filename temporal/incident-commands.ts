import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE } from '../workflows/contracts/record';

/** How a command sent by another process to an incident's workflow ended. */
export type IncidentCommandOutcome = 'applied' | 'refused' | 'ended';

/**
 * Runs an Update on an incident's workflow for another process (a problem, an alert):
 * `ended` when the incident's workflow is gone (closed or cancelled), `refused` when the
 * incident's state refuses the command (resolved meanwhile, say) — neither is the caller's to
 * force, so neither throws; anything else (an outage) throws and the activity retries.
 */
export async function onIncidentWorkflow(temporal: Client, workflowId: string, run: (h: WorkflowHandle) => Promise<unknown>): Promise<IncidentCommandOutcome> {
  try {
    await run(temporal.workflow.getHandle(workflowId));
    return 'applied';
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return 'ended';
    if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure && e.cause.type === FAILURE.invalidTransition) return 'refused';
    throw e;
  }
}
