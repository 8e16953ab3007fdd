import { DAY_MS, daysToExhaustion, fitLine, fitSums, forecast, forecastFrom, withinHorizon } from '../../domain/capacity/forecast';
import { sparkline } from '../../domain/capacity/sparkline';
import { alertKey, governing, levelOf, step, type ThresholdRule } from '../../domain/capacity/threshold';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const HOUR = 3_600_000;
const hourly = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => ({ at: T0 + i * HOUR, value: f(i) }));

describe('forecast', () => {
  test('a fit from running sums (what the database aggregates) is the fit from the points', () => {
    const pts = Array.from({ length: 500 }, (_, i) => ({ at: T0 + i * 3_600_000, value: 40 + i * 0.05 + Math.sin(i) * 3 }));
    const origin = T0 - 7 * DAY_MS;
    const sums = { n: 0, sx: 0, sy: 0, sxy: 0, sxx: 0 };
    for (const p of pts) {
      const x = (p.at - origin) / DAY_MS;
      sums.n++;
      sums.sx += x;
      sums.sy += p.value;
      sums.sxy += x * p.value;
      sums.sxx += x * x;
    }
    const a = fitLine(pts)!;
    const b = fitSums(sums, origin)!;
    expect(b.points).toBe(500);
    expect(b.slopePerDay).toBeCloseTo(a.slopePerDay, 9);
    // Compared where it matters, at the series: the intercept at epoch 0 is far away.
    expect(b.intercept + (b.slopePerDay * pts[0].at) / DAY_MS).toBeCloseTo(a.intercept + (a.slopePerDay * pts[0].at) / DAY_MS, 6);
    expect(forecastFrom(b, pts[499], 100).exhaustAt).toBe(forecast(pts, 100)!.exhaustAt);
    expect(fitSums({ ...sums, n: 2 }, origin)).toBeNull();
    expect(fitSums({ n: 3, sx: 3, sy: 3, sxy: 3, sxx: 3 }, origin)).toBeNull();
  });

  test('an exact line: slope, intercept and the instant it reaches the limit', () => {
    // 10 + 1 per hour = 24 per day; from 10 to 100 takes 90 hours.
    const pts = hourly(48, (i) => 10 + i);
    const f = forecast(pts, 100)!;
    expect(f.slopePerDay).toBeCloseTo(24, 9);
    expect(f.intercept + (f.slopePerDay * T0) / DAY_MS).toBeCloseTo(10, 6);
    expect(f.points).toBe(48);
    expect(f.lastValue).toBe(57);
    expect(f.exhaustAt).toBe(T0 + 90 * HOUR);
    expect(daysToExhaustion(f.exhaustAt, T0 + 47 * HOUR)).toBe(2);
  });

  test('a noisy line is fitted by least squares', () => {
    // values 1, 3, 2 at days 0, 1, 2: slope 0.5/day, mean 2 at day 1.
    const f = fitLine([0, 1, 2].map((d, i) => ({ at: T0 + d * DAY_MS, value: [1, 3, 2][i] })))!;
    expect(f.slopePerDay).toBeCloseTo(0.5, 12);
    expect(f.intercept + (0.5 * (T0 + DAY_MS)) / DAY_MS).toBeCloseTo(2, 6);
  });

  test('a falling series reaches a limit below it', () => {
    const f = forecast(hourly(24, (i) => 100 - i), 4)!;
    expect(f.slopePerDay).toBeCloseTo(-24, 9);
    expect(f.exhaustAt).toBe(T0 + 96 * HOUR);
  });

  test('flat and receding series never exhaust', () => {
    expect(forecast(hourly(100, () => 50), 80)!.exhaustAt).toBeNull();
    expect(forecast(hourly(100, (i) => 70 - i * 0.1), 80)!.exhaustAt).toBeNull();
    expect(forecast(hourly(100, (i) => 10 + i * 0.1), 5)!.exhaustAt).toBeNull();
  });

  test('too few points, or all at one instant, give no forecast', () => {
    expect(forecast([], 1)).toBeNull();
    expect(forecast(hourly(2, (i) => i), 10)).toBeNull();
    expect(fitLine([1, 2, 3].map((v) => ({ at: T0, value: v })))).toBeNull();
  });

  test('a line already past the limit is reached at the last reading', () => {
    // The line's end is above 60 while the last reading (a dip) is below it.
    const pts = [...hourly(10, (i) => 10 * i), { at: T0 + 10 * HOUR, value: 55 }];
    expect(forecast(pts, 60)!.exhaustAt).toBe(T0 + 10 * HOUR);
  });

  test('the planning horizon', () => {
    expect(withinHorizon(T0 + 89 * DAY_MS, T0, 90)).toBe(true);
    expect(withinHorizon(T0 + 91 * DAY_MS, T0, 90)).toBe(false);
    expect(withinHorizon(null, T0, 90)).toBe(false);
    expect(daysToExhaustion(null, T0)).toBeNull();
    expect(daysToExhaustion(T0 - DAY_MS, T0)).toBe(0);
  });
});

describe('sparkline', () => {
  const points = (svg: string) => /points="([^"]*)"/.exec(svg)![1].split(' ');

  test('valid SVG with one vertex per value, newest at the right, higher values higher', () => {
    const svg = sparkline([1, 5, 3, 9], { width: 90, height: 20 });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>$/);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    const p = points(svg).map((s) => s.split(',').map(Number));
    expect(p).toHaveLength(4);
    expect(p.map(([x]) => x)).toEqual([0, 30, 60, 90]);
    expect(p[3][1]).toBe(1);
    expect(p[0][1]).toBe(19);
    expect(p.every(([, y]) => y >= 0 && y <= 20)).toBe(true);
  });

  test('a limit line within the scale; flat, single and empty series', () => {
    expect(sparkline([1, 2], { limit: 4 })).toContain('<line');
    expect(points(sparkline([3, 3, 3]))).toHaveLength(3);
    expect(points(sparkline([7]))).toEqual(['60,12']);
    expect(sparkline([])).toMatch(/^<svg[^>]*><\/svg>$/);
    expect(points(sparkline([1, NaN, 2]))).toHaveLength(2);
    expect(sparkline([1, 2], { stroke: '"><script>' })).not.toContain('script');
  });
});

describe('thresholds', () => {
  const rule = (over: Partial<ThresholdRule> = {}): ThresholdRule => ({
    id: 't1', ciId: null, ciClass: 'server', metric: 'disk', warning: 80, critical: 90, direction: 'above', sustainSeconds: 300, limit: 100, ...over,
  });

  test("a CI's own threshold wins over its class's", () => {
    const cls = rule();
    const own = rule({ id: 't2', ciId: 'ci1', ciClass: null });
    expect(governing([cls, own], { id: 'ci1', ciClass: 'server' }, 'disk')).toBe(own);
    expect(governing([cls, own], { id: 'ci2', ciClass: 'server' }, 'disk')).toBe(cls);
    expect(governing([cls, own], { id: 'ci2', ciClass: 'database' }, 'disk')).toBeNull();
    expect(governing([cls, own], { id: 'ci1', ciClass: 'server' }, 'cpu')).toBeNull();
  });

  test('levels above and below', () => {
    expect([79, 80, 89, 90].map((v) => levelOf(rule(), v))).toEqual(['ok', 'warning', 'warning', 'critical']);
    const below = rule({ direction: 'below', warning: 20, critical: 10 });
    expect([21, 20, 10, 5].map((v) => levelOf(below, v))).toEqual(['ok', 'warning', 'critical', 'critical']);
    expect(levelOf(rule({ warning: null }), 85)).toBe('ok');
  });

  test('crossings raise events; a critical level held for sustainSeconds raises once', () => {
    const r = rule();
    let s = step(r, null, T0, 85);
    expect(s.event).toBe('capacity.threshold.warning');
    s = step(r, s.state, T0 + 1000, 95);
    expect([s.event, s.raise]).toEqual(['capacity.threshold.critical', false]);
    s = step(r, s.state, T0 + 200_000, 96);
    expect([s.event, s.raise]).toEqual([null, false]);
    s = step(r, s.state, T0 + 301_000, 97);
    expect([s.event, s.raise]).toEqual([null, true]);
    const reported = { ...s.state, alertId: alertKey('CI0000001', 'disk') };
    s = step(r, reported, T0 + 400_000, 98);
    expect([s.event, s.raise, s.state.alertId]).toEqual([null, false, 'capacity:CI0000001:disk']);
    s = step(r, s.state, T0 + 500_000, 10);
    expect([s.event, s.raise, s.state.alertId]).toEqual(['capacity.threshold.cleared', false, null]);
  });

  test('a dip below critical restarts the sustain clock; late and repeated readings are ignored', () => {
    const r = rule();
    let s = step(r, null, T0, 95);
    s = step(r, s.state, T0 + 200_000, 85);
    s = step(r, s.state, T0 + 250_000, 95);
    s = step(r, s.state, T0 + 400_000, 95);
    expect(s.raise).toBe(false);
    const before = s.state;
    expect(step(r, before, T0 + 400_000, 10)).toEqual({ state: before, event: null, raise: false, resolve: null });
    expect(step(r, before, T0, 10).state).toBe(before);
    expect(step(rule({ sustainSeconds: 0 }), null, T0, 99).raise).toBe(true);
  });
});
