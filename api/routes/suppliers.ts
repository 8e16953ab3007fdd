import { incidentScope, type Role } from '../../domain/access';
import { listOf } from '../../domain/schemas/common';
import { ImpactQuery, ImpactResult } from '../../domain/schemas/ci';
import { CreateSupplierBody, SupplierQuery, SupplierRecord, SupplierReport, SupplierReportQuery, UpdateSupplierBody } from '../../domain/schemas/supplier';
import { supplierReport, type SupplierReportRow } from '../../domain/supplier/report';
import { createSupplierTx, findSupplier, liveContracts, supplierReportInputs, suppliersView } from '../../db/supplier-store';
import { findGroup, isUniqueViolation } from '../../db/people-store';
import { retireCiTx, updateCiTx } from '../../db/ci-store';
import type { Db } from '../../db/client';
import { ValidationFailed } from '../../services/errors';
import { conflict, notFound } from '../errors';
import { listPage } from '../pagination';
import { requireCi } from '../refs';
import { route, type RouteDef } from '../route';
import { ciImpact } from './ci-relationships';
import { sendCsv, wantsCsv } from './reports';
import { ciStoreError } from './cis';

/** Suppliers and their contracts are read by the desk and its managers (a supplier hold names one), and kept by the managers and admins. */
export const SUPPLIER_READERS: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'release_manager', 'admin'];
export const SUPPLIER_WRITERS: readonly Role[] = ['problem_manager', 'change_manager', 'release_manager', 'admin'];
const CSV_COLUMNS = ['supplier', 'supplierNumber', 'clocks', 'breaches', 'breachRate', 'mttrMs', 'activeContracts'] as const satisfies readonly (keyof SupplierReportRow)[];

async function supplierOr404(db: Db, ref: string) {
  const s = await findSupplier(db, ref);
  if (!s) throw notFound(`supplier ${ref}`);
  return s;
}

async function ownerGroupOr400(db: Db, ref: string | null | undefined): Promise<string | null | undefined> {
  if (!ref) return ref;
  const group = await findGroup(db, ref);
  if (!group) throw new ValidationFailed('ownerGroup does not exist', [{ path: 'ownerGroup', message: `no group ${ref}` }]);
  return group.name;
}

/** The name is the supplier's identity for UC agreements and its CI: a second one is the caller's conflict. */
async function orNameConflict<T>(write: Promise<T>, name: string | undefined): Promise<T> {
  try {
    return await write;
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(`a supplier named ${name} already exists`);
    throw ciStoreError(e);
  }
}

/** Supplier management: suppliers, each with its CI so the CMDB can say what it supplies, and what breaks if it fails. */
export function supplierRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/suppliers',
      summary: 'Create a supplier, with its CI (class supplier) in the same transaction',
      tag: 'Suppliers',
      roles: SUPPLIER_WRITERS,
      body: CreateSupplierBody,
      response: SupplierRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const ownerGroup = (await ownerGroupOr400(deps.db, body.ownerGroup)) ?? null;
        const fields = { name: body.name, contact: body.contact ?? null, email: body.email ?? null, ownerGroup };
        const row = await orNameConflict(deps.db.$transaction((tx) => createSupplierTx(tx, fields, user.id)), body.name);
        return (await suppliersView(deps.db, [row]))[0];
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/suppliers',
      summary: 'Suppliers (newest first), retired ones left out',
      tag: 'Suppliers',
      roles: SUPPLIER_READERS,
      query: SupplierQuery,
      response: listOf(SupplierRecord),
      async handler({ query, deps }) {
        const page = await listPage(query, { retiredAt: null, ...(query.name ? { name: { contains: query.name } } : {}) }, (args) => deps.db.supplier.findMany(args), (r) => r);
        return { items: await suppliersView(deps.db, page.items), nextCursor: page.nextCursor };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/suppliers/:id',
      summary: 'A supplier, by id or number, with the UC agreements naming it',
      tag: 'Suppliers',
      roles: SUPPLIER_READERS,
      response: SupplierRecord,
      async handler({ params, deps }) {
        return (await suppliersView(deps.db, [await supplierOr404(deps.db, params.id)]))[0];
      },
    }),
    route({
      method: 'patch',
      path: '/api/v1/suppliers/:id',
      summary: 'Change a supplier (a new name renames its CI too)',
      tag: 'Suppliers',
      roles: SUPPLIER_WRITERS,
      body: UpdateSupplierBody,
      response: SupplierRecord,
      async handler({ params, body, user, deps }) {
        const s = await supplierOr404(deps.db, params.id);
        if (s.retiredAt) throw conflict(`supplier ${s.number} is retired`);
        const ownerGroup = await ownerGroupOr400(deps.db, body.ownerGroup);
        const data = {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.contact !== undefined ? { contact: body.contact } : {}),
          ...(body.email !== undefined ? { email: body.email } : {}),
          ...(ownerGroup !== undefined ? { ownerGroup } : {}),
        };
        const row = await orNameConflict(
          deps.db.$transaction(async (tx) => {
            const ci = s.ciId ? await tx.configurationItem.findUnique({ where: { id: s.ciId } }) : null;
            if (ci && body.name !== undefined && body.name !== ci.name) await updateCiTx(tx, ci, { name: body.name }, { actor: user.id });
            return tx.supplier.update({ where: { id: s.id }, data });
          }),
          body.name,
        );
        return (await suppliersView(deps.db, [row]))[0];
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/suppliers/:id',
      summary: 'Retire a supplier and its CI (409 while it has live contracts or its CI is on open records); kept for the records that name it',
      tag: 'Suppliers',
      roles: SUPPLIER_WRITERS,
      status: 204,
      errors: [409],
      async handler({ params, user, deps }) {
        const s = await supplierOr404(deps.db, params.id);
        if (s.retiredAt) return undefined;
        try {
          await deps.db.$transaction(async (tx) => {
            const live = await liveContracts(tx, s.id);
            if (live.length) throw conflict(`supplier ${s.number} has live contracts: ${live.map((c) => c.number).join(', ')}`);
            if (s.ciId) await retireCiTx(tx, s.ciId, { actor: user.id });
            await tx.supplier.update({ where: { id: s.id }, data: { retiredAt: new Date() } });
          });
        } catch (e) {
          throw ciStoreError(e);
        }
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/suppliers/:id/impact',
      summary: "What breaks if this supplier fails: the CMDB's impact analysis of its CI (what is `supplied_by` it, transitively), as GET /api/v1/cis/:id/impact",
      tag: 'Suppliers',
      roles: SUPPLIER_READERS,
      query: ImpactQuery,
      response: ImpactResult,
      async handler({ params, query, deps }) {
        const s = await supplierOr404(deps.db, params.id);
        if (!s.ciId) throw notFound(`a CI for supplier ${s.number}`);
        return ciImpact(deps.db, await requireCi(deps.db, s.ciId), query);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/suppliers',
      summary: 'Per supplier: UC clocks started in [from, to), breaches, breach rate, MTTR on supplier holds (mean business time of stopped clocks), and its live contracts with their value',
      tag: 'Reports',
      roles: SUPPLIER_WRITERS,
      query: SupplierReportQuery,
      response: SupplierReport,
      alsoProduces: ['text/csv'],
      async handler({ req, query, deps, user }) {
        const { suppliers, clocks, contracts } = await supplierReportInputs(deps.db, incidentScope(user), new Date(query.from), new Date(query.to));
        const rows = supplierReport(suppliers, clocks, contracts);
        if (wantsCsv(req, query.format)) {
          const header = [...CSV_COLUMNS.map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)), 'contract_value'];
          sendCsv(req, `suppliers-${query.from}-${query.to}`, [header, ...rows.map((r) => [...CSV_COLUMNS.map((k) => r[k]), r.contractValue.map((v) => `${v.currency} ${v.value}`).join('; ')])]);
          return undefined;
        }
        return { from: new Date(query.from).toISOString(), to: new Date(query.to).toISOString(), rows };
      },
    }),
  ];
}
