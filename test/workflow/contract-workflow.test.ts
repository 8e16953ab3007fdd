/**
 * The supplier contract workflow on the time-skipping test server, with the real worker writing
 * to a real (SQLite) database: renewal reminders at (notice deadline − 30 and − 7 days) to the
 * owner, escalation to the owner group's manager when a manual renewal is undecided at the
 * notice deadline, expiry at the end; an auto renewal's new term of the same length, and its
 * termination before the notice deadline; a renewal in time stops the escalation; refused
 * commands record nothing. Months are skipped, not waited.
 */
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ContractView } from '../../domain/schemas/contract';
import { contractCommandUpdates, createContractUpdate, getContractQuery, type CreateContractInput } from '../../workflows/contracts/contract';
import { FAILURE } from '../../workflows/contracts/record';
import { contractWorkflow } from '../../workflows/contract';
import { recordTrail, workflowTestBed } from '../support/workflow-bed';

const DAY = 86_400_000;
const TQ = 'contract-wf';
const RECORD = { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false };

const bed = workflowTestBed(TQ);
const { expectActions, toldOf, eventsOf } = recordTrail(bed);
let seq = 0;

/** A contract of 120 days from now with 30 days' notice: reminders at day 60 and 83, the notice deadline at day 90. */
async function open(renewal: 'auto' | 'manual' | 'none'): Promise<{ h: WorkflowHandle; view: ContractView; t0: number }> {
  const number = `CTR${String(++seq).padStart(7, '0')}`;
  const t0 = await bed.env.currentTimeMs();
  const body: CreateContractInput['body'] = {
    supplierId: 'sup-1', title: `WAN ${seq}`, value: 1200, currency: 'EUR', startDate: Number(t0), endDate: Number(t0) + 120 * DAY, noticeDays: 30, renewal,
    ownerGroup: 'l2-support', owner: 'usr-agent', slaId: null, serviceId: null, reminderDays: [30, 7],
  };
  const op = new WithStartWorkflowOperation(contractWorkflow, { workflowId: `contract-${number}`, taskQueue: TQ, args: [{ id: `ctr-${seq}`, number, config: RECORD }], workflowIdConflictPolicy: 'FAIL' });
  const view = await bed.env.client.workflow.executeUpdateWithStart(createContractUpdate, { args: [{ actor: 'usr-change_manager', body }], startWorkflowOperation: op });
  const h = await op.workflowHandle();
  bed.track(h);
  return { h, view, t0: Number(t0) };
}

const command = (h: WorkflowHandle, name: keyof typeof contractCommandUpdates, body: object) => h.executeUpdate(contractCommandUpdates[name] as typeof contractCommandUpdates.amend, { args: [{ actor: 'usr-change_manager', body: body as never }] });
async function refused(h: WorkflowHandle, name: keyof typeof contractCommandUpdates, body: object): Promise<void> {
  const e = await command(h, name, body).catch((x) => x);
  expect(e).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((e.cause as ApplicationFailure).type).toBe(FAILURE.invalidTransition);
}

test('a manual renewal left undecided: reminded at 30 and 7 days before notice, escalated to the group manager at the notice deadline, expired at the end', async () => {
  const { h, view } = await open('manual');
  expect(view).toMatchObject({ state: 'active', escalated: false });
  await bed.env.sleep(61 * DAY);
  await expectActions(view.id, ['create', 'reminder_30']);
  expect((await h.query(getContractQuery))!.state).toBe('renewal_due');
  await bed.env.sleep(23 * DAY);
  await expectActions(view.id, ['create', 'reminder_30', 'reminder_7']);
  await bed.env.sleep(7 * DAY);
  await expectActions(view.id, ['create', 'reminder_30', 'reminder_7', 'escalation']);
  expect(await toldOf(view.id)).toEqual([
    ['user:usr-agent', 'contract_renewal_due'],
    ['user:usr-agent', 'contract_renewal_due'],
    ['user:usr-admin', 'contract_escalated'],
  ]);
  // Past the notice deadline it can no longer be terminated; the refusal records nothing.
  await refused(h, 'terminate', { reason: 'too late' });
  await bed.env.sleep(30 * DAY);
  await expectActions(view.id, ['create', 'reminder_30', 'reminder_7', 'escalation', 'end']);
  expect(await h.result()).toMatchObject({ state: 'expired', escalated: true });
  expect(await eventsOf(view.id)).toEqual(['contract.created', 'contract.renewal_due', 'contract.renewal_due', 'contract.escalated', 'contract.expired']);
  expect((await bed.tdb.db.contract.findUniqueOrThrow({ where: { id: view.id } })).state).toBe('expired');
});

test('renewed in time: no escalation, the new term from the old end; then terminated before its notice deadline it takes no other command', async () => {
  const { h, view, t0 } = await open('manual');
  await bed.env.sleep(61 * DAY);
  await expectActions(view.id, ['create', 'reminder_30']);
  await refused(h, 'renew', { endDate: new Date(t0 + 100 * DAY).toISOString() });
  const renewed = await command(h, 'renew', { endDate: new Date(t0 + 485 * DAY).toISOString(), value: 1500 });
  expect(renewed).toMatchObject({ state: 'active', value: 1500, startDate: new Date(t0 + 120 * DAY).toISOString(), terms: [{ value: 1200 }] });
  await bed.env.sleep(60 * DAY);
  await expectActions(view.id, ['create', 'reminder_30', 'renew']);
  const row = await bed.tdb.db.contract.findUniqueOrThrow({ where: { id: view.id } });
  expect([row.state, row.value, row.endDate.getTime()]).toEqual(['active', 1500, t0 + 485 * DAY]);
  expect((await command(h, 'terminate', { reason: 'moving to another carrier' })).state).toBe('terminated');
  expect(await h.result()).toMatchObject({ state: 'terminated', terminationReason: 'moving to another carrier' });
  expect(await eventsOf(view.id)).toEqual(['contract.created', 'contract.renewal_due', 'contract.renewed', 'contract.terminated']);
});

test('an auto renewal not terminated starts a term of the same length at its end, and reminds again for it', async () => {
  const { h, view, t0 } = await open('auto');
  expect((await command(h, 'amend', { title: 'WAN backbone', owner: null })).owner).toBeNull();
  await bed.env.sleep(121 * DAY);
  await expectActions(view.id, ['create', 'amend', 'reminder_30', 'reminder_7', 'end']);
  const now = (await h.query(getContractQuery))!;
  expect(now).toMatchObject({ state: 'active', title: 'WAN backbone', startDate: new Date(t0 + 120 * DAY).toISOString(), endDate: new Date(t0 + 240 * DAY).toISOString(), escalated: false });
  expect(await toldOf(view.id)).toEqual([
    ['group:l2-support', 'contract_renewal_due'],
    ['group:l2-support', 'contract_renewal_due'],
  ]);
  await bed.env.sleep(60 * DAY);
  await expectActions(view.id, ['create', 'amend', 'reminder_30', 'reminder_7', 'end', 'reminder_30']);
  expect((await eventsOf(view.id)).filter((e) => e === 'contract.renewed')).toHaveLength(1);
});
