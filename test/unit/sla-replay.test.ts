/**
 * SLA clocks rebuilt from recorded transitions (domain/sla/replay.ts) against hand-computed due
 * times: business hours across the UK's DST change and a holiday, holds that pause and holds that
 * do not, resolve → reopen, re-prioritisation; the what-if tally (domain/sla/simulation.ts); and
 * real Volvo lifecycles taken through the incident lifecycle, whose recorded clocks the replay
 * under the same terms gives back exactly.
 */
import type { BusinessHoursCalendar } from '../../domain/calendar';
import type { Priority } from '../../domain/priority';
import { escalationRulesWithDefaults, type ClockTargets, type SlaPolicy } from '../../domain/sla/policy';
import { openingPriority, outcomeOf, replayClock, type RecordedTransition, type ReplayedIncident, type ReplayPolicy } from '../../domain/sla/replay';
import { emptyTally, FLIPS_CAP, mergeTallies, simulationResult, tallyIncidents, type SimulatedIncident } from '../../domain/sla/simulation';
import { DEFAULT_VOLVO_ZIP, loadVolvoIncidents } from '../../bench/volvo-log';
import { volvoLifecycle } from '../../bench/volvo-lifecycle';
import { existsSync } from 'node:fs';

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const targets = (p3: ClockTargets, p2: ClockTargets = { response: 'PT1H', resolution: 'PT8H' }) =>
  ({ P1: { response: 'PT15M', resolution: 'PT4H' }, P2: p2, P3: p3, P4: p3, P5: p3 }) as Record<Priority, ClockTargets>;
/** London office hours, Mon–Fri 09:00–17:00, Good Friday 2026 a holiday (Easter Monday is not, here). */
const office: BusinessHoursCalendar = {
  timezone: 'Europe/London',
  hours: { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'], wed: ['09:00', '17:00'], thu: ['09:00', '17:00'], fri: ['09:00', '17:00'] },
  holidays: ['2026-04-03'],
};
const policy = (calendar: ReplayPolicy['calendar'], pauseOn: ReplayPolicy['pauseOn'] = ['awaiting_caller']): ReplayPolicy => ({ calendar, pauseOn, targets: targets({ response: 'PT2H', resolution: 'P1D' }) });
const tr = (at: string, action: string, fromState: string | null, data: Record<string, unknown> = {}): RecordedTransition => ({ at: t(at), action, fromState, data });

/**
 * Opened Friday 27 March 2026 16:00 GMT, the weekend before the clocks go forward; acknowledged
 * Monday 09:30 BST; on hold awaiting the caller Tuesday 13:00 BST → Thursday 10:00 BST; resolved
 * Thursday 15:00 BST; reopened Tuesday 7 April 09:00 BST (over Good Friday and Easter Monday);
 * resolved again Tuesday 15:00 BST.
 */
const incident: ReplayedIncident = {
  openedAt: t('2026-03-27T16:00:00Z'),
  priority: 'P3',
  transitions: [
    tr('2026-03-27T16:00:00Z', 'create', null),
    tr('2026-03-30T08:30:00Z', 'acknowledge', 'new'),
    tr('2026-03-31T12:00:00Z', 'hold', 'in_progress', { reason: 'awaiting_caller', clockPaused: true }),
    tr('2026-04-02T09:00:00Z', 'resume', 'on_hold'),
    tr('2026-04-02T14:00:00Z', 'resolve', 'in_progress', { code: 'fixed' }),
    tr('2026-04-07T08:00:00Z', 'reopen', 'resolved', { reason: 'again' }),
    tr('2026-04-07T14:00:00Z', 'resolve', 'in_progress', { code: 'fixed' }),
    tr('2026-04-08T09:00:00Z', 'close', 'resolved'),
  ],
};
const asOf = t('2026-05-01T00:00:00Z');

describe('replayClock against hand-computed due times', () => {
  test('business hours across the DST change and a holiday: the hold and the resolved time move the due date by their business time', () => {
    const c = replayClock(incident, policy(office));
    const o = outcomeOf(c, asOf);
    // Response PT2H: Friday 16:00–17:00 GMT, then Monday 09:00–10:00 BST (08:00–09:00Z).
    expect(iso(o.response.dueAt)).toBe('2026-03-30T09:00:00.000Z');
    expect(o.response).toMatchObject({ metAt: t('2026-03-30T08:30:00Z'), breached: false });
    // Paused: hold Tue 13–17 + Wed 8 + Thu 9–10 = 13 h; resolved Thu 15–17 + Good Friday 0 + Mon 8 = 10 h.
    expect(c.pausedBusinessMs).toBe(23 * 3_600_000);
    expect(c.pausedWallMs).toBe(t('2026-04-02T09:00:00Z') - t('2026-03-31T12:00:00Z'));
    expect(c.reopenedWallMs).toBe(t('2026-04-07T08:00:00Z') - t('2026-04-02T14:00:00Z'));
    // 24 + 23 = 47 business hours: Fri 1, Mon 9, Tue 17, Wed 25, Thu 33, (Good Friday), Mon 41, Tue 09:00 + 6 → 15:00 BST.
    expect(iso(o.resolution.dueAt)).toBe('2026-04-07T14:00:00.000Z');
    // Resolved at the due instant exactly: met (breached only once it has passed).
    expect(o.resolution).toMatchObject({ metAt: t('2026-04-07T14:00:00Z'), breached: false });
  });

  test('a hold whose reason does not pause (pauseOn without it) leaves the due date where it was', () => {
    const o = outcomeOf(replayClock(incident, policy(office, [])), asOf);
    // 24 + 10 (the resolved time still moves it) = 34 h: … Thu 33, Mon 6 April 09:00–10:00 BST.
    expect(iso(o.resolution.dueAt)).toBe('2026-04-06T09:00:00.000Z');
    expect(o.resolution.breached).toBe(true);
    const other = { ...incident, transitions: incident.transitions.map((x) => (x.action === 'hold' ? { ...x, data: { reason: 'other' } } : x)) };
    expect(outcomeOf(replayClock(other, policy(office)), asOf).resolution).toEqual(o.resolution);
  });

  test('24x7: wall time, the same events breach both clocks', () => {
    const o = outcomeOf(replayClock(incident, policy('24x7')), asOf);
    expect(iso(o.response.dueAt)).toBe('2026-03-27T18:00:00.000Z');
    expect(o.response.breached).toBe(true);
    // 24 h + hold 45 h + resolved 114 h = 183 h after Friday 16:00Z.
    expect(iso(o.resolution.dueAt)).toBe('2026-04-04T07:00:00.000Z');
    expect(o.resolution.breached).toBe(true);
  });

  test('a clock still running is breached once its due time has passed, pending before; a running hold keeps it from breaching', () => {
    const open: ReplayedIncident = { openedAt: t('2026-12-01T08:00:00Z'), priority: 'P3', transitions: [tr('2026-12-01T08:00:00Z', 'create', null)] };
    expect(outcomeOf(replayClock(open, policy('24x7')), t('2026-12-01T09:00:00Z')).response).toMatchObject({ breached: false, metAt: null });
    expect(outcomeOf(replayClock(open, policy('24x7')), t('2026-12-01T10:00:00.001Z')).response.breached).toBe(true);
    const held = { ...open, transitions: [...open.transitions, tr('2026-12-01T09:00:00Z', 'hold', 'assigned', { reason: 'awaiting_caller' })] };
    const o = outcomeOf(replayClock(held, policy('24x7')), t('2026-12-10T00:00:00Z'));
    expect(o.resolution.breached).toBe(false);
    // While paused, the due date is where it would be if the clock restarted now.
    expect(iso(o.resolution.dueAt)).toBe('2026-12-10T23:00:00.000Z');
  });

  test('leaving a hold by reassignment restarts the clock, as resume does', () => {
    const base = [tr('2026-12-01T08:00:00Z', 'create', null), tr('2026-12-01T09:00:00Z', 'hold', 'assigned', { reason: 'awaiting_caller' })];
    const byResume = replayClock({ openedAt: t('2026-12-01T08:00:00Z'), priority: 'P3', transitions: [...base, tr('2026-12-01T11:00:00Z', 'resume', 'on_hold')] }, policy('24x7'));
    const byAssign = replayClock({ openedAt: t('2026-12-01T08:00:00Z'), priority: 'P3', transitions: [...base, tr('2026-12-01T11:00:00Z', 'assign', 'on_hold', { group: 'l2' })] }, policy('24x7'));
    expect(byAssign).toEqual(byResume);
    expect(byAssign.pausedWallMs).toBe(2 * 3_600_000);
    // An assignment from a state that is not a hold moves nothing.
    const plain = replayClock({ openedAt: t('2026-12-01T08:00:00Z'), priority: 'P3', transitions: [tr('2026-12-01T09:00:00Z', 'assign', 'new', { group: 'l2' })] }, policy('24x7'));
    expect(plain.pausedWallMs).toBe(0);
  });

  test('re-prioritisation: opened with the priority it left, retargeted from the opening', () => {
    const repriced: ReplayedIncident = {
      openedAt: t('2026-12-01T08:00:00Z'),
      priority: 'P2',
      transitions: [
        tr('2026-12-01T08:00:00Z', 'create', null),
        tr('2026-12-01T08:30:00Z', 'impact', 'new', { from: { impact: 'low', urgency: 'low', priority: 'P3' }, to: { impact: 'medium', urgency: 'high', priority: 'P2' } }),
      ],
    };
    expect(openingPriority(repriced)).toBe('P3');
    const o = outcomeOf(replayClock(repriced, policy('24x7')), t('2026-12-01T08:45:00Z'));
    expect(iso(o.response.dueAt)).toBe('2026-12-01T09:00:00.000Z');
    expect(iso(o.resolution.dueAt)).toBe('2026-12-01T16:00:00.000Z');
  });
});

describe('the what-if tally', () => {
  const sim = (id: string, p: ReplayPolicy): SimulatedIncident => ({ ...incident, id, number: `INC-${id}`, recorded: replayClock(incident, p) });

  test('business hours recorded, 24x7 proposed: both clocks flip to breached, with their due times', () => {
    const tally = tallyIncidents(emptyTally(), [sim('a', policy(office))], policy('24x7'), asOf);
    const r = simulationResult(tally);
    expect(r.byPriority).toEqual([
      {
        priority: 'P3',
        response: { incidents: 1, before: { met: 1, breached: 0, pending: 0, attainment: 100 }, after: { met: 0, breached: 1, pending: 0, attainment: 0 } },
        resolution: { incidents: 1, before: { met: 1, breached: 0, pending: 0, attainment: 100 }, after: { met: 0, breached: 1, pending: 0, attainment: 0 } },
      },
    ]);
    expect(r.flips).toEqual([
      { incidentId: 'a', number: 'INC-a', priority: 'P3', clock: 'response', before: { dueAt: '2026-03-30T09:00:00.000Z', breached: false }, after: { dueAt: '2026-03-27T18:00:00.000Z', breached: true } },
      { incidentId: 'a', number: 'INC-a', priority: 'P3', clock: 'resolution', before: { dueAt: '2026-04-07T14:00:00.000Z', breached: false }, after: { dueAt: '2026-04-04T07:00:00.000Z', breached: true } },
    ]);
    expect(r.total.response.before.attainment).toBe(100);
  });

  test('unchanged terms flip nothing; tallies merge batch by batch to the same figures; flips are capped with their total', () => {
    const many = Array.from({ length: FLIPS_CAP }, (_, i) => sim(String(i), policy(office)));
    const whole = tallyIncidents(emptyTally(), many, policy('24x7'), asOf);
    const batched = mergeTallies(tallyIncidents(emptyTally(), many.slice(0, 100), policy('24x7'), asOf), tallyIncidents(emptyTally(), many.slice(100), policy('24x7'), asOf));
    expect(batched).toEqual(whole);
    expect(whole.flipsTotal).toBe(2 * FLIPS_CAP);
    expect(whole.flips).toHaveLength(FLIPS_CAP);
    expect(simulationResult(tallyIncidents(emptyTally(), many, policy(office), asOf)).flipsTotal).toBe(0);
    expect(simulationResult(emptyTally()).total.response.before.attainment).toBeNull();
  });
});

const volvoPolicy = (calendar: SlaPolicy['calendar']): SlaPolicy => ({
  slaId: 'sla-volvo',
  version: 1,
  name: 'Volvo',
  calendar,
  targets: targets({ response: 'PT2H', resolution: 'P1D' }, { response: 'PT30M', resolution: 'PT8H' }),
  escalation: escalationRulesWithDefaults(undefined),
  pauseOn: ['awaiting_caller', 'awaiting_supplier'],
});

(existsSync(DEFAULT_VOLVO_ZIP) ? describe : describe.skip)('real Volvo lifecycles', () => {
  const incidents = loadVolvoIncidents().slice(0, 1500);
  const brussels: BusinessHoursCalendar = { ...office, timezone: 'Europe/Brussels', holidays: ['2012-01-01', '2011-12-25'] };

  test.each([['24x7', '24x7' as const], ['business hours', brussels]])('replaying under the terms they ran on gives back the recorded clock exactly (%s)', (_name, calendar) => {
    const p = volvoPolicy(calendar);
    let holds = 0;
    let reopens = 0;
    for (const [i, inc] of incidents.entries()) {
      const { snapshot, transitions } = volvoLifecycle(inc, { id: `inc-${i}`, number: `INC${i}` }, p);
      expect(replayClock({ openedAt: snapshot.openedAt, priority: snapshot.priority, transitions }, p)).toEqual(snapshot.clock);
      holds += transitions.filter((x) => x.action === 'hold').length;
      reopens += transitions.filter((x) => x.action === 'reopen').length;
    }
    // The sample does hold and reopen: the check covers pauses and reopened clocks.
    expect(holds).toBeGreaterThan(100);
    expect(reopens).toBeGreaterThan(10);
  });
});
