/**
 * GET /assets totals are aggregated in SQL (db/asset-totals.ts); here they are checked against
 * the figures the in-memory way gives on the same data (every asset's `bookValue`, summed per
 * currency, class and service, as the route did before), on SQLite and PostgreSQL: 3,000 assets
 * with every depreciation case, several currencies, services over a shared dependency graph with
 * a cycle, and instants that fall on month ends (anniversaries clamped to the month's last day).
 */
import { addRelationshipsTx, createCisTx } from '../../db/ci-bulk';
import type { Db } from '../../db/client';
import { bookValue, roundCents } from '../../domain/cmdb/depreciation';
import { seededRandom } from '../../bench/support';
import { startApiOnly, type ApiOnly } from '../support/api-only';
import { createTestDatabase, PROVIDERS, type TestDatabase } from '../support/database';

jest.setTimeout(180_000);

type Sum = { count: number; cost: number; bookValue: number };
type Row = { id: string; class: string; currency: string | null; cost: number | null; purchaseDate: Date | null; depreciationMethod: string | null; depreciationYears: number | null; salvageValue: number | null };

/** The figures as the route computed them in memory before: every matching row loaded, valued and summed. */
async function inMemoryTotals(db: Db, asOf: Date, serviceNumbers: Map<string, string>) {
  const rows = (await db.configurationItem.findMany({ where: { cost: { not: null } } })) as Row[];
  const rels = await db.ciRelationship.findMany({ select: { sourceId: true, targetId: true } });
  const out = new Map<string, string[]>();
  for (const r of rels) out.set(r.sourceId, [...(out.get(r.sourceId) ?? []), r.targetId]);
  const add = (per: Record<string, Sum>, cur: string, cost: number, value: number) => {
    const s = (per[cur] ??= { count: 0, cost: 0, bookValue: 0 });
    s.count++;
    s.cost += cost;
    s.bookValue += value;
  };
  const round = (per: Record<string, Sum>) => Object.fromEntries(Object.entries(per).sort(([a], [b]) => a.localeCompare(b)).map(([c, s]) => [c, { count: s.count, cost: roundCents(s.cost), bookValue: roundCents(s.bookValue) }]));
  const byCurrency: Record<string, Sum> = {};
  const byClass: Record<string, { count: number; currencies: Record<string, Sum> }> = {};
  const value = new Map(rows.map((r) => [r.id, bookValue(r, asOf) ?? 0]));
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const r of rows) {
    add(byCurrency, r.currency ?? 'XXX', r.cost!, value.get(r.id)!);
    const c = (byClass[r.class] ??= { count: 0, currencies: {} });
    c.count++;
    add(c.currencies, r.currency ?? 'XXX', r.cost!, value.get(r.id)!);
  }
  const byService: Record<string, { count: number; currencies: Record<string, Sum> }> = {};
  for (const svcId of serviceNumbers.keys()) {
    const seen = new Set<string>();
    const stack = [...(out.get(svcId) ?? [])];
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      stack.push(...(out.get(x) ?? []));
    }
    seen.delete(svcId);
    const t = { count: 0, currencies: {} as Record<string, Sum> };
    for (const id of seen) {
      const r = byId.get(id);
      if (!r) continue;
      t.count++;
      add(t.currencies, r.currency ?? 'XXX', r.cost!, value.get(id)!);
    }
    if (t.count) byService[svcId] = t;
  }
  return {
    count: rows.length,
    byCurrency: round(byCurrency),
    byClass: Object.fromEntries(Object.entries(byClass).map(([k, v]) => [k, { count: v.count, currencies: round(v.currencies) }])),
    byService: Object.fromEntries(Object.entries(byService).map(([k, v]) => [k, { count: v.count, currencies: round(v.currencies) }])),
  };
}

describe.each(PROVIDERS)('asset totals in SQL on %s', (provider) => {
  let tdb: TestDatabase;
  let http: ApiOnly;
  const services = new Map<string, string>();

  beforeAll(async () => {
    tdb = await createTestDatabase(provider);
    http = await startApiOnly(tdb.db);
    const r = seededRandom(11);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
    const at = new Date('2026-01-15T00:00:00Z');
    const ctx = { actor: 'test', at };
    const classes = ['server', 'storage', 'network_device', 'desktop', 'mobile_device'] as const;
    const items = Array.from({ length: 3000 }, (_, i) => {
      const kind = r();
      // Purchase days include the 29th–31st, so anniversaries clamp at month ends.
      const purchase = new Date(Date.UTC(2015 + Math.floor(r() * 12), Math.floor(r() * 12), 1 + Math.floor(r() * 31)));
      const cls = pick(classes);
      return {
        name: `asset-${i}`,
        class: cls,
        attributes: cls === 'storage' ? { serial: `S${i}` } : ['server', 'network_device', 'desktop'].includes(cls) ? { hostname: `asset-${i}` } : {},
        cost: Math.round(r() * 5_000_000) / 100,
        currency: kind < 0.05 ? null : pick(['EUR', 'USD', 'GBP', 'JPY']),
        purchaseDate: kind < 0.1 ? null : purchase.toISOString(),
        depreciationMethod: kind < 0.15 ? null : pick(['straight_line', 'declining_balance']),
        depreciationYears: kind < 0.2 ? null : pick([1, 2, 3, 4, 5, 7, 10]),
        salvageValue: r() < 0.5 ? null : Math.round(r() * 200_000) / 100,
      };
    });
    const assets: { id: string }[] = [];
    for (let i = 0; i < items.length; i += 500) assets.push(...(await tdb.db.$transaction((tx) => createCisTx(tx, items.slice(i, i + 500) as never, ctx))));
    const svcs = await tdb.db.$transaction((tx) => createCisTx(tx, Array.from({ length: 40 }, (_, i) => ({ name: `svc-${i}`, class: 'service' })), ctx));
    const apps = await tdb.db.$transaction((tx) => createCisTx(tx, Array.from({ length: 120 }, (_, i) => ({ name: `app-${i}`, class: 'application' })), ctx));
    for (const s of svcs) services.set(s.id, s.number);
    // Services → applications → assets, with shared applications, asset → asset links and one cycle.
    const links = [
      ...svcs.flatMap((s, i) => [0, 1, 2].map((k) => ({ sourceId: s.id, targetId: apps[(i * 3 + k * 7) % apps.length].id, type: 'depends_on' }))),
      ...apps.flatMap((a, i) => [0, 1, 2, 3, 4].map((k) => ({ sourceId: a.id, targetId: assets[(i * 25 + k * 5) % assets.length].id, type: 'runs_on' }))),
      ...assets.slice(0, 600).map((a, i) => ({ sourceId: a.id, targetId: assets[600 + i].id, type: 'uses' })),
      { sourceId: assets[600].id, targetId: assets[0].id, type: 'connects_to' },
    ];
    for (let i = 0; i < links.length; i += 200) await tdb.db.$transaction((tx) => addRelationshipsTx(tx, links.slice(i, i + 200), ctx));
  });
  afterAll(async () => {
    await http.close();
    await tdb.dispose();
  });

  it.each(['2026-12-04', '2026-02-28', '2024-02-29', '2027-03-31', '2019-06-30', '2010-01-01'])('as of %s: the same counts, costs and book values as the in-memory sums', async (asOf) => {
    const res = await http.api('GET', `/assets?asOf=${asOf}&limit=5`);
    expect(res.status).toBe(200);
    const expected = await inMemoryTotals(tdb.db, new Date(`${asOf}T00:00:00Z`), services);
    expect(res.body.totals.count).toBe(3000);
    expect(res.body.totals.byCurrency).toEqual(expected.byCurrency);
    expect(res.body.totals.byClass).toEqual(expected.byClass);
    expect(Object.fromEntries(Object.entries(res.body.totals.byService as Record<string, { count: number; currencies: unknown }>).map(([k, v]) => [k, { count: v.count, currencies: v.currencies }]))).toEqual(expected.byService);
    expect(Object.keys(res.body.totals.byService).length).toBeGreaterThan(30);
    // The page is a page; its book values are the per-asset ones the totals add up.
    expect(res.body.items).toHaveLength(5);
  });

  it('filters narrow the totals the same way: class, currency, and one service with its page', async () => {
    const asOf = new Date('2026-12-04T00:00:00Z');
    const expected = await inMemoryTotals(tdb.db, asOf, services);
    const storage = await http.api('GET', '/assets?class=storage&asOf=2026-12-04');
    expect(storage.body.totals.byClass).toEqual({ storage: expected.byClass.storage });
    const eur = await http.api('GET', '/assets?currency=EUR&asOf=2026-12-04');
    expect(eur.body.totals.byCurrency).toEqual({ EUR: expected.byCurrency.EUR });
    const [svcId, svcNumber] = [...services][3];
    const one = await http.api('GET', `/assets?serviceId=${svcNumber}&asOf=2026-12-04&limit=500`);
    expect(one.status).toBe(200);
    expect(Object.keys(one.body.totals.byService)).toEqual([svcId]);
    expect(one.body.totals.byService[svcId]).toMatchObject(expected.byService[svcId]);
    expect(one.body.totals.count).toBe(expected.byService[svcId].count);
    expect(one.body.items).toHaveLength(expected.byService[svcId].count);
  });
});
