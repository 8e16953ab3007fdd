import { detectionRuns, parseTrendKey, rankGroups, stillDue, trendDescription, trendKey, trendNotification, trendTitle, type TrendGroup } from '../../domain/problem/trends';

const DAY = 86_400_000;
const g = (key: string, incidents: number, direct = incidents, openProblem: string | null = null): TrendGroup => {
  const { kind, ref } = parseTrendKey(key);
  return { key, kind, ref, incidents, direct, openProblem };
};

describe('trend keys', () => {
  test('categories are keyed lowercased and trimmed; ids as they are', () => {
    expect(trendKey('category', ' Network ')).toBe('category:network');
    expect(trendKey('ci', 'ci_ABC')).toBe('ci:ci_ABC');
    expect(parseTrendKey('service:svc_1')).toEqual({ kind: 'service', ref: 'svc_1' });
    expect(parseTrendKey('category:a:b')).toEqual({ kind: 'category', ref: 'a:b' });
  });
  test('anything else is refused', () => {
    for (const bad of ['ci:', 'host:x', 'nokind', ':x']) expect(() => parseTrendKey(bad)).toThrow(RangeError);
  });
});

describe('rankGroups', () => {
  test('below the threshold is dropped; a key with an open problem is reported, not tried', () => {
    const r = rankGroups([g('ci:a', 4), g('ci:b', 5), g('service:s', 9, 9, 'PRB0000001')], 5);
    expect(r.candidates.map((x) => x.key)).toEqual(['ci:b']);
    expect(r.existing.map((x) => [x.key, x.openProblem])).toEqual([['service:s', 'PRB0000001']]);
  });
  test('CI before service before category, whatever their sizes', () => {
    const r = rankGroups([g('category:network', 50), g('service:s', 20), g('ci:x', 5)], 5);
    expect(r.candidates.map((x) => x.key)).toEqual(['ci:x', 'service:s', 'category:network']);
  });
  test('within a kind: larger first, then more incidents on the CI itself, then the key', () => {
    const r = rankGroups([g('ci:parent', 6, 0), g('ci:child', 6, 6), g('ci:big', 15, 10), g('ci:a', 6, 6)], 5);
    expect(r.candidates.map((x) => x.key)).toEqual(['ci:big', 'ci:a', 'ci:child', 'ci:parent']);
  });
  test('the order does not depend on the input order', () => {
    const groups = [g('ci:b', 7), g('ci:a', 7), g('service:z', 7), g('category:q', 7)];
    expect(rankGroups(groups, 5).candidates).toEqual(rankGroups([...groups].reverse(), 5).candidates);
  });
});

test('stillDue: the recount must still reach the threshold', () => {
  expect(stillDue(5, 5)).toBe(true);
  expect(stillDue(4, 5)).toBe(false);
});

describe('detectionRuns', () => {
  const from = Date.parse('2026-01-01T00:00:00Z');
  test('a period within one window is one run over it', () => {
    expect(detectionRuns(from, from + 3 * DAY, 7 * DAY)).toEqual([{ from, to: from + 3 * DAY }]);
  });
  test('a longer period: a run per day over the window before it, clipped to the period, the last ending at `to`', () => {
    const runs = detectionRuns(from, from + 10 * DAY + 3_600_000, 7 * DAY);
    expect(runs).toHaveLength(11);
    expect(runs[0]).toEqual({ from, to: from + DAY });
    expect(runs[8]).toEqual({ from: from + 2 * DAY, to: from + 9 * DAY });
    expect(runs.at(-1)).toEqual({ from: from + 3 * DAY + 3_600_000, to: from + 10 * DAY + 3_600_000 });
  });
  test('a window shorter than a day steps by the window', () => {
    expect(detectionRuns(from, from + 3 * 3_600_000, 3_600_000)).toEqual([
      { from, to: from + 3_600_000 },
      { from: from + 3_600_000, to: from + 2 * 3_600_000 },
      { from: from + 2 * 3_600_000, to: from + 3 * 3_600_000 },
    ]);
  });
  test('an empty or reversed period is refused', () => {
    expect(() => detectionRuns(from, from, DAY)).toThrow('to must be after from');
    expect(() => detectionRuns(from, from + DAY, 0)).toThrow(RangeError);
  });
});

test('titles, descriptions and the notification name the group and the counts', () => {
  expect(trendTitle({ kind: 'ci', label: 'CI0000042 db-01' }, 7, 7 * DAY)).toBe('Trend: 7 incidents on CI0000042 db-01 or CIs that depend on it within P7D');
  expect(trendTitle({ kind: 'category', label: 'network' }, 5, DAY)).toBe("Trend: 5 'network' incidents within P1D");
  const d = trendDescription({ kind: 'service', label: 'SVC1 Mail' }, { total: 7, linked: ['INC1', 'INC2'], from: 0, to: DAY, threshold: 5 });
  expect(d).toContain('7 incidents between 1970-01-01T00:00:00.000Z and 1970-01-02T00:00:00.000Z (threshold 5)');
  expect(d).toContain('Linked: INC1, INC2.');
  expect(d).toContain('5 more were not linked');
  expect(trendNotification('PRB0000003', 'T')).toEqual({ recipient: 'group:problem-management', kind: 'problem_trend_detected', message: 'PRB0000003 opened by trend detection: T' });
});
