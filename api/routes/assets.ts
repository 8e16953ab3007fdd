import { Prisma, type ConfigurationItem } from '../../generated/prisma-sqlite/client';
import { CiConflictError, updateCiTx, type CiFields } from '../../db/ci-store';
import type { Db, Tx } from '../../db/client';
import { bookValue, roundCents } from '../../domain/cmdb/depreciation';
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
 * CIs a service depends on, directly or transitively: every relationship is read
 * source → target ("the source needs the target": an application runs_on a VM, a service
 * depends_on an application), whatever its type. One recursive query, the same on SQLite and
 * PostgreSQL; UNION (not UNION ALL) drops pairs already reached, so cycles terminate.
 * Returns [serviceId, ciId] pairs for the asset CIs (those with a cost) only.
 */
async function serviceAssetPairs(db: Db, serviceId?: string): Promise<{ root: string; id: string }[]> {
  const roots = serviceId ? Prisma.sql`s."id" = ${serviceId}` : Prisma.sql`s."class" = 'service'`;
  return db.$queryRaw<{ root: string; id: string }[]>(Prisma.sql`
    WITH RECURSIVE reach(root, id) AS (
      SELECT s."id", r."targetId" FROM "ConfigurationItem" s JOIN "CiRelationship" r ON r."sourceId" = s."id" WHERE ${roots}
      UNION
      SELECT reach.root, r."targetId" FROM reach JOIN "CiRelationship" r ON r."sourceId" = reach.id
    )
    SELECT reach.root AS root, reach.id AS id FROM reach JOIN "ConfigurationItem" c ON c."id" = reach.id
    WHERE c."cost" IS NOT NULL AND reach.id <> reach.root`);
}

interface Sum {
  count: number;
  cost: number;
  bookValue: number;
}
type PerCurrency = Record<string, Sum>;

/** ISO-4217 "XXX" (no currency) for legacy rows that have a cost without one. */
const currencyOf = (row: { currency: string | null }) => row.currency ?? 'XXX';

function add(per: PerCurrency, currency: string, cost: number, value: number) {
  const s = (per[currency] ??= { count: 0, cost: 0, bookValue: 0 });
  s.count++;
  s.cost += cost;
  s.bookValue += value;
}
const rounded = (per: PerCurrency): PerCurrency =>
  Object.fromEntries(Object.entries(per).sort(([a], [b]) => a.localeCompare(b)).map(([c, s]) => [c, { count: s.count, cost: roundCents(s.cost), bookValue: roundCents(s.bookValue) }]));

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
        // Totals cover every matching asset, not just the page: load the matching rows once.
        const rows = await deps.db.configurationItem.findMany({
          where: {
            cost: { not: null },
            ...(query.class ? { class: query.class } : {}),
            ...(query.status ? { status: query.status } : {}),
            ...(query.location ? { location: query.location } : {}),
            ...(query.currency ? { currency: query.currency } : {}),
          },
          orderBy: { id: 'desc' },
        });
        const pairs = await serviceAssetPairs(deps.db, serviceId);
        const inService = serviceId ? new Set(pairs.map((p) => p.id)) : null;
        const matching = inService ? rows.filter((r) => inService.has(r.id)) : rows;
        const values = new Map(matching.map((r) => [r.id, bookValue(r, asOf) ?? 0]));

        const byCurrency: PerCurrency = {};
        const byClass: Record<string, { count: number; currencies: PerCurrency }> = {};
        for (const r of matching) {
          const cost = r.cost ?? 0;
          const value = values.get(r.id) ?? 0;
          add(byCurrency, currencyOf(r), cost, value);
          const cls = (byClass[r.class] ??= { count: 0, currencies: {} });
          cls.count++;
          add(cls.currencies, currencyOf(r), cost, value);
        }
        const byId = new Map(matching.map((r) => [r.id, r]));
        const perService = new Map<string, { count: number; currencies: PerCurrency }>();
        for (const p of pairs) {
          const r = byId.get(p.id);
          if (!r) continue;
          let t = perService.get(p.root);
          if (!t) perService.set(p.root, (t = { count: 0, currencies: {} }));
          t.count++;
          add(t.currencies, currencyOf(r), r.cost ?? 0, values.get(r.id) ?? 0);
        }
        const services: { id: string; number: string; name: string }[] = [];
        const serviceIds = [...perService.keys()];
        for (let i = 0; i < serviceIds.length; i += 500) {
          services.push(...(await deps.db.configurationItem.findMany({ where: { id: { in: serviceIds.slice(i, i + 500) } }, select: { id: true, number: true, name: true } })));
        }

        const p = page(after ? matching.filter((r) => r.id < after) : matching, query.limit);
        return {
          items: p.rows.map((r) => assetView(r, asOf)),
          nextCursor: p.nextCursor,
          totals: {
            count: matching.length,
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
