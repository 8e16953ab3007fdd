import { ActivityFailure, ApplicationFailure, TimeoutFailure, proxyActivities, upsertSearchAttributes, type TemporalFailure } from '@temporalio/workflow';
import type { DslActivities } from '../activities/dsl';
import { DSL_FAILURE, DSL_PERMANENT_FAILURES, type DslMismatchDetails, type DslOutcome, type DslVerificationInput } from './contracts/dsl-verification';
import * as SA from './contracts/search-attributes';

const settle = proxyActivities<DslActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** The last attempt's failure behind a timeout (the server keeps it as the timeout's cause). */
function lastFailure(e: ActivityFailure): TemporalFailure | undefined {
  let cur = e.cause as TemporalFailure | undefined;
  while (cur instanceof TimeoutFailure && cur.cause) cur = cur.cause as TemporalFailure;
  return cur instanceof TimeoutFailure ? undefined : cur;
}

const minutes = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`);

/** What a failed fetch means for the artifact. */
export function rejectionOf(e: ActivityFailure, fetchTimeoutMs: number): DslOutcome {
  const last = lastFailure(e);
  if (last instanceof ApplicationFailure && last.type === DSL_FAILURE.mismatch) {
    const d = last.details?.[0] as DslMismatchDetails | undefined;
    return { status: 'rejected', error: last.message, ...(d ? { actualSha256: d.actualSha256, sizeBytes: d.sizeBytes } : {}) };
  }
  // Out of time: either the deadline cut an attempt short, or the next retry would not fit in it.
  if (e.cause instanceof TimeoutFailure || e.retryState === 'TIMEOUT') {
    return { status: 'rejected', error: `source unreachable: retried until the fetch deadline (DSL_FETCH_TIMEOUT, ${minutes(fetchTimeoutMs)}) ran out${last ? `; last error: ${last.message.replace(/^source unreachable: /, '')}` : ''}` };
  }
  return { status: 'rejected', error: last?.message ?? e.message };
}

/**
 * Verification of one artifact in the definitive software library: fetch, check the digest,
 * keep the bytes; then record `verified` or `rejected` (with the reason). An unreachable
 * source is retried with backoff until `fetchTimeoutMs` (schedule-to-close); a mismatch, an
 * artifact too large or a refused source rejects at once.
 */
export async function dslVerificationWorkflow(input: DslVerificationInput): Promise<DslOutcome> {
  const fetcher = proxyActivities<DslActivities>({
    scheduleToCloseTimeout: input.fetchTimeoutMs,
    // One attempt may use the whole budget (a large artifact); a stalled one is caught by its heartbeat.
    startToCloseTimeout: input.fetchTimeoutMs,
    heartbeatTimeout: '30s',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: DSL_PERMANENT_FAILURES },
  });
  let outcome: DslOutcome;
  try {
    const stored = await fetcher.fetchDslArtifact({ artifactId: input.artifactId, ...(input.sealedCredentials !== undefined ? { sealedCredentials: input.sealedCredentials } : {}) });
    outcome = { status: 'verified', actualSha256: stored.sha256, sizeBytes: stored.size };
  } catch (e) {
    if (!(e instanceof ActivityFailure)) throw e;
    outcome = rejectionOf(e, input.fetchTimeoutMs);
  }
  await settle.settleDslArtifact({ artifactId: input.artifactId, outcome });
  if (input.searchAttributes) upsertSearchAttributes([{ key: SA.RecordState, value: outcome.status }]);
  return outcome;
}
