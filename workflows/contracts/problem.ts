/**
 * The problem process's contract: workflow type, id scheme, messages and inputs. The API,
 * the change process and the incident process import this, never the implementation.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChangeReport, ProblemSubmission } from '../../domain/problem/lifecycle';
import type { ProblemView } from '../../domain/problem/snapshot';
import type { ProblemCommandBody, ProblemCommandName, ProblemSnapshot } from '../../domain/schemas/problem';
import type { ChangeWorkflowConfig, SubmitChange } from './change';
import type { CommandInput, RecordConfig } from './record';

export const PROBLEM_WORKFLOW = 'problemWorkflow';
/** Problems are keyed by their number, like every record's workflow. */
export const problemWorkflowId = (problemNumber: string) => `problem-${problemNumber}`;

export type ProblemWorkflowConfig = RecordConfig;

export interface CreateProblemInput {
  actor: string;
  body: ProblemSubmission;
}

export interface ProblemCarriedState {
  snapshot: ProblemSnapshot;
  seq: number;
}

export interface ProblemWorkflowInput {
  id: string;
  number: string;
  config: ProblemWorkflowConfig;
  carried?: ProblemCarriedState;
}

/**
 * What each command's Update carries: the HTTP body, except where the API has already
 * resolved references (incident refs to ids, the surviving problem, the change request).
 */
export interface ProblemCommandPayloads {
  'link-incidents': { incidentIds: string[] };
  investigate: ProblemCommandBody<'investigate'>;
  rca: ProblemCommandBody<'rca'>;
  'known-error': ProblemCommandBody<'known-error'>;
  communicate: ProblemCommandBody<'communicate'>;
  /** The RFC as the API resolved it, and the change process's settings at the time of the request. */
  'request-change': { change: SubmitChange; config: ChangeWorkflowConfig };
  'accept-risk': ProblemCommandBody<'accept-risk'>;
  'mark-duplicate': { of: { id: string; number: string } };
  resolve: ProblemCommandBody<'resolve'>;
  close: ProblemCommandBody<'close'>;
  cancel: ProblemCommandBody<'cancel'>;
}
export type ProblemCommandInput<K extends ProblemCommandName> = CommandInput<ProblemCommandPayloads[K]>;

export const createProblemUpdate = defineUpdate<ProblemView, [CreateProblemInput]>('create');
export const problemCommandUpdates = {
  'link-incidents': defineUpdate<ProblemView, [ProblemCommandInput<'link-incidents'>]>('link-incidents'),
  investigate: defineUpdate<ProblemView, [ProblemCommandInput<'investigate'>]>('investigate'),
  rca: defineUpdate<ProblemView, [ProblemCommandInput<'rca'>]>('rca'),
  'known-error': defineUpdate<ProblemView, [ProblemCommandInput<'known-error'>]>('known-error'),
  communicate: defineUpdate<ProblemView, [ProblemCommandInput<'communicate'>]>('communicate'),
  'request-change': defineUpdate<ProblemView, [ProblemCommandInput<'request-change'>]>('request-change'),
  'accept-risk': defineUpdate<ProblemView, [ProblemCommandInput<'accept-risk'>]>('accept-risk'),
  'mark-duplicate': defineUpdate<ProblemView, [ProblemCommandInput<'mark-duplicate'>]>('mark-duplicate'),
  resolve: defineUpdate<ProblemView, [ProblemCommandInput<'resolve'>]>('resolve'),
  close: defineUpdate<ProblemView, [ProblemCommandInput<'close'>]>('close'),
  cancel: defineUpdate<ProblemView, [ProblemCommandInput<'cancel'>]>('cancel'),
} as const satisfies { [K in ProblemCommandName]: unknown };
export const getProblemQuery = defineQuery<ProblemView | null>('getProblem');

/**
 * Signals other processes send a problem. A change raised for it reports its outcome; an
 * incident that linked itself (a workaround applied, a known error matched while the
 * problem watched for recurrence) tells the problem so both sides hold the link.
 */
export type ChangeOutcome = ChangeReport;
export const changeOutcomeSignal = defineSignal<[ChangeOutcome]>('changeOutcome');
export interface IncidentLinked {
  incidentId: string;
  actor: string;
  /** The incident matched the problem's known error while it was watched for recurrence. */
  recurrence: boolean;
}
export const incidentLinkedSignal = defineSignal<[IncidentLinked]>('incidentLinked');
