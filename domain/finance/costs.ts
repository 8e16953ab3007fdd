/**
 * Cost accounting for IT services (pure; no clock, no I/O): what each month cost, by kind, and to
 * which service and cost centre it is attributed; then grouped against the budgets.
 *
 * Conventions (the issue leaves them open; these are the choices):
 * - **Labour**: minutes logged on a record's notes and transitions × the hourly rate of the role of
 *   the person who logged them (their role now: the audit entry records who, not in which role).
 *   Minutes of a role with no rate are counted apart (`unpricedMinutes`), not costed at zero.
 * - **Depreciation**: an asset's charge for a month is its book value at the month's start less
 *   its book value at the next month's start (domain/cmdb/depreciation.ts, whole months from the
 *   purchase date), so the months' charges add up to cost − book value. None after retirement.
 * - **Supplier contracts**: the value spread evenly over the term by time: a month holds the share
 *   of the term that falls in it (a 12-month contract starting mid-month charges two part months).
 * - **Attribution**: a cost split evenly among the services it serves (a record's service, a
 *   contract's service, the services that depend on an asset in the CMDB); with none it is kept,
 *   attributed to no service. Its cost centre is the asset's own, else the service's.
 * - Figures are kept per currency (no conversion); each is rounded to cents once, at the end.
 */
import { bookValue, roundCents, type AssetFinancials } from '../cmdb/depreciation';
import { monthBounds } from './months';
import type { CostGrouping } from '../schemas/finance';

export type CostKind = 'labour' | 'depreciation' | 'contracts';

export interface ServiceInfo {
  costCentre: string | null;
  label: string;
}

/** Minutes logged on one audit entry, with where its record belongs. */
export interface LabourEntry {
  at: number;
  minutes: number;
  role: string | null;
  serviceIds: string[];
}
export interface Rate {
  hourlyRate: number;
  currency: string;
}
export interface Asset extends AssetFinancials {
  currency: string | null;
  costCentre: string | null;
  retiredAt: number | null;
  serviceIds: string[];
}
export interface ContractCost {
  value: number;
  currency: string;
  start: number;
  end: number;
  serviceId: string | null;
}
export interface Budget {
  serviceId: string | null;
  costCentre: string | null;
  period: string;
  amount: number;
  currency: string;
}

/** One month's cost of one kind, attributed. Amounts unrounded. */
export interface CostItem {
  month: string;
  kind: CostKind;
  serviceId: string | null;
  costCentre: string | null;
  currency: string;
  amount: number;
  minutes: number;
}

export interface CostInputs {
  months: string[];
  services: ReadonlyMap<string, ServiceInfo>;
  labour: LabourEntry[];
  rates: ReadonlyMap<string, Rate>;
  assets: Asset[];
  contracts: ContractCost[];
}

/** A cost shared evenly among its services (one share unattributed when it serves none). */
function attribute(base: Omit<CostItem, 'serviceId' | 'costCentre'>, serviceIds: string[], ownCostCentre: string | null, services: ReadonlyMap<string, ServiceInfo>): CostItem[] {
  if (serviceIds.length === 0) return [{ ...base, serviceId: null, costCentre: ownCostCentre }];
  const n = serviceIds.length;
  return serviceIds.map((id) => ({ ...base, amount: base.amount / n, minutes: base.minutes / n, serviceId: id, costCentre: ownCostCentre ?? services.get(id)?.costCentre ?? null }));
}

/** The depreciation an asset is charged in a month; 0 before purchase, after the useful life or after retirement. */
export function monthlyDepreciation(asset: AssetFinancials & { retiredAt?: number | null }, month: string): number {
  const { start, end } = monthBounds(month);
  if (asset.retiredAt != null && asset.retiredAt <= start) return 0;
  const before = bookValue(asset, new Date(start));
  const after = bookValue(asset, new Date(end));
  return before === null || after === null ? 0 : before - after;
}

/** The part of a contract's value that falls in a month (spread evenly over its term). */
export function monthlyContractCost(c: Pick<ContractCost, 'value' | 'start' | 'end'>, month: string): number {
  if (!(c.end > c.start)) return 0;
  const { start, end } = monthBounds(month);
  const overlap = Math.min(end, c.end) - Math.max(start, c.start);
  return overlap > 0 ? (c.value * overlap) / (c.end - c.start) : 0;
}

export function labourCost(minutes: number, rate: Rate): number {
  return (minutes / 60) * rate.hourlyRate;
}

/** Every month's costs, attributed; plus the minutes no rate prices. */
export function costItems(inp: CostInputs): { items: CostItem[]; unpricedMinutes: number } {
  const items: CostItem[] = [];
  let unpricedMinutes = 0;
  const inMonths = new Set(inp.months);
  for (const e of inp.labour) {
    const month = new Date(e.at).toISOString().slice(0, 7);
    if (!inMonths.has(month)) continue;
    const rate = e.role ? inp.rates.get(e.role) : undefined;
    if (!rate) {
      unpricedMinutes += e.minutes;
      continue;
    }
    items.push(...attribute({ month, kind: 'labour', currency: rate.currency, amount: labourCost(e.minutes, rate), minutes: e.minutes }, e.serviceIds, null, inp.services));
  }
  for (const month of inp.months) {
    for (const a of inp.assets) {
      const amount = monthlyDepreciation(a, month);
      if (amount > 0) items.push(...attribute({ month, kind: 'depreciation', currency: a.currency ?? 'EUR', amount, minutes: 0 }, a.serviceIds, a.costCentre, inp.services));
    }
    for (const c of inp.contracts) {
      const amount = monthlyContractCost(c, month);
      if (amount > 0) items.push(...attribute({ month, kind: 'contracts', currency: c.currency, amount, minutes: 0 }, c.serviceId ? [c.serviceId] : [], null, inp.services));
    }
  }
  return { items, unpricedMinutes };
}

export interface CostRowFigures {
  key: string | null;
  label: string | null;
  currency: string;
  budget: number | null;
  actual: number;
  variance: number | null;
  labour: number;
  depreciation: number;
  contracts: number;
  labourMinutes: number;
}

const keyOf = (groupBy: CostGrouping, x: { month?: string; period?: string; serviceId: string | null; costCentre: string | null }) =>
  groupBy === 'service' ? x.serviceId : groupBy === 'costCentre' ? x.costCentre : (x.month ?? x.period ?? null);

/**
 * Rows per key and currency: actual costs by kind against the budgets of the key's months. By
 * service a budget counts for its service, by cost centre for its cost centre; by month every
 * budget of the month counts once. Sorted by key (unattributed last), then currency.
 */
export function costRows(items: CostItem[], budgets: Budget[], groupBy: CostGrouping, months: string[], services: ReadonlyMap<string, ServiceInfo>): CostRowFigures[] {
  interface Acc { key: string | null; currency: string; budget: number | null; labour: number; depreciation: number; contracts: number; minutes: number }
  const rows = new Map<string, Acc>();
  const acc = (key: string | null, currency: string): Acc => {
    const k = JSON.stringify([key, currency]);
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { key, currency, budget: null, labour: 0, depreciation: 0, contracts: 0, minutes: 0 }));
    return r;
  };
  for (const it of items) {
    const r = acc(keyOf(groupBy, it), it.currency);
    r[it.kind] += it.amount;
    r.minutes += it.minutes;
  }
  const inMonths = new Set(months);
  for (const b of budgets) {
    if (!inMonths.has(b.period)) continue;
    const key = keyOf(groupBy, b);
    if (key === null) continue; // a cost-centre budget says nothing about services, and the other way round
    const r = acc(key, b.currency);
    r.budget = (r.budget ?? 0) + b.amount;
  }
  return [...rows.values()]
    .sort((a, b) => (a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1) || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0))
    .map((r) => {
      const actual = roundCents(r.labour + r.depreciation + r.contracts);
      const budget = r.budget === null ? null : roundCents(r.budget);
      return {
        key: r.key,
        label: groupBy === 'service' && r.key !== null ? (services.get(r.key)?.label ?? null) : null,
        currency: r.currency,
        budget,
        actual,
        variance: budget === null ? null : roundCents(budget - actual),
        labour: roundCents(r.labour),
        depreciation: roundCents(r.depreciation),
        contracts: roundCents(r.contracts),
        labourMinutes: Math.round(r.minutes),
      };
    });
}

/**
 * The month close's webhook events: one `budget.exceeded` per row whose actual cost is above its
 * budget (same key and currency), with the row's figures.
 */
export function budgetOverruns(report: { groupBy: CostGrouping; from: string; to: string; rows: CostRowFigures[] }): { type: 'budget.exceeded'; data: Record<string, unknown> }[] {
  return report.rows
    .filter((r) => r.budget !== null && r.actual > r.budget)
    .map((r) => ({ type: 'budget.exceeded' as const, data: { groupBy: report.groupBy, from: report.from, to: report.to, key: r.key, label: r.label, currency: r.currency, budget: r.budget, actual: r.actual, variance: r.variance } }));
}
