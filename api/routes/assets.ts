import { Prisma, type ConfigurationItem } from '../../generated/prisma-sqlite/client';
import { CiConflictError, updateCiTx, type CiFields } from '../../db/ci-store';
import type { Db, Tx } from '../../db/client';
import { bookValue, roundCents } from '../../domain/cmdb/depreciation';
import { assetTotals, type MoneySum } from '../../db/asset-totals';
import {
  AssetList,
  AssetListQuery,
  AssetRecord,
  AsOfQuery,
  PatchAssetBody,
  assetFieldsToStore,
  assetStateErrors,
  parseDateOrTimestamp,
  type AssetState,
} from '../../domain/schemas/asset';
import { badRequest, conflict, notFound } from '../errors';
import { decodeCursor, page } from '../pagination';
import { findCi } from '../refs';
import { route, type RouteDef } from '../route';
import { ciView } from './cis';

/** Who may change a CI's financial data. */
export const ASSET_WRITE_ROLES = ['admin', 'change_manager'] as const;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The CI with its asset fields and the book value as of `asOf`. */
export function assetView(row: ConfigurationItem, asOf: Date): AssetRecord {
  return {
    ...ciView(row),
    depreciationMethod: row.depreciationMethod as AssetRecord['depreciationMethod'],
    bookValue: bookValue(row, asOf),
    bookValueAsOf: asOf.toISOString(),
  };
}

export const asOfDate = (asOf: string | undefined) => (asOf ? (parseDateOrTimestamp(asOf) as Date) : new Date());

export function assetStateOf(row: ConfigurationItem): AssetState {
  return {
    purchaseDate: iso(row.purchaseDate),
    cost: row.cost,
    currency: row.currency,
    depreciationMethod: row.depreciationMethod,
    depreciationYears: row.depreciationYears,
    salvageValue: row.salvageValue,
  };
}

/** `:id` or a number, read inside a transaction so the version the write checks is fresh. */
export async function requireCiTx(tx: Tx | Db, ref: string): Promise<ConfigurationItem> {
  const ci = await tx.configurationItem.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
  if (!ci) throw notFound(`configuration item ${ref}`);
  return ci;
}

/**
 * CIs a service depends on, directly or transitively: every relationship is read source → target
 * ("the source needs the target"), whatever its type. UNION drops CIs already reached, so cycles end.
 */
async function serviceDependencies(db: Db, serviceId: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>(Prisma.sql`
    WITH RECURSIVE reach("id") AS (
      SELECT r."targetId" FROM "CiRelationship" r WHERE r."sourceId" = ${serviceId}
      UNION
      SELECT r."targetId" FROM reach JOIN "CiRelationship" r ON r."sourceId" = reach."id"
    )
    SELECT "id" FROM reach WHERE "id" <> ${serviceId}`);
  return rows.map((r) => r.id);
}

interface Sum {
  count: number;
  cost: number;
  cents: number;
}
type PerCurrency = Record<string, Sum>;

function add(per: PerCurrency, currency: string, sum: MoneySum) {
  const s = (per[currency] ??= { count: 0, cost: 0, cents: 0 });
  s.count += sum.count;
  s.cost += sum.cost;
  s.cents += sum.bookValueCents;
}
const rounded = (per: PerCurrency) =>
  Object.fromEntries(Object.entries(per).sort(([a], [b]) => a.localeCompare(b)).map(([c, s]) => [c, { count: s.count, cost: roundCents(s.cost), bookValue: s.cents / 100 }]));

export function assetsRoutes(): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/v1/assets',
      summary: 'List assets (CIs with a cost) with book values and totals per class, service and currency',
      tag: 'Assets',
      roles: 'any',
      query: AssetListQuery,
      response: AssetList,
      async handler({ query, deps }) {
        const asOf = asOfDate(query.asOf);
        const after = decodeCursor(query.cursor);
        let serviceId: string | undefined;
        if (query.serviceId) {
          const svc = await findCi(deps.db, query.serviceId);
          if (!svc) throw badRequest('serviceId does not exist', [{ path: 'query.serviceId', message: `no configuration item ${query.serviceId}` }]);
          serviceId = svc.id;
        }
        // Totals cover every matching asset, not just the page: aggregated by the database (db/asset-totals.ts).
        const filter = { class: query.class, status: query.status, location: query.location, currency: query.currency, serviceId };
        const totals = await assetTotals(deps.db, filter, asOf);
        const byCurrency: PerCurrency = {};
        const byClass: Record<string, { count: number; currencies: PerCurrency }> = {};
        let count = 0;
        for (const [cls, cur, sum] of totals.byClassCurrency) {
          count += sum.count;
          add(byCurrency, cur, sum);
          const c = (byClass[cls] ??= { count: 0, currencies: {} });
          c.count += sum.count;
          add(c.currencies, cur, sum);
        }
        const perService = new Map<string, { count: number; currencies: PerCurrency }>();
        for (const [root, cur, sum] of totals.byServiceCurrency) {
          let t = perService.get(root);
          if (!t) perService.set(root, (t = { count: 0, currencies: {} }));
          t.count += sum.count;
          add(t.currencies, cur, sum);
        }
        const services: { id: string; number: string; name: string }[] = [];
        const serviceIds = [...perService.keys()];
        for (let i = 0; i < serviceIds.length; i += 500) {
          services.push(...(await deps.db.configurationItem.findMany({ where: { id: { in: serviceIds.slice(i, i + 500) } }, select: { id: true, number: true, name: true } })));
        }

        const rows = await deps.db.configurationItem.findMany({
          where: {
            cost: { not: null },
            ...(query.class ? { class: query.class } : {}),
            ...(query.status ? { status: query.status } : {}),
            ...(query.location ? { location: query.location } : {}),
            ...(query.currency ? { currency: query.currency } : {}),
            ...(serviceId || after ? { AND: [...(serviceId ? [{ id: { in: await serviceDependencies(deps.db, serviceId) } }] : []), ...(after ? [{ id: { lt: after } }] : [])] } : {}),
          },
          orderBy: { id: 'desc' },
          take: query.limit + 1,
        });
        const p = page(rows, query.limit);
        return {
          items: p.rows.map((r) => assetView(r, asOf)),
          nextCursor: p.nextCursor,
          totals: {
            count,
            byCurrency: rounded(byCurrency),
            byClass: Object.fromEntries(Object.entries(byClass).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, { count: v.count, currencies: rounded(v.currencies) }])),
            byService: Object.fromEntries(
              services
                .sort((a, b) => a.number.localeCompare(b.number))
                .map((s) => {
                  const t = perService.get(s.id)!;
                  return [s.id, { id: s.id, number: s.number, name: s.name, count: t.count, currencies: rounded(t.currencies) }];
                }),
            ),
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/assets/:id',
      summary: 'A CI as an asset: its financial fields and the book value (now, or ?asOf=)',
      tag: 'Assets',
      roles: 'any',
      query: AsOfQuery,
      response: AssetRecord,
      handler: async ({ params, query, deps }) => assetView(await requireCiTx(deps.db, params.id), asOfDate(query.asOf)),
    }),
    route({
      method: 'patch',
      path: '/api/v1/assets/:id',
      summary: "Set a CI's asset fields (purchase date, cost, currency, depreciation, location, supplier); versioned",
      tag: 'Assets',
      roles: ASSET_WRITE_ROLES,
      body: PatchAssetBody,
      response: AssetRecord,
      // A concurrent change of the CI.
      errors: [409],
      async handler({ params, body, user, deps }) {
        const fields = assetFieldsToStore(body);
        try {
          const row = await deps.db.$transaction(async (tx) => {
            const current = await requireCiTx(tx, params.id);
            const errors = assetStateErrors({ ...assetStateOf(current), ...fields } as AssetState);
            if (errors.length) throw badRequest(`${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.path).join(', ')}`, errors);
            return (await updateCiTx(tx, current, fields as CiFields, { actor: user.id }, 'asset_update')) ?? current;
          });
          return assetView(row, new Date());
        } catch (e) {
          if (e instanceof CiConflictError) throw conflict(e.message);
          throw e;
        }
      },
    }),
  ];
}
