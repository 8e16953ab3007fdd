import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { CmdbVerificationActivities } from '../activities/cmdb-verification';
import { verificationAcceptedUpdate, verificationProgressQuery, type CmdbVerificationInput, type VerificationBegun, type VerificationOutcome } from './contracts/cmdb-verification';
import * as SA from './contracts/search-attributes';

// Bookkeeping writes retry until the database takes them, like every record transition.
const bookkeeping = proxyActivities<CmdbVerificationActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['NotFound'] },
});
// The comparison and the incidents: a bounded number of attempts, then the run is marked failed.
const work = proxyActivities<CmdbVerificationActivities>({
  startToCloseTimeout: '5m',
  // They heartbeat per page of CIs and per incident opened: a dead worker is noticed in a minute.
  heartbeatTimeout: '1m',
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
