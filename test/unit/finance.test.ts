import { budgetOverruns, costItems, costRows, labourCost, monthlyContractCost, monthlyDepreciation, type CostInputs, type ServiceInfo } from '../../domain/finance/costs';
import { chargebackLines, inForce, totals } from '../../domain/finance/chargeback';
import { monthBounds, monthList, monthsBetween, monthsOfPeriod } from '../../domain/finance/months';
import { bookValue } from '../../domain/cmdb/depreciation';
import { CostReportQuery, CreateBudgetBody, TimeSpent } from '../../domain/schemas/finance';
import { periodOf } from '../../domain/reports/period';

const t = (iso: string) => Date.parse(iso);
const services: ReadonlyMap<string, ServiceInfo> = new Map([
  ['svc-mail', { costCentre: 'CC-100', label: 'CI0000001 Mail' }],
  ['svc-web', { costCentre: 'CC-200', label: 'CI0000002 Web' }],
]);

describe('months', () => {
  test('lists, counts and bounds UTC months across a year end', () => {
    expect(monthList('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('2025-11', '2026-02')).toBe(4);
    expect(monthsBetween('2026-02', '2025-11')).toBeLessThan(1);
    expect(monthBounds('2024-12')).toEqual({ start: t('2024-12-01T00:00:00Z'), end: t('2025-01-01T00:00:00Z') });
  });

  test("a scheduled run's period names its month in any timezone; a week across two months names both", () => {
    for (const tz of ['UTC', 'Europe/Berlin', 'Pacific/Kiritimati', 'Etc/GMT+12', 'America/Los_Angeles']) {
      const p = periodOf(t('2025-04-01T12:00:00Z'), 'previous_month', tz);
      expect([tz, monthsOfPeriod(p.from, p.to)]).toEqual([tz, { from: '2025-03', to: '2025-03' }]);
    }
    expect(monthsOfPeriod(t('2025-03-30T00:00:00Z'), t('2025-04-06T00:00:00Z'))).toEqual({ from: '2025-03', to: '2025-04' });
    expect(monthsOfPeriod(t('2025-03-30T00:00:00Z'), t('2025-03-31T00:00:00Z'))).toEqual({ from: '2025-03', to: '2025-03' });
  });
});

describe('schemas', () => {
  test('timeSpent is whole minutes from 1 to 1440', () => {
    expect([0, 1, 1440, 1441, 1.5, -3].map((v) => TimeSpent.safeParse(v).success)).toEqual([false, true, true, false, false, false]);
  });
  test('a budget names a service or a cost centre; a report runs forward over at most 36 months', () => {
    expect(CreateBudgetBody.safeParse({ period: '2025-03', amount: 10 }).error?.issues.map((i) => i.path)).toEqual([['serviceId']]);
    expect(CreateBudgetBody.safeParse({ costCentre: 'CC-1', period: '2025-13', amount: 10 }).error?.issues.map((i) => i.path)).toEqual([['period']]);
    expect(CreateBudgetBody.parse({ costCentre: 'CC-1', period: '2025-03', amount: 10 }).currency).toBe('EUR');
    expect(CostReportQuery.safeParse({ from: '2025-03', to: '2025-02' }).error?.issues.map((i) => i.path)).toEqual([['to']]);
    expect(CostReportQuery.safeParse({ from: '2023-01', to: '2025-12' }).success).toBe(true);
    expect(CostReportQuery.safeParse({ from: '2023-01', to: '2026-01' }).error?.issues.map((i) => i.path)).toEqual([['to']]);
  });
});

describe('cost accounting', () => {
  const laptop = { purchaseDate: '2025-01-15', cost: 1_200, depreciationMethod: 'straight_line', depreciationYears: 1, salvageValue: 0, retiredAt: null };

  test("an asset's monthly charges are the falls of its book value, and add up to cost less book value", () => {
    expect(monthlyDepreciation(laptop, '2024-12')).toBe(0);
    // Bought 15 Jan: the first month completes on 15 Feb, so the charge falls in March's start value.
    expect(monthlyDepreciation(laptop, '2025-01')).toBe(0);
    expect(monthlyDepreciation(laptop, '2025-02')).toBe(100);
    const months = monthList('2025-01', '2026-06');
    const sum = months.reduce((s, m) => s + monthlyDepreciation(laptop, m), 0);
    expect(sum).toBeCloseTo(1_200 - bookValue(laptop, new Date('2026-07-01T00:00:00Z'))!, 9);
    expect(monthlyDepreciation(laptop, '2026-03')).toBe(0); // fully depreciated
    expect(monthlyDepreciation({ ...laptop, retiredAt: t('2025-05-01T00:00:00Z') }, '2025-05')).toBe(0);
    expect(monthlyDepreciation({ ...laptop, cost: null }, '2025-05')).toBe(0);
  });

  test("a contract's value is spread over its term by time", () => {
    const c = { value: 365, start: t('2025-01-01T00:00:00Z'), end: t('2026-01-01T00:00:00Z') };
    expect(monthlyContractCost(c, '2025-01')).toBeCloseTo(31, 9);
    expect(monthlyContractCost(c, '2025-02')).toBeCloseTo(28, 9);
    expect(monthlyContractCost(c, '2026-01')).toBe(0);
    const mid = { value: 1_000, start: t('2025-01-16T00:00:00Z'), end: t('2025-02-16T00:00:00Z') };
    expect(monthlyContractCost(mid, '2025-01') + monthlyContractCost(mid, '2025-02')).toBeCloseTo(1_000, 9);
    expect(monthlyContractCost(mid, '2025-01')).toBeCloseTo((1_000 * 16) / 31, 9);
    expect(monthlyContractCost({ ...mid, end: mid.start }, '2025-01')).toBe(0);
  });

  test('labour is minutes times the hourly rate', () => {
    expect(labourCost(90, { hourlyRate: 60, currency: 'EUR' })).toBe(90);
  });

  const inputs = (over: Partial<CostInputs> = {}): CostInputs => ({
    months: ['2025-03', '2025-04'],
    services,
    rates: new Map([['agent', { hourlyRate: 60, currency: 'EUR' }], ['change_manager', { hourlyRate: 120, currency: 'USD' }]]),
    labour: [
      { at: t('2025-03-03T10:00:00Z'), minutes: 30, role: 'agent', serviceIds: ['svc-mail'] },
      { at: t('2025-04-03T10:00:00Z'), minutes: 60, role: 'change_manager', serviceIds: ['svc-mail', 'svc-web'] },
      { at: t('2025-04-04T10:00:00Z'), minutes: 15, role: 'requester', serviceIds: ['svc-web'] },
      { at: t('2025-05-01T00:00:00Z'), minutes: 999, role: 'agent', serviceIds: ['svc-web'] },
      { at: t('2025-03-05T10:00:00Z'), minutes: 60, role: 'agent', serviceIds: [] },
    ],
    assets: [{ ...laptop, purchaseDate: '2025-01-01', currency: 'EUR', costCentre: null, serviceIds: ['svc-mail', 'svc-web'] }, { ...laptop, purchaseDate: '2025-01-01', currency: null, costCentre: 'CC-900', serviceIds: ['svc-web'] }],
    contracts: [{ value: 310, currency: 'EUR', start: t('2025-03-01T00:00:00Z'), end: t('2025-04-01T00:00:00Z'), serviceId: 'svc-web' }],
    ...over,
  });

  test('costs are attributed to services (split evenly) and cost centres (the asset\'s own, else the service\'s); unpriced minutes counted apart', () => {
    const { items, unpricedMinutes } = costItems(inputs());
    expect(unpricedMinutes).toBe(15);
    const march = costRows(items, [], 'service', ['2025-03', '2025-04'], services);
    expect(march).toEqual([
      { key: 'svc-mail', label: 'CI0000001 Mail', currency: 'EUR', budget: null, actual: 130, variance: null, labour: 30, depreciation: 100, contracts: 0, labourMinutes: 30 },
      { key: 'svc-mail', label: 'CI0000001 Mail', currency: 'USD', budget: null, actual: 60, variance: null, labour: 60, depreciation: 0, contracts: 0, labourMinutes: 30 },
      { key: 'svc-web', label: 'CI0000002 Web', currency: 'EUR', budget: null, actual: 610, variance: null, labour: 0, depreciation: 300, contracts: 310, labourMinutes: 0 },
      { key: 'svc-web', label: 'CI0000002 Web', currency: 'USD', budget: null, actual: 60, variance: null, labour: 60, depreciation: 0, contracts: 0, labourMinutes: 30 },
      { key: null, label: null, currency: 'EUR', budget: null, actual: 60, variance: null, labour: 60, depreciation: 0, contracts: 0, labourMinutes: 60 },
    ]);
    const byCentre = costRows(items, [], 'costCentre', ['2025-03', '2025-04'], services);
    expect(byCentre.map((r) => [r.key, r.currency, r.actual])).toEqual([
      ['CC-100', 'EUR', 130],
      ['CC-100', 'USD', 60],
      ['CC-200', 'EUR', 410],
      ['CC-200', 'USD', 60],
      ['CC-900', 'EUR', 200],
      [null, 'EUR', 60],
    ]);
  });

  test('budgets: by service for their service, by cost centre for theirs, by month every one once; only the months reported', () => {
    const { items } = costItems(inputs());
    const budgets = [
      { serviceId: 'svc-mail', costCentre: null, period: '2025-03', amount: 200, currency: 'EUR' },
      { serviceId: 'svc-mail', costCentre: 'CC-100', period: '2025-04', amount: 100, currency: 'EUR' },
      { serviceId: null, costCentre: 'CC-300', period: '2025-04', amount: 50, currency: 'EUR' },
      { serviceId: 'svc-mail', costCentre: null, period: '2025-06', amount: 1_000, currency: 'EUR' },
    ];
    const bySvc = costRows(items, budgets, 'service', ['2025-03', '2025-04'], services);
    expect(bySvc.find((r) => r.key === 'svc-mail' && r.currency === 'EUR')).toMatchObject({ budget: 300, actual: 130, variance: 170 });
    expect(bySvc.find((r) => r.key === 'svc-web' && r.currency === 'EUR')).toMatchObject({ budget: null, variance: null });
    const byCc = costRows(items, budgets, 'costCentre', ['2025-03', '2025-04'], services);
    expect(byCc.find((r) => r.key === 'CC-100' && r.currency === 'EUR')).toMatchObject({ budget: 100, actual: 130, variance: -30 });
    expect(byCc.find((r) => r.key === 'CC-300')).toMatchObject({ budget: 50, actual: 0, labour: 0 });
    // Over budget: a budget.exceeded event per row (CC-100 spent 130 of 100); under or without a budget, none.
    expect(budgetOverruns({ groupBy: 'costCentre', from: '2025-03', to: '2025-04', rows: byCc })).toEqual([
      { type: 'budget.exceeded', data: { groupBy: 'costCentre', from: '2025-03', to: '2025-04', key: 'CC-100', label: null, currency: 'EUR', budget: 100, actual: 130, variance: -30 } },
    ]);
    expect(budgetOverruns({ groupBy: 'service', from: '2025-03', to: '2025-04', rows: bySvc })).toEqual([]);
    const byMonth = costRows(items, budgets, 'month', ['2025-03', '2025-04'], services);
    expect(byMonth.map((r) => [r.key, r.currency, r.budget, r.actual])).toEqual([
      ['2025-03', 'EUR', 200, 90 + 200 + 310],
      ['2025-04', 'EUR', 150, 200],
      ['2025-04', 'USD', null, 120],
    ]);
  });
});

describe('chargeback', () => {
  const sub = (serviceId: string, monthlyCharge: number | null, since = '2025-01-01T00:00:00Z', until: string | null = null) => ({ serviceId, monthlyCharge, since: t(since), until: until ? t(until) : null });

  test('a subscription in force for any part of the month', () => {
    expect(inForce(sub('s', 1, '2025-03-31T23:00:00Z'), '2025-03')).toBe(true);
    expect(inForce(sub('s', 1, '2025-04-01T00:00:00Z'), '2025-03')).toBe(false);
    expect(inForce(sub('s', 1, '2025-01-01T00:00:00Z', '2025-03-01T00:00:00Z'), '2025-03')).toBe(false);
  });

  test('a monthly charge as agreed; else the service\'s cost shared by incidents, per currency; no incidents on it: nothing', () => {
    const usage = (id: string) =>
      id === 'svc-web'
        ? { customer: 1, all: 3, cost: [{ currency: 'EUR', amount: 100 }, { currency: 'USD', amount: 30 }] }
        : { customer: 0, all: 0, cost: [{ currency: 'EUR', amount: 50 }] };
    const lines = chargebackLines([sub('svc-mail', 250), sub('svc-web', null), sub('svc-idle', null), sub('svc-old', 99, '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z')], '2025-03', usage);
    expect(lines).toEqual([
      { serviceId: 'svc-mail', basis: 'subscription', customerIncidents: null, serviceIncidents: null, serviceCost: null, amount: 250, currency: 'EUR' },
      { serviceId: 'svc-web', basis: 'usage', customerIncidents: 1, serviceIncidents: 3, serviceCost: 100, amount: 33.33, currency: 'EUR' },
      { serviceId: 'svc-web', basis: 'usage', customerIncidents: 1, serviceIncidents: 3, serviceCost: 30, amount: 10, currency: 'USD' },
      { serviceId: 'svc-idle', basis: 'usage', customerIncidents: 0, serviceIncidents: 0, serviceCost: 50, amount: 0, currency: 'EUR' },
    ]);
    expect(totals(lines)).toEqual([{ currency: 'EUR', amount: 283.33 }, { currency: 'USD', amount: 10 }]);
  });
});
