/**
 * The continuity run process's contract (a DR test or an invocation of a plan): workflow type,
 * id scheme, messages and inputs. The API imports this, never the implementation.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { NewContinuityRun } from '../../domain/continuity/run';
import type { ContinuityRunCommandBody, ContinuityRunCommandName, ContinuityRunRecord, ContinuityRunSnapshot } from '../../domain/schemas/continuity';
import type { CommandInput, RecordConfig } from './record';

export const CONTINUITY_RUN_WORKFLOW = 'continuityRunWorkflow';
export const continuityRunWorkflowId = (number: string) => `continuity-run-${number}`;

/** What the API resolved before starting it: the plan as it is now (its steps are the run's), the service, the incident of an invocation. */
export interface CreateContinuityRunInput {
  actor: string;
  body: Omit<NewContinuityRun, 'id' | 'number' | 'workflowId'>;
}

export interface ContinuityRunCarriedState {
  snapshot: ContinuityRunSnapshot;
  seq: number;
}

export interface ContinuityRunWorkflowInput {
  id: string;
  number: string;
  config: RecordConfig;
  carried?: ContinuityRunCarriedState;
}

export type ContinuityRunCommandPayloads = { [K in ContinuityRunCommandName]: ContinuityRunCommandBody<K> };

export const createContinuityRunUpdate = defineUpdate<ContinuityRunRecord, [CreateContinuityRunInput]>('create');
export const continuityRunCommandUpdates = {
  'start-step': defineUpdate<ContinuityRunRecord, [CommandInput<ContinuityRunCommandPayloads['start-step']>]>('start-step'),
  'complete-step': defineUpdate<ContinuityRunRecord, [CommandInput<ContinuityRunCommandPayloads['complete-step']>]>('complete-step'),
  'fail-step': defineUpdate<ContinuityRunRecord, [CommandInput<ContinuityRunCommandPayloads['fail-step']>]>('fail-step'),
  abort: defineUpdate<ContinuityRunRecord, [CommandInput<ContinuityRunCommandPayloads['abort']>]>('abort'),
} as const satisfies { [K in ContinuityRunCommandName]: unknown };
export const getContinuityRunQuery = defineQuery<ContinuityRunRecord | null>('getContinuityRun');

/** A plan's recurring DR test: its Schedule starts this small workflow, which opens a test from the plan as it is then. */
export const CONTINUITY_SCHEDULED_TEST_WORKFLOW = 'continuityScheduledTestWorkflow';
export const continuityTestScheduleId = (planNumber: string) => `continuity-test-schedule-${planNumber}`;
export interface ContinuityScheduledTestInput {
  planId: string;
  /** The settings of the run workflow it opens. */
  config: RecordConfig;
}
