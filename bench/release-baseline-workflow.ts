/**
 * The bare baseline of bench/release.ts: the release's message pattern with nothing else
 * (no activity, no database, no timer, no linked change). Per release, as the product:
 *   - one update-with-start (`create`), then Updates for build, test and approve;
 *   - one child workflow per environment, started one after the other; each waits for two
 *     signals (deploy:<env>, verify:<env>) and signals its outcome back to the parent;
 *   - the deploy and verify results reach the parent as Updates, which forward each one to the
 *     current child as a signal (as the release forwards a reported result to its deployment);
 *   - the test Update answers once the first child is started, the approve Update once the
 *     last one is (or, if staging is still verifying, the outcome signal starts it).
 * The client needs no polling here: the Update for deploy:<env> waits inside the parent
 * until that environment's child is started, so the baseline is the engine's floor.
 */
import { allHandlersFinished, condition, defineSignal, defineUpdate, getExternalWorkflowHandle, setHandler, startChild, workflowInfo } from '@temporalio/workflow';

export interface BareStage {
  stage: string;
  status: 'succeeded' | 'failed';
}
export interface BareOutcome {
  environment: string;
  status: 'succeeded' | 'failed';
}

export const bareCreateUpdate = defineUpdate<string, []>('create');
export const bareStageUpdate = defineUpdate<string, [BareStage]>('stage');
export const bareApproveUpdate = defineUpdate<string, []>('approve');
export const bareOutcomeSignal = defineSignal<[BareOutcome]>('outcome');
export const bareReportSignal = defineSignal<[BareStage]>('report');

const childId = (parent: string, env: string) => `${parent}-deploy-${env}`;

export async function releaseBaselineWorkflow(environments: string[]): Promise<string[]> {
  const self = workflowInfo().workflowId;
  let state = 'planned';
  /** The environment whose child is being started or runs; `live` once it has started. */
  let current: string | null = null;
  let live: string | null = null;
  let approved = false;
  const deployed: string[] = [];

  /** The next environment, if nothing is in flight and its gate (approval for the last) is open. */
  const advance = async (): Promise<void> => {
    if (current !== null) return;
    const next = environments.find((e) => !deployed.includes(e));
    if (next === undefined) {
      state = 'deployed';
      return;
    }
    if (next === environments[environments.length - 1] && !approved) {
      state = 'awaiting_approval';
      return;
    }
    current = next;
    state = 'deploying';
    await startChild(releaseBaselineDeployment, { workflowId: childId(self, next), args: [{ parent: self, environment: next }] });
    live = next;
  };

  setHandler(bareCreateUpdate, () => (state = 'building'));
  setHandler(bareStageUpdate, async ({ stage, status }) => {
    if (stage === 'build') return (state = 'testing');
    if (stage === 'test') {
      await advance();
      return state;
    }
    const env = stage.slice(stage.indexOf(':') + 1);
    // deploy:<env> is only sent once the environment's child is running (the product refuses it before).
    await condition(() => live === env);
    await getExternalWorkflowHandle(childId(self, env)).signal(bareReportSignal, { stage, status });
    return state;
  });
  setHandler(bareApproveUpdate, async () => {
    approved = true;
    await advance();
    return state;
  });
  setHandler(bareOutcomeSignal, async (o) => {
    current = null;
    live = null;
    if (o.status !== 'succeeded') {
      state = 'failed';
      return;
    }
    deployed.push(o.environment);
    await advance();
  });

  await condition(() => state === 'deployed' || state === 'failed');
  await condition(allHandlersFinished);
  return deployed;
}

/** One environment: waits for deploy:<env> then verify:<env>, tells the parent how it ended. */
export async function releaseBaselineDeployment(input: { parent: string; environment: string }): Promise<BareOutcome> {
  const reports = new Map<string, BareStage>();
  setHandler(bareReportSignal, (r) => void reports.set(r.stage, r));
  let outcome: BareOutcome = { environment: input.environment, status: 'succeeded' };
  for (const stage of [`deploy:${input.environment}`, `verify:${input.environment}`]) {
    await condition(() => reports.has(stage));
    if (reports.get(stage)!.status !== 'succeeded') {
      outcome = { environment: input.environment, status: 'failed' };
      break;
    }
  }
  await getExternalWorkflowHandle(input.parent).signal(bareOutcomeSignal, outcome);
  return outcome;
}
