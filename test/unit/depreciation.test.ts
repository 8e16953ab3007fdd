import { bookValue, bookValueAfterMonths, roundCents, wholeMonthsBetween } from '../../domain/cmdb/depreciation';

const d = (s: string) => new Date(`${s}T00:00:00.000Z`);

describe('wholeMonthsBetween (calendar months, anniversaries clamped to the month end)', () => {
  it.each<[string, string, number]>([
    ['2024-01-15', '2024-01-14', 0], // before purchase
    ['2024-01-15', '2024-01-15', 0],
    ['2024-01-15', '2024-02-14', 0],
    ['2024-01-15', '2024-02-15', 1],
    ['2024-01-15', '2025-07-14', 17],
    ['2024-01-15', '2025-07-15', 18],
    ['2024-01-31', '2024-02-28', 0], // 2024 is a leap year: the anniversary is 29 Feb
    ['2024-01-31', '2024-02-29', 1],
    ['2023-01-31', '2023-02-28', 1],
    ['2024-01-31', '2024-03-30', 1],
    ['2024-01-31', '2024-03-31', 2],
    ['2024-12-31', '2025-01-31', 1],
  ])('%s → %s: %d', (from, to, months) => {
    expect(wholeMonthsBetween(d(from), d(to))).toBe(months);
  });

  it('ignores the time of day (UTC dates)', () => {
    expect(wholeMonthsBetween(new Date('2024-01-15T23:59:00Z'), new Date('2024-02-15T00:01:00Z'))).toBe(1);
  });
});

describe('straight line', () => {
  // 12,000 over 5 years down to 2,000: 10,000 / 60 = 166.666… per month
  const asset = { purchaseDate: '2024-01-15T00:00:00.000Z', cost: 12_000, depreciationMethod: 'straight_line', depreciationYears: 5, salvageValue: 2_000 };
  it.each<[string, number]>([
    ['2023-06-01', 12_000], // not bought yet
    ['2024-01-15', 12_000],
    ['2024-02-14', 12_000],
    ['2024-02-15', 11_833.33],
    ['2025-01-15', 10_000],
    ['2025-07-14', 9_166.67], // 17 months
    ['2025-07-15', 9_000], // 18 months
    ['2028-12-15', 2_166.67], // 59 months
    ['2029-01-15', 2_000], // end of life: salvage
    ['2040-01-01', 2_000],
  ])('as of %s: %d', (asOf, value) => {
    expect(bookValue(asset, d(asOf))).toBe(value);
  });

  it('without a salvage value it reaches zero', () => {
    expect(bookValue({ ...asset, salvageValue: null }, d('2026-07-15'))).toBe(6_000); // 30 of 60 months
    expect(bookValue({ ...asset, salvageValue: null }, d('2029-01-15'))).toBe(0);
  });
});

describe('declining balance (double-declining: 2 / years, final year down to salvage)', () => {
  // 10,000 over 5 years, rate 40 %: year charges 4,000 · 2,400 · 1,440 · 864 · then 296 down to 1,000
  const asset = { purchaseDate: '2024-01-01T00:00:00.000Z', cost: 10_000, depreciationMethod: 'declining_balance', depreciationYears: 5, salvageValue: 1_000 };
  it.each<[string, number]>([
    ['2024-01-01', 10_000],
    ['2024-02-01', 9_666.67], // 4,000 / 12
    ['2024-07-01', 8_000],
    ['2025-01-01', 6_000],
    ['2025-07-01', 4_800], // 6,000 − 2,400 × 6/12
    ['2026-01-01', 3_600],
    ['2027-01-01', 2_160],
    ['2028-01-01', 1_296],
    ['2028-07-01', 1_148], // 1,296 − 296 × 6/12
    ['2029-01-01', 1_000],
    ['2035-01-01', 1_000],
  ])('as of %s: %d', (asOf, value) => {
    expect(bookValue(asset, d(asOf))).toBe(value);
  });

  it('never goes below the salvage value', () => {
    const high = { ...asset, salvageValue: 3_000 };
    // year 1: 4,000 → 6,000; year 2: 2,400 → 3,600; year 3: only 600 left above salvage
    expect(bookValue(high, d('2026-01-01'))).toBe(3_600);
    expect(bookValue(high, d('2026-07-01'))).toBe(3_300);
    expect(bookValue(high, d('2027-01-01'))).toBe(3_000);
    expect(bookValue(high, d('2028-06-01'))).toBe(3_000);
  });

  it('a rate of 100 % or more (1 or 2 years) writes the asset down to salvage in the first year', () => {
    expect(bookValueAfterMonths('declining_balance', 1_200, 0, 1, 6)).toBe(600);
    expect(bookValueAfterMonths('declining_balance', 1_200, 200, 2, 6)).toBe(700);
    expect(bookValueAfterMonths('declining_balance', 1_200, 200, 2, 12)).toBe(200);
    expect(bookValueAfterMonths('declining_balance', 1_200, 200, 2, 18)).toBe(200);
  });

  it('without a salvage value: 3 years, rate 2/3', () => {
    const a = { ...asset, depreciationYears: 3, salvageValue: 0 };
    expect(bookValue(a, d('2025-01-01'))).toBe(3_333.33); // 10,000 / 3
    expect(bookValue(a, d('2026-01-01'))).toBe(1_111.11); // × 1/3
    expect(bookValue(a, d('2026-07-01'))).toBe(555.56); // final year: 1,111.11 down to 0
    expect(bookValue(a, d('2027-01-01'))).toBe(0);
  });
});

describe('book value edge cases', () => {
  const asOf = d('2026-01-01');
  it('no cost → no book value', () => {
    expect(bookValue({ purchaseDate: '2024-01-01', cost: null, depreciationMethod: 'straight_line', depreciationYears: 3, salvageValue: null }, asOf)).toBeNull();
  });
  it('not depreciated without a method, a useful life or a purchase date → the cost', () => {
    const base = { purchaseDate: '2024-01-01', cost: 999.999, depreciationMethod: 'straight_line', depreciationYears: 3, salvageValue: null };
    expect(bookValue({ ...base, depreciationMethod: null }, asOf)).toBe(1000);
    expect(bookValue({ ...base, depreciationYears: null }, asOf)).toBe(1000);
    expect(bookValue({ ...base, purchaseDate: null }, asOf)).toBe(1000);
  });
  it('a salvage value at the cost leaves nothing to depreciate', () => {
    expect(bookValue({ purchaseDate: '2020-01-01', cost: 500, depreciationMethod: 'declining_balance', depreciationYears: 3, salvageValue: 500 }, asOf)).toBe(500);
  });
  it('rounds to cents once, at the end', () => {
    expect(roundCents(1.005)).toBe(1.01);
    expect(roundCents(2 / 3)).toBe(0.67);
    expect(bookValue({ purchaseDate: '2024-01-01', cost: 100, depreciationMethod: 'straight_line', depreciationYears: 3, salvageValue: 0 }, d('2024-02-01'))).toBe(97.22);
  });
});
