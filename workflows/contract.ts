import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ContractActivities } from '../activities/contract';
import { alarmEffect, commandEffect, commandRefusal, contractDeadlines, contractView, isTerminal, newContract } from '../domain/supplier/contract';
import type { ContractSnapshot, ContractView } from '../domain/schemas/contract';
import { contractCommandUpdates, createContractUpdate, getContractQuery, type ContractCarriedState, type ContractCommandPayloads, type ContractWorkflowInput } from './contracts/contract';
import { RecordProcess, recordSearchAttributes, invalidTransition } from './kernel/record-process';

/** The manager lookup when a renewal is escalated: nobody waits, so it retries until the database answers. */
const lookups = proxyActivities<ContractActivities>({ startToCloseTimeout: '10s', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } });

const searchAttributes = recordSearchAttributes('contract');

/** A supplier contract: its rules are in domain/supplier/contract.ts; the API resolves every reference before it gets here. */
export async function contractWorkflow(input: ContractWorkflowInput): Promise<ContractView | null> {
  const record = new RecordProcess<ContractSnapshot, ContractCarriedState, ContractView>(input, {
    recordType: 'contract',
    view: contractView,
    isTerminal,
    searchAttributes,
  });
  const check = (name: keyof ContractCommandPayloads, body: unknown) => {
    const refusal = commandRefusal(record.snapshot, name, body as Record<string, unknown>, Date.now());
    if (refusal) throw invalidTransition(refusal);
  };

  record.onQuery(getContractQuery);
  record.onCreate(createContractUpdate, async ({ actor, body }) => ({
    carried: { snapshot: newContract({ ...body, id: input.id, number: input.number, workflowId: workflowInfo().workflowId }, actor, Date.now()) },
    action: 'create',
    effect: { events: ['contract.created'], data: { supplierId: body.supplierId } },
  }));
  record.onCommands<ContractCommandPayloads>(
    contractCommandUpdates,
    (name, body) => check(name, body),
    (name, actor, body) => {
      check(name, body);
      return record.commit(actor, name, commandEffect(record.snapshot, name, body, Date.now()));
    },
  );
  return record.run({
    deadlines: (c) => contractDeadlines(c.snapshot),
    fire: async (d) => {
      const manager = d.kind === 'escalation' ? await lookups.contractGroupManager({ group: record.snapshot.ownerGroup }) : null;
      await record.commit('system', d.kind, alarmEffect(record.snapshot, d.kind, manager, Date.now()));
    },
  });
}
