import type { ContractView } from '../domain/schemas/contract';
import { CONTRACT_WORKFLOW, createContractUpdate, contractWorkflowId, type CreateContractInput } from '../workflows/contracts/contract';
import { openRecord, type OpenRecordDeps } from './open-record';

/** Opening a supplier contract: its workflow watches the term from now. */
export const openContract = (deps: OpenRecordDeps, actor: string, body: CreateContractInput['body']): Promise<ContractView> =>
  openRecord(deps, {
    recordType: 'contract',
    workflowType: CONTRACT_WORKFLOW,
    workflowId: contractWorkflowId,
    idPrefix: 'ctr',
    create: createContractUpdate,
    input: { actor, body } satisfies CreateContractInput,
    summary: (n) => `${n}: contract ${body.title}`,
    details: (n) => `**${n}** contract with supplier ${body.supplierId}: ${body.title}\n\nowned by ${body.ownerGroup}, opened by ${actor}`,
  });
