/**
 * Opening a supplier contract: allocates the number, then Update-with-Start of its
 * workflow, whose `create` Update persists the record before it answers.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { nextNumber } from '../db/numbers';
import type { ContractView } from '../domain/schemas/contract';
import { newId } from '../infra/ids';
import { CONTRACT_WORKFLOW, createContractUpdate, contractWorkflowId, type CreateContractInput, type ContractWorkflowInput } from '../workflows/contracts/contract';
import type { RecordConfig } from '../workflows/contracts/record';
import * as SA from '../workflows/contracts/search-attributes';

export interface OpenContractDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  config: RecordConfig;
}

export async function openContract(deps: OpenContractDeps, actor: string, body: CreateContractInput['body']): Promise<ContractView> {
  const number = await nextNumber(deps.db, 'contract');
  const startWorkflowOperation = new WithStartWorkflowOperation(CONTRACT_WORKFLOW, {
    workflowId: contractWorkflowId(number),
    taskQueue: deps.taskQueue,
    args: [{ id: newId('ctr'), number, config: deps.config } satisfies ContractWorkflowInput],
    workflowIdConflictPolicy: 'FAIL',
    staticSummary: `${number}: contract ${body.title}`.slice(0, 200),
    staticDetails: `**${number}** contract with supplier ${body.supplierId}: ${body.title}\n\nowned by ${body.ownerGroup}, opened by ${actor}`,
    ...(deps.config.searchAttributes === false ? {} : { typedSearchAttributes: [{ key: SA.RecordType, value: 'contract' }, { key: SA.RecordNumber, value: number }] }),
  });
  return deps.temporal.workflow.executeUpdateWithStart(createContractUpdate, { args: [{ actor, body } satisfies CreateContractInput], startWorkflowOperation });
}
