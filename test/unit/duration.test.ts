import { formatIsoDuration, isIsoDuration, parseIsoDuration } from '../../domain/duration';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseIsoDuration', () => {
  it.each<[string, number]>([
    ['PT15M', 15 * M],
    ['PT0S', 0],
    ['P0D', 0],
    ['PT1H', H],
    ['PT4H', 4 * H],
    ['PT90M', 90 * M],
    ['PT30S', 30 * S],
    ['PT0.5S', 500],
    ['PT1.25S', 1250],
    ['PT0,5S', 500],
    ['PT0.0015S', 2], // rounded to the nearest millisecond
    ['P1D', D],
    ['P2W', 14 * D],
    ['P1W2D', 9 * D],
    ['P1DT2H30M', D + 2 * H + 30 * M],
    ['P1DT1H1M1S', 90_061_000],
    ['PT2H30M15.5S', 2 * H + 30 * M + 15_500],
    ['P10DT0H', 10 * D],
  ])('%s -> %d ms', (s, ms) => {
    expect(parseIsoDuration(s)).toBe(ms);
    expect(isIsoDuration(s)).toBe(true);
  });

  it.each([
    'P',
    'PT',
    'P1DT',
    '',
    'PT15',
    '15M',
    'pt15m',
    ' PT15M',
    'PT15M ',
    'P1Y',
    'P1M',
    'P1Y2M3D',
    'PT1.5H',
    'P1.5D',
    'PT-1H',
    '-PT1H',
    'PT1M1H',
    'P1DT2H3H',
    'P1D2W',
    'PT.5S',
    'PT1.S',
    'P99999999999999999999D',
  ])('rejects %j', (s) => {
    expect(() => parseIsoDuration(s)).toThrow(new Error('invalid ISO-8601 duration: ' + s));
    expect(isIsoDuration(s)).toBe(false);
  });

  it('rejects non-strings without crashing', () => {
    expect(isIsoDuration(undefined)).toBe(false);
    expect(isIsoDuration(15)).toBe(false);
  });
});

describe('formatIsoDuration', () => {
  it.each<[number, string]>([
    [0, 'PT0S'],
    [900_000, 'PT15M'],
    [90_061_000, 'P1DT1H1M1S'],
    [H, 'PT1H'],
    [D, 'P1D'],
    [14 * D, 'P14D'],
    [D + 30 * M, 'P1DT30M'],
    [1500, 'PT1.5S'],
    [1, 'PT0.001S'],
    [61_010, 'PT1M1.01S'],
    [2 * H + 5 * S, 'PT2H5S'],
  ])('%d ms -> %s', (ms, s) => {
    expect(formatIsoDuration(ms)).toBe(s);
  });

  it('rounds fractional milliseconds', () => {
    expect(formatIsoDuration(999.6)).toBe('PT1S');
  });

  it.each([-1, NaN, Infinity])('rejects %p', (ms) => {
    expect(() => formatIsoDuration(ms)).toThrow();
  });

  it('round-trips with parseIsoDuration', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 200; i++) {
      const ms = next() * (i % 3 === 0 ? 1 : i % 3 === 1 ? 1000 : 60_000) % (400 * D);
      expect(parseIsoDuration(formatIsoDuration(ms))).toBe(ms);
    }
  });
});
