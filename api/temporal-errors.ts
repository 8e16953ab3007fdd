import { isGrpcServiceError, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { isTransientEngineError } from '../temporal/engine-failures';
import { ApplicationFailure, ActivityFailure } from '@temporalio/common';
import { FAILURE } from '../workflows/contracts/record';
import { HttpError, badRequest, conflict, notFound, unavailable } from './errors';

/**
 * Translates what a workflow said about a command into HTTP, by failure type (the types
 * are the contract's FAILURE): a rejected transition is the caller's 409, a failed write
 * is our 503 (nothing was recorded), anything unknown propagates (and becomes a logged 500).
 */
export function commandError(e: unknown, record: string): HttpError {
  if (e instanceof WorkflowUpdateFailedError) {
    const cause = e.cause;
    if (cause instanceof ApplicationFailure) {
      switch (cause.type) {
        case FAILURE.invalidTransition:
        case FAILURE.duplicateVote:
          return conflict(cause.message);
        case FAILURE.notFound:
          return notFound(record);
        case FAILURE.invalidInput:
          return new HttpError(400, 'Invalid request', cause.message);
      }
    }
    if (cause instanceof ActivityFailure) {
      const why = cause.cause;
      // Input no database can store: the caller's 400, nothing recorded (not an outage to retry).
      if (why instanceof ApplicationFailure && why.type === FAILURE.unstorableData) return new HttpError(400, 'Invalid request', `${record}: ${why.message}`);
      return unavailable(`${record}: the transition could not be recorded, nothing changed; retry later`);
    }
    return unavailable(`${record}: ${cause?.message ?? e.message}`);
  }
  if (e instanceof WorkflowNotFoundError) return conflict(`${record} is no longer accepting commands`);
  if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return unavailable(`${record}: the workflow did not answer in time; the command may still be applied`);
  if (isTransientEngineError(e) || (e instanceof ServiceError && isTransientEngineError(e.cause))) return unavailable('the workflow engine is unreachable; retry later');
  throw e;
}

/**
 * The verdict on a Schedule's spec, or null for anything else: the client refuses a cron or a zone
 * it cannot encode with a TypeError, the server one it cannot parse with INVALID_ARGUMENT.
 */
export function engineRefusal(e: unknown): string | null {
  if (e instanceof TypeError) return e.message;
  for (let cur: unknown = e; cur; cur = (cur as { cause?: unknown }).cause) {
    if (isGrpcServiceError(cur) && cur.code === 3 /* INVALID_ARGUMENT */) return cur.details || cur.message;
  }
  return null;
}

/**
 * Keeps a record's Schedule: a cron the engine refuses is the caller's 400 naming `field`, and
 * nothing changed (the Schedule is kept before the record's row, so both stay as they were).
 */
export async function withCronCheck(field: string, keep: () => Promise<unknown>): Promise<void> {
  try {
    await keep();
  } catch (e) {
    const refusal = engineRefusal(e);
    if (refusal === null) throw e;
    throw badRequest(`the schedule engine refused ${field}`, [{ path: field, message: `not a cron expression the schedule engine accepts: ${refusal}` }]);
  }
}
