import type { SecurityPolicyView } from '../domain/schemas/security-policy';
import { SECURITY_POLICY_WORKFLOW, createSecurityPolicyUpdate, securityPolicyWorkflowId, type CreateSecurityPolicyInput } from '../workflows/contracts/security-policy';
import { openRecord, type OpenRecordDeps } from './open-record';

/** Opening a security policy: its workflow watches the review date from now. */
export const openSecurityPolicy = (deps: OpenRecordDeps, actor: string, body: CreateSecurityPolicyInput['body']): Promise<SecurityPolicyView> =>
  openRecord(deps, {
    recordType: 'security_policy',
    workflowType: SECURITY_POLICY_WORKFLOW,
    workflowId: securityPolicyWorkflowId,
    idPrefix: 'pol',
    create: createSecurityPolicyUpdate,
    input: { actor, body } satisfies CreateSecurityPolicyInput,
    summary: (n) => `${n}: security policy ${body.title}`,
    details: (n) => `**${n}** security policy: ${body.title}\n\nowned by ${body.ownerGroup}, opened by ${actor}`,
  });
