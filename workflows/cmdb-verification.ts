import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { VerificationBegun, VerificationOutcome } from '../activities/cmdb-verification';
import type { IncidentWorkflowConfig } from './incident';
import * as SA from './shared/search-attributes';

/** Workflow type and ids, for code that starts it without importing it (API, Schedule). */
export const CMDB_VERIFICATION_WORKFLOW = 'cmdbVerificationWorkflow';
export const cmdbVerificationWorkflowId = (verificationId: string) => `cmdb-verification-${verificationId}`;

export interface CmdbVerificationConfig {
  /** Open an incident for each attribute drift on a CI in `incidentStatuses`. */
  openIncidents: boolean;
  incidentStatuses: string[];
  /** How the incident workflows it opens are configured (as the API would). */
  incident: IncidentWorkflowConfig;
  /** Off only on the time-skipping test server, which cannot register custom attributes. */
  searchAttributes: boolean;
  /** Drifted CIs handled per activity call (each opens at most that many incidents). */
  incidentBatchSize?: number;
}

export interface CmdbVerificationInput {
  /** Given by the API (it answers with it); a scheduled run derives one from its workflow. */
  verificationId?: string;
  /** Absent: the latest discovery snapshot. */
  snapshotId?: string;
  trigger: 'schedule' | 'api';
  requestedBy?: string;
  config: CmdbVerificationConfig;
}

/** The API's Update-with-Start: answers once the run's record exists, so a GET right after finds it. */
export const verificationAcceptedUpdate = defineUpdate<VerificationBegun, []>('accepted');
export const verificationProgressQuery = defineQuery<{ stage: string; begun: VerificationBegun | null; outcome: VerificationOutcome | null }>('progress');

// Bookkeeping writes retry until the database takes them, like every record transition.
const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['NotFound'] },
});
// The comparison and the incidents: a bounded number of attempts, then the run is marked failed.
const work = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8, nonRetryableErrorTypes: ['NotFound'] },
});

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Same shape as api/ids newId (time-ordered, so lists page by id), from workflow-deterministic inputs. */
function deterministicId(prefix: string): string {
  let t = Date.now();
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const hex = uuid4().replace(/-/g, '');
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % 32];
  return `${prefix}_${time}${rand}`;
}

/** The innermost message: an ActivityFailure wraps the activity's own error. */
function reason(e: unknown): string {
  const err = e as Error & { cause?: unknown };
  return err.cause instanceof Error ? err.cause.message : err.message;
}

/**
 * One CMDB verification run: record it, compare the discovery snapshot with the CMDB (in
 * an activity: only ids and counts pass through history, never the snapshot), open an
 * incident per drifted live CI in small idempotent batches, then record the outcome.
 */
export async function cmdbVerificationWorkflow(input: CmdbVerificationInput): Promise<VerificationOutcome> {
  const verificationId = input.verificationId ?? deterministicId('ver');
  const { workflowId } = workflowInfo();
  let stage = 'starting';
  let begun: VerificationBegun | null = null;
  let beginFailed: string | null = null;
  let outcome: VerificationOutcome | null = null;

  setHandler(verificationProgressQuery, () => ({ stage, begun, outcome }));
  setHandler(verificationAcceptedUpdate, async () => {
    await condition(() => begun !== null || beginFailed !== null);
    if (!begun) throw ApplicationFailure.create({ message: beginFailed ?? 'verification could not start', type: 'NotFound', nonRetryable: true });
    return begun;
  });

  const mirror = (state: string) => {
    if (!input.config.searchAttributes) return;
    upsertSearchAttributes([
      { key: SA.RecordType, value: 'cmdb_verification' },
      { key: SA.RecordNumber, value: verificationId },
      { key: SA.RecordState, value: state },
    ]);
  };

  try {
    begun = await bookkeeping.beginCmdbVerification({ verificationId, workflowId, snapshotId: input.snapshotId ?? null, trigger: input.trigger, requestedBy: input.requestedBy ?? null });
  } catch (e) {
    beginFailed = reason(e);
    await condition(allHandlersFinished);
    throw e;
  }
  mirror('running');

  let failure: string | null = null;
  try {
    if (begun.snapshotId) {
      stage = 'comparing';
      const compared = await work.compareCmdbVerification({ verificationId });
      if (input.config.openIncidents && compared.attributeDrift > 0) {
        stage = 'opening incidents';
        let stalled = 0;
        for (;;) {
          const batch = await work.openCmdbDriftIncidents({
            verificationId,
            statuses: input.config.incidentStatuses,
            incident: input.config.incident,
            limit: input.config.incidentBatchSize ?? 20,
          });
          if (batch.remaining === 0) break;
          // A batch that settles nothing (reservations voided and retaken) must not loop forever.
          stalled = batch.opened + batch.existing === 0 ? stalled + 1 : 0;
          if (stalled >= 3) throw new Error(`${batch.remaining} drift incidents could not be opened`);
        }
      }
    }
  } catch (e) {
    failure = reason(e);
  }

  stage = 'finishing';
  outcome = await bookkeeping.finishCmdbVerification({ verificationId, status: failure ? 'failed' : 'completed', error: failure });
  mirror(outcome.status);
  stage = 'done';
  await condition(allHandlersFinished);
  if (failure) throw ApplicationFailure.create({ message: `verification ${verificationId} failed: ${failure}`, type: 'VerificationFailed', nonRetryable: true });
  return outcome;
}
