import type { BusinessHoursCalendar } from '../../domain/calendar';
import { ageBucket, outcomeOf, slaReport } from '../../domain/reports/sla-report';
import * as clock from '../../domain/sla/clock';
import { slaFact } from '../support/sla-fact';

const H = 3_600_000;
const t = (iso: string) => Date.parse(iso);
/** London office hours with a bank holiday; the clocks go back on Sunday 2026-10-25. */
const london: BusinessHoursCalendar = { timezone: 'Europe/London', hours: { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'], wed: ['09:00', '17:00'], thu: ['09:00', '17:00'], fri: ['09:00', '17:00'] }, holidays: ['2026-10-27'] };

const fact = slaFact;

describe('SLA report arithmetic', () => {
  // Opened Friday 2026-10-23 16:00 BST (15:00Z): 1 business hour that day, then Monday (GMT
  // after the change), Tuesday a holiday.
  const opened = t('2026-10-23T15:00:00Z');
  const base = clock.startClock(opened, london, { response: 'PT2H', resolution: 'PT8H' });

  test('due times across the DST change and the holiday, and business-time MTTA/MTTR, by hand', () => {
    // Response: 1 h on Friday (16:00-17:00 BST), 1 h on Monday from 09:00 GMT → Monday 10:00 GMT.
    expect(new Date(clock.responseDueAt(base)).toISOString()).toBe('2026-10-26T10:00:00.000Z');
    // Resolution: 1 h Friday + 8 h Monday = 9 h > 8 h → Monday 16:00 GMT.
    expect(new Date(clock.resolutionDueAt(base, opened)).toISOString()).toBe('2026-10-26T16:00:00.000Z');
    // Acknowledged Monday 09:30 GMT (met), resolved Wednesday 10:00 GMT (Tuesday is a holiday: breached).
    const acked = clock.meetResponse(base, t('2026-10-26T09:30:00Z'));
    const done = clock.meetResolution(acked, t('2026-10-28T10:00:00Z'));
    const rows = slaReport([fact('INC1', done)], { from: t('2026-10-01T00:00:00Z'), to: t('2026-11-01T00:00:00Z'), now: t('2026-11-02T00:00:00Z'), groupBy: 'service', atRiskMs: H, drill: true });
    expect(rows).toHaveLength(1);
    expect(rows[0].response).toEqual({ due: 1, met: 1, breached: 0, pending: 0, attainmentPct: 100 });
    expect(rows[0].resolution).toEqual({ due: 1, met: 0, breached: 1, pending: 0, attainmentPct: 0 });
    // MTTA: wall 2 days 18.5 h (Fri 15:00Z → Mon 09:30Z = 66.5 h); business 1 h Friday + 0.5 h Monday.
    expect(rows[0].mtta).toEqual({ wallMs: 66.5 * H, businessMs: 1.5 * H });
    // MTTR: wall 115 h; business Fri 1 h + Mon 8 h + Tue 0 (holiday) + Wed 1 h = 10 h.
    expect(rows[0].mttr).toEqual({ wallMs: 115 * H, businessMs: 10 * H });
    expect(rows[0].records!.map((r) => [r.clock, r.outcome])).toEqual([['response', 'met'], ['resolution', 'breached']]);
  });

  test('pending, at risk, paused time (business time of a pause left out of MTTR), grouping and attainment', () => {
    const from = t('2026-10-01T00:00:00Z');
    const to = t('2026-11-01T00:00:00Z');
    const now = t('2026-10-26T15:30:00Z'); // resolution of `base` due 16:00: at risk within 1 h
    const running = fact('INC2', clock.meetResponse(base, t('2026-10-26T09:10:00Z')), { priority: 'P1' });
    // Paused Monday 10:00-12:00 GMT (2 business hours): due moves 2 business hours past Monday 16:00,
    // 1 h that day and, Tuesday being a holiday, 1 h on Wednesday → Wednesday 10:00.
    let paused = clock.pause(clock.meetResponse(base, t('2026-10-26T09:05:00Z')), t('2026-10-26T10:00:00Z'));
    paused = clock.resume(paused, t('2026-10-26T12:00:00Z'));
    expect(new Date(clock.resolutionDueAt(paused, now)).toISOString()).toBe('2026-10-28T10:00:00.000Z');
    const resolved = fact('INC3', clock.meetResolution(paused, t('2026-10-26T17:00:00Z')), { group: 'network' });
    const onHold = fact('INC4', clock.pause(base, t('2026-10-26T09:00:00Z')), { group: 'network' });
    expect(onHold.resolutionDueAt).toBeNull();
    const rows = slaReport([running, resolved, onHold], { from, to, now, groupBy: 'group', atRiskMs: H });
    expect(rows.map((r) => r.key)).toEqual(['network', 'service-desk']);
    const [network, desk] = rows;
    expect(desk.resolution).toEqual({ due: 1, met: 0, breached: 0, pending: 1, attainmentPct: null });
    expect(desk.atRiskNow).toBe(1);
    // INC3: resolved Monday 17:00 before its moved due time; 2 h paused; business MTTR = 1 + 8 - 2 = 7 h.
    expect(network.resolution).toEqual({ due: 1, met: 1, breached: 0, pending: 0, attainmentPct: 100 });
    expect(network.pausedMs).toBe(2 * H);
    expect(network.mttr).toEqual({ wallMs: t('2026-10-26T17:00:00Z') - opened, businessMs: 7 * H });
    // INC4's response (due Monday 10:00, never given) is breached by now; its resolution is paused: not due anywhere.
    expect(network.response).toEqual({ due: 2, met: 1, breached: 1, pending: 0, attainmentPct: 50 });
    expect(slaReport([running, resolved, onHold], { from, to, now, groupBy: 'month', atRiskMs: H }).map((r) => [r.key, r.resolution.due])).toEqual([['2026-10', 2]]);
    // Outside the period: nothing counted, at-risk still shown.
    const later = slaReport([running], { from: t('2026-11-01T00:00:00Z'), to: t('2026-12-01T00:00:00Z'), now, groupBy: 'priority', atRiskMs: H });
    expect(later).toEqual([expect.objectContaining({ key: 'P1', atRiskNow: 1, resolution: expect.objectContaining({ due: 0 }) })]);
  });

  test('outcomes and age buckets at their edges', () => {
    expect(outcomeOf(100, 100, 0)).toBe('met');
    expect(outcomeOf(100, 101, 0)).toBe('breached');
    expect(outcomeOf(100, null, 100)).toBe('pending');
    expect(outcomeOf(100, null, 101)).toBe('breached');
    const now = t('2026-12-04T00:00:00Z');
    expect([now - 1, now - 24 * H, now - 3 * 24 * H + 1, now - 30 * 24 * H].map((o) => ageBucket(o, now))).toEqual(['<1d', '1-3d', '1-3d', '>30d']);
  });
});
