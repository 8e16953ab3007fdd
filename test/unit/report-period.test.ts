import { canonicalJson } from '../../domain/reports/canonical-json';
import { periodOf, scheduledTimesFor, type ReportPeriod } from '../../domain/reports/period';

const iso = (p: { from: number; to: number }) => [new Date(p.from).toISOString(), new Date(p.to).toISOString()];
const at = Date.parse;

describe('periodOf: the period before the scheduled time, local midnights in the zone', () => {
  it.each<[string, ReportPeriod, string, [string, string]]>([
    // Berlin moves to CEST on 30 March 2025: March is 31 days less an hour.
    ['2025-04-01T00:00:00+02:00', 'previous_month', 'Europe/Berlin', ['2025-02-28T23:00:00.000Z', '2025-03-31T22:00:00.000Z']],
    // Scheduled late in a month: still the month before.
    ['2025-04-30T23:30:00+02:00', 'previous_month', 'Europe/Berlin', ['2025-02-28T23:00:00.000Z', '2025-03-31T22:00:00.000Z']],
    // A year boundary, and a leap February.
    ['2024-01-01T06:00:00Z', 'previous_month', 'UTC', ['2023-12-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z']],
    ['2024-03-01T00:00:00Z', 'previous_month', 'UTC', ['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z']],
    // The same instant is still 31 March in New York: the month before is February.
    ['2025-04-01T02:00:00Z', 'previous_month', 'America/New_York', ['2025-02-01T05:00:00.000Z', '2025-03-01T05:00:00.000Z']],
    // The day the clocks go back in London has 25 hours.
    ['2025-10-27T07:00:00Z', 'previous_day', 'Europe/London', ['2025-10-25T23:00:00.000Z', '2025-10-27T00:00:00.000Z']],
    // ISO weeks start on Monday: a Sunday run reports the week before its own.
    ['2025-03-09T12:00:00Z', 'previous_week', 'UTC', ['2025-02-24T00:00:00.000Z', '2025-03-03T00:00:00.000Z']],
    ['2025-03-10T00:00:00Z', 'previous_week', 'UTC', ['2025-03-03T00:00:00.000Z', '2025-03-10T00:00:00.000Z']],
  ])('%s %s in %s', (scheduled, period, tz, want) => {
    expect(iso(periodOf(at(scheduled), period, tz))).toEqual(want);
  });
});

describe('scheduledTimesFor: the runs that report the periods inside [from, to]', () => {
  it('a month: the scheduled times in the month after it', () => {
    const t = scheduledTimesFor(at('2025-03-01T00:00:00+01:00'), at('2025-04-01T00:00:00+02:00'), 'previous_month', 'Europe/Berlin');
    expect([new Date(t.start).toISOString(), new Date(t.end).toISOString()]).toEqual(['2025-03-31T22:00:00.000Z', '2025-04-30T22:00:00.000Z']);
    // Every time in that range reports March.
    for (const s of [t.start, t.end - 1000, at('2025-04-15T12:00:00Z')]) expect(iso(periodOf(s, 'previous_month', 'Europe/Berlin'))).toEqual(['2025-02-28T23:00:00.000Z', '2025-03-31T22:00:00.000Z']);
  });
  it('partial periods at either end are left out', () => {
    const t = scheduledTimesFor(at('2025-01-15T00:00:00Z'), at('2025-04-10T00:00:00Z'), 'previous_month', 'UTC');
    // February and March only: runs in March (reporting February) and April (reporting March).
    expect([new Date(t.start).toISOString(), new Date(t.end).toISOString()]).toEqual(['2025-03-01T00:00:00.000Z', '2025-05-01T00:00:00.000Z']);
    expect(iso(periodOf(t.start, 'previous_month', 'UTC'))[0]).toBe('2025-02-01T00:00:00.000Z');
    expect(iso(periodOf(t.end - 1000, 'previous_month', 'UTC'))[0]).toBe('2025-03-01T00:00:00.000Z');
  });
  it('no whole period: an empty range', () => {
    const t = scheduledTimesFor(at('2025-03-02T00:00:00Z'), at('2025-03-31T00:00:00Z'), 'previous_month', 'UTC');
    expect(t.end).toBeLessThanOrEqual(t.start);
    const d = scheduledTimesFor(at('2025-03-02T00:00:00Z'), at('2025-03-04T00:00:00Z'), 'previous_day', 'UTC');
    expect([new Date(d.start).toISOString(), new Date(d.end).toISOString()]).toEqual(['2025-03-03T00:00:00.000Z', '2025-03-05T00:00:00.000Z']);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves undefined members out, so equal values hash alike', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: null, y: 'x' }], c: undefined } })).toBe('{"a":{"d":[2,{"y":"x","z":null}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([undefined, 'é'])).toBe('[null,"é"]');
  });
});
