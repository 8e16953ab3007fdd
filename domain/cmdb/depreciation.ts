/**
 * Book value of an asset, computed on read (pure; no clock, no I/O).
 *
 * Conventions (the issue leaves them open; these are the choices):
 * - Depreciation runs by **whole calendar months** from the purchase date (UTC dates; the
 *   time of day is ignored). Month k is complete on the k-th monthly anniversary, clamped
 *   to the month's last day (bought 31 Jan → anniversaries 28/29 Feb, 31 Mar, 30 Apr …).
 *   No half-month convention: the month of purchase counts once its anniversary is reached.
 * - **Straight line**: (cost − salvage) / (years × 12) per month, so the book value reaches
 *   the salvage value exactly at the end of the useful life and stays there.
 * - **Declining balance** (double-declining): each year's charge is rate × the book value
 *   at the start of that year, rate = 2 / years (capped at 100 %), never taking the value
 *   below salvage; the charge of the final year of the useful life is whatever is left above
 *   salvage, so the asset is carried at salvage afterwards. Within a year the year's charge
 *   is spread evenly over its 12 months.
 * - Before the purchase date the book value is the cost. The result is rounded to cents
 *   (2 decimals) once, at the end; intermediate values are not rounded.
 * - Without a cost there is no book value (null); without a method, a useful life or a
 *   purchase date the asset is not depreciated (book value = cost).
 */
export const DEPRECIATION_METHODS = ['straight_line', 'declining_balance'] as const;
export type DepreciationMethod = (typeof DEPRECIATION_METHODS)[number];

export interface AssetFinancials {
  purchaseDate: Date | string | null;
  cost: number | null;
  depreciationMethod: string | null;
  depreciationYears: number | null;
  salvageValue: number | null;
}

interface Ymd {
  y: number;
  m: number; // 0-11
  d: number; // 1-31
}

const ymd = (t: Date): Ymd => ({ y: t.getUTCFullYear(), m: t.getUTCMonth(), d: t.getUTCDate() });
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
const cmp = (a: Ymd, b: Ymd) => a.y - b.y || a.m - b.m || a.d - b.d;

function addMonthsClamped(from: Ymd, k: number): Ymd {
  const total = from.y * 12 + from.m + k;
  const y = Math.floor(total / 12);
  const m = total - y * 12;
  return { y, m, d: Math.min(from.d, daysInMonth(y, m)) };
}

/** Whole months from `from` to `to` (0 when `to` is before the first anniversary or earlier). */
export function wholeMonthsBetween(from: Date, to: Date): number {
  const a = ymd(from);
  const b = ymd(to);
  if (cmp(b, a) <= 0) return 0;
  let months = (b.y - a.y) * 12 + (b.m - a.m);
  if (cmp(addMonthsClamped(a, months), b) > 0) months -= 1;
  return Math.max(0, months);
}

/**
 * Cents, half away from zero, on the decimal value: the cents are first taken to 6 decimals, so
 * binary noise cannot decide a tie (9,049.25 declining over 21 months is 3,800.685 exactly, which
 * binary floating point makes 3,800.684999… one way and 3,800.685000…1 another). The SQL totals
 * (db/asset-totals.ts) round the same way, so they equal the sum of these values.
 */
export const roundCents = (x: number) => (Math.sign(x) * Math.round(Number((Math.abs(x) * 100).toFixed(6)))) / 100 || 0;

/** Unrounded book value after `months` whole months of depreciation. */
export function bookValueAfterMonths(method: DepreciationMethod, cost: number, salvage: number, years: number, months: number): number {
  if (months <= 0 || cost <= salvage) return cost;
  const life = years * 12;
  if (months >= life) return salvage;
  if (method === 'straight_line') return cost - ((cost - salvage) / life) * months;
  const rate = Math.min(1, 2 / years);
  const yearCharge = (start: number, year: number) => (year === years ? start - salvage : Math.max(0, Math.min(start * rate, start - salvage)));
  let value = cost;
  const fullYears = Math.floor(months / 12);
  for (let year = 1; year <= fullYears; year++) value -= yearCharge(value, year);
  const rest = months - fullYears * 12;
  if (rest > 0) value -= (yearCharge(value, fullYears + 1) * rest) / 12;
  return Math.max(salvage, value);
}

/** The book value as of `asOf`, rounded to cents; null when the asset has no cost. */
export function bookValue(asset: AssetFinancials, asOf: Date): number | null {
  if (asset.cost === null || asset.cost === undefined) return null;
  const cost = asset.cost;
  const method = asset.depreciationMethod as DepreciationMethod | null;
  if (!method || !DEPRECIATION_METHODS.includes(method) || !asset.depreciationYears || asset.depreciationYears <= 0 || !asset.purchaseDate) return roundCents(cost);
  const salvage = Math.min(cost, Math.max(0, asset.salvageValue ?? 0));
  const months = wholeMonthsBetween(new Date(asset.purchaseDate), asOf);
  return roundCents(bookValueAfterMonths(method, cost, salvage, asset.depreciationYears, months));
}
