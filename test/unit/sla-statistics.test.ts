/**
 * The anchors' complaints about SLA statistics, each as a named test of the report arithmetic
 * against the clock the workflow keeps: the report must say what the clock said.
 */
import type { BusinessHoursCalendar } from '../../domain/calendar';
import { slaReport } from '../../domain/reports/sla-report';
import { slaFact } from '../support/sla-fact';
import * as clock from '../../domain/sla/clock';

const H = 3_600_000;
const t = (iso: string) => Date.parse(iso);
const london: BusinessHoursCalendar = { timezone: 'Europe/London', hours: { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'], wed: ['09:00', '17:00'], thu: ['09:00', '17:00'], fri: ['09:00', '17:00'] }, holidays: [] };

const month = (c: clock.SlaClock, from: string, to: string) => slaReport([slaFact('INC1', c)], { from: t(from), to: t(to), now: t(to), groupBy: 'service', atRiskMs: H })[0];

test('GLPI #23359: the time an incident stood resolved before a reopen is not counted as pending (hold) time, yet still moves the due date', () => {
  const opened = t('2026-12-01T08:00:00Z');
  let c = clock.startClock(opened, '24x7', { response: 'PT1H', resolution: 'PT8H' });
  c = clock.meetResponse(c, opened + H / 2);
  c = clock.pause(c, opened + H); // on hold awaiting the caller for 2 h
  c = clock.resume(c, opened + 3 * H);
  c = clock.meetResolution(c, opened + 4 * H); // resolved …
  c = clock.reopen(c, opened + 9 * H); // … and reopened 5 h later
  expect(clock.viewClock(c, opened + 9 * H).resolution).toMatchObject({ pausedMs: 2 * H, dueAt: new Date(opened + 15 * H).toISOString() });
  expect(c.reopenedWallMs).toBe(5 * H);
  c = clock.meetResolution(c, opened + 10 * H);
  const row = month(c, '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z');
  expect(row.pausedMs).toBe(2 * H);
  expect(row.resolution).toMatchObject({ met: 1, breached: 0 });
  // 10 h wall; business (24x7) time to resolve leaves out the hold and the resolved stretch: 10 - 2 - 5 = 3 h.
  expect(row.mttr).toEqual({ wallMs: 10 * H, businessMs: 3 * H });
});

test.each([
  ['winter (GMT)', '2026-12-04T14:00:00Z', '2026-12-07T14:00:00Z'],
  ['summer (BST)', '2026-07-03T13:00:00Z', '2026-07-06T13:00:00Z'],
  ['a week across the change back to GMT', '2026-10-23T14:00:00Z', '2026-10-26T15:00:00Z'],
])('GLPI #11600: in %s, the report’s business time to resolve is the SLA target exactly, not an hour off, when resolved at the due time', (_season, openedAt, expectedDue) => {
  // Opened Friday 15:00 London time; 8 business hours: 2 on Friday, 6 on Monday → Monday 15:00 London.
  const c = clock.startClock(t(openedAt), london, { response: 'PT1H', resolution: 'PT8H' });
  const due = clock.resolutionDueAt(c, t(openedAt));
  expect(new Date(due).toISOString()).toBe(new Date(t(expectedDue)).toISOString());
  const row = month(clock.meetResolution(clock.meetResponse(c, t(openedAt)), due), '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z');
  expect(row.mttr?.businessMs).toBe(8 * H);
  expect(row.resolution).toMatchObject({ due: 1, met: 1, breached: 0 });
});
