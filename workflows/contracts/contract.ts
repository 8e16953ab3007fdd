/**
 * The supplier contract process's contract: workflow type, id scheme, messages and inputs.
 * The API imports this, never the implementation.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { NewContract } from '../../domain/supplier/contract';
import type { ContractCommandBody, ContractCommandName, ContractSnapshot, ContractView } from '../../domain/schemas/contract';
import type { CommandInput, RecordConfig } from './record';

export const CONTRACT_WORKFLOW = 'contractWorkflow';
export const contractWorkflowId = (number: string) => `contract-${number}`;

/** What the API resolved before creating it: the supplier, owner, group, UC agreement and service, the terms in ms. */
export interface CreateContractInput {
  actor: string;
  body: Omit<NewContract, 'id' | 'number' | 'workflowId'>;
}

export interface ContractCarriedState {
  snapshot: ContractSnapshot;
  seq: number;
}

export interface ContractWorkflowInput {
  id: string;
  number: string;
  config: RecordConfig;
  carried?: ContractCarriedState;
}

export type ContractCommandPayloads = { [K in ContractCommandName]: ContractCommandBody<K> };

export const createContractUpdate = defineUpdate<ContractView, [CreateContractInput]>('create');
export const contractCommandUpdates = {
  renew: defineUpdate<ContractView, [CommandInput<ContractCommandPayloads['renew']>]>('renew'),
  terminate: defineUpdate<ContractView, [CommandInput<ContractCommandPayloads['terminate']>]>('terminate'),
  amend: defineUpdate<ContractView, [CommandInput<ContractCommandPayloads['amend']>]>('amend'),
} as const satisfies { [K in ContractCommandName]: unknown };
export const getContractQuery = defineQuery<ContractView | null>('getContract');
