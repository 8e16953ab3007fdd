import { workflowInfo } from '@temporalio/workflow';
import { alarmEffect, commandEffect, commandRefusal, isTerminal, newSecurityPolicy, policyDeadlines, securityPolicyView } from '../domain/security/policy';
import type { SecurityPolicySnapshot, SecurityPolicyView } from '../domain/schemas/security-policy';
import {
  createSecurityPolicyUpdate, getSecurityPolicyQuery, securityPolicyCommandUpdates,
  type SecurityPolicyCarriedState, type SecurityPolicyCommandPayloads, type SecurityPolicyWorkflowInput,
} from './contracts/security-policy';
import { RecordProcess, recordSearchAttributes, invalidTransition } from './kernel/record-process';

const searchAttributes = recordSearchAttributes('security_policy');

/** A security policy: its rules are in domain/security/policy.ts; the API resolves the owner group before it gets here. */
export async function securityPolicyWorkflow(input: SecurityPolicyWorkflowInput): Promise<SecurityPolicyView | null> {
  const record = new RecordProcess<SecurityPolicySnapshot, SecurityPolicyCarriedState, SecurityPolicyView>(input, {
    recordType: 'security_policy',
    view: securityPolicyView,
    isTerminal,
    searchAttributes,
  });
  const check = (name: keyof SecurityPolicyCommandPayloads, body: unknown) => {
    const refusal = commandRefusal(record.snapshot, name, body as Record<string, unknown>, Date.now());
    if (refusal) throw invalidTransition(refusal);
  };

  record.onQuery(getSecurityPolicyQuery);
  record.onCreate(createSecurityPolicyUpdate, async ({ actor, body }) => ({
    carried: { snapshot: newSecurityPolicy({ ...body, id: input.id, number: input.number, workflowId: workflowInfo().workflowId }, actor, Date.now()) },
    action: 'create',
    effect: { events: ['security_policy.created'], data: { reviewDue: new Date(body.reviewDue).toISOString() } },
  }));
  record.onCommands<SecurityPolicyCommandPayloads>(
    securityPolicyCommandUpdates,
    (name, body) => check(name, body),
    (name, actor, body) => {
      check(name, body);
      return record.commit(actor, name, commandEffect(record.snapshot, name, body, actor, Date.now()));
    },
  );
  return record.run({
    deadlines: (c) => policyDeadlines(c.snapshot),
    fire: async (d) => {
      await record.commit('system', d.kind, alarmEffect(record.snapshot, d.kind, Date.now()));
    },
  });
}
