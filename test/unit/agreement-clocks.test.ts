/**
 * OLA and UC clocks as pure functions of an incident's transitions, against hand-computed
 * times: handoffs (GLPI #1911), a person assigned inside the same group (GLPI #14423), supplier
 * holds, pauses, re-prioritisation, reopen, and the timer steps still to come.
 */
import type { BusinessHoursCalendar } from '../../domain/calendar';
import type { Priority } from '../../domain/priority';
import {
  advanceClocks,
  agreementClockRow,
  agreementDeadlines,
  agreementsNeeded,
  markFired,
  parseAgreementDeadline,
  viewAgreementClock,
  type AgreementClock,
  type AgreementTerms,
  type ClockedIncident,
} from '../../domain/sla/agreement-clocks';
import { escalationRulesWithDefaults } from '../../domain/sla/policy';

const M = 60_000;
const H = 60 * M;
const t0 = Date.parse('2026-12-01T08:00:00Z');
const all = (response: string, resolution: string) => Object.fromEntries((['P1', 'P2', 'P3', 'P4', 'P5'] as Priority[]).map((p) => [p, { response, resolution }])) as AgreementTerms['targets'];

function ola(team: string, targets = all('PT15M', 'PT2H'), extra: Partial<AgreementTerms> = {}): AgreementTerms {
  return { kind: 'OLA', agreementId: `ola-${team}`, version: 1, name: `${team} OLA`, team, supplier: null, calendar: '24x7', targets, escalation: escalationRulesWithDefaults(undefined), pauseOn: ['awaiting_caller', 'awaiting_supplier'], ...extra };
}
const uc = (supplier: string, resolution = 'PT4H'): AgreementTerms => ({ ...ola('x', all('PT1M', resolution)), kind: 'UC', agreementId: `uc-${supplier}`, name: `${supplier} UC`, team: null, supplier, pauseOn: [] });

const inc = (over: Partial<ClockedIncident> = {}): ClockedIncident => ({ state: 'assigned', priority: 'P2', assignmentGroup: 'network', holdReason: null, holdSupplier: null, ...over });

/** Runs one transition the way the workflow does: ask what is needed, supply it, advance. */
function step(clocks: AgreementClock[], before: ClockedIncident, after: ClockedIncident, at: number, agreements: AgreementTerms[]): AgreementClock[] {
  const need = agreementsNeeded(before, after);
  const ola = agreements.find((a) => a.kind === 'OLA' && a.team === need.team) ?? null;
  const ucTerms = agreements.find((a) => a.kind === 'UC' && a.supplier === need.supplier) ?? null;
  return advanceClocks(clocks, before, after, at, { ola, uc: ucTerms });
}

const agreements = [ola('network'), ola('database', all('PT30M', 'PT1H')), uc('acme')];
/** Opened, routed to network and acknowledged by it at once. */
const working = () => step(step([], inc({ state: 'new', assignmentGroup: null }), inc({ state: 'new' }), t0, agreements), inc({ state: 'new' }), inc({ state: 'in_progress' }), t0, agreements);

test('handing the incident on stops the first group’s OLA (met at the handoff) and starts the next group’s, measured from the handoff (GLPI #1911)', () => {
  const created = step([], inc({ state: 'new', assignmentGroup: null }), inc({ state: 'new' }), t0, agreements);
  expect(created).toHaveLength(1);
  expect(viewAgreementClock(created[0], t0).dueAt).toBe('2026-12-01T10:00:00.000Z');
  // network works on it for 90 minutes, then hands it to database
  const acked = step(created, inc({ state: 'new' }), inc({ state: 'in_progress' }), t0 + 10 * M, agreements);
  const handed = step(acked, inc({ state: 'in_progress' }), inc({ state: 'assigned', assignmentGroup: 'database' }), t0 + 90 * M, agreements);
  expect(handed).toHaveLength(2);
  const [network, database] = handed.map((c) => viewAgreementClock(c, t0 + 90 * M));
  expect(network).toMatchObject({ group: 'network', stop: '2026-12-01T09:30:00.000Z', stopReason: 'handed_on', metAt: '2026-12-01T09:30:00.000Z', breached: false });
  expect(network.response).toMatchObject({ metAt: '2026-12-01T08:10:00.000Z', breached: false });
  // database gets its own hour from 09:30, not what was left of an SLA measured from 08:00
  expect(database).toMatchObject({ group: 'database', start: '2026-12-01T09:30:00.000Z', dueAt: '2026-12-01T10:30:00.000Z', stop: null, breached: false });
  // resolved at 10:45: database's OLA is met late
  const resolved = step(handed, inc({ state: 'assigned', assignmentGroup: 'database' }), inc({ state: 'resolved', assignmentGroup: 'database' }), t0 + 165 * M, agreements);
  expect(viewAgreementClock(resolved[1], t0 + 200 * M)).toMatchObject({ stopReason: 'resolved', metAt: '2026-12-01T10:45:00.000Z', breached: true });
  expect(viewAgreementClock(resolved[0], t0 + 200 * M).breached).toBe(false);
});

test('assigning a person inside the same group neither stops nor restarts the group’s OLA (GLPI #14423)', () => {
  const created = step([], inc({ state: 'new', assignmentGroup: null }), inc({ state: 'new' }), t0, agreements);
  expect(agreementsNeeded(inc(), inc({ state: 'assigned' }))).toEqual({ team: null, supplier: null });
  const again = step(created, inc({ state: 'new' }), inc({ state: 'assigned' }), t0 + 40 * M, agreements);
  expect(again).toEqual(created);
});

test('a supplier hold runs the supplier’s UC and pauses an OLA that pauses on it; resuming meets the UC and restarts the OLA', () => {
  const created = working();
  const held = step(created, inc({ state: 'in_progress' }), inc({ state: 'on_hold', holdReason: 'awaiting_supplier', holdSupplier: 'acme' }), t0 + 30 * M, agreements);
  expect(held.map((c) => c.kind)).toEqual(['OLA', 'UC']);
  expect(viewAgreementClock(held[0], t0 + 60 * M)).toMatchObject({ paused: true });
  expect(viewAgreementClock(held[1], t0 + 60 * M)).toMatchObject({ supplier: 'acme', start: '2026-12-01T08:30:00.000Z', dueAt: '2026-12-01T12:30:00.000Z', response: null });
  // the supplier answers after 5 hours: its UC is breached; the OLA resumes with 5 hours added
  const resumed = step(held, inc({ state: 'on_hold', holdReason: 'awaiting_supplier', holdSupplier: 'acme' }), inc({ state: 'in_progress' }), t0 + 330 * M, agreements);
  const [olaView, ucView] = resumed.map((c) => viewAgreementClock(c, t0 + 330 * M));
  expect(ucView).toMatchObject({ stopReason: 'supplier_answered', metAt: '2026-12-01T13:30:00.000Z', breached: true });
  expect(olaView).toMatchObject({ paused: false, pausedMs: 5 * H, dueAt: '2026-12-01T15:00:00.000Z', breached: false });
  // its row for reports says the same
  expect(agreementClockRow(resumed[1], t0 + 330 * M)).toMatchObject({ kind: 'UC', supplier: 'acme', breached: true, businessMs: 5 * H, responseDueAt: null });
});

test('a hold for another reason, or for a supplier without a contract, starts no UC', () => {
  const created = working();
  expect(step(created, inc({ state: 'in_progress' }), inc({ state: 'on_hold', holdReason: 'awaiting_caller' }), t0 + M, agreements)).toHaveLength(1);
  expect(step(created, inc({ state: 'in_progress' }), inc({ state: 'on_hold', holdReason: 'awaiting_supplier', holdSupplier: 'nobody' }), t0 + M, agreements)).toHaveLength(1);
});

test('re-prioritised: running clocks take the new priority’s target, measured from their own start', () => {
  const tiered = ola('network', { ...all('PT1H', 'PT8H'), P1: { response: 'PT5M', resolution: 'PT1H' } });
  const created = step([], inc({ state: 'new', assignmentGroup: null }), inc({ state: 'new' }), t0, [tiered]);
  const raised = step(created, inc({ state: 'new' }), inc({ state: 'new', priority: 'P1' }), t0 + 10 * M, [tiered]);
  expect(viewAgreementClock(raised[0], t0 + 10 * M)).toMatchObject({ priority: 'P1', dueAt: '2026-12-01T09:00:00.000Z' });
  expect(viewAgreementClock(raised[0], t0 + 10 * M).response).toMatchObject({ dueAt: '2026-12-01T08:05:00.000Z', breached: true });
});

test('reopened while the same group holds it: the same OLA carries on, the time it stood resolved not counted', () => {
  const created = working();
  const resolved = step(created, inc({ state: 'in_progress' }), inc({ state: 'resolved' }), t0 + H, agreements);
  const reopened = step(resolved, inc({ state: 'resolved' }), inc({ state: 'in_progress' }), t0 + 3 * H, agreements);
  expect(reopened).toHaveLength(1);
  expect(viewAgreementClock(reopened[0], t0 + 3 * H)).toMatchObject({ stop: null, metAt: null, dueAt: '2026-12-01T12:00:00.000Z' });
});

test('an OLA on business hours counts only the group’s hours, across a DST change', () => {
  const office: BusinessHoursCalendar = { timezone: 'Europe/London', hours: { mon: ['09:00', '17:00'], fri: ['09:00', '17:00'] }, holidays: [] };
  const terms = ola('network', all('PT1H', 'PT4H'), { calendar: office });
  // Friday 2026-10-23 15:00 London (14:00 UTC, BST); the clocks go back on Sunday the 25th
  const start = Date.parse('2026-10-23T14:00:00Z');
  const created = step([], inc({ state: 'new', assignmentGroup: null }), inc({ state: 'new' }), start, [terms]);
  // two hours on Friday, two on Monday from 09:00 GMT: due Monday 11:00 London = 11:00 UTC
  expect(viewAgreementClock(created[0], start).dueAt).toBe('2026-10-26T11:00:00.000Z');
});

test('timer steps: response and resolution per running OLA, none while paused or stopped; a breach settles the warning', () => {
  const created = step([], inc({ state: 'new', assignmentGroup: null }), inc({ state: 'new' }), t0, agreements);
  const kinds = agreementDeadlines(created, [], t0).map((d) => [d.kind, new Date(d.at).toISOString()]);
  expect(kinds).toEqual([
    ['clock:0:response', '2026-12-01T08:15:00.001Z'],
    ['clock:0:warning', '2026-12-01T09:30:00.000Z'],
    ['clock:0:resolution', '2026-12-01T10:00:00.001Z'],
  ]);
  expect(parseAgreementDeadline('clock:0:warning')).toEqual({ index: 0, step: 'warning' });
  expect(parseAgreementDeadline('warning')).toBeNull();
  const fired = markFired([], 0, 'resolution');
  expect(agreementDeadlines(created, fired, t0).map((d) => d.kind)).toEqual(['clock:0:response']);
  const held = step(created, inc({ state: 'in_progress' }), inc({ state: 'on_hold', holdReason: 'awaiting_caller' }), t0 + M, agreements);
  expect(agreementDeadlines(held, [], t0 + M)).toEqual([]);
  const handed = step(created, inc({ state: 'new' }), inc({ state: 'assigned', assignmentGroup: 'database' }), t0 + M, agreements);
  expect(agreementDeadlines(handed, [], t0 + M).map((d) => d.kind)).toEqual(['clock:1:response', 'clock:1:warning', 'clock:1:resolution']);
});
