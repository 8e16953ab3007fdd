/**
 * The access review process's contract: workflow type, id scheme, messages and inputs.
 * The API imports this, never the implementation.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { NewAccessReview } from '../../domain/security/access-review';
import type { AccessReviewCommandBody, AccessReviewCommandName, AccessReviewSnapshot, AccessReviewView } from '../../domain/schemas/access-review';
import type { CommandInput, RecordConfig } from './record';

export const ACCESS_REVIEW_WORKFLOW = 'accessReviewWorkflow';
export const accessReviewWorkflowId = (number: string) => `access-review-${number}`;

/** The system's recurring review: its Schedule starts this small workflow, which opens a review from the stored schedule row. */
export const ACCESS_REVIEW_SCHEDULED_WORKFLOW = 'accessReviewScheduledWorkflow';
export const accessReviewScheduleId = (ciNumber: string) => `access-review-schedule-${ciNumber}`;
export interface AccessReviewScheduledInput {
  ciId: string;
  /** The settings of the review workflow it opens. */
  config: RecordConfig;
}

/** What the API resolved before starting it: the system (id, number, name, owner group), the owner, the accounts. */
export interface CreateAccessReviewInput {
  actor: string;
  body: Omit<NewAccessReview, 'id' | 'number' | 'workflowId'>;
}

export interface AccessReviewCarriedState {
  snapshot: AccessReviewSnapshot;
  seq: number;
}

export interface AccessReviewWorkflowInput {
  id: string;
  number: string;
  config: RecordConfig;
  carried?: AccessReviewCarriedState;
}

export type AccessReviewCommandPayloads = { [K in AccessReviewCommandName]: AccessReviewCommandBody<K> };

export const createAccessReviewUpdate = defineUpdate<AccessReviewView, [CreateAccessReviewInput]>('create');
export const accessReviewCommandUpdates = {
  decide: defineUpdate<AccessReviewView, [CommandInput<AccessReviewCommandPayloads['decide']>]>('decide'),
} as const satisfies { [K in AccessReviewCommandName]: unknown };
export const getAccessReviewQuery = defineQuery<AccessReviewView | null>('getAccessReview');
