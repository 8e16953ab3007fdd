/**
 * Calendar months (UTC) as the financial figures count them: budgets, the cost report and the
 * chargeback statement are per `YYYY-MM`. Pure.
 */

/** The longest span one cost report covers: three years of months. */
export const MAX_REPORT_MONTHS = 36;

const index = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
const fromIndex = (i: number) => `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;

/** Months from `from` to `to`, both included (0 or less when `to` is before `from`). */
export const monthsBetween = (from: string, to: string) => index(to) - index(from) + 1;

export function monthList(from: string, to: string): string[] {
  const out: string[] = [];
  for (let i = index(from); i <= index(to); i++) out.push(fromIndex(i));
  return out;
}

/** [start, end) of a month, epoch ms. */
export function monthBounds(month: string): { start: number; end: number } {
  const i = index(month);
  return { start: Date.UTC(Math.floor(i / 12), i % 12, 1), end: Date.UTC(Math.floor((i + 1) / 12), (i + 1) % 12, 1) };
}

export const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

const DAY = 86_400_000;

/**
 * The months a scheduled run's period [from, to) reports. The period's bounds are local midnights
 * in the schedule's timezone (UTC−12 to UTC+14), so a day inside each end names the month whatever
 * the zone; a period shorter than that (a daily schedule) reports the month holding its middle.
 */
export function monthsOfPeriod(from: number, to: number): { from: string; to: string } {
  const first = monthOf(from + DAY);
  const last = monthOf(to - DAY);
  if (last < first) return { from: monthOf((from + to) / 2), to: monthOf((from + to) / 2) };
  return { from: first, to: last };
}
