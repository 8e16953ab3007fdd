import { DEFAULT_PRIORITY_MATRIX, priorityOf, type Level } from '../../domain/priority';
import { INCIDENT_STATES, nextState, isTerminal, type IncidentAction, type IncidentState } from '../../domain/incident/state-machine';
import * as clock from '../../domain/sla/clock';

describe('priority matrix (api.md)', () => {
  const cases: [Level, Level, string][] = [
    ['high', 'high', 'P1'],
    ['high', 'medium', 'P2'],
    ['medium', 'high', 'P2'],
    ['high', 'low', 'P3'],
    ['medium', 'medium', 'P3'],
    ['low', 'high', 'P3'],
    ['medium', 'low', 'P4'],
    ['low', 'medium', 'P4'],
    ['low', 'low', 'P5'],
  ];
  test.each(cases)('impact %s × urgency %s → %s', (impact, urgency, p) => {
    expect(priorityOf(impact, urgency)).toBe(p);
  });
  test('a custom matrix is honoured', () => {
    const strict = { ...DEFAULT_PRIORITY_MATRIX, low: { high: 'P2', medium: 'P4', low: 'P5' } } as const;
    expect(priorityOf('low', 'high', strict)).toBe('P2');
  });
});

describe('incident state machine', () => {
  const allowed: Record<IncidentAction, IncidentState[]> = {
    assign: ['new', 'assigned', 'in_progress', 'on_hold'],
    acknowledge: ['new', 'assigned'],
    hold: ['assigned', 'in_progress'],
    resume: ['on_hold'],
    resolve: ['new', 'assigned', 'in_progress', 'on_hold'],
    reopen: ['resolved'],
    close: ['resolved'],
    cancel: ['new', 'assigned'],
    escalate: ['new', 'assigned', 'in_progress', 'on_hold'],
    notes: ['new', 'assigned', 'in_progress', 'on_hold', 'resolved'],
    impact: ['new', 'assigned', 'in_progress', 'on_hold'],
    restrict: ['new', 'assigned', 'in_progress', 'on_hold', 'resolved'],
    outage: ['new', 'assigned', 'in_progress', 'on_hold', 'resolved'],
    review: ['new', 'assigned', 'in_progress', 'on_hold', 'resolved'],
  };
  const targets: Partial<Record<IncidentAction, IncidentState>> = {
    assign: 'assigned', acknowledge: 'in_progress', hold: 'on_hold', resume: 'in_progress', resolve: 'resolved',
    reopen: 'in_progress', close: 'closed', cancel: 'cancelled',
  };
  for (const action of Object.keys(allowed) as IncidentAction[]) {
    for (const state of INCIDENT_STATES) {
      test(`${action} from ${state}`, () => {
        const r = nextState(state, action);
        if (allowed[action].includes(state)) {
          expect(r).toEqual({ ok: true, to: targets[action] ?? state });
        } else {
          expect(r.ok).toBe(false);
          expect((r as { reason: string }).reason).toContain(`'${state}'`);
        }
      });
    }
  }
  test('closed and cancelled are terminal', () => {
    expect(INCIDENT_STATES.filter(isTerminal)).toEqual(['closed', 'cancelled']);
  });
});

describe('SLA clock', () => {
  const t0 = Date.parse('2026-03-02T10:00:00Z');
  const H = 3_600_000;
  const start = () => clock.startClock(t0, '24x7', { response: 'PT15M', resolution: 'PT4H' });

  test('due dates from the open time', () => {
    const c = start();
    expect(clock.responseDueAt(c)).toBe(t0 + 15 * 60_000);
    expect(clock.resolutionDueAt(c, t0)).toBe(t0 + 4 * H);
    expect(clock.resolutionDueAt(c, t0, 0.75)).toBe(t0 + 3 * H);
  });

  test('breach flags follow time and met times', () => {
    const c = start();
    expect(clock.isResponseBreached(c, t0 + 15 * 60_000)).toBe(false);
    expect(clock.isResponseBreached(c, t0 + 15 * 60_000 + 1)).toBe(true);
    expect(clock.isResponseBreached(clock.meetResponse(c, t0 + 60_000), t0 + 10 * H)).toBe(false);
  });

  test('a pause shifts the resolution due date and is reported', () => {
    let c = clock.pause(start(), t0 + H);
    expect(clock.viewClock(c, t0 + 2 * H)).toMatchObject({ paused: true, resolution: { pausedMs: H, breached: false } });
    expect(clock.isResolutionBreached(c, t0 + 10 * H)).toBe(false); // paused clocks do not breach
    c = clock.resume(c, t0 + 3 * H);
    expect(clock.resolutionDueAt(c, t0 + 3 * H)).toBe(t0 + 6 * H);
    expect(clock.viewClock(c, t0 + 3 * H).resolution.pausedMs).toBe(2 * H);
  });

  test('pausing twice or resuming an unpaused clock changes nothing', () => {
    const c = clock.pause(start(), t0 + H);
    expect(clock.pause(c, t0 + 2 * H)).toBe(c);
    const r = start();
    expect(clock.resume(r, t0 + H)).toBe(r);
  });

  test('resolve counts as first response; reopen resumes the clock after the resolved time', () => {
    let c = clock.meetResolution(start(), t0 + H);
    expect(c.responseMetAt).toBe(t0 + H);
    expect(clock.viewClock(c, t0 + 5 * H)).toMatchObject({ paused: false, resolution: { metAt: new Date(t0 + H).toISOString(), breached: false } });
    c = clock.reopen(c, t0 + 2 * H);
    expect(c.resolutionMetAt).toBeNull();
    expect(clock.resolutionDueAt(c, t0 + 2 * H)).toBe(t0 + 5 * H);
  });

  test('late resolution is reported as breached', () => {
    const c = clock.meetResolution(start(), t0 + 5 * H);
    expect(clock.isResolutionBreached(c, t0 + 6 * H)).toBe(true);
  });

  test('business-hours clocks measure pauses in opening time', () => {
    const cal = { timezone: 'Europe/London', hours: { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'] } } as const;
    // Monday 2026-03-02 10:00 London = 10:00Z; 8 h target → Tuesday 10:00.
    let c = clock.startClock(t0, cal as never, { response: 'PT1H', resolution: 'PT8H' });
    expect(new Date(clock.resolutionDueAt(c, t0)).toISOString()).toBe('2026-03-03T10:00:00.000Z');
    // Paused from Monday 16:00 to Tuesday 10:00: 1 h + 1 h of opening time.
    c = clock.resume(clock.pause(c, Date.parse('2026-03-02T16:00:00Z')), Date.parse('2026-03-03T10:00:00Z'));
    expect(new Date(clock.resolutionDueAt(c, Date.parse('2026-03-03T10:00:00Z'))).toISOString()).toBe('2026-03-03T12:00:00.000Z');
    expect(c.pausedWallMs).toBe(18 * H);
  });
});
