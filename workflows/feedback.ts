import { workflowInfo } from '@temporalio/workflow';
import { alarmEffect, commandEffect, feedbackDeadlines, feedbackView, isTerminal, newFeedback, nextFeedbackState } from '../domain/relationship/feedback';
import type { FeedbackSnapshot, FeedbackView } from '../domain/schemas/feedback';
import { createFeedbackUpdate, feedbackCommandUpdates, getFeedbackQuery, type FeedbackCarriedState, type FeedbackCommandPayloads, type FeedbackWorkflowInput } from './contracts/feedback';
import { RecordProcess, recordSearchAttributes, invalidTransition } from './kernel/record-process';

const searchAttributes = recordSearchAttributes('feedback');

/** A complaint or compliment: its rules are in domain/relationship/feedback.ts; the API resolves every reference before it gets here. */
export async function feedbackWorkflow(input: FeedbackWorkflowInput): Promise<FeedbackView | null> {
  const record = new RecordProcess<FeedbackSnapshot, FeedbackCarriedState, FeedbackView>(input, {
    recordType: 'feedback',
    view: feedbackView,
    isTerminal,
    searchAttributes,
  });
  const move = (name: keyof FeedbackCommandPayloads) => {
    const s = record.snapshot;
    const next = nextFeedbackState(s.kind, s.state, name);
    if (!next.ok) throw invalidTransition(next.reason);
    return next.to;
  };

  record.onQuery(getFeedbackQuery);
  record.onCreate(createFeedbackUpdate, async ({ actor, body }) => ({
    carried: { snapshot: newFeedback({ ...body, id: input.id, number: input.number, workflowId: workflowInfo().workflowId }, actor, Date.now()) },
    action: 'create',
    effect: { events: ['feedback.created'], data: { kind: body.kind } },
  }));
  record.onCommands<FeedbackCommandPayloads>(
    feedbackCommandUpdates,
    (name) => void move(name),
    (name, actor, body) => record.commit(actor, name, commandEffect(record.snapshot, move(name), name, body, Date.now())),
  );
  return record.run({
    deadlines: (c) => feedbackDeadlines(c.snapshot),
    fire: (d) => record.commit('system', d.kind, alarmEffect(record.snapshot, d.kind)).then(() => undefined),
  });
}
