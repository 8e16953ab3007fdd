import type { BusinessHoursCalendar } from '../../domain/calendar';
import { endedWith, outageAfter, outageRequested } from '../../domain/incident/outage';
import { availability, clipIntervals, mergeIntervals, monthAround, projectedBreach, subtractIntervals } from '../../domain/reports/availability';

const MIN = 60_000;
const H = 60 * MIN;
const t = (iso: string) => Date.parse(iso);
const weekdays = (open: string, close: string) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [open, close]]));

describe('interval arithmetic', () => {
  test('merge joins overlapping and touching intervals and drops empty ones', () => {
    expect(mergeIntervals([{ start: 5, end: 8 }, { start: 1, end: 3 }, { start: 3, end: 4 }, { start: 6, end: 10 }, { start: 9, end: 9 }])).toEqual([
      { start: 1, end: 4 },
      { start: 5, end: 10 },
    ]);
  });
  test('subtract cuts holes, trims ends and removes what is covered', () => {
    const a = [{ start: 0, end: 10 }, { start: 20, end: 30 }];
    expect(subtractIntervals(a, [{ start: 2, end: 4 }, { start: 8, end: 22 }, { start: 25, end: 40 }])).toEqual([
      { start: 0, end: 2 },
      { start: 4, end: 8 },
      { start: 22, end: 25 },
    ]);
    expect(subtractIntervals(a, [{ start: -5, end: 50 }])).toEqual([]);
    expect(subtractIntervals(a, [])).toEqual(a);
  });
  test('clip keeps what falls in the period', () => {
    expect(clipIntervals([{ start: 0, end: 10 }, { start: 15, end: 30 }, { start: 40, end: 50 }], 5, 20)).toEqual([
      { start: 5, end: 10 },
      { start: 15, end: 20 },
    ]);
  });
});

describe('availability, by hand', () => {
  test('24x7 month: overlapping outages merged, unplanned time inside a planned window counted once (as planned)', () => {
    const f = availability({
      from: t('2026-11-01T00:00:00Z'),
      to: t('2026-12-01T00:00:00Z'),
      now: t('2026-12-05T00:00:00Z'),
      calendar: '24x7',
      outages: [
        // Two incidents record one failure: 10:00–12:00, 120 min.
        { start: t('2026-11-03T10:00:00Z'), end: t('2026-11-03T11:00:00Z') },
        { start: t('2026-11-03T10:30:00Z'), end: t('2026-11-03T12:00:00Z') },
        // Half an hour before the change's window, then inside it: 30 min unplanned.
        { start: t('2026-11-10T08:00:00Z'), end: t('2026-11-10T09:00:00Z') },
        // Wholly inside a planned window: not an outage against the agreement.
        { start: t('2026-11-20T02:00:00Z'), end: t('2026-11-20T03:00:00Z') },
        // Before the period.
        { start: t('2026-10-20T02:00:00Z'), end: t('2026-10-20T03:00:00Z') },
      ],
      planned: [
        { start: t('2026-11-10T08:30:00Z'), end: t('2026-11-10T10:00:00Z') }, // 90 min
        { start: t('2026-11-20T01:00:00Z'), end: t('2026-11-20T04:00:00Z') }, // 180 min
      ],
      target: 99.9,
    });
    // 30 days = 43,200 min agreed; 150 min down: 43,050 / 43,200 = 99.6527…%.
    expect(f).toEqual({
      asOf: t('2026-12-01T00:00:00Z'),
      agreedMs: 43_200 * MIN,
      downtimeMs: 150 * MIN,
      plannedDowntimeMs: 270 * MIN,
      availability: 99.653,
      projectedAvailability: 99.653,
      target: 99.9,
      meetsTarget: false,
      outages: 2,
      mtrsMs: 75 * MIN,
      mtbfMs: 21_525 * MIN,
      mtbsiMs: 21_600 * MIN,
    });
  });

  test('business hours: only time in the agreed hours counts; an outage still open counts to now; a weekend outage is no outage', () => {
    // London office hours, GMT in November (local = UTC). Mon 2 Nov to Mon 9 Nov: 5 × 8 h = 40 h agreed.
    const london: BusinessHoursCalendar = { timezone: 'Europe/London', hours: weekdays('09:00', '17:00'), holidays: [] };
    const f = availability({
      from: t('2026-11-02T00:00:00Z'),
      to: t('2026-11-09T00:00:00Z'),
      now: t('2026-11-06T16:30:00Z'),
      calendar: london,
      outages: [
        // Tue 16:00 → Wed 10:00: 1 h Tuesday + 1 h Wednesday in hours.
        { start: t('2026-11-03T16:00:00Z'), end: t('2026-11-04T10:00:00Z') },
        // Saturday: closed.
        { start: t('2026-11-07T10:00:00Z'), end: t('2026-11-07T14:00:00Z') },
        // Friday 15:00, still down at 16:30: 1.5 h so far.
        { start: t('2026-11-06T15:00:00Z'), end: null },
      ],
      planned: [],
      target: 95,
    });
    // Agreed so far: Mon–Thu 32 h + Fri 09:00–16:30 7.5 h = 39.5 h; down 3.5 h: 36 / 39.5 = 91.1392…%.
    expect(f.asOf).toBe(t('2026-11-06T16:30:00Z'));
    expect(f.agreedMs).toBe(39.5 * H);
    expect(f.downtimeMs).toBe(3.5 * H);
    expect(f.availability).toBe(91.139);
    // The whole week, the rest taken as available: 36.5 / 40 = 91.25%.
    expect(f.projectedAvailability).toBe(91.25);
    expect(f.meetsTarget).toBe(false);
    expect(f.outages).toBe(2);
    expect([f.mtrsMs, f.mtbfMs, f.mtbsiMs]).toEqual([1.75 * H, 18 * H, 19.75 * H]);
    expect(projectedBreach(f)).toBe(true);
  });

  test('a DST day: the repeated hour is agreed service time too', () => {
    // Service hours 01:00–03:00 local every day. On Sunday 25 Oct 2026 London's clocks go back at
    // 02:00 BST: 01:00 BST (00:00Z) to 03:00 GMT (03:00Z) is 3 hours, not 2.
    const nightly: BusinessHoursCalendar = { timezone: 'Europe/London', hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['01:00', '03:00']])), holidays: [] };
    const f = availability({
      from: t('2026-10-24T23:00:00Z'), // the local day, 25 hours long
      to: t('2026-10-26T00:00:00Z'),
      now: t('2026-10-27T00:00:00Z'),
      calendar: nightly,
      // 01:30 BST to 01:30 GMT: the same wall-clock time, one real hour later.
      outages: [{ start: t('2026-10-25T00:30:00Z'), end: t('2026-10-25T01:30:00Z') }],
      planned: [],
      target: null,
    });
    expect(f.agreedMs).toBe(3 * H);
    expect(f.downtimeMs).toBe(1 * H);
    expect(f.availability).toBe(66.667);
    expect(f.meetsTarget).toBeNull();
    // 24x7 on the same day: 25 hours agreed.
    expect(availability({ from: t('2026-10-24T23:00:00Z'), to: t('2026-10-26T00:00:00Z'), now: t('2026-10-27T00:00:00Z'), calendar: { ...nightly, hours: Object.fromEntries(Object.keys(nightly.hours).map((d) => [d, ['00:00', '24:00']])) }, outages: [], planned: [], target: null }).agreedMs).toBe(25 * H);
  });

  test('nothing agreed yet, nothing down: no percentages, no means', () => {
    const f = availability({ from: t('2026-11-02T00:00:00Z'), to: t('2026-11-09T00:00:00Z'), now: t('2026-11-01T00:00:00Z'), calendar: '24x7', outages: [], planned: [], target: 99 });
    expect(f).toMatchObject({ asOf: t('2026-11-02T00:00:00Z'), agreedMs: 0, availability: null, projectedAvailability: 100, meetsTarget: null, outages: 0, mtbfMs: null, mtrsMs: null, mtbsiMs: null });
    expect(projectedBreach(f)).toBe(false);
  });
});

describe('the month an instant falls in, on the agreement clock', () => {
  test('UTC and London around the ends of summer time', () => {
    expect(monthAround(t('2026-11-15T12:00:00Z'))).toEqual({ month: '2026-11', start: t('2026-11-01T00:00:00Z'), end: t('2026-12-01T00:00:00Z') });
    // 23:30Z on 31 October is still October in London (GMT); October began at 23:00Z on 30 September (BST).
    expect(monthAround(t('2026-10-31T23:30:00Z'), 'Europe/London')).toEqual({ month: '2026-10', start: t('2026-09-30T23:00:00Z'), end: t('2026-11-01T00:00:00Z') });
    // 23:30Z on 31 March is already April in London (BST since 29 March).
    expect(monthAround(t('2026-03-31T23:30:00Z'), 'Europe/London')).toEqual({ month: '2026-04', start: t('2026-03-31T23:00:00Z'), end: t('2026-04-30T23:00:00Z') });
  });
});

describe('the outage an incident records (domain/incident/outage.ts)', () => {
  const opened = t('2026-11-10T12:00:00Z');
  const now = t('2026-11-10T13:00:00Z');
  const incident = { serviceId: 'svc-mail', openedAt: opened };
  test('the first record needs a start and a service; later ones keep what they leave out; end null reopens', () => {
    expect(outageAfter(null, { ...incident, serviceId: null }, {}, now).errors).toEqual([
      { path: 'serviceId', message: 'required when the incident has no service' },
      { path: 'start', message: 'required when no outage is recorded yet' },
    ]);
    const first = outageAfter(null, incident, { start: '2026-11-10T11:30:00Z' }, now).outage!;
    expect(first).toEqual({ serviceId: 'svc-mail', start: t('2026-11-10T11:30:00Z'), end: null });
    const ended = outageAfter({ ...first, recordedBy: 'usr-agent' }, incident, { end: '2026-11-10T12:30:00Z' }, now).outage;
    expect(ended).toEqual({ serviceId: 'svc-mail', start: first.start, end: t('2026-11-10T12:30:00Z'), recordedBy: 'usr-agent' });
    expect(outageAfter(ended, incident, { end: null }, now).outage?.end).toBeNull();
    expect(outageAfter(ended, incident, { serviceId: 'svc-web' }, now).outage?.serviceId).toBe('svc-web');
  });
  test('an end not after the start, times in the future, a start more than 7 days before the incident: named; without a clock only the first', () => {
    const current = { serviceId: 'svc-mail', start: t('2026-11-10T11:30:00Z'), end: null };
    expect(outageAfter(current, incident, { end: '2026-11-10T11:30:00Z' }, now).errors).toEqual([{ path: 'end', message: 'must be after start (2026-11-10T11:30:00.000Z)' }]);
    expect(outageAfter(current, incident, { start: '2026-11-10T13:00:01Z', end: '2026-11-10T13:30:00Z' }, now).errors.map((e) => [e.path, e.message])).toEqual([
      ['start', 'must not be in the future'],
      ['end', 'must not be in the future'],
    ]);
    expect(outageAfter(null, incident, { start: '2026-11-03T11:59:59Z' }, now).errors.map((e) => e.path)).toEqual(['start']);
    expect(outageAfter(null, incident, { start: '2026-11-03T12:00:00Z' }, now).errors).toEqual([]);
    expect(outageAfter(null, incident, { start: '2026-11-10T13:00:01Z' }).errors).toEqual([]);
  });
  test('resolving ends an open outage; a P1 on a service asks for one while the desk works on it', () => {
    expect(endedWith({ serviceId: 's', start: 10, end: null }, 50)).toEqual({ serviceId: 's', start: 10, end: 50 });
    expect(endedWith({ serviceId: 's', start: 10, end: 20 }, 50)).toEqual({ serviceId: 's', start: 10, end: 20 });
    expect(endedWith(null, 50)).toBeNull();
    const p1 = { priority: 'P1' as const, serviceId: 's', state: 'in_progress' as const };
    expect(outageRequested(p1, null)).toBe(true);
    expect(outageRequested(p1, { serviceId: 's', start: 1, end: null })).toBe(false);
    expect(outageRequested({ ...p1, priority: 'P2' }, null)).toBe(false);
    expect(outageRequested({ ...p1, serviceId: null }, null)).toBe(false);
    expect(outageRequested({ ...p1, state: 'closed' }, null)).toBe(false);
  });
});
