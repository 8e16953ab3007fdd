/**
 * The security policy process's contract: workflow type, id scheme, messages and inputs.
 * The API imports this, never the implementation.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { NewSecurityPolicy } from '../../domain/security/policy';
import type { SecurityPolicyCommandBody, SecurityPolicyCommandName, SecurityPolicySnapshot, SecurityPolicyView } from '../../domain/schemas/security-policy';
import type { CommandInput, RecordConfig } from './record';

export const SECURITY_POLICY_WORKFLOW = 'securityPolicyWorkflow';
export const securityPolicyWorkflowId = (number: string) => `security-policy-${number}`;

/** What the API resolved before creating it: the owner group's name, the review date in ms, the reminder days. */
export interface CreateSecurityPolicyInput {
  actor: string;
  body: Omit<NewSecurityPolicy, 'id' | 'number' | 'workflowId'>;
}

export interface SecurityPolicyCarriedState {
  snapshot: SecurityPolicySnapshot;
  seq: number;
}

export interface SecurityPolicyWorkflowInput {
  id: string;
  number: string;
  config: RecordConfig;
  carried?: SecurityPolicyCarriedState;
}

export type SecurityPolicyCommandPayloads = { [K in SecurityPolicyCommandName]: SecurityPolicyCommandBody<K> };

export const createSecurityPolicyUpdate = defineUpdate<SecurityPolicyView, [CreateSecurityPolicyInput]>('create');
export const securityPolicyCommandUpdates = {
  review: defineUpdate<SecurityPolicyView, [CommandInput<SecurityPolicyCommandPayloads['review']>]>('review'),
  retire: defineUpdate<SecurityPolicyView, [CommandInput<SecurityPolicyCommandPayloads['retire']>]>('retire'),
} as const satisfies { [K in SecurityPolicyCommandName]: unknown };
export const getSecurityPolicyQuery = defineQuery<SecurityPolicyView | null>('getSecurityPolicy');
