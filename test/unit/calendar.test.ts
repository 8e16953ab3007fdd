import {
  addBusinessTime,
  businessTimeBetween,
  BusinessHoursCalendar,
  Calendar,
  isOpen,
  nextOpening,
  validateCalendar,
  Weekday,
} from '../../domain/calendar';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;

const t = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error('bad test timestamp ' + iso);
  return ms;
};
const iso = (ms: number): string => new Date(ms).toISOString();

function cal(
  timezone: string,
  days: Weekday[],
  start: string,
  end: string,
  holidays?: string[],
): BusinessHoursCalendar {
  const hours: Partial<Record<Weekday, [string, string]>> = {};
  for (const d of days) hours[d] = [start, end];
  return holidays ? { timezone, hours, holidays } : { timezone, hours };
}

const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const ALL_DAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const london = cal('Europe/London', WEEKDAYS, '09:00', '17:00');
const londonXmas = cal('Europe/London', WEEKDAYS, '09:00', '17:00', ['2026-12-25', '2026-12-28']);
const londonWeekend = cal('Europe/London', ['sat', 'sun'], '09:00', '17:00');
const londonSunday24h = cal('Europe/London', ['sun'], '00:00', '24:00');
const londonSundayGap = cal('Europe/London', ['sun'], '01:30', '03:00');
const newYork = cal('America/New_York', WEEKDAYS, '09:00', '17:00');
const newYorkSunday24h = cal('America/New_York', ['sun'], '00:00', '24:00');
const newYorkSundayGap = cal('America/New_York', ['sun'], '02:30', '04:00');
const newYorkSundayOverlap = cal('America/New_York', ['sun'], '01:30', '03:00');

describe("'24x7'", () => {
  it('passes everything through', () => {
    const s = t('2026-03-29T00:30:00Z');
    expect(iso(addBusinessTime(s, 3 * H, '24x7'))).toBe('2026-03-29T03:30:00.000Z');
    expect(addBusinessTime(s, 0, '24x7')).toBe(s);
    expect(businessTimeBetween(s, s + 5 * D + 7, '24x7')).toBe(5 * D + 7);
    expect(businessTimeBetween(s + 1, s, '24x7')).toBe(0);
    expect(isOpen(s, '24x7')).toBe(true);
    expect(nextOpening(s, '24x7')).toBe(s);
  });
});

describe('Mon-Fri 09:00-17:00 Europe/London', () => {
  it('carries over the weekend (winter, UTC+0)', () => {
    // Friday 15:00 + 4h = 2h Friday + 2h Monday -> Monday 11:00
    expect(iso(addBusinessTime(t('2026-01-09T15:00:00Z'), 4 * H, london))).toBe('2026-01-12T11:00:00.000Z');
  });

  it('carries over the weekend (summer, UTC+1)', () => {
    // Friday 15:00 BST = 14:00Z -> Monday 11:00 BST = 10:00Z
    expect(iso(addBusinessTime(t('2026-06-05T14:00:00Z'), 4 * H, london))).toBe('2026-06-08T10:00:00.000Z');
  });

  it('starts counting at the next opening when started outside hours', () => {
    const saturday = t('2026-01-10T12:00:00Z');
    expect(isOpen(saturday, london)).toBe(false);
    expect(iso(nextOpening(saturday, london))).toBe('2026-01-12T09:00:00.000Z');
    expect(iso(addBusinessTime(saturday, H, london))).toBe('2026-01-12T10:00:00.000Z');
    // before opening on a weekday
    expect(iso(addBusinessTime(t('2026-01-12T07:00:00Z'), 30 * M, london))).toBe('2026-01-12T09:30:00.000Z');
    // after closing on a weekday
    expect(iso(addBusinessTime(t('2026-01-12T18:00:00Z'), H, london))).toBe('2026-01-13T10:00:00.000Z');
    // zero duration returns the start even when closed
    expect(addBusinessTime(saturday, 0, london)).toBe(saturday);
  });

  it('ends at the closing instant when the duration exactly fills the window', () => {
    const monday9 = t('2026-01-12T09:00:00Z');
    expect(iso(addBusinessTime(monday9, 8 * H, london))).toBe('2026-01-12T17:00:00.000Z');
    expect(iso(addBusinessTime(monday9, 8 * H + 1, london))).toBe('2026-01-13T09:00:00.001Z');
  });

  it('treats opening as inclusive and closing as exclusive', () => {
    expect(isOpen(t('2026-01-12T08:59:59.999Z'), london)).toBe(false);
    expect(isOpen(t('2026-01-12T09:00:00Z'), london)).toBe(true);
    expect(isOpen(t('2026-01-12T16:59:59.999Z'), london)).toBe(true);
    expect(isOpen(t('2026-01-12T17:00:00Z'), london)).toBe(false);
    expect(nextOpening(t('2026-01-12T12:34:56.789Z'), london)).toBe(t('2026-01-12T12:34:56.789Z'));
    expect(iso(nextOpening(t('2026-01-12T17:00:00Z'), london))).toBe('2026-01-13T09:00:00.000Z');
    // summer: 09:00 BST = 08:00Z
    expect(isOpen(t('2026-06-08T08:00:00Z'), london)).toBe(true);
    expect(isOpen(t('2026-06-08T16:00:00Z'), london)).toBe(false);
  });

  it('counts 40 open hours per week', () => {
    expect(businessTimeBetween(t('2026-01-12T00:00:00Z'), t('2026-01-19T00:00:00Z'), london)).toBe(40 * H);
    expect(businessTimeBetween(t('2026-01-12T10:30:00Z'), t('2026-01-12T12:00:00Z'), london)).toBe(90 * M);
    expect(businessTimeBetween(t('2026-01-16T16:00:00Z'), t('2026-01-19T10:00:00Z'), london)).toBe(2 * H);
    expect(businessTimeBetween(t('2026-01-19T00:00:00Z'), t('2026-01-12T00:00:00Z'), london)).toBe(0);
  });

  it('skips holidays', () => {
    // Thursday 2026-12-24 16:00: 1h Thursday; Fri 25 holiday; weekend; Mon 28 holiday; 1h Tuesday 29
    expect(iso(addBusinessTime(t('2026-12-24T16:00:00Z'), 2 * H, londonXmas))).toBe('2026-12-29T10:00:00.000Z');
    expect(iso(addBusinessTime(t('2026-12-24T16:00:00Z'), 2 * H, london))).toBe('2026-12-25T10:00:00.000Z');
    expect(isOpen(t('2026-12-25T10:00:00Z'), londonXmas)).toBe(false);
    expect(iso(nextOpening(t('2026-12-25T10:00:00Z'), londonXmas))).toBe('2026-12-29T09:00:00.000Z');
    // Mon 21 .. Sun 2027-01-03: Mon-Thu (4), Tue-Thu (3), Fri 2027-01-01 (1) = 8 days
    expect(businessTimeBetween(t('2026-12-21T00:00:00Z'), t('2027-01-04T00:00:00Z'), londonXmas)).toBe(64 * H);
  });
});

describe('DST in Europe/London (2026-03-29 spring forward, 2026-10-25 fall back)', () => {
  it('business days spanning the spring-forward weekend', () => {
    // Fri 16:00 GMT (=16:00Z) + 2h -> 1h Friday, Monday 09:00 BST (=08:00Z) + 1h = 09:00Z
    expect(iso(addBusinessTime(t('2026-03-27T16:00:00Z'), 2 * H, london))).toBe('2026-03-30T09:00:00.000Z');
    expect(businessTimeBetween(t('2026-03-27T16:00:00Z'), t('2026-03-30T09:00:00Z'), london)).toBe(2 * H);
    expect(businessTimeBetween(t('2026-03-23T00:00:00Z'), t('2026-04-06T00:00:00Z'), london)).toBe(80 * H);
  });

  it('business days spanning the fall-back weekend', () => {
    // Fri 16:00 BST (=15:00Z) + 2h -> 1h Friday, Monday 09:00 GMT (=09:00Z) + 1h = 10:00Z
    expect(iso(addBusinessTime(t('2026-10-23T15:00:00Z'), 2 * H, london))).toBe('2026-10-26T10:00:00.000Z');
    expect(businessTimeBetween(t('2026-10-19T00:00:00Z'), t('2026-11-02T00:00:00Z'), london)).toBe(80 * H);
  });

  it('weekend-open calendar crossing the change', () => {
    // Sat 16:00 GMT + 2h -> 1h Saturday, Sunday 09:00 BST (=08:00Z) + 1h = 09:00Z
    expect(iso(addBusinessTime(t('2026-03-28T16:00:00Z'), 2 * H, londonWeekend))).toBe('2026-03-29T09:00:00.000Z');
    expect(iso(nextOpening(t('2026-03-28T17:00:00Z'), londonWeekend))).toBe('2026-03-29T08:00:00.000Z');
    // Sat 16:00 BST (=15:00Z) + 2h -> 1h Saturday, Sunday 09:00 GMT (=09:00Z) + 1h = 10:00Z
    expect(iso(addBusinessTime(t('2026-10-24T15:00:00Z'), 2 * H, londonWeekend))).toBe('2026-10-25T10:00:00.000Z');
    expect(iso(nextOpening(t('2026-10-24T16:00:00Z'), londonWeekend))).toBe('2026-10-25T09:00:00.000Z');
  });

  it('a 00:00-24:00 day has 23h / 25h of open time on the DST days', () => {
    expect(businessTimeBetween(t('2026-03-23T00:00:00Z'), t('2026-04-02T00:00:00Z'), londonSunday24h)).toBe(23 * H);
    expect(businessTimeBetween(t('2026-10-19T00:00:00Z'), t('2026-10-29T00:00:00Z'), londonSunday24h)).toBe(25 * H);
    expect(businessTimeBetween(t('2026-01-05T00:00:00Z'), t('2026-01-15T00:00:00Z'), londonSunday24h)).toBe(24 * H);
    // spring: Sunday 00:00 GMT .. Monday 00:00 BST (= Sunday 23:00Z)
    expect(iso(addBusinessTime(t('2026-03-28T12:00:00Z'), 23 * H, londonSunday24h))).toBe('2026-03-29T23:00:00.000Z');
    // one more hour spills into the next Sunday (00:00 BST = Saturday 23:00Z)
    expect(iso(addBusinessTime(t('2026-03-28T12:00:00Z'), 24 * H, londonSunday24h))).toBe('2026-04-05T00:00:00.000Z');
    // autumn: Sunday 00:00 BST (= Saturday 23:00Z) .. Monday 00:00 GMT
    expect(iso(nextOpening(t('2026-10-24T12:00:00Z'), londonSunday24h))).toBe('2026-10-24T23:00:00.000Z');
    expect(iso(addBusinessTime(t('2026-10-24T12:00:00Z'), 25 * H, londonSunday24h))).toBe('2026-10-26T00:00:00.000Z');
    // both passes through 01:00-02:00 local are open
    expect(isOpen(t('2026-10-25T00:30:00Z'), londonSunday24h)).toBe(true); // 01:30 BST
    expect(isOpen(t('2026-10-25T01:30:00Z'), londonSunday24h)).toBe(true); // 01:30 GMT
    expect(isOpen(t('2026-10-24T22:30:00Z'), londonSunday24h)).toBe(false); // Saturday 23:30 BST
  });

  it('maps a non-existent opening time to the end of the gap', () => {
    // 01:30 does not exist on 2026-03-29; opens at 02:00 BST (=01:00Z), closes 03:00 BST (=02:00Z)
    expect(iso(nextOpening(t('2026-03-28T00:00:00Z'), londonSundayGap))).toBe('2026-03-29T01:00:00.000Z');
    expect(isOpen(t('2026-03-29T00:59:59.999Z'), londonSundayGap)).toBe(false);
    expect(isOpen(t('2026-03-29T01:59:59.999Z'), londonSundayGap)).toBe(true);
    expect(isOpen(t('2026-03-29T02:00:00Z'), londonSundayGap)).toBe(false);
    expect(businessTimeBetween(t('2026-03-28T00:00:00Z'), t('2026-03-30T00:00:00Z'), londonSundayGap)).toBe(H);
  });

  it('maps an ambiguous opening time to the earlier instant', () => {
    // 01:30 happens twice on 2026-10-25; opens at 01:30 BST (=00:30Z), closes 03:00 GMT (=03:00Z)
    expect(iso(nextOpening(t('2026-10-24T00:00:00Z'), londonSundayGap))).toBe('2026-10-25T00:30:00.000Z');
    expect(businessTimeBetween(t('2026-10-24T00:00:00Z'), t('2026-10-26T00:00:00Z'), londonSundayGap)).toBe(150 * M);
    expect(iso(addBusinessTime(t('2026-10-24T00:00:00Z'), 150 * M, londonSundayGap))).toBe('2026-10-25T03:00:00.000Z');
  });
});

describe('DST in America/New_York (2026-03-08 spring forward, 2026-11-01 fall back)', () => {
  it('business days spanning the spring-forward weekend', () => {
    // Fri 16:00 EST (=21:00Z) + 2h -> 1h Friday, Monday 09:00 EDT (=13:00Z) + 1h = 14:00Z
    expect(iso(addBusinessTime(t('2026-03-06T21:00:00Z'), 2 * H, newYork))).toBe('2026-03-09T14:00:00.000Z');
    expect(iso(nextOpening(t('2026-03-06T22:00:00Z'), newYork))).toBe('2026-03-09T13:00:00.000Z');
  });

  it('business days spanning the fall-back weekend', () => {
    // Fri 16:00 EDT (=20:00Z) + 2h -> 1h Friday, Monday 09:00 EST (=14:00Z) + 1h = 15:00Z
    expect(iso(addBusinessTime(t('2026-10-30T20:00:00Z'), 2 * H, newYork))).toBe('2026-11-02T15:00:00.000Z');
    expect(iso(nextOpening(t('2026-10-30T21:00:00Z'), newYork))).toBe('2026-11-02T14:00:00.000Z');
  });

  it('uses the local date, not the UTC date', () => {
    // 2026-01-13T03:00Z is Monday 22:00 EST -> Tuesday 09:00 EST = 14:00Z
    expect(isOpen(t('2026-01-13T03:00:00Z'), newYork)).toBe(false);
    expect(iso(nextOpening(t('2026-01-13T03:00:00Z'), newYork))).toBe('2026-01-13T14:00:00.000Z');
    // 2026-01-10T01:00Z is Friday 20:00 EST -> Monday 09:00 EST
    expect(iso(nextOpening(t('2026-01-10T01:00:00Z'), newYork))).toBe('2026-01-12T14:00:00.000Z');
  });

  it('a 00:00-24:00 day has 23h / 25h of open time on the DST days', () => {
    expect(iso(nextOpening(t('2026-03-07T12:00:00Z'), newYorkSunday24h))).toBe('2026-03-08T05:00:00.000Z');
    expect(businessTimeBetween(t('2026-03-07T00:00:00Z'), t('2026-03-10T00:00:00Z'), newYorkSunday24h)).toBe(23 * H);
    expect(iso(addBusinessTime(t('2026-03-07T12:00:00Z'), 23 * H, newYorkSunday24h))).toBe('2026-03-09T04:00:00.000Z');
    expect(iso(nextOpening(t('2026-10-31T12:00:00Z'), newYorkSunday24h))).toBe('2026-11-01T04:00:00.000Z');
    expect(businessTimeBetween(t('2026-10-31T00:00:00Z'), t('2026-11-03T00:00:00Z'), newYorkSunday24h)).toBe(25 * H);
    expect(iso(addBusinessTime(t('2026-10-31T12:00:00Z'), 25 * H, newYorkSunday24h))).toBe('2026-11-02T05:00:00.000Z');
  });

  it('gap and overlap opening times', () => {
    // 02:30 does not exist on 2026-03-08 -> opens 03:00 EDT (=07:00Z), closes 04:00 EDT (=08:00Z)
    expect(iso(nextOpening(t('2026-03-07T00:00:00Z'), newYorkSundayGap))).toBe('2026-03-08T07:00:00.000Z');
    expect(businessTimeBetween(t('2026-03-07T00:00:00Z'), t('2026-03-09T00:00:00Z'), newYorkSundayGap)).toBe(H);
    // 01:30 is ambiguous on 2026-11-01 -> opens 01:30 EDT (=05:30Z), closes 03:00 EST (=08:00Z)
    expect(iso(nextOpening(t('2026-10-31T00:00:00Z'), newYorkSundayOverlap))).toBe('2026-11-01T05:30:00.000Z');
    expect(businessTimeBetween(t('2026-10-31T00:00:00Z'), t('2026-11-03T00:00:00Z'), newYorkSundayOverlap)).toBe(
      150 * M,
    );
  });
});

describe('other zones', () => {
  it('Australia/Sydney DST end (2026-04-05, UTC+11 -> UTC+10)', () => {
    const sydney = cal('Australia/Sydney', WEEKDAYS, '09:00', '17:00');
    // Fri 16:00 AEDT (=05:00Z) + 2h -> 1h Friday, Monday 09:00 AEST (=Sunday 23:00Z) + 1h
    expect(iso(addBusinessTime(t('2026-04-03T05:00:00Z'), 2 * H, sydney))).toBe('2026-04-06T00:00:00.000Z');
  });

  it('half-hour and east-of-UTC offsets', () => {
    const kolkata = cal('Asia/Kolkata', WEEKDAYS, '09:00', '17:00');
    expect(iso(nextOpening(t('2026-01-12T00:00:00Z'), kolkata))).toBe('2026-01-12T03:30:00.000Z');
    const tokyo = cal('Asia/Tokyo', WEEKDAYS, '09:00', '17:00');
    // Saturday -> Monday 09:00 JST = Monday 00:00Z
    expect(iso(nextOpening(t('2026-01-10T12:00:00Z'), tokyo))).toBe('2026-01-12T00:00:00.000Z');
    // Sunday 23:30Z is Monday 08:30 JST
    expect(iso(addBusinessTime(t('2026-01-11T23:30:00Z'), 8 * H, tokyo))).toBe('2026-01-12T08:00:00.000Z');
  });

  it('a calendar open 00:00-24:00 every day behaves like 24x7', () => {
    const always = cal('Europe/London', ALL_DAYS, '00:00', '24:00');
    const s = t('2026-03-28T22:15:00Z');
    expect(addBusinessTime(s, 3 * D + 17, always)).toBe(s + 3 * D + 17);
    expect(businessTimeBetween(t('2026-10-20T00:00:00Z'), t('2026-10-30T00:00:00Z'), always)).toBe(10 * D);
  });
});

describe('consistency properties (LCG-driven)', () => {
  const calendars: Calendar[] = [
    '24x7',
    london,
    londonXmas,
    londonWeekend,
    londonSunday24h,
    londonSundayGap,
    newYork,
    newYorkSunday24h,
    newYorkSundayGap,
    newYorkSundayOverlap,
    cal('Australia/Sydney', WEEKDAYS, '08:30', '18:00', ['2026-04-03', '2026-04-06', '2026-10-05']),
    cal('Asia/Kolkata', ['mon', 'wed', 'fri', 'sat'], '10:15', '13:45'),
    {
      timezone: 'America/New_York',
      hours: { mon: ['00:00', '24:00'], tue: ['07:00', '19:00'], sat: ['01:59', '02:01'], sun: ['00:30', '03:30'] },
    },
  ];

  let seed = 20260329;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const base = t('2026-01-01T00:00:00Z');

  const cases: [number, number, number, number][] = [];
  for (let i = 0; i < 60; i++) {
    const c = i % calendars.length;
    const start = base + rand(365) * D + rand(24 * 60) * M + (rand(2) ? rand(60_000) : 0);
    const duration = rand(4) === 0 ? rand(120) * M : rand(10 * 24 * 60) * M + rand(1000);
    const other = start + (rand(30 * 24 * 60) - 5 * 24 * 60) * M;
    cases.push([c, start, duration, other]);
  }

  it.each(cases)('calendar #%i start=%i duration=%i', (c, start, duration, other) => {
    const k = calendars[c];
    const end = addBusinessTime(start, duration, k);
    expect(end).toBeGreaterThanOrEqual(start);
    expect(businessTimeBetween(start, end, k)).toBe(duration);
    if (duration > 0) {
      expect(isOpen(end - 1, k)).toBe(true);
      const open = nextOpening(start, k);
      expect(open).toBeGreaterThanOrEqual(start);
      expect(open).toBeLessThan(end);
      expect(isOpen(open, k)).toBe(true);
      expect(businessTimeBetween(start, open, k)).toBe(0);
      expect(isOpen(start, k)).toBe(open === start);
      // additivity: splitting the duration does not change the result
      const a = Math.floor(duration / 3);
      if (a > 0) expect(addBusinessTime(addBusinessTime(start, a, k), duration - a, k)).toBe(end);
    }
    // the other direction: consuming the open time up to `other` never overshoots it
    const between = businessTimeBetween(start, other, k);
    if (other > start) {
      const reached = addBusinessTime(start, between, k);
      expect(reached).toBeLessThanOrEqual(other);
      expect(businessTimeBetween(reached, other, k)).toBe(0);
    } else {
      expect(between).toBe(0);
    }
  });
});

describe('errors and validation', () => {
  it('accepts valid calendars', () => {
    expect(validateCalendar('24x7')).toEqual([]);
    expect(validateCalendar(london)).toEqual([]);
    expect(validateCalendar(londonXmas)).toEqual([]);
    expect(validateCalendar(londonSunday24h)).toEqual([]);
  });

  it('reports an unknown timezone', () => {
    const problems = validateCalendar({ ...london, timezone: 'Mars/Olympus_Mons' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/timezone.*Mars\/Olympus_Mons/);
    expect(validateCalendar({ ...london, timezone: '' })).toHaveLength(1);
  });

  it('reports bad HH:MM values', () => {
    for (const [start, end] of [
      ['9:00', '17:00'],
      ['09:00', '25:00'],
      ['09:60', '17:00'],
      ['09:00', '17:00:00'],
      ['nine', '17:00'],
    ]) {
      const problems = validateCalendar({ timezone: 'Europe/London', hours: { mon: [start, end] } });
      expect(problems.some((p) => /not a valid HH:MM/.test(p))).toBe(true);
    }
  });

  it('reports end <= start', () => {
    for (const range of [
      ['17:00', '09:00'],
      ['09:00', '09:00'],
      // 24:00 is a time (the document's pattern allows it in both places), but no end follows it.
      ['24:00', '24:00'],
      ['24:00', '01:01'],
    ] as [string, string][]) {
      const problems = validateCalendar({ timezone: 'Europe/London', hours: { mon: ['09:00', '17:00'], tue: range } });
      expect(problems).toEqual([`hours.tue end ${range[1]} must be after start ${range[0]}`]);
    }
  });

  it('reports bad holiday dates', () => {
    const problems = validateCalendar({ ...london, holidays: ['2026-12-25', '2026-02-30', '2026-13-01', 'christmas', '2026-1-5'] });
    expect(problems).toHaveLength(4);
    for (const bad of ['2026-02-30', '2026-13-01', 'christmas', '2026-1-5']) {
      expect(problems.some((p) => p.includes(JSON.stringify(bad)))).toBe(true);
    }
  });

  it('reports a calendar with no open hours', () => {
    expect(validateCalendar({ timezone: 'Europe/London', hours: {} })).toEqual(['calendar has no open hours at all']);
  });

  it('reports unknown weekdays', () => {
    const bad = { timezone: 'Europe/London', hours: { monday: ['09:00', '17:00'] } };
    expect(validateCalendar(bad).some((p) => /unknown weekday "monday"/.test(p))).toBe(true);
  });

  it('the arithmetic functions throw on invalid calendars', () => {
    const bad: Calendar = { timezone: 'Nowhere/Special', hours: { mon: ['09:00', '17:00'] } };
    const s = t('2026-01-12T10:00:00Z');
    expect(() => addBusinessTime(s, H, bad)).toThrow(/invalid calendar/);
    expect(() => businessTimeBetween(s, s + H, bad)).toThrow(/invalid calendar/);
    expect(() => isOpen(s, bad)).toThrow(/invalid calendar/);
    expect(() => nextOpening(s, bad)).toThrow(/invalid calendar/);
    expect(() => addBusinessTime(s, -1, london)).toThrow();
    expect(() => addBusinessTime(NaN, H, london)).toThrow();
  });

  it('gives up on a calendar that never opens', () => {
    // Open only on Mondays, but every Monday for ~11.5 years is a holiday.
    const holidays: string[] = [];
    for (let w = 0; w < 600; w++) holidays.push(iso(t('2026-01-05T00:00:00Z') + w * 7 * D).slice(0, 10));
    const never = cal('Europe/London', ['mon'], '09:00', '17:00', holidays);
    expect(validateCalendar(never)).toEqual([]);
    const s = t('2026-01-01T00:00:00Z');
    expect(() => nextOpening(s, never)).toThrow(/no opening within 3660 days/);
    expect(() => addBusinessTime(s, H, never)).toThrow(/no opening within 3660 days/);
    expect(businessTimeBetween(s, s + 365 * D, never)).toBe(0);
  });
});

describe('performance', () => {
  it('adds 30 days of business time quickly', () => {
    const ny = cal('America/New_York', WEEKDAYS, '08:00', '18:00', ['2026-07-03', '2026-11-26', '2026-12-25']);
    const started = process.hrtime.bigint();
    let last = 0;
    for (let i = 0; i < 200; i++) last = addBusinessTime(t('2026-01-05T15:00:00Z') + i * 37 * M, 30 * D, ny);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(last).toBeGreaterThan(t('2026-01-05T15:00:00Z'));
    expect(ms).toBeLessThan(2000); // generous: typically a few ms in total
  });
});
