/**
 * The release process's contract: workflow types (the release and its per-environment
 * deployments), id schemes, messages and inputs. The API and the change process import
 * this, never the implementation.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ReleaseSubmission, StepOutcome } from '../../domain/release/lifecycle';
import type { ReleaseView } from '../../domain/release/snapshot';
import type { ReleaseCommandBody, ReleaseSnapshot, StageResultBody } from '../../domain/schemas/release';
import type { CommandInput, RecordConfig } from './record';

export const RELEASE_WORKFLOW = 'releaseWorkflow';
export const releaseWorkflowId = (number: string) => `release-${number}`;
export const RELEASE_DEPLOYMENT_WORKFLOW = 'releaseDeploymentWorkflow';
/** One child per environment and direction: a release deploys (and rolls back) each environment at most once. */
export const deploymentWorkflowId = (number: string, action: 'deploy' | 'rollback', environment: string) => `release-${number}-${action}-${environment}`;

export type ReleaseWorkflowConfig = RecordConfig;

export interface CreateReleaseInput {
  actor: string;
  body: ReleaseSubmission;
}

export interface ReleaseCarriedState {
  snapshot: ReleaseSnapshot;
  seq: number;
  /** When the gate is next due to be asked again by the clock (a window opening, a freeze ending). */
  gateCheckAt: number | null;
}

export interface ReleaseWorkflowInput {
  id: string;
  number: string;
  config: ReleaseWorkflowConfig;
  carried?: ReleaseCarriedState;
}

export type StageResult = StageResultBody & { stage: string };
export interface ReleaseCommandPayloads {
  approve: ReleaseCommandBody<'approve'>;
  cancel: ReleaseCommandBody<'cancel'>;
  'stage-result': StageResult;
}
export type ReleaseCommandName = keyof ReleaseCommandPayloads;
type Input<K extends ReleaseCommandName> = CommandInput<ReleaseCommandPayloads[K]>;

export const createReleaseUpdate = defineUpdate<ReleaseView, [CreateReleaseInput]>('create');
export const releaseCommandUpdates = {
  approve: defineUpdate<ReleaseView, [Input<'approve'>]>('approve'),
  cancel: defineUpdate<ReleaseView, [Input<'cancel'>]>('cancel'),
  'stage-result': defineUpdate<ReleaseView, [Input<'stage-result'>]>('stage-result'),
} as const satisfies { [K in ReleaseCommandName]: unknown };
export const getReleaseQuery = defineQuery<ReleaseView | null>('getRelease');

/** A linked change moved (approved, scheduled, held, rejected …): the release asks its gate again. */
export interface ChangeMoved {
  changeId: string;
  changeNumber: string;
  state: string;
}
export const changeMovedSignal = defineSignal<[ChangeMoved]>('changeMoved');
/** A change freeze was declared or changed: waiting releases ask their gate again. */
export const recheckGateSignal = defineSignal('recheckGate');
/** A deployment or rollback child reports how it ended. */
export const stepOutcomeSignal = defineSignal<[StepOutcome]>('stepOutcome');

// ---- The per-environment child workflow ----

export interface DeploymentInput {
  releaseId: string;
  releaseNumber: string;
  parentWorkflowId: string;
  environment: string;
  action: 'deploy' | 'rollback';
  /** How long the deployment system may take to report the deploy (or rollback). */
  reportTimeoutMs: number;
  verifyTimeoutMs: number;
  /** Polled after the deployment; null: the verification result is reported (verify:<environment>). */
  healthUrl: string | null;
}
/** A result reported through the API, forwarded by the release. */
export interface StepReport {
  stage: string;
  status: 'succeeded' | 'failed';
  details: string | null;
}
export const stepReportSignal = defineSignal<[StepReport]>('stepReport');
/** The release was cancelled: stop waiting and report `cancelled` (a rollback is never aborted). */
export const abortDeploymentSignal = defineSignal<[{ reason: string }]>('abortDeployment');
