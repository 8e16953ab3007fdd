import { Prisma } from '../generated/prisma-sqlite/client';
import { DEPRECIATION_METHODS } from '../domain/cmdb/depreciation';
import { providerOf, type Db } from './client';

/**
 * Asset totals (count, cost and book value per currency, per class and currency, per service and
 * currency) aggregated by the database: nothing per asset comes back to the process, so 100,000
 * assets cost one statement, not 100,000 rows in memory.
 *
 * The book value is domain/cmdb/depreciation.ts's `bookValue` written as SQL, term by term, so
 * the totals equal the sum of the values the asset views show (test/integration/asset-totals.test.ts
 * checks both against each other): whole calendar months with the anniversary clamped to the
 * month's end, straight line, double-declining balance by year spread over months, salvage floor,
 * rounded to cents per asset (summed as integer cents, so the sum is exact). The declining
 * balance's yearly factor (1 − rate)^years-elapsed comes from a small table built here per
 * distinct useful life, which both databases join the same way.
 */
export interface AssetFilter {
  class?: string;
  status?: string;
  location?: string;
  currency?: string;
  /** Only the CIs this service depends on, directly or transitively. */
  serviceId?: string;
}

export interface MoneySum {
  count: number;
  cost: number;
  /** Integer cents. */
  bookValueCents: number;
}

export interface AssetTotalsRows {
  /** [class, currency, sum] */
  byClassCurrency: [string, string, MoneySum][];
  /** [service id, currency, sum] */
  byServiceCurrency: [string, string, MoneySum][];
}

/** The per-database spellings; everything else is the same SQL on both. */
function dialect(db: Db) {
  if (providerOf(db) === 'postgres') {
    return {
      part: (unit: 'YEAR' | 'MONTH' | 'DAY', col: Prisma.Sql) => Prisma.sql`CAST(EXTRACT(${Prisma.raw(unit)} FROM ${col}) AS INTEGER)`,
      greatest: Prisma.raw('GREATEST'),
      least: Prisma.raw('LEAST'),
      floor: (x: Prisma.Sql) => Prisma.sql`FLOOR(${x})`,
      round6: (x: Prisma.Sql) => Prisma.sql`ROUND(CAST(${x} AS NUMERIC), 6)`,
      real: Prisma.raw('DOUBLE PRECISION'),
    };
  }
  const fmt = { YEAR: '%Y', MONTH: '%m', DAY: '%d' } as const;
  return {
    part: (unit: 'YEAR' | 'MONTH' | 'DAY', col: Prisma.Sql) => Prisma.sql`CAST(strftime(${fmt[unit]}, ${col}) AS INTEGER)`,
    greatest: Prisma.raw('MAX'),
    least: Prisma.raw('MIN'),
    // Only ever applied to non-negative values, where truncation is the floor.
    floor: (x: Prisma.Sql) => Prisma.sql`CAST(${x} AS INTEGER)`,
    round6: (x: Prisma.Sql) => Prisma.sql`ROUND(${x}, 6)`,
    real: Prisma.raw('REAL'),
  };
}

/** Years of useful life in use, each with (1 − rate)^n for n = 0..years, rate = min(1, 2 / years). */
async function decliningFactors(db: Db): Promise<Prisma.Sql> {
  const years = (await db.configurationItem.findMany({ where: { cost: { not: null }, depreciationYears: { gt: 0 } }, distinct: ['depreciationYears'], select: { depreciationYears: true } }))
    .map((r) => r.depreciationYears!)
    .filter((y) => Number.isInteger(y) && y > 0 && y <= 1000);
  const rows: Prisma.Sql[] = [];
  for (const y of years) {
    const rate = Math.min(1, 2 / y);
    for (let n = 0; n <= y; n++) rows.push(Prisma.sql`(CAST(${y} AS INTEGER), CAST(${n} AS INTEGER), CAST(${(1 - rate) ** n} AS ${dialect(db).real}), CAST(${rate} AS ${dialect(db).real}))`);
  }
  // A row that never matches keeps the VALUES list valid when no asset depreciates.
  if (rows.length === 0) rows.push(Prisma.sql`(CAST(-1 AS INTEGER), CAST(-1 AS INTEGER), CAST(0 AS ${dialect(db).real}), CAST(0 AS ${dialect(db).real}))`);
  return Prisma.join(rows);
}

/** The asset's book value in cents as of `asOf`, for a row `c` of `base` joined to `f` (its life's factor row, by whole years elapsed). */
function bookValueCentsSql(db: Db): Prisma.Sql {
  const { greatest, least, floor, round6 } = dialect(db);
  const salvage = Prisma.sql`${least}(c."cost", ${greatest}(0, COALESCE(c."salvageValue", 0)))`;
  const life = Prisma.sql`(c."depreciationYears" * 12)`;
  const methods = Prisma.join(DEPRECIATION_METHODS.map((m) => Prisma.sql`${m}`));
  // The declining balance after the whole years elapsed, then that year's charge for the months into the next.
  const start = Prisma.sql`${greatest}(${salvage}, c."cost" * f.factor)`;
  const yearCharge = Prisma.sql`(CASE WHEN f.n + 1 = c."depreciationYears" THEN ${start} - ${salvage} ELSE ${greatest}(0, ${least}(${start} * f.rate, ${start} - ${salvage})) END)`;
  const value = Prisma.sql`(CASE
      WHEN c."depreciationMethod" IS NULL OR c."depreciationMethod" NOT IN (${methods}) OR c."depreciationYears" IS NULL OR c."depreciationYears" <= 0 OR c."purchaseDate" IS NULL THEN c."cost"
      WHEN c.months <= 0 OR c."cost" <= ${salvage} THEN c."cost"
      WHEN c.months >= ${life} THEN ${salvage}
      WHEN c."depreciationMethod" = 'straight_line' THEN c."cost" - ((c."cost" - ${salvage}) / ${life}) * c.months
      ELSE ${greatest}(${salvage}, ${start} - ${yearCharge} * (c.months - f.n * 12) / 12)
    END)`;
  // roundCents: the cents to 6 decimals first (binary noise must not decide a tie), then half up, for the non-negative values costs give.
  return floor(Prisma.sql`${round6(Prisma.sql`${value} * 100`)} + 0.5`);
}

/** Whole calendar months from the purchase date to `asOf` (0 before the first anniversary), as wholeMonthsBetween counts them. */
function monthsSql(db: Db, asOf: Date): Prisma.Sql {
  const { part, greatest, least } = dialect(db);
  const ay = asOf.getUTCFullYear();
  const am = asOf.getUTCMonth() + 1;
  const ad = asOf.getUTCDate();
  const dim = new Date(Date.UTC(ay, am, 0)).getUTCDate();
  const pd = Prisma.sql`c."purchaseDate"`;
  return Prisma.sql`(CASE WHEN ${pd} IS NULL THEN 0 ELSE ${greatest}(0, (CAST(${ay} AS INTEGER) - ${part('YEAR', pd)}) * 12 + (CAST(${am} AS INTEGER) - ${part('MONTH', pd)})
    - CASE WHEN ${least}(${part('DAY', pd)}, CAST(${dim} AS INTEGER)) > CAST(${ad} AS INTEGER) THEN 1 ELSE 0 END) END)`;
}

/** Every total GET /assets shows, for the assets matching `filter`, in one statement. */
export async function assetTotals(db: Db, filter: AssetFilter, asOf: Date): Promise<AssetTotalsRows> {
  const roots = filter.serviceId ? Prisma.sql`s."id" = ${filter.serviceId}` : Prisma.sql`s."class" = 'service'`;
  const where: Prisma.Sql[] = [Prisma.sql`c."cost" IS NOT NULL`];
  if (filter.class) where.push(Prisma.sql`c."class" = ${filter.class}`);
  if (filter.status) where.push(Prisma.sql`c."status" = ${filter.status}`);
  if (filter.location) where.push(Prisma.sql`c."location" = ${filter.location}`);
  if (filter.currency) where.push(Prisma.sql`c."currency" = ${filter.currency}`);
  if (filter.serviceId) where.push(Prisma.sql`c."id" IN (SELECT "id" FROM reach WHERE "id" <> root)`);
  const rows = await db.$queryRaw<{ kind: string; k: string; cur: string; n: number | bigint; cost: number | string | null; cents: number | bigint | string | null }[]>(Prisma.sql`
    WITH RECURSIVE
    reach(root, "id") AS (
      SELECT s."id", r."targetId" FROM "ConfigurationItem" s JOIN "CiRelationship" r ON r."sourceId" = s."id" WHERE ${roots}
      UNION
      SELECT reach.root, r."targetId" FROM reach JOIN "CiRelationship" r ON r."sourceId" = reach."id"
    ),
    f(years, n, factor, rate) AS (VALUES ${await decliningFactors(db)}),
    base AS (
      SELECT c."id", c."class" AS cls, COALESCE(c."currency", 'XXX') AS cur, c."cost", c."salvageValue", c."depreciationMethod", c."depreciationYears", c."purchaseDate", ${monthsSql(db, asOf)} AS months
      FROM "ConfigurationItem" c
      WHERE ${Prisma.join(where, ' AND ')}
    ),
    valued AS (
      SELECT c."id", c.cls, c.cur, c."cost", ${bookValueCentsSql(db)} AS cents
      FROM base c LEFT JOIN f ON f.years = c."depreciationYears" AND f.n = c.months / 12
    )
    SELECT 'class' AS kind, cls AS k, cur, COUNT(*) AS n, SUM("cost") AS "cost", SUM(cents) AS cents FROM valued GROUP BY cls, cur
    UNION ALL
    SELECT 'service' AS kind, reach.root AS k, valued.cur, COUNT(*) AS n, SUM(valued."cost") AS "cost", SUM(valued.cents) AS cents
    FROM reach JOIN valued ON valued."id" = reach."id" WHERE reach."id" <> reach.root GROUP BY reach.root, valued.cur`);
  const sum = (r: (typeof rows)[number]): MoneySum => ({ count: Number(r.n), cost: Number(r.cost ?? 0), bookValueCents: Number(r.cents ?? 0) });
  return {
    byClassCurrency: rows.filter((r) => r.kind === 'class').map((r) => [r.k, r.cur, sum(r)]),
    byServiceCurrency: rows.filter((r) => r.kind === 'service').map((r) => [r.k, r.cur, sum(r)]),
  };
}

