/**
 * Assets (book values, totals per class / service / currency), the definitive hardware store
 * (checkout / return, versioned) and bulk import / export (CSV and JSON, dry run, per-row
 * errors, idempotent re-import, round trip) over HTTP, on SQLite and PostgreSQL.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { readJson, runImport } from '../../api/routes/ci-import';
import type { Db } from '../../db/client';
import { parseCsv } from '../../domain/cmdb/csv';
import { IMPORT_MAX_ROWS } from '../../domain/schemas/ci-import';
import { PROVIDERS } from '../support/database';
import { startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path).sort();
type Row = { index: number; line?: number; status: string; id?: string; number?: string; naturalKey?: string; changes?: string[]; error?: string; errors?: { path: string; message: string }[] };
type Rel = { status: string; source: string; type: string; target: string; error?: string };

describe.each(PROVIDERS)('CMDB assets, hardware store, import and export over HTTP on %s', (provider) => {
  let s: Stack;

  beforeAll(async () => {
    s = await startStack({ provider, env });
  });
  afterAll(async () => {
    await s?.close();
  });

  const createCi = async (body: Record<string, unknown>) => {
    const res = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body });
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    return res.body as { id: string; number: string };
  };
  const importJson = (body: unknown, query = '', token = 'dev-change_manager') => s.api('POST', `/api/v1/cis/import${query}`, { token, body });
  const importCsv = (csv: string, query = '', token = 'dev-admin') =>
    s.api('POST', `/api/v1/cis/import${query}`, { token, raw: csv, headers: { 'content-type': 'text/csv; charset=utf-8' } });
  const history = async (ref: string) => {
    const res = await s.api('GET', `/api/v1/cis/${ref}/history`);
    expect(res.status).toBe(200);
    return res.body as { version: number; action: string; actor: string; via: string | null; changes: Record<string, { before: unknown; after: unknown }> }[];
  };
  const counts = async () => ({
    cis: await s.tdb.db.configurationItem.count(),
    versions: await s.tdb.db.ciVersion.count(),
    relationships: await s.tdb.db.ciRelationship.count(),
    counter: (await s.tdb.db.counter.findUnique({ where: { name: 'ci' } }))?.value ?? 0,
  });
  const statuses = (rows: { status: string }[]) => rows.map((r) => r.status);

  test('PATCH /assets/:id sets the financial fields (versioned); GET computes the book value now or ?asOf=; 400 per bad field; 404; 403', async () => {
    const ci = await createCi({ name: 'fin-srv-1', class: 'server', attributes: { hostname: 'fin-srv-1' } });
    const patch = { purchaseDate: '2024-01-15', cost: 12_000, currency: 'EUR', depreciationMethod: 'straight_line', depreciationYears: 5, salvageValue: 2_000, location: 'DC1', supplier: 'Acme, Inc.' };
    const res = await s.api('PATCH', `/api/v1/assets/${ci.number}`, { token: 'dev-change_manager', body: patch });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...patch, id: ci.id, number: ci.number, class: 'server', purchaseDate: '2024-01-15T00:00:00.000Z', checkedOutTo: null });
    expect(typeof res.body.bookValue).toBe('number');

    const asOf = await s.api('GET', `/api/v1/assets/${ci.id}?asOf=2025-07-15`);
    expect(asOf.body).toMatchObject({ bookValue: 9_000, bookValueAsOf: '2025-07-15T00:00:00.000Z', cost: 12_000 });
    expect((await s.api('GET', `/api/v1/assets/${ci.id}?asOf=2025-07-14T23:00:00Z`)).body.bookValue).toBe(9_166.67);
    expect((await s.api('GET', `/api/v1/assets/${ci.id}?asOf=2031-01-01`)).body.bookValue).toBe(2_000);
    const now = await s.api('GET', `/api/v1/assets/${ci.number}`);
    expect(now.body.bookValue).toBeGreaterThanOrEqual(2_000);
    expect(now.body.bookValue).toBeLessThan(12_000);

    const h = await history(ci.number);
    expect(h.map((v) => v.action)).toEqual(['create', 'asset_update']);
    expect(h[1]).toMatchObject({ actor: 'usr-change_manager', changes: { cost: { before: null, after: 12_000 }, currency: { before: null, after: 'EUR' }, purchaseDate: { before: null, after: '2024-01-15T00:00:00.000Z' } } });

    // the same values again: nothing to version
    expect((await s.api('PATCH', `/api/v1/assets/${ci.number}`, { token: 'dev-admin', body: patch })).status).toBe(200);
    expect(await history(ci.number)).toHaveLength(2);

    const bad = await s.api('PATCH', `/api/v1/assets/${ci.number}`, {
      token: 'dev-admin',
      body: { purchaseDate: '2024-02-30', cost: -1, currency: 'eur', depreciationMethod: 'sum_of_years', depreciationYears: 0, salvageValue: 'x', location: '', surprise: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(paths(bad.body)).toEqual(expect.arrayContaining(['cost', 'currency', 'depreciationMethod', 'depreciationYears', 'location', 'purchaseDate', 'salvageValue']));
    expect(bad.body.errors.length).toBeGreaterThanOrEqual(8); // plus the unknown key
    expect((await s.api('PATCH', `/api/v1/assets/${ci.number}`, { token: 'dev-admin', body: { currency: 'XYZ' } })).body.errors).toEqual([
      { path: 'currency', message: expect.stringMatching(/ISO-4217/) },
    ]);

    // rules across fields, checked on the state the write would leave
    const over = await s.api('PATCH', `/api/v1/assets/${ci.number}`, { token: 'dev-admin', body: { salvageValue: 20_000 } });
    expect([over.status, paths(over.body)]).toEqual([400, ['salvageValue']]);
    const noCost = await s.api('PATCH', `/api/v1/assets/${ci.number}`, { token: 'dev-admin', body: { cost: null } });
    expect([noCost.status, paths(noCost.body)]).toEqual([400, ['cost', 'salvageValue']]);
    const other = await createCi({ name: 'fin-srv-2', class: 'server' });
    const noCurrency = await s.api('PATCH', `/api/v1/assets/${other.id}`, { token: 'dev-admin', body: { cost: 100, depreciationMethod: 'declining_balance' } });
    expect([noCurrency.status, paths(noCurrency.body)]).toEqual([400, ['currency', 'depreciationYears', 'purchaseDate']]);
    expect(await history(ci.number)).toHaveLength(2); // nothing written by any 400

    expect((await s.api('PATCH', '/api/v1/assets/CI9999999', { token: 'dev-admin', body: { cost: 1 } })).status).toBe(404);
    expect((await s.api('GET', '/api/v1/assets/CI9999999')).status).toBe(404);
    expect((await s.api('PATCH', `/api/v1/assets/${ci.number}`, { token: 'dev-agent', body: { cost: 1 } })).status).toBe(403);
    expect((await s.api('PATCH', `/api/v1/assets/${ci.number}`, { token: null, body: { cost: 1 } })).status).toBe(401);
    expect((await s.api('GET', `/api/v1/assets/${ci.number}?asOf=yesterday`)).body.errors).toEqual([{ path: 'query.asOf', message: expect.any(String) }]);
  });

  test('GET /assets: book values and totals per class, per currency (never mixed) and per service (transitive dependencies); filters and pages', async () => {
    const asset = (cost: number, currency: string, extra: Record<string, unknown> = {}) => ({ cost, currency, location: 'T2', ...extra });
    const res = await importJson({
      items: [
        { name: 'Payments', class: 'service', attributes: { criticality: 'high' } },
        { name: 'Intranet', class: 'service' },
        { name: 'pay-app', class: 'application' },
        { name: 'pay-vm', class: 'virtual_machine', attributes: { hostname: 'pay-vm' } },
        { name: 'pay-host', class: 'server', attributes: { hostname: 'pay-host' }, ...asset(10_000, 'EUR', { purchaseDate: '2024-01-01', depreciationMethod: 'straight_line', depreciationYears: 5 }) },
        { name: 'pay-san', class: 'storage', attributes: { serial: 'SAN-1' }, ...asset(50_000, 'USD', { purchaseDate: '2024-01-01', depreciationMethod: 'declining_balance', depreciationYears: 5, salvageValue: 5_000 }) },
        { name: 'core-sw', class: 'network_device', attributes: { hostname: 'core-sw' }, ...asset(2_000, 'EUR') },
        { name: 'pc-1', class: 'desktop', attributes: { hostname: 'pc-1' }, ...asset(1_000, 'EUR', { purchaseDate: '2024-07-01', depreciationMethod: 'straight_line', depreciationYears: 4, salvageValue: 200 }) },
      ],
      relationships: [
        { source: 'service:payments', type: 'depends_on', target: 'application:pay-app' },
        { source: { class: 'application', name: 'pay-app' }, type: 'runs_on', target: 'virtual_machine:pay-vm' },
        { source: 'virtual_machine:pay-vm', type: 'hosted_on', target: 'server:pay-host' },
        { source: 'server:pay-host', type: 'backed_up_by', target: 'storage:san-1' },
        { source: 'server:pay-host', type: 'connects_to', target: 'virtual_machine:pay-vm' }, // a cycle: must not loop
        { source: 'service:intranet', type: 'depends_on', target: 'network_device:core-sw' },
        { source: 'service:intranet', type: 'uses', target: 'server:pay-host' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.summary).toMatchObject({ created: 8, error: 0 });
    expect(res.body.relationships.summary).toMatchObject({ created: 7, error: 0 });
    const num = (name: string) => (res.body.rows as Row[])[['Payments', 'Intranet', 'pay-app', 'pay-vm', 'pay-host', 'pay-san', 'core-sw', 'pc-1'].indexOf(name)];

    const list = await s.api('GET', '/api/v1/assets?location=T2&asOf=2025-01-01');
    expect(list.status).toBe(200);
    const byName = Object.fromEntries(list.body.items.map((i: { name: string; bookValue: number }) => [i.name, i.bookValue]));
    expect(byName).toEqual({ 'pay-host': 8_000, 'pay-san': 30_000, 'core-sw': 2_000, 'pc-1': 900 });
    const eur = (count: number, cost: number, bookValue: number) => ({ EUR: { count, cost, bookValue } });
    expect(list.body.totals).toEqual({
      count: 4,
      byCurrency: { ...eur(3, 13_000, 10_900), USD: { count: 1, cost: 50_000, bookValue: 30_000 } },
      byClass: {
        desktop: { count: 1, currencies: eur(1, 1_000, 900) },
        network_device: { count: 1, currencies: eur(1, 2_000, 2_000) },
        server: { count: 1, currencies: eur(1, 10_000, 8_000) },
        storage: { count: 1, currencies: { USD: { count: 1, cost: 50_000, bookValue: 30_000 } } },
      },
      byService: {
        [num('Payments').id!]: { id: num('Payments').id, number: num('Payments').number, name: 'Payments', count: 2, currencies: { ...eur(1, 10_000, 8_000), USD: { count: 1, cost: 50_000, bookValue: 30_000 } } },
        [num('Intranet').id!]: { id: num('Intranet').id, number: num('Intranet').number, name: 'Intranet', count: 3, currencies: { ...eur(2, 12_000, 10_000), USD: { count: 1, cost: 50_000, bookValue: 30_000 } } },
      },
    });

    const svc = await s.api('GET', `/api/v1/assets?serviceId=${num('Payments').number}&asOf=2025-01-01`);
    expect(svc.body.items.map((i: { name: string }) => i.name).sort()).toEqual(['pay-host', 'pay-san']);
    expect(svc.body.totals).toMatchObject({ count: 2, byCurrency: { EUR: { count: 1, cost: 10_000, bookValue: 8_000 }, USD: { count: 1 } } });
    expect(Object.keys(svc.body.totals.byService)).toEqual(expect.arrayContaining([num('Payments').id]));

    const servers = await s.api('GET', '/api/v1/assets?location=T2&class=server&currency=EUR');
    expect(servers.body.items.map((i: { name: string }) => i.name)).toEqual(['pay-host']);

    const p1 = await s.api('GET', '/api/v1/assets?location=T2&limit=3');
    expect(p1.body.items).toHaveLength(3);
    expect(p1.body.totals.count).toBe(4); // totals cover every match, not the page
    const p2 = await s.api('GET', `/api/v1/assets?location=T2&limit=3&cursor=${p1.body.nextCursor}`);
    expect([p2.body.items.length, p2.body.nextCursor]).toEqual([1, null]);
    expect(new Set([...p1.body.items, ...p2.body.items].map((i: { id: string }) => i.id)).size).toBe(4);

    const bad = await s.api('GET', '/api/v1/assets?serviceId=CI9999999&currency=usd&class=spaceship');
    expect([bad.status, paths(bad.body)]).toEqual([400, ['query.class', 'query.currency']]);
    expect(paths((await s.api('GET', '/api/v1/assets?serviceId=CI9999999')).body)).toEqual(['query.serviceId']);
  });

  test('hardware store: checkout and return (each a version in the history), 409 naming the status, 400, 403, 404', async () => {
    const imported = await importJson({
      items: [
        { name: 'spare-disk-1', class: 'hardware', status: 'in_store', attributes: { serial: 'SD-1', model: '8TB' }, location: 'Store A' },
        { name: 'live-hw', class: 'hardware', status: 'live', attributes: { serial: 'LH-1' } },
      ],
    });
    const [spare, live] = imported.body.rows as Row[];
    const host = await createCi({ name: 'dhs-host', class: 'server', attributes: { hostname: 'dhs-host' } });

    const store = await s.api('GET', '/api/v1/dhs');
    expect(store.status).toBe(200);
    const inStore = store.body.items.map((i: { number: string; checkedOut: boolean }) => [i.number, i.checkedOut]);
    expect(inStore).toContainEqual([spare.number, false]);
    expect(inStore.map((x: string[]) => x[0])).not.toContain(live.number);

    const out = await s.api('POST', `/api/v1/dhs/${spare.number}/checkout`, { token: 'dev-release_manager', body: { to: 'Rack 12', reason: 'temporary swap', via: 'CHG0000031' } });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ number: spare.number, status: 'in_store', checkedOut: true, checkedOutTo: 'Rack 12', location: 'Store A' });
    expect(out.body.checkedOutAt).toEqual(expect.any(String));

    const again = await s.api('POST', `/api/v1/dhs/${spare.number}/checkout`, { token: 'dev-admin', body: { to: 'Rack 13' } });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/'in_store'.*already checked out to Rack 12/);
    expect((await s.api('GET', '/api/v1/dhs?checkedOut=true')).body.items.map((i: { number: string }) => i.number)).toContain(spare.number);
    expect((await s.api('GET', '/api/v1/dhs?checkedOut=false')).body.items.map((i: { number: string }) => i.number)).not.toContain(spare.number);

    const back = await s.api('POST', `/api/v1/dhs/${spare.id}/return`, { token: 'dev-change_manager', body: { location: 'Store B' } });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ checkedOut: false, checkedOutTo: null, checkedOutAt: null, location: 'Store B', status: 'in_store' });
    const twice = await s.api('POST', `/api/v1/dhs/${spare.id}/return`, { token: 'dev-change_manager', body: {} });
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(/'in_store'.*not checked out/);

    // to a CI: recorded by its number
    const toCi = await s.api('POST', `/api/v1/dhs/${spare.number}/checkout`, { token: 'dev-admin', body: { to: host.id } });
    expect(toCi.body).toMatchObject({ checkedOutTo: host.number });
    expect((await s.api('POST', `/api/v1/dhs/${spare.number}/return`, { token: 'dev-admin' })).status).toBe(200);

    const h = await history(spare.number!);
    expect(h.map((v) => v.action)).toEqual(['create', 'checkout', 'return', 'checkout', 'return']);
    expect(h[1]).toMatchObject({ actor: 'usr-release_manager', via: 'CHG0000031', changes: { checkedOutTo: { before: null, after: 'Rack 12' }, reason: { before: null, after: 'temporary swap' } } });
    expect(h[2].changes).toMatchObject({ checkedOutTo: { before: 'Rack 12', after: null }, location: { before: 'Store A', after: 'Store B' } });
    expect(h[3].changes.checkedOutTo).toEqual({ before: null, after: host.number });

    const notInStore = await s.api('POST', `/api/v1/dhs/${live.number}/checkout`, { token: 'dev-admin', body: { to: 'Rack 1' } });
    expect(notInStore.status).toBe(409);
    expect(notInStore.body.detail).toMatch(/status 'live'/);
    expect((await s.api('POST', `/api/v1/dhs/${live.number}/return`, { token: 'dev-admin', body: {} })).body.detail).toMatch(/status 'live'/);

    const bad = await s.api('POST', `/api/v1/dhs/${spare.number}/checkout`, { token: 'dev-admin', body: { to: '', reason: 7, via: 'INC1', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(paths(bad.body)).toEqual(expect.arrayContaining(['to', 'reason', 'via']));
    expect(paths((await s.api('POST', `/api/v1/dhs/${spare.number}/checkout`, { token: 'dev-admin', body: { to: 'CI9999999' } })).body)).toEqual(['to']);
    expect(paths((await s.api('POST', `/api/v1/dhs/${spare.number}/checkout`, { token: 'dev-admin', body: { to: spare.number } })).body)).toEqual(['to']);
    expect((await s.api('POST', `/api/v1/dhs/${spare.number}/checkout`, { token: 'dev-agent', body: { to: 'Rack 1' } })).status).toBe(403);
    expect((await s.api('POST', '/api/v1/dhs/CI9999999/checkout', { token: 'dev-admin', body: { to: 'Rack 1' } })).status).toBe(404);
    expect(await history(spare.number!)).toHaveLength(5); // none of the refusals wrote anything
  });

  test('JSON import: dry run writes nothing; per-row errors (every bad field) with the rest imported; relationships by natural key; idempotent re-import; updates', async () => {
    const body = {
      items: [
        { name: 'imp-web-01', class: 'server', environment: 'production', attributes: { hostname: 'imp-web-01', ip: '10.1.0.1', cpuCores: 4 } },
        { name: 'imp-app', class: 'application', attributes: { vendor: 'X' } },
        { name: '', class: 'server', attributes: { cpuCores: -1, ip: 'nope' } },
        { name: 'imp-ship', class: 'spaceship' },
        { name: 'imp-pc', class: 'desktop', cost: 100 },
        { name: 'imp-db', class: 'database', attributes: { engine: 'pg', colour: 'red' } },
        'not an object',
      ],
      relationships: [
        { source: 'application:imp-app', type: 'runs_on', target: 'server:imp-web-01' },
        { source: { class: 'application', name: 'imp-app' }, type: 'flies_to', target: 'server:imp-web-01' },
        { source: 'application:imp-app', type: 'uses', target: 'server:nope' },
        { source: 'imp-db', type: 'uses', target: 'server:imp-web-01' },
      ],
    };
    const before = await counts();
    const dry = await importJson(body, '?dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    expect(statuses(dry.body.rows)).toEqual(['created', 'created', 'error', 'error', 'error', 'error', 'error']);
    expect(statuses(dry.body.relationships.rows)).toEqual(['created', 'error', 'error', 'error']);
    expect(await counts()).toEqual(before); // nothing at all: no CI, version, relationship or number

    const res = await importJson(body);
    expect(res.status).toBe(200);
    const rows = res.body.rows as Row[];
    expect(statuses(rows)).toEqual(['created', 'created', 'error', 'error', 'error', 'error', 'error']);
    expect(res.body.summary).toEqual({ rows: 7, created: 2, updated: 0, unchanged: 0, error: 5 });
    expect(rows[0]).toMatchObject({ index: 1, naturalKey: 'server:imp-web-01', number: expect.stringMatching(/^CI\d{7}$/), id: expect.any(String) });
    expect(rows[2].errors!.map((e) => e.path).sort()).toEqual(['attributes.cpuCores', 'attributes.ip', 'name']);
    expect(rows[2].error).toMatch(/name: .*attributes\.cpuCores: /);
    expect(rows[3].errors!.map((e) => e.path)).toEqual(['class']);
    expect(rows[4].errors).toEqual([{ path: 'currency', message: 'required when a cost is recorded' }]);
    expect(rows[5].errors).toEqual([{ path: 'attributes', message: expect.stringMatching(/colour/) }]);
    expect(rows[6].errors!.map((e) => e.path)).toEqual(['(root)']);
    const rels = res.body.relationships.rows as Rel[];
    expect(statuses(rels)).toEqual(['created', 'error', 'error', 'error']);
    expect(rels[0]).toMatchObject({ source: 'application:imp-app', type: 'runs_on', target: 'server:imp-web-01' });
    expect(rels[1].error).toMatch(/type/);
    expect(rels[2].error).toMatch(/target: no configuration item server:nope/);
    expect(rels[3].error).toMatch(/source: no configuration item imp-db/);
    const after = await counts();
    expect(after.cis - before.cis).toBe(2);
    expect(after.relationships - before.relationships).toBe(1);

    const web = await s.api('GET', `/api/v1/cis/${rows[0].number}`);
    expect(web.body).toMatchObject({ name: 'imp-web-01', environment: 'production', attributes: { hostname: 'imp-web-01', ip: '10.1.0.1', cpuCores: 4 } });
    expect((await history(rows[1].number!)).map((v) => v.action)).toEqual(['create', 'relationship_added']);

    // the same import again: nothing to do
    const again = await importJson(body);
    expect(again.body.summary).toEqual({ rows: 7, created: 0, updated: 0, unchanged: 2, error: 5 });
    expect(again.body.relationships.summary).toEqual({ total: 4, created: 0, unchanged: 1, error: 3 });
    expect(await counts()).toEqual(after);

    // an update: attributes merge (null removes one); a bare array is accepted too; ?via= is recorded
    const upd = await importJson([{ name: 'imp-web-01', class: 'server', attributes: { cpuCores: 8, ip: null }, ownerGroup: 'l2-support' }], '?via=CHG0000042');
    expect(upd.body.rows[0]).toMatchObject({ status: 'updated', number: rows[0].number });
    expect([...upd.body.rows[0].changes].sort()).toEqual(['attributes.cpuCores', 'attributes.ip', 'ownerGroup']);
    expect((await s.api('GET', `/api/v1/cis/${rows[0].number}`)).body.attributes).toEqual({ hostname: 'imp-web-01', cpuCores: 8 });
    const h = await history(rows[0].number!);
    expect(h[h.length - 1]).toMatchObject({ action: 'import', via: 'CHG0000042', actor: 'usr-change_manager', changes: { 'attributes.cpuCores': { before: 4, after: 8 } } });

    // matched by natural key (the hostname), the row's name renames the CI; a rename onto another CI's identity is that row's error
    const rename = await importJson([{ name: 'imp-web-01-renamed', class: 'server', attributes: { hostname: 'IMP-WEB-01' } }]);
    expect(rename.body.rows[0]).toMatchObject({ status: 'updated', number: rows[0].number, changes: ['name', 'attributes.hostname'] });
    const taken = await importJson([{ name: 'fin-srv-1', class: 'server', attributes: { hostname: 'IMP-WEB-01' } }, { name: 'imp-after', class: 'application' }]);
    expect(statuses(taken.body.rows)).toEqual(['error', 'created']);
    expect(taken.body.rows[0].error).toMatch(/same identity already exists/);
    expect((await s.api('GET', `/api/v1/cis/${rows[0].number}`)).body.name).toBe('imp-web-01-renamed');

    // the same CI twice in one file: created, then updated, in order
    const dup = await importJson([{ name: 'imp-dup', class: 'application', attributes: { vendor: 'A' } }, { name: 'imp-dup', class: 'application', attributes: { vendor: 'B' } }, { name: 'imp-dup', class: 'application', attributes: { vendor: 'B' } }]);
    expect(statuses(dup.body.rows)).toEqual(['created', 'updated', 'unchanged']);
    expect((await history(dup.body.rows[0].number)).map((v) => v.action)).toEqual(['create', 'import']);
    const dupDry = await importJson([{ name: 'imp-dup2', class: 'application' }, { name: 'imp-dup2', class: 'application', attributes: { vendor: 'Z' } }], '?dryRun=true');
    expect(statuses(dupDry.body.rows)).toEqual(['created', 'updated']);

    // retiring is DELETE's job (it checks open references)
    const retire = await importJson([{ name: 'imp-app', class: 'application', status: 'retired' }]);
    expect(retire.body.rows[0].errors).toEqual([{ path: 'status', message: expect.stringMatching(/DELETE/) }]);
  });

  test('import refusals: 400 for a bad envelope, 415 for other media types, 413 above the row limit, 403 for other roles', async () => {
    const env400 = await importJson({ things: [] });
    expect([env400.status, paths(env400.body)]).toEqual([400, ['(root)', 'items']]);
    const plain = await s.api('POST', '/api/v1/cis/import', { token: 'dev-admin', raw: 'name,class\n', headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(415);
    const csvElsewhere = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', raw: 'name,class\nx,server\n', headers: { 'content-type': 'text/csv' } });
    expect(csvElsewhere.status).toBe(415);
    expect((await importCsv('')).status).toBe(400);
    const header = await importCsv('name,klass\nx,server\n');
    expect([header.status, paths(header.body)]).toEqual([400, ['header.class', 'header.klass']]);
    const broken = await importCsv('name,class\n"x,server\n');
    expect([broken.status, broken.body.detail]).toEqual([400, expect.stringMatching(/line 2: unterminated/)]);

    const before = await counts();
    const big = await importCsv('name,class\n' + 'x,server\n'.repeat(IMPORT_MAX_ROWS + 1));
    expect(big.status).toBe(413);
    expect(big.body.detail).toMatch(/50000/);
    expect((await importJson(Array.from({ length: IMPORT_MAX_ROWS + 1 }, () => ({})))).status).toBe(413);
    expect(await counts()).toEqual(before);

    expect((await importJson({ items: [] }, '', 'dev-agent')).status).toBe(403);
    expect((await importJson({ items: [] }, '', 'dev-release_manager')).status).toBe(403);
    expect((await importJson({ items: [] }, '?dryRun=maybe')).status).toBe(400);
    expect((await s.api('GET', '/api/v1/cis/export', { token: 'dev-agent' })).status).toBe(403);
    expect(paths((await s.api('GET', '/api/v1/cis/export?format=xml', { token: 'dev-admin' })).body)).toEqual(['query.format']);
  });

  test('CSV import (quotes, commas, line breaks, typed cells, relationships column), per-row errors with line numbers, then export → import round trips unchanged (CSV and JSON)', async () => {
    const csv = [
      'name,class,status,environment,ownerGroup,cost,currency,purchaseDate,depreciationMethod,depreciationYears,attr.hostname,attr.cpuCores,attr.memoryGb,attr.os,attr.vendor,attr.criticality,attr.description,relationships',
      'csv-svc,service,live,production,"Payroll, EMEA",,,,,,,,,,,high,"Payroll, the ""gold"" service',
      'second line",depends_on:application:csv-app',
      'csv-app,application,,production,,,,,,,,,,,"Acme, Inc.",,,runs_on:server:csv-host;uses:service:csv-svc',
      'csv-host,server,in_build,,,5000,EUR,2024-03-01,straight_line,5,csv-host,16,64.5,"Linux ""Ubuntu"", 22.04",,,,',
      'csv-bad,server,,,,-5,,,,,csv-bad,eight,,,,,,',
      'csv-app2,application,,,,,,,,,,,,,,,,depends_on:server:nowhere;flies_to:server:csv-host',
    ].join('\r\n') + '\r\n';
    const before = await counts();
    const dry = await importCsv(csv, '?dryRun=true');
    expect(dry.status).toBe(200);
    expect(statuses(dry.body.rows)).toEqual(['created', 'created', 'created', 'error', 'created']);
    expect(await counts()).toEqual(before);

    const res = await importCsv(csv);
    expect(res.status).toBe(200);
    expect(res.body.format).toBe('csv');
    const rows = res.body.rows as Row[];
    expect(rows.map((r) => [r.index, r.line, r.status])).toEqual([
      [1, 2, 'created'],
      [2, 4, 'created'],
      [3, 5, 'created'],
      [4, 6, 'error'],
      [5, 7, 'created'],
    ]);
    expect(rows[3].errors!.map((e) => e.path).sort()).toEqual(['attr.cpuCores', 'cost']);
    expect(statuses(res.body.relationships.rows)).toEqual(['created', 'created', 'created', 'error', 'error']);
    expect(res.body.relationships.rows[3]).toMatchObject({ line: 7, error: expect.stringMatching(/server:nowhere/) });
    const svc = await s.api('GET', `/api/v1/cis/${rows[0].number}`);
    expect(svc.body).toMatchObject({ ownerGroup: 'Payroll, EMEA', attributes: { criticality: 'high', description: 'Payroll, the "gold" service\r\nsecond line' } });
    const host = await s.api('GET', `/api/v1/assets/${rows[2].number}?asOf=2025-03-01`);
    expect(host.body).toMatchObject({ status: 'in_build', cost: 5000, currency: 'EUR', bookValue: 4000, attributes: { hostname: 'csv-host', cpuCores: 16, memoryGb: 64.5, os: 'Linux "Ubuntu", 22.04' } });
    expect(await importCsv(csv).then((r) => r.body.summary)).toEqual({ rows: 5, created: 0, updated: 0, unchanged: 4, error: 1 });

    // export → import: everything unchanged (every CI of this database, whatever the earlier tests made)
    const exp = await s.api('GET', '/api/v1/cis/export?format=csv', { token: 'dev-change_manager' });
    expect(exp.status).toBe(200);
    expect(exp.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = exp.body as string;
    const records = parseCsv(text);
    expect(records[0].cells.slice(0, 5)).toEqual(['name', 'class', 'status', 'environment', 'ownerGroup']);
    expect(records[0].cells).toEqual(expect.arrayContaining(['cost', 'currency', 'attr.hostname', 'attr.cpuCores', 'relationships']));
    const total = await s.tdb.db.configurationItem.count();
    expect(records).toHaveLength(total + 1);
    const svcCells = records.find((r) => r.cells[0] === 'csv-svc')!.cells;
    expect(svcCells[records[0].cells.indexOf('attr.description')]).toBe('Payroll, the "gold" service\r\nsecond line');
    expect(svcCells[records[0].cells.indexOf('relationships')]).toBe('depends_on:application:csv-app');

    const countsBefore = await counts();
    const round = await importCsv(text, '', 'dev-change_manager');
    expect(round.status).toBe(200);
    expect(round.body.summary).toEqual({ rows: total, created: 0, updated: 0, unchanged: total, error: 0 });
    expect(round.body.relationships.summary.unchanged).toBe(round.body.relationships.summary.total);
    expect(round.body.relationships.summary.total).toBe(countsBefore.relationships);

    const json = await s.api('GET', '/api/v1/cis/export?format=json', { token: 'dev-admin' });
    expect(json.status).toBe(200);
    expect(json.body.items).toHaveLength(total);
    expect(json.body.relationships).toHaveLength(countsBefore.relationships);
    expect(json.body.items.find((i: { name: string }) => i.name === 'csv-host')).toEqual({
      name: 'csv-host', class: 'server', status: 'in_build', cost: 5000, currency: 'EUR', purchaseDate: '2024-03-01T00:00:00.000Z', depreciationMethod: 'straight_line', depreciationYears: 5,
      attributes: { hostname: 'csv-host', cpuCores: 16, memoryGb: 64.5, os: 'Linux "Ubuntu", 22.04' },
    });
    const roundJson = await importJson(json.body, '', 'dev-admin');
    expect(roundJson.body.summary).toEqual({ rows: total, created: 0, updated: 0, unchanged: total, error: 0 });
    expect(roundJson.body.relationships.summary).toMatchObject({ created: 0, error: 0 });
    expect(await counts()).toEqual(countsBefore);

    const servers = parseCsv((await s.api('GET', '/api/v1/cis/export?class=server', { token: 'dev-admin' })).body as string);
    expect(new Set(servers.slice(1).map((r) => r.cells[1]))).toEqual(new Set(['server']));
  });

  test('a batch that fails in the database (a concurrent writer) is redone row by row: only the clashing rows are errors', async () => {
    // What a concurrent writer looks like to the import: CIs and a relationship that appear after
    // its up-front lookup. A view of the database that hides them from that lookup does the same.
    const race = await createCi({ name: 'race-x', class: 'application' });
    const target = await createCi({ name: 'race-target', class: 'server', attributes: { hostname: 'race-target' } });
    const source = await createCi({ name: 'race-source', class: 'application' });
    expect((await s.api('POST', `/api/v1/cis/${source.id}/relationships`, { token: 'dev-admin', body: { type: 'runs_on', targetId: target.id } })).status).toBe(201);
    const real = s.tdb.db;
    const hide = <T extends object>(model: T, filter: (r: Record<string, unknown>) => boolean) =>
      new Proxy(model, {
        get(m, k) {
          const v = Reflect.get(m, k);
          if (k === 'findMany') return async (args: unknown) => ((await (v as (a: unknown) => Promise<Record<string, unknown>[]>).call(m, args)) ?? []).filter(filter);
          return typeof v === 'function' ? v.bind(m) : v;
        },
      });
    const db = new Proxy(real, {
      get(t, k) {
        if (k === 'configurationItem') return hide(t.configurationItem, (r) => r.name !== 'race-x');
        if (k === 'ciRelationship') return hide(t.ciRelationship, (r) => r.sourceId !== source.id);
        const v = Reflect.get(t, k);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    }) as Db;
    const result = await runImport(
      db,
      readJson({
        items: [{ name: 'race-1', class: 'application' }, { name: 'race-x', class: 'application', attributes: { vendor: 'late' } }, { name: 'race-2', class: 'application' }],
        relationships: [
          { source: 'application:race-source', type: 'runs_on', target: 'server:race-target' },
          { source: 'application:race-1', type: 'uses', target: 'server:race-target' },
        ],
      }),
      { dryRun: false, ctx: { actor: 'usr-admin' } },
    );
    expect(statuses(result.rows)).toEqual(['created', 'error', 'created']);
    expect(result.rows[1].error).toMatch(new RegExp(`same identity already exists \\(${race.number}\\)`));
    expect(statuses(result.relationships.rows)).toEqual(['error', 'created']);
    expect(result.relationships.rows[0].error).toMatch(/already runs_on/);
    // the clashing row wrote nothing; the others are whole (a CI with its create version)
    expect((await s.api('GET', `/api/v1/cis/${race.number}`)).body.attributes).toEqual({});
    for (const r of [result.rows[0], result.rows[2]]) expect((await history(r.number!)).map((v) => v.action)[0]).toBe('create');
    expect((await history(result.rows[0].number!)).map((v) => v.action)).toEqual(['create', 'relationship_added']);
    expect((await history(source.number)).map((v) => v.action)).toEqual(['create', 'relationship_added']);
  });

  test('an imported CI and relationship are versioned exactly as ci-store writes them one by one', async () => {
    const one = await createCi({ name: 'par-a', class: 'server', environment: 'test', attributes: { hostname: 'par-a', cpuCores: 2 } });
    const other = await createCi({ name: 'par-target', class: 'storage', attributes: { serial: 'PAR-T' } });
    const rel = await s.api('POST', `/api/v1/cis/${one.id}/relationships`, { token: 'dev-admin', body: { type: 'backed_up_by', targetId: other.id } });
    expect(rel.status).toBe(201);
    const imp = await importJson({
      items: [{ name: 'par-b', class: 'server', environment: 'test', attributes: { hostname: 'par-b', cpuCores: 2 } }],
      relationships: [{ source: 'server:par-b', type: 'backed_up_by', target: 'storage:par-t' }],
    }, '', 'dev-admin');
    const two = imp.body.rows[0] as Row;
    const versions = async (ciId: string) => s.tdb.db.ciVersion.findMany({ where: { ciId }, orderBy: { version: 'asc' } });
    const [a, b] = [await versions(one.id), await versions(two.id!)];
    const norm = (v: { version: number; action: string; actor: string; changes: string; snapshot: string }, row: { id: string; number: string }, name: string) => {
      const changes = Object.fromEntries(
        Object.entries(JSON.parse(v.changes) as Record<string, { before: unknown; after: unknown }>).map(([k, c]) =>
          k.startsWith('relationships.') ? [k.replace(/^(relationships\.\w+)\..*$/, '$1.<target>'), { before: c.before, after: '<rel>' }] : [k, c],
        ),
      );
      return JSON.parse(
        JSON.stringify({ version: v.version, action: v.action, actor: v.actor, changes, snapshot: JSON.parse(v.snapshot) })
          .replaceAll(row.id, '<id>')
          .replaceAll(row.number, '<number>')
          .replaceAll(name, '<name>'),
      );
    };
    expect(imp.body.relationships.summary).toMatchObject({ created: 1, error: 0 });
    expect(a.map((v) => v.action)).toEqual(['create', 'relationship_added']);
    expect(b.map((v) => norm(v, { id: two.id!, number: two.number! }, 'par-b'))).toEqual(a.map((v) => norm(v, one, 'par-a')));
    const [rowA, rowB] = await Promise.all([s.tdb.db.configurationItem.findUniqueOrThrow({ where: { id: one.id } }), s.tdb.db.configurationItem.findUniqueOrThrow({ where: { id: two.id } })]);
    expect(rowB.version).toBe(rowA.version);
    expect(b[0].at.getTime()).toBe(rowB.createdAt.getTime());
  });
});
