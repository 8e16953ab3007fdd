/**
 * Opening a security policy: allocates the number, then Update-with-Start of its workflow,
 * whose `create` Update persists the record before it answers.
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import { nextNumber } from '../db/numbers';
import type { SecurityPolicyView } from '../domain/schemas/security-policy';
import { newId } from '../infra/ids';
import { SECURITY_POLICY_WORKFLOW, createSecurityPolicyUpdate, securityPolicyWorkflowId, type CreateSecurityPolicyInput, type SecurityPolicyWorkflowInput } from '../workflows/contracts/security-policy';
import * as SA from '../workflows/contracts/search-attributes';
import type { OpenContractDeps } from './open-contract';

export async function openSecurityPolicy(deps: OpenContractDeps, actor: string, body: CreateSecurityPolicyInput['body']): Promise<SecurityPolicyView> {
  const number = await nextNumber(deps.db, 'security_policy');
  const startWorkflowOperation = new WithStartWorkflowOperation(SECURITY_POLICY_WORKFLOW, {
    workflowId: securityPolicyWorkflowId(number),
    taskQueue: deps.taskQueue,
    args: [{ id: newId('pol'), number, config: deps.config } satisfies SecurityPolicyWorkflowInput],
    workflowIdConflictPolicy: 'FAIL',
    staticSummary: `${number}: security policy ${body.title}`.slice(0, 200),
    staticDetails: `**${number}** security policy: ${body.title}\n\nowned by ${body.ownerGroup}, opened by ${actor}`,
    ...(deps.config.searchAttributes === false ? {} : { typedSearchAttributes: [{ key: SA.RecordType, value: 'security_policy' }, { key: SA.RecordNumber, value: number }] }),
  });
  return deps.temporal.workflow.executeUpdateWithStart(createSecurityPolicyUpdate, { args: [{ actor, body } satisfies CreateSecurityPolicyInput], startWorkflowOperation });
}
