/** Suppliers as the API shows them, and their CI written with them. */
import type { Sla, Supplier } from '../generated/prisma-sqlite/client';
import { ENDED_CONTRACT_STATES } from '../domain/supplier/contract-state';
import type { incidentScope } from '../domain/access';
import type { SupplierRecord } from '../domain/schemas/supplier';
import type { Db, Tx } from './client';
import { createCiTx } from './ci-store';
import { nextNumber } from './numbers';
import { newId } from '../infra/ids';

export const findSupplier = (db: Db | Tx, ref: string) => db.supplier.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });

export const supplierView = (s: Supplier, ucs: Sla[]): SupplierRecord => ({
  id: s.id,
  number: s.number,
  name: s.name,
  ciId: s.ciId,
  contact: s.contact,
  email: s.email,
  ownerGroup: s.ownerGroup,
  retiredAt: s.retiredAt?.toISOString() ?? null,
  createdBy: s.createdBy,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
  ucs: ucs.map((u) => ({ id: u.id, number: u.number, name: u.name, serviceId: u.serviceId, retired: u.retiredAt !== null })),
});

/** UC agreements name their supplier by name (Sla.supplier), so the link is the name, whenever the agreement was made. */
export const ucsOf = (db: Db | Tx, names: string[]) =>
  db.sla.findMany({ where: { kind: 'UC', supplier: { in: names } }, orderBy: { number: 'asc' } });

export async function suppliersView(db: Db | Tx, rows: Supplier[]): Promise<SupplierRecord[]> {
  const ucs = rows.length ? await ucsOf(db, rows.map((r) => r.name)) : [];
  return rows.map((r) => supplierView(r, ucs.filter((u) => u.supplier === r.name)));
}

/** The supplier and its CI (class supplier) in one transaction: neither exists without the other. */
export async function createSupplierTx(tx: Tx, fields: { name: string; contact: string | null; email: string | null; ownerGroup: string | null }, actor: string): Promise<Supplier> {
  const ci = await createCiTx(tx, { name: fields.name, class: 'supplier', ...(fields.ownerGroup ? { ownerGroup: fields.ownerGroup } : {}) }, { actor });
  const number = await nextNumber(tx, 'supplier');
  return tx.supplier.create({ data: { id: newId('sup'), number, ciId: ci.id, createdBy: actor, ...fields } });
}

export const liveContracts = (db: Db | Tx, supplierId: string) =>
  db.contract.findMany({ where: { supplierId, state: { notIn: [...ENDED_CONTRACT_STATES] } }, select: { number: true }, orderBy: { number: 'asc' } });

/**
 * The supplier report's inputs: UC clocks started in [from, to) on incidents the caller may see
 * (`scope`, domain/access.ts: a restricted incident counts only for its groups and admins, as in
 * the SLA report), suppliers with a record, and the live contracts now.
 */
export async function supplierReportInputs(db: Db, scope: ReturnType<typeof incidentScope>, from: Date, to: Date) {
  const clocks = await db.incidentClock.findMany({ where: { kind: 'UC', startedAt: { gte: from, lt: to } }, select: { incidentId: true, supplier: true, breached: true, stoppedAt: true, businessMs: true } });
  const ids = [...new Set(clocks.map((c) => c.incidentId))];
  const visible = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const r of await db.incident.findMany({ where: { AND: [{ id: { in: ids.slice(i, i + 500) } }, scope] }, select: { id: true } })) visible.add(r.id);
  }
  const suppliers = await db.supplier.findMany({ where: { retiredAt: null }, select: { id: true, number: true, name: true } });
  const contracts = await db.contract.findMany({ where: { state: { notIn: [...ENDED_CONTRACT_STATES] } }, select: { supplierId: true, value: true, currency: true } });
  return { suppliers, clocks: clocks.filter((c) => visible.has(c.incidentId)), contracts };
}
