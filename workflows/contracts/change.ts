/**
 * The change process's contract: workflow type, id scheme, messages and inputs. The API
 * and other processes import this, never the workflow implementation.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Decision } from '../../domain/change/cab';
import type { ChangePolicy } from '../../domain/change/policy';
import type { ChangeSubmission } from '../../domain/change/lifecycle';
import type { ChangeSnapshot, ChangeView } from '../../domain/change/snapshot';
import type { ChangeCommandBody, ChangeCommandName } from '../../domain/schemas/change';
import type { CommandInput, RecordConfig } from './record';

export const CHANGE_WORKFLOW = 'changeWorkflow';
export const changeWorkflowId = (number: string) => `change-${number}`;

export interface ChangeWorkflowConfig extends RecordConfig {
  /** Fixed per change at submission, so a policy edit never changes a running CAB's rules. */
  policy: ChangePolicy;
}

/** The RFC as the API resolved it: CI references are ids, plans filled in from a template. */
export type SubmitChange = ChangeSubmission;

export interface CreateChangeInput {
  actor: string;
  body: SubmitChange;
}

export interface CastVote {
  /** Chosen by the API: lets it wait for this vote's outcome. */
  voteId: string;
  member: string;
  /** The voter's groups at the time of the vote: a group approver is answered by any member. */
  groups: string[];
  decision: Decision;
  comment?: string;
}

/** What became of a vote once the workflow recorded it. */
export interface VoteOutcome {
  voteId: string;
  counted: boolean;
  ignoredReason: string | null;
  change: ChangeView;
}

export interface ChangeCarriedState {
  snapshot: ChangeSnapshot;
  seq: number;
}

export interface ChangeWorkflowInput {
  id: string;
  number: string;
  config: ChangeWorkflowConfig;
  carried?: ChangeCarriedState;
}

export type ChangeCommandInput<K extends ChangeCommandName> = CommandInput<ChangeCommandBody<K>>;

export const createChangeUpdate = defineUpdate<ChangeView, [CreateChangeInput]>('create');
export const changeCommandUpdates = {
  start: defineUpdate<ChangeView, [ChangeCommandInput<'start'>]>('start'),
  complete: defineUpdate<ChangeView, [ChangeCommandInput<'complete'>]>('complete'),
  review: defineUpdate<ChangeView, [ChangeCommandInput<'review'>]>('review'),
  close: defineUpdate<ChangeView, [ChangeCommandInput<'close'>]>('close'),
  cancel: defineUpdate<ChangeView, [ChangeCommandInput<'cancel'>]>('cancel'),
  reschedule: defineUpdate<ChangeView, [ChangeCommandInput<'reschedule'>]>('reschedule'),
} as const satisfies { [K in ChangeCommandName]: unknown };
/** A CAB vote: a signal, as the product specifies ("CAB review with signals"). */
export const voteSignal = defineSignal<[CastVote]>('vote');
/**
 * The API's way to learn what became of a vote it signalled: waits (inside the workflow,
 * no polling) until the vote with this id is recorded, and answers with its outcome.
 */
export const voteOutcomeUpdate = defineUpdate<VoteOutcome, [{ voteId: string }]>('voteOutcome');
/** A change freeze was declared or changed: check this change's window again. */
export const recheckScheduleSignal = defineSignal('recheckSchedule');
/** A release links the change: it shows on the change's record and audit trail, and the change tells the release when it moves. */
export interface LinkReleaseBody {
  releaseId: string;
  releaseNumber: string;
}
export const linkReleaseUpdate = defineUpdate<ChangeView, [CommandInput<LinkReleaseBody>]>('linkRelease');
export const getChangeQuery = defineQuery<ChangeView | null>('getChange');
