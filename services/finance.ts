/**
 * Financial management's use cases: the cost report (budget versus actual, by service, cost
 * centre or month) that the route and the month-close schedule both compute, a customer's
 * chargeback statement, and the checks a budget's references need.
 */
import type { Db } from '../db/client';
import { findCi } from '../db/ci-store';
import { budgetsOf, costInputs } from '../db/finance-store';
import { costItems, costRows, type CostItem } from '../domain/finance/costs';
import { chargebackLines, totals } from '../domain/finance/chargeback';
import { monthBounds, monthList } from '../domain/finance/months';
import type { ChargebackStatement, CostGrouping, CostReport } from '../domain/schemas/finance';
import { ValidationFailed } from './errors';

/** The costs of [from, to] (months, inclusive) grouped, against the budgets; as of `now` (its stamp only: the figures depend on the months alone). */
export async function costReport(db: Db, q: { groupBy: CostGrouping; from: string; to: string }, now: number): Promise<CostReport> {
  const months = monthList(q.from, q.to);
  const inputs = await costInputs(db, months);
  const { items, unpricedMinutes } = costItems(inputs);
  const rows = costRows(items, await budgetsOf(db, months), q.groupBy, months, inputs.services);
  return { groupBy: q.groupBy, from: q.from, to: q.to, generatedAt: new Date(now).toISOString(), rows, unpricedMinutes };
}

/** The service a budget (or a report filter) names, by id or number: it must be a service CI. */
export async function resolveService(db: Db, ref: string, path: string): Promise<string> {
  const ci = await findCi(db, ref);
  if (!ci) throw new ValidationFailed(`${path} does not exist`, [{ path, message: `no configuration item ${ref}` }]);
  if (ci.class !== 'service') throw new ValidationFailed(`${path} must be a service`, [{ path, message: `${ref} is a ${ci.class}, not a service` }]);
  return ci.id;
}

/** The customer by id or number; null when there is none. */
export const findCustomer = (db: Db, ref: string) => db.customer.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });

/**
 * A customer's statement for a month: each subscribed service charged by its subscription, or by
 * usage (domain/finance/chargeback.ts). Usage counts incidents opened that month on the service
 * whose customer is this one or whose caller is one of its contacts.
 */
export async function chargebackStatement(db: Db, customer: { id: string; number: string; name: string }, period: string): Promise<ChargebackStatement> {
  const { start, end } = monthBounds(period);
  const subs = await db.subscription.findMany({ where: { customerId: customer.id }, orderBy: { serviceId: 'asc' } });
  const byUsage = subs.filter((s) => s.monthlyCharge === null).map((s) => s.serviceId);
  let serviceCosts: CostItem[] = [];
  const usage = new Map<string, { customer: number; all: number }>();
  if (byUsage.length) {
    serviceCosts = costItems(await costInputs(db, [period])).items.filter((i) => i.serviceId !== null && byUsage.includes(i.serviceId));
    const contacts = (await db.customerContact.findMany({ where: { customerId: customer.id, userId: { not: null } }, select: { userId: true } })).map((c) => c.userId!);
    const opened = { gte: new Date(start), lt: new Date(end) };
    for (const serviceId of byUsage) {
      const all = await db.incident.count({ where: { serviceId, openedAt: opened } });
      const mine = await db.incident.count({ where: { serviceId, openedAt: opened, OR: [{ customerId: customer.id }, ...(contacts.length ? [{ callerId: { in: contacts } }] : [])] } });
      usage.set(serviceId, { customer: mine, all });
    }
  }
  const lines = chargebackLines(
    subs.map((s) => ({ serviceId: s.serviceId, monthlyCharge: s.monthlyCharge, since: s.since.getTime(), until: s.until?.getTime() ?? null })),
    period,
    (serviceId) => {
      const cost = new Map<string, number>();
      for (const i of serviceCosts) if (i.serviceId === serviceId) cost.set(i.currency, (cost.get(i.currency) ?? 0) + i.amount);
      return { ...usage.get(serviceId)!, cost: [...cost.entries()].sort().map(([currency, amount]) => ({ currency, amount })) };
    },
  );
  const names = new Map((await db.configurationItem.findMany({ where: { id: { in: subs.map((s) => s.serviceId) } }, select: { id: true, number: true, name: true } })).map((c) => [c.id, `${c.number} ${c.name}`]));
  return {
    customerId: customer.id,
    customerNumber: customer.number,
    customerName: customer.name,
    period,
    lines: lines.map((l) => ({ ...l, service: names.get(l.serviceId) ?? l.serviceId })),
    totals: totals(lines),
  };
}
