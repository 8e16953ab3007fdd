import type { FeedbackView } from '../domain/schemas/feedback';
import { FEEDBACK_WORKFLOW, createFeedbackUpdate, feedbackWorkflowId, type CreateFeedbackInput } from '../workflows/contracts/feedback';
import { openRecord, type OpenRecordDeps } from './open-record';

/** Opening a complaint or compliment: its workflow watches the response targets from now. */
export const openFeedback = (deps: OpenRecordDeps, actor: string, body: CreateFeedbackInput['body']): Promise<FeedbackView> =>
  openRecord(deps, {
    recordType: 'feedback',
    workflowType: FEEDBACK_WORKFLOW,
    workflowId: feedbackWorkflowId,
    idPrefix: 'fbk',
    create: createFeedbackUpdate,
    input: { actor, body } satisfies CreateFeedbackInput,
    summary: (n) => `${n}: ${body.kind} ${body.title}`,
    details: (n) => `**${n}** ${body.kind} from customer ${body.customerId}: ${body.title}\n\nowned by ${body.group}, opened by ${actor}`,
  });
