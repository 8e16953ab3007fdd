/**
 * The complaint and compliment process's contract: workflow type, id scheme, messages and
 * inputs. The API imports this, never the implementation.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { NewFeedback } from '../../domain/relationship/feedback';
import type { FeedbackCommandBody, FeedbackCommandName, FeedbackSnapshot, FeedbackView } from '../../domain/schemas/feedback';
import type { CommandInput, RecordConfig } from './record';

export const FEEDBACK_WORKFLOW = 'feedbackWorkflow';
export const feedbackWorkflowId = (number: string) => `feedback-${number}`;

/** What the API resolved before creating it: the customer, its account manager, the owning group, the targets in ms. */
export interface CreateFeedbackInput {
  actor: string;
  body: Omit<NewFeedback, 'id' | 'number' | 'workflowId'>;
}

export interface FeedbackCarriedState {
  snapshot: FeedbackSnapshot;
  seq: number;
}

export interface FeedbackWorkflowInput {
  id: string;
  number: string;
  config: RecordConfig;
  carried?: FeedbackCarriedState;
}

export type FeedbackCommandPayloads = { [K in FeedbackCommandName]: FeedbackCommandBody<K> };

export const createFeedbackUpdate = defineUpdate<FeedbackView, [CreateFeedbackInput]>('create');
export const feedbackCommandUpdates = {
  acknowledge: defineUpdate<FeedbackView, [CommandInput<FeedbackCommandPayloads['acknowledge']>]>('acknowledge'),
  investigate: defineUpdate<FeedbackView, [CommandInput<FeedbackCommandPayloads['investigate']>]>('investigate'),
  resolve: defineUpdate<FeedbackView, [CommandInput<FeedbackCommandPayloads['resolve']>]>('resolve'),
  reopen: defineUpdate<FeedbackView, [CommandInput<FeedbackCommandPayloads['reopen']>]>('reopen'),
  close: defineUpdate<FeedbackView, [CommandInput<FeedbackCommandPayloads['close']>]>('close'),
} as const satisfies { [K in FeedbackCommandName]: unknown };
export const getFeedbackQuery = defineQuery<FeedbackView | null>('getFeedback');
