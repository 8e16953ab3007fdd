/** The supplier contract lifecycle as pure functions: reminders, escalation, renewal, termination, expiry. */
import { alarmEffect, commandEffect, commandRefusal, contractDeadlines, contractView, newContract, noticeDeadline, remindersAlreadyPast, type NewContract } from '../../domain/supplier/contract';
import { CreateContractBody, ContractCommandBodies } from '../../domain/schemas/contract';
import { isLiveContract } from '../../domain/supplier/contract-state';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const END = Date.parse('2027-01-01T00:00:00Z');
const base = (over: Partial<NewContract> = {}): NewContract => ({
  id: 'ctr-1', number: 'CTR0000001', workflowId: 'contract-CTR0000001', supplierId: 'sup-1', title: 'WAN', value: 1200, currency: 'EUR',
  startDate: T0, endDate: END, noticeDays: 60, renewal: 'manual', ownerGroup: 'l2-support', owner: 'usr-agent', slaId: null, serviceId: null, reminderDays: [7, 30], ...over,
});
const kinds = (s: ReturnType<typeof newContract>) => contractDeadlines(s).map((d) => [d.kind, new Date(d.at).toISOString()]);

describe('contract deadlines', () => {
  test('reminders at (end − notice − N days), largest N first; escalation at the notice deadline for a manual renewal; the end', () => {
    const s = newContract(base(), 'usr-admin', T0);
    expect(s.reminderDays).toEqual([30, 7]);
    expect(new Date(noticeDeadline(s)).toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(kinds(s)).toEqual([
      ['reminder_30', '2026-10-03T00:00:00.000Z'],
      ['reminder_7', '2026-10-26T00:00:00.000Z'],
      ['escalation', '2026-11-02T00:00:00.000Z'],
      ['end', '2027-01-01T00:00:00.000Z'],
    ]);
    expect(kinds(newContract(base({ renewal: 'auto' }), 'usr-admin', T0)).map((k) => k[0])).toEqual(['reminder_30', 'reminder_7', 'end']);
    expect(kinds(newContract(base({ renewal: 'none' }), 'usr-admin', T0)).map((k) => k[0])).toEqual(['reminder_30', 'reminder_7', 'end']);
  });

  test('a term watched late skips the stale reminders but the latest one, which is due at once; none once the notice deadline has passed', () => {
    const late = Date.parse('2026-10-27T00:00:00Z');
    expect(remindersAlreadyPast(newContract(base(), 'a', T0), late)).toEqual([30]);
    expect(newContract(base(), 'a', late).remindersDone).toEqual([30]);
    expect(newContract(base(), 'a', Date.parse('2026-11-03T00:00:00Z')).remindersDone).toEqual([30, 7]);
    expect(newContract(base(), 'a', Date.parse('2026-10-04T00:00:00Z')).remindersDone).toEqual([]);
  });

  test('a reminder tells the owner (else the group) once and marks the contract renewal due', () => {
    const s = newContract(base(), 'a', T0);
    const e = alarmEffect(s, 'reminder_30', null, T0);
    expect(e.snapshot).toMatchObject({ state: 'renewal_due', remindersDone: [30] });
    expect(e.events).toEqual(['contract.renewal_due']);
    expect(e.notifications).toEqual([expect.objectContaining({ recipient: 'user:usr-agent', kind: 'contract_renewal_due' })]);
    expect(kinds(e.snapshot).map((k) => k[0])).toEqual(['reminder_7', 'escalation', 'end']);
    const groupOwned = alarmEffect(newContract(base({ owner: null }), 'a', T0), 'reminder_7', null, T0);
    expect(groupOwned.notifications?.[0].recipient).toBe('group:l2-support');
  });

  test('escalation goes to the group manager (else the group), once', () => {
    const s = newContract(base(), 'a', T0);
    const e = alarmEffect(s, 'escalation', 'usr-boss', T0);
    expect(e.snapshot).toMatchObject({ state: 'escalated', escalated: true });
    expect(e.events).toEqual(['contract.escalated']);
    expect(e.notifications?.[0].recipient).toBe('user:usr-boss');
    expect(kinds(e.snapshot).map((k) => k[0])).toEqual(['reminder_30', 'reminder_7', 'end']);
    expect(alarmEffect(s, 'escalation', null, T0).notifications?.[0].recipient).toBe('group:l2-support');
  });

  test('at the end: auto renewal starts a term of the same length; manual and none expire', () => {
    const auto = alarmEffect(newContract(base({ renewal: 'auto' }), 'a', T0), 'end', null, END);
    expect(auto.events).toEqual(['contract.renewed']);
    expect(contractView(auto.snapshot, END)).toMatchObject({ state: 'active', startDate: '2027-01-01T00:00:00.000Z', endDate: '2028-01-01T00:00:00.000Z', terms: [{ start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z', value: 1200 }] });
    expect(auto.snapshot.remindersDone).toEqual([]);
    for (const renewal of ['manual', 'none'] as const) {
      const e = alarmEffect(newContract(base({ renewal }), 'a', T0), 'end', null, END);
      expect([e.snapshot.state, e.events, e.snapshot.endedAt]).toEqual(['expired', ['contract.expired'], END]);
      expect(contractDeadlines(e.snapshot)).toEqual([]);
    }
  });
});

describe('contract commands', () => {
  const s = newContract(base(), 'a', T0);
  test('renew: a new term from the current end, maybe a new value; reminders start over', () => {
    const reminded = alarmEffect(alarmEffect(s, 'reminder_30', null, T0).snapshot, 'escalation', 'usr-boss', T0).snapshot;
    const body = { endDate: '2028-06-30T00:00:00Z', value: 1500 };
    expect(commandRefusal(reminded, 'renew', body, T0)).toBeNull();
    const e = commandEffect(reminded, 'renew', body, Date.parse('2026-11-10T00:00:00Z'));
    expect(e.snapshot).toMatchObject({ state: 'active', startDate: END, value: 1500, escalated: false, remindersDone: [] });
    expect(e.events).toEqual(['contract.renewed']);
    expect(commandRefusal(s, 'renew', { endDate: '2026-12-01T00:00:00Z' }, T0)).toMatch(/after the current end/);
  });

  test('terminate only before the notice deadline; a terminated or expired contract takes no command', () => {
    expect(commandRefusal(s, 'terminate', { reason: 'x' }, noticeDeadline(s) - 1)).toBeNull();
    expect(commandRefusal(s, 'terminate', { reason: 'x' }, noticeDeadline(s))).toMatch(/notice deadline/);
    const t = commandEffect(s, 'terminate', { reason: 'cheaper elsewhere' }, T0).snapshot;
    expect([t.state, t.terminationReason, isLiveContract(t.state)]).toEqual(['terminated', 'cheaper elsewhere', false]);
    expect(contractDeadlines(t)).toEqual([]);
    expect(commandRefusal(t, 'amend', { title: 'y' }, T0)).toMatch(/state 'terminated'/);
    // An auto renewal terminated in time is not renewed: the terminated contract has no end alarm left.
    const auto = commandEffect(newContract(base({ renewal: 'auto' }), 'a', T0), 'terminate', { reason: 'x' }, T0).snapshot;
    expect(contractDeadlines(auto)).toEqual([]);
  });

  test('amend changes the given fields; a notice period longer than the term is refused', () => {
    const e = commandEffect(s, 'amend', { value: 900, noticeDays: 30, owner: null }, T0);
    expect(e.snapshot).toMatchObject({ value: 900, noticeDays: 30, owner: null, title: 'WAN' });
    expect(e.events).toEqual(['contract.amended']);
    expect(new Date(noticeDeadline(e.snapshot)).toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(commandRefusal(s, 'amend', { noticeDays: 400 }, T0)).toMatch(/notice period/);
  });
});

describe('contract bodies', () => {
  const ok = { supplierId: 'SUP0000001', title: 'WAN', value: 10, startDate: '2026-01-01T00:00:00Z', endDate: '2027-01-01T00:00:00Z', noticeDays: 30, renewal: 'auto', ownerGroup: 'l2-support' };
  const paths = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => (r.error?.issues ?? []).map((i) => i.path.join('.'));
  test('the end after the start, the notice period within the term, amend not empty', () => {
    expect(CreateContractBody.safeParse(ok).data?.currency).toBe('EUR');
    expect(paths(CreateContractBody.safeParse({ ...ok, endDate: '2025-01-01T00:00:00Z' }))).toContain('endDate');
    expect(paths(CreateContractBody.safeParse({ ...ok, noticeDays: 400 }))).toEqual(['noticeDays']);
    expect(paths(CreateContractBody.safeParse({ ...ok, renewal: 'sometimes' }))).toEqual(['renewal']);
    expect(paths(ContractCommandBodies.amend.safeParse({}))).toEqual(['title']);
  });
});
