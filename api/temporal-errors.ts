import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, ActivityFailure } from '@temporalio/common';
import { HttpError, conflict, notFound, unavailable } from './errors';

/**
 * Translates what a workflow said about a command into HTTP: a rejected transition is the
 * caller's 409, a failed write is our 503 (nothing was recorded), anything else propagates.
 */
export function commandError(e: unknown, record: string): HttpError {
  if (e instanceof WorkflowUpdateFailedError) {
    const cause = e.cause;
    if (cause instanceof ApplicationFailure) {
      if (cause.type === 'InvalidTransition') return conflict(cause.message);
      if (cause.type === 'NotFound') return notFound(record);
      if (cause.type === 'InvalidInput') return new HttpError(400, 'Invalid request', cause.message);
    }
    if (cause instanceof ActivityFailure) return unavailable(`${record}: the transition could not be recorded, nothing changed; retry later`);
    return unavailable(`${record}: ${cause?.message ?? e.message}`);
  }
  if (e instanceof WorkflowNotFoundError) return conflict(`${record} is no longer accepting commands`);
  if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return unavailable(`${record}: the workflow did not answer in time; the command may still be applied`);
  if (e instanceof Error && /UNAVAILABLE|ECONNREFUSED|Deadline/i.test(e.message)) return unavailable('the workflow engine is unreachable; retry later');
  throw e;
}
