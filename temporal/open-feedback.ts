/**
 * Opening a complaint or compliment: allocates the number, then Update-with-Start of its
 * workflow, whose `create` Update persists the record before it answers.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { nextNumber } from '../db/numbers';
import type { FeedbackView } from '../domain/schemas/feedback';
import { newId } from '../infra/ids';
import { FEEDBACK_WORKFLOW, createFeedbackUpdate, feedbackWorkflowId, type CreateFeedbackInput, type FeedbackWorkflowInput } from '../workflows/contracts/feedback';
import type { RecordConfig } from '../workflows/contracts/record';
import * as SA from '../workflows/contracts/search-attributes';

export interface OpenFeedbackDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  config: RecordConfig;
}

export async function openFeedback(deps: OpenFeedbackDeps, actor: string, body: CreateFeedbackInput['body']): Promise<FeedbackView> {
  const number = await nextNumber(deps.db, 'feedback');
  const startWorkflowOperation = new WithStartWorkflowOperation(FEEDBACK_WORKFLOW, {
    workflowId: feedbackWorkflowId(number),
    taskQueue: deps.taskQueue,
    args: [{ id: newId('fbk'), number, config: deps.config } satisfies FeedbackWorkflowInput],
    workflowIdConflictPolicy: 'FAIL',
    staticSummary: `${number}: ${body.kind} ${body.title}`.slice(0, 200),
    staticDetails: `**${number}** ${body.kind} from customer ${body.customerId}: ${body.title}\n\nowned by ${body.group}, opened by ${actor}`,
    ...(deps.config.searchAttributes === false ? {} : { typedSearchAttributes: [{ key: SA.RecordType, value: 'feedback' }, { key: SA.RecordNumber, value: number }] }),
  });
  return deps.temporal.workflow.executeUpdateWithStart(createFeedbackUpdate, { args: [{ actor, body } satisfies CreateFeedbackInput], startWorkflowOperation });
}
