import { ApplicationFailure, CancellationScope, condition, getExternalWorkflowHandle, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ReleaseActivities } from '../activities/release';
import type { StepOutcome } from '../domain/release/lifecycle';
import { abortDeploymentSignal, stepOutcomeSignal, stepReportSignal, type DeploymentInput, type StepReport } from './contracts/release';

/**
 * One environment's deployment (or rollback) for a release: the deployment system was asked
 * through the release's `release.deploy_requested` event; this waits for its report, with a
 * timeout, then verifies (a health URL polled with backoff, or a reported verify result),
 * and tells the release how it ended. Its own history in the Temporal UI shows what this
 * environment waited for and how long.
 */
export async function releaseDeploymentWorkflow(input: DeploymentInput): Promise<StepOutcome> {
  const reports = new Map<string, StepReport>();
  let aborted: string | null = null;
  setHandler(stepReportSignal, (r) => void reports.set(r.stage, r));
  setHandler(abortDeploymentSignal, ({ reason }) => {
    if (input.action === 'deploy') aborted = reason;
  });

  const outcome = await run(input, reports, () => aborted);
  try {
    await getExternalWorkflowHandle(input.parentWorkflowId).signal(stepOutcomeSignal, outcome);
  } catch (e) {
    // The release has ended (cancelled by an operator in the Temporal UI, say): the outcome stays in this history.
    log.warn('release not reachable for the step outcome', { release: input.releaseNumber, error: String(e) });
  }
  return outcome;
}

async function run(input: DeploymentInput, reports: Map<string, StepReport>, aborted: () => string | null): Promise<StepOutcome> {
  const env = input.environment;
  const outcome = (stage: string, status: StepOutcome['status'], details: string | null): StepOutcome => ({ environment: env, action: input.action, stage, status, details });

  /** Waits for a reported result of `stage`: the report, a timeout, or the release's cancellation. */
  const awaitReport = async (stage: string, timeoutMs: number): Promise<StepOutcome | null> => {
    const arrived = await condition(() => reports.has(stage) || aborted() !== null, timeoutMs);
    const r = reports.get(stage);
    if (r) return r.status === 'succeeded' ? null : outcome(stage, 'failed', r.details);
    if (arrived) return outcome(stage, 'cancelled', aborted());
    return outcome(stage, 'timed_out', `no ${stage} result within ${Math.round(timeoutMs / 60_000)} min`);
  };

  const main = `${input.action}:${env}`;
  const refused = await awaitReport(main, input.reportTimeoutMs);
  if (refused) return refused;
  if (input.action === 'rollback') return outcome(main, 'succeeded', reports.get(main)?.details ?? null);

  const verify = `verify:${env}`;
  if (input.healthUrl) {
    const health = proxyActivities<ReleaseActivities>({
      // Each attempt is one GET; Temporal's retries are the backoff, the verify timeout their bound.
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: input.verifyTimeoutMs,
      retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s' },
    });
    // Polled until it passes, fails for good, or the release is cancelled: then the retries stop.
    const scope = new CancellationScope();
    const check = scope.run(() => health.checkHealth({ url: input.healthUrl! })).then(
      (details) => ({ details }),
      (error: unknown) => ({ error }),
    );
    const ended = await Promise.race([check, condition(() => aborted() !== null).then(() => null)]);
    if (ended === null) {
      scope.cancel();
      return outcome(verify, 'cancelled', aborted());
    }
    if ('details' in ended) return outcome(verify, 'succeeded', ended.details);
    const e = ended.error;
    const cause = e instanceof Error && 'cause' in e && e.cause instanceof ApplicationFailure ? e.cause.message : String(e);
    return outcome(verify, 'failed', `health check ${input.healthUrl}: ${cause}`);
  }
  return (await awaitReport(verify, input.verifyTimeoutMs)) ?? outcome(verify, 'succeeded', reports.get(verify)?.details ?? null);
}
