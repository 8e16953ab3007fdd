import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { AccessReviewActivities } from '../activities/access-review';
import { accessReviewDeadlines, accessReviewView, alarmEffect, decideEffect, decideRefusal, isTerminal, newAccessReview } from '../domain/security/access-review';
import type { AccessReviewSnapshot, AccessReviewView } from '../domain/schemas/access-review';
import {
  accessReviewCommandUpdates, createAccessReviewUpdate, getAccessReviewQuery,
  type AccessReviewCarriedState, type AccessReviewCommandPayloads, type AccessReviewWorkflowInput,
} from './contracts/access-review';
import { RecordProcess, recordSearchAttributes, invalidTransition } from './kernel/record-process';

/** The manager lookup when a review is escalated: nobody waits, so it retries until the database answers. */
const lookups = proxyActivities<AccessReviewActivities>({ startToCloseTimeout: '10s', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } });

const searchAttributes = recordSearchAttributes('access_review');

/** One access review of one system: its rules are in domain/security/access-review.ts. */
export async function accessReviewWorkflow(input: AccessReviewWorkflowInput): Promise<AccessReviewView | null> {
  const record = new RecordProcess<AccessReviewSnapshot, AccessReviewCarriedState, AccessReviewView>(input, {
    recordType: 'access_review',
    view: accessReviewView,
    isTerminal,
    searchAttributes,
  });
  const check = (body: AccessReviewCommandPayloads['decide']) => {
    const refusal = decideRefusal(record.snapshot, body);
    if (refusal) throw invalidTransition(refusal.message);
  };

  record.onQuery(getAccessReviewQuery);
  record.onCreate(createAccessReviewUpdate, async ({ actor, body }) => ({
    carried: { snapshot: newAccessReview({ ...body, id: input.id, number: input.number, workflowId: workflowInfo().workflowId }, actor, Date.now()) },
    action: 'create',
    effect: { events: ['access_review.created'], data: { ciId: body.ciId, owner: body.owner, accounts: body.accounts.length } },
  }));
  record.onCommands<AccessReviewCommandPayloads>(
    accessReviewCommandUpdates,
    (_name, body) => check(body),
    (_name, actor, body) => {
      check(body);
      return record.commit(actor, 'decide', decideEffect(record.snapshot, body, actor, Date.now()));
    },
  );
  return record.run({
    deadlines: (c) => accessReviewDeadlines(c.snapshot),
    fire: async (d) => {
      const manager = d.kind === 'overdue' ? await lookups.accessReviewGroupManager({ group: record.snapshot.ownerGroup }) : null;
      await record.commit('system', d.kind === 'overdue' ? 'escalation' : d.kind, alarmEffect(record.snapshot, d.kind, manager));
    },
  });
}
