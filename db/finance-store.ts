/**
 * Financial management's reads and writes: budgets, labour rates, and what the cost accounting
 * (domain/finance/costs.ts) is computed from — minutes logged on audit entries, assets, supplier
 * contracts and services — each cost's services found through the records and the CMDB.
 */
import type { Db } from './client';
import type { Budget as BudgetRow, LabourRate } from '../generated/prisma-sqlite/client';
import { impactOf } from './impact';
import type { Asset, Budget, ContractCost, CostInputs, LabourEntry, Rate, ServiceInfo } from '../domain/finance/costs';
import { monthBounds } from '../domain/finance/months';
import type { BudgetRecord } from '../domain/schemas/finance';

/** How far the CMDB is followed from a CI to the services that depend on it (as incident intake does). */
const SERVICE_DEPTH = 6;
/** Contracts that commit no money (the supplier slice's states; anything else is costed). */
const UNCOSTED_CONTRACT_STATES = ['draft', 'cancelled'];

export const budgetView = (b: BudgetRow): BudgetRecord => ({
  id: b.id,
  serviceId: b.serviceId,
  costCentre: b.costCentre,
  period: b.period,
  amount: b.amount,
  currency: b.currency,
  createdBy: b.createdBy,
  createdAt: b.createdAt.toISOString(),
  updatedAt: b.updatedAt.toISOString(),
});

export const labourRateView = (r: LabourRate) => ({ role: r.role, hourlyRate: r.hourlyRate, currency: r.currency, updatedAt: r.updatedAt.toISOString() });

/** The budget for the same service, cost centre and month, if one exists (one each). */
export const sameBudget = (db: Db, b: { serviceId: string | null; costCentre: string | null; period: string }, exceptId?: string) =>
  db.budget.findFirst({ where: { serviceId: b.serviceId, costCentre: b.costCentre, period: b.period, ...(exceptId ? { id: { not: exceptId } } : {}) } });

/** Every service CI, keyed by id: its cost centre and how a report names it. */
export async function serviceInfo(db: Db): Promise<Map<string, ServiceInfo>> {
  const rows = await db.configurationItem.findMany({ where: { class: 'service' }, select: { id: true, number: true, name: true, costCentre: true } });
  return new Map(rows.map((r) => [r.id, { costCentre: r.costCentre, label: `${r.number} ${r.name}` }]));
}

/**
 * The services any CI serves: a service itself, else the services that depend on it in the CMDB
 * (up to SERVICE_DEPTH hops). One walk per service, upstream, rather than one per CI asked about:
 * there are far fewer services than assets.
 */
export async function serviceReach(db: Db, services: ReadonlyMap<string, ServiceInfo>): Promise<(ciIds: string[]) => string[]> {
  const reach = new Map<string, Set<string>>();
  for (const serviceId of services.keys()) {
    for (const r of await impactOf(db, serviceId, { depth: SERVICE_DEPTH, direction: 'upstream' })) {
      if (!services.has(r.id)) reach.set(r.id, (reach.get(r.id) ?? new Set()).add(serviceId));
    }
  }
  return (ciIds) => [...new Set(ciIds.flatMap((id) => (services.has(id) ? [id] : [...(reach.get(id) ?? [])])))].sort();
}

/**
 * The services each record with logged minutes belongs to: an incident's or problem's service,
 * the services a change's CIs serve, a release unit's services. Another record type's minutes
 * are costed, attributed to no service.
 */
async function recordServices(db: Db, byType: Map<string, Set<string>>, servicesOf: (ciIds: string[]) => string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const ids = (t: string) => [...(byType.get(t) ?? [])];
  for (const r of await db.incident.findMany({ where: { id: { in: ids('incident') } }, select: { id: true, serviceId: true } })) out.set(r.id, r.serviceId ? [r.serviceId] : []);
  for (const r of await db.problem.findMany({ where: { id: { in: ids('problem') } }, select: { id: true, serviceId: true } })) out.set(r.id, r.serviceId ? [r.serviceId] : []);
  const cis = new Map<string, string[]>();
  for (const l of await db.changeCi.findMany({ where: { changeId: { in: ids('change') } }, select: { changeId: true, ciId: true } })) cis.set(l.changeId, [...(cis.get(l.changeId) ?? []), l.ciId]);
  for (const r of await db.release.findMany({ where: { id: { in: ids('release') } }, select: { id: true, unitId: true } })) cis.set(r.id, r.unitId ? [r.unitId] : []);
  for (const [id, ciIds] of cis) out.set(id, servicesOf(ciIds));
  return out;
}

/** Everything the cost of these months is computed from. */
export async function costInputs(db: Db, months: string[]): Promise<CostInputs> {
  const from = new Date(monthBounds(months[0]).start);
  const to = new Date(monthBounds(months[months.length - 1]).end);
  const services = await serviceInfo(db);

  const logged = await db.auditEvent.findMany({ where: { timeSpent: { not: null }, at: { gte: from, lt: to } }, select: { recordType: true, recordId: true, actor: true, at: true, timeSpent: true }, orderBy: { id: 'asc' } });
  const byType = new Map<string, Set<string>>();
  for (const e of logged) byType.set(e.recordType, (byType.get(e.recordType) ?? new Set()).add(e.recordId));
  const servicesOf = await serviceReach(db, services);
  const served = await recordServices(db, byType, servicesOf);
  const users = await db.user.findMany({ where: { id: { in: [...new Set(logged.map((e) => e.actor))] } }, select: { id: true, role: true } });
  const roleOf = new Map(users.map((u) => [u.id, u.role]));
  const labour: LabourEntry[] = logged.map((e) => ({ at: e.at.getTime(), minutes: e.timeSpent!, role: roleOf.get(e.actor) ?? null, serviceIds: served.get(e.recordId) ?? [] }));
  const rates = new Map<string, Rate>((await db.labourRate.findMany()).map((r) => [r.role, { hourlyRate: r.hourlyRate, currency: r.currency }]));

  const assetRows = await db.configurationItem.findMany({
    where: { cost: { not: null }, purchaseDate: { not: null, lt: to }, OR: [{ retiredAt: null }, { retiredAt: { gt: from } }] },
    select: { id: true, purchaseDate: true, cost: true, currency: true, depreciationMethod: true, depreciationYears: true, salvageValue: true, costCentre: true, retiredAt: true },
    orderBy: { id: 'asc' },
  });
  const assets: Asset[] = [];
  for (const a of assetRows) assets.push({ ...a, retiredAt: a.retiredAt?.getTime() ?? null, serviceIds: servicesOf([a.id]) });

  const contractRows = await db.contract.findMany({
    where: { state: { notIn: UNCOSTED_CONTRACT_STATES }, startDate: { lt: to }, endDate: { gt: from } },
    select: { value: true, currency: true, startDate: true, endDate: true, serviceId: true },
    orderBy: { id: 'asc' },
  });
  const contracts: ContractCost[] = contractRows.map((c) => ({ value: c.value, currency: c.currency, start: c.startDate.getTime(), end: c.endDate.getTime(), serviceId: c.serviceId }));
  return { months, services, labour, rates, assets, contracts };
}

export async function budgetsOf(db: Db, months: string[]): Promise<Budget[]> {
  return db.budget.findMany({ where: { period: { in: months } }, select: { serviceId: true, costCentre: true, period: true, amount: true, currency: true }, orderBy: { id: 'asc' } });
}
