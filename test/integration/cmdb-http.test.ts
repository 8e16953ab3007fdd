/**
 * The CMDB over HTTP: CIs (per-class attributes, versioned PATCH, `?at=`, history, retire
 * instead of delete), relationships and impact analysis, on SQLite and PostgreSQL.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { patchCi } from '../../db/ci-store';
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

const targets = (response: string, resolution: string) =>
  Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response, resolution }]));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path).sort();

describe.each(PROVIDERS)('CMDB over HTTP on %s', (provider) => {
  let s: Stack;

  beforeAll(async () => {
    s = await startStack({ provider, env });
    const sla = await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Default', kind: 'SLA', targets: targets('PT1H', 'PT8H'), isDefault: true } });
    expect(sla.status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  const createCi = async (body: Record<string, unknown>, token = 'dev-admin') => {
    const res = await s.api('POST', '/api/v1/cis', { token, body });
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    return res.body as { id: string; number: string; name: string; version: number };
  };
  const relate = async (source: string, type: string, target: string) => {
    const res = await s.api('POST', `/api/v1/cis/${source}/relationships`, { token: 'dev-change_manager', body: { type, targetId: target } });
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    return res.body as { id: string };
  };

  test('POST /cis: per-class attributes, number and natural key; 400 per bad field; 409 on identity clash; roles', async () => {
    const created = await s.api('POST', '/api/v1/cis', {
      token: 'dev-change_manager',
      body: { name: 'db-host-01', class: 'server', environment: 'production', ownerGroup: 'l2-support', attributes: { hostname: 'DB-HOST-01', ip: '10.0.0.5', os: 'Linux', cpuCores: 16, memoryGb: 64 } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      number: expect.stringMatching(/^CI\d{7}$/),
      name: 'db-host-01',
      class: 'server',
      status: 'live',
      environment: 'production',
      ownerGroup: 'l2-support',
      attributes: { hostname: 'DB-HOST-01', cpuCores: 16 },
      naturalKey: 'server:db-host-01',
      version: 1,
      retiredAt: null,
      cost: null,
      location: null,
      checkedOutTo: null,
    });

    const bad = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: 'x', class: 'server', attributes: { cpuCores: 'many', ip: '999.1.1.1', memoryGb: -1 } } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(paths(bad.body)).toEqual(['attributes.cpuCores', 'attributes.ip', 'attributes.memoryGb']);
    const unknownAttr = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: 'x', class: 'service', attributes: { colour: 'red' } } });
    expect(unknownAttr.status).toBe(400);
    expect(unknownAttr.body.errors[0].message).toMatch(/colour/);
    const unknownClass = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: 'x', class: 'spaceship' } });
    expect(unknownClass.status).toBe(400);
    expect(paths(unknownClass.body)).toEqual(['class']);
    const badFields = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: '', class: 'server', status: 'on_fire', environment: 'e'.repeat(51), extra: 1 } });
    expect(badFields.status).toBe(400);
    expect(paths(badFields.body)).toEqual(expect.arrayContaining(['environment', 'name', 'status']));
    expect(badFields.body.errors.length).toBe(4); // plus the unknown key

    // Same class + name, or same class-specific key (hostname, case-insensitive): 409.
    expect((await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: 'db-host-01', class: 'server' } })).status).toBe(409);
    const sameHost = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: 'other name', class: 'server', attributes: { hostname: 'db-host-01' } } });
    expect(sameHost.status).toBe(409);
    expect(sameHost.body.detail).toContain(created.body.number);
    // Same name in another class is a different CI.
    expect((await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: 'db-host-01', class: 'virtual_machine' } })).status).toBe(201);

    expect((await s.api('POST', '/api/v1/cis', { token: 'dev-agent', body: { name: 'y', class: 'server' } })).status).toBe(403);
    expect((await s.api('POST', '/api/v1/cis', { token: null, body: { name: 'y', class: 'server' } })).status).toBe(401);
    expect((await s.api('POST', '/api/v1/cis', { token: 'dev-requester', body: { name: 'y', class: 'server' } })).status).toBe(403);
  });

  test('GET /cis filters by class, status, environment and q; GET /cis/:id by id or number; 404', async () => {
    const a = await createCi({ name: 'Payroll', class: 'service', environment: 'production', attributes: { criticality: 'critical' } });
    const b = await createCi({ name: 'Payroll staging', class: 'service', environment: 'staging', status: 'in_build' });
    await createCi({ name: 'payroll-app', class: 'application', environment: 'production' });

    const services = await s.api('GET', '/api/v1/cis?class=service&q=Payroll');
    expect(services.status).toBe(200);
    expect(services.body.items.map((c: { id: string }) => c.id).sort()).toEqual([a.id, b.id].sort());
    const staging = await s.api('GET', '/api/v1/cis?class=service&environment=staging&q=Payroll');
    expect(staging.body.items.map((c: { id: string }) => c.id)).toEqual([b.id]);
    const building = await s.api('GET', '/api/v1/cis?status=in_build&q=Payroll', { token: 'dev-requester' });
    expect(building.body.items.map((c: { id: string }) => c.id)).toEqual([b.id]);
    const byNumber = await s.api('GET', `/api/v1/cis?q=${a.number}`);
    expect(byNumber.body.items.map((c: { id: string }) => c.id)).toEqual([a.id]);
    const badList = await s.api('GET', '/api/v1/cis?class=spaceship&status=gone&limit=0');
    expect(badList.status).toBe(400);
    expect(paths(badList.body)).toEqual(['query.class', 'query.limit', 'query.status']);

    expect((await s.api('GET', `/api/v1/cis/${a.id}`, { token: 'dev-agent' })).body.number).toBe(a.number);
    expect((await s.api('GET', `/api/v1/cis/${a.number}`, { token: 'dev-requester' })).body.id).toBe(a.id);
    expect((await s.api('GET', '/api/v1/cis/CI9999999')).status).toBe(404);
    expect((await s.api('GET', '/api/v1/cis/CI9999999', { token: null })).status).toBe(401);
  });

  test('q is plain text, case-insensitive on both databases: % and _ are characters, not wildcards; pages with a cursor', async () => {
    const tag = `lk${provider}${Date.now().toString(36)}`;
    const under = await createCi({ name: `${tag}_db`, class: 'application' });
    const pct = await createCi({ name: `${tag}%off`, class: 'application' });
    const plain = await createCi({ name: `${tag.toUpperCase()}xdb`, class: 'application' });
    const ids = async (q: string, extra = '') => (await s.api('GET', `/api/v1/cis?q=${encodeURIComponent(q)}${extra}`)).body.items.map((c: { id: string }) => c.id);
    expect(await ids(`${tag}_`)).toEqual([under.id]);
    expect(await ids(`${tag}%`)).toEqual([pct.id]);
    expect((await ids('_', '&limit=500')).length).toBeLessThan((await s.api('GET', '/api/v1/cis?limit=500')).body.items.length);
    expect(await ids(`${tag}XDB`)).toEqual([plain.id]);
    expect((await ids(tag)).sort()).toEqual([under.id, pct.id, plain.id].sort());
    const first = await s.api('GET', `/api/v1/cis?q=${tag}&limit=2`);
    expect(first.body.items.map((c: { id: string }) => c.id)).toEqual([plain.id, pct.id]);
    const rest = await s.api('GET', `/api/v1/cis?q=${tag}&limit=2&cursor=${first.body.nextCursor}`);
    expect([rest.body.items.map((c: { id: string }) => c.id), rest.body.nextCursor]).toEqual([[under.id], null]);
  });

  test('PATCH merges attributes per key (null removes), is versioned with field-level changes; ?at= reads before and after', async () => {
    const ci = await createCi({ name: 'app-vm-01', class: 'virtual_machine', environment: 'test', attributes: { hostname: 'app-vm-01', cpuCores: 2, os: 'Linux', hypervisor: 'kvm' } });
    const created = (await s.api('GET', `/api/v1/cis/${ci.id}`)).body;
    await sleep(20);
    const beforePatch = new Date().toISOString();
    await sleep(20);

    const patched = await s.api('PATCH', `/api/v1/cis/${ci.number}`, {
      token: 'dev-change_manager',
      body: { status: 'maintenance', environment: 'production', ownerGroup: 'l3-support', attributes: { cpuCores: 4, memoryGb: 8, hypervisor: null } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'maintenance', environment: 'production', ownerGroup: 'l3-support', version: 2 });
    expect(patched.body.attributes).toEqual({ hostname: 'app-vm-01', cpuCores: 4, os: 'Linux', memoryGb: 8 });
    await sleep(20);
    const afterPatch = new Date().toISOString();

    // A PATCH that changes nothing writes no version.
    const same = await s.api('PATCH', `/api/v1/cis/${ci.id}`, { token: 'dev-admin', body: { status: 'maintenance', attributes: { cpuCores: 4 } } });
    expect([same.status, same.body.version]).toEqual([200, 2]);

    const history = await s.api('GET', `/api/v1/cis/${ci.id}/history`, { token: 'dev-agent' });
    expect(history.status).toBe(200);
    expect(history.body.map((h: { version: number; action: string }) => [h.version, h.action])).toEqual([
      [1, 'create'],
      [2, 'update'],
    ]);
    expect(history.body[0]).toMatchObject({ actor: 'usr-admin', via: null, at: created.createdAt });
    expect(history.body[0].changes.name).toEqual({ before: null, after: 'app-vm-01' });
    expect(history.body[1]).toMatchObject({ actor: 'usr-change_manager', via: null });
    expect(history.body[1].changes).toEqual({
      status: { before: 'live', after: 'maintenance' },
      environment: { before: 'test', after: 'production' },
      ownerGroup: { before: null, after: 'l3-support' },
      'attributes.cpuCores': { before: 2, after: 4 },
      'attributes.memoryGb': { before: null, after: 8 },
      'attributes.hypervisor': { before: 'kvm', after: null },
    });

    const then = await s.api('GET', `/api/v1/cis/${ci.id}?at=${encodeURIComponent(beforePatch)}`);
    expect(then.status).toBe(200);
    expect(then.body).toMatchObject({ id: ci.id, number: ci.number, status: 'live', environment: 'test', ownerGroup: null, version: 1, createdAt: created.createdAt });
    expect(then.body.attributes).toEqual({ hostname: 'app-vm-01', cpuCores: 2, os: 'Linux', hypervisor: 'kvm' });
    const atCreation = await s.api('GET', `/api/v1/cis/${ci.number}?at=${encodeURIComponent(created.createdAt)}`);
    expect([atCreation.status, atCreation.body.version]).toEqual([200, 1]);
    const now = await s.api('GET', `/api/v1/cis/${ci.id}?at=${encodeURIComponent(afterPatch)}`);
    expect(now.body).toMatchObject({ status: 'maintenance', version: 2, attributes: patched.body.attributes });
    const offset = await s.api('GET', `/api/v1/cis/${ci.id}?at=${encodeURIComponent(afterPatch.replace('Z', '+00:00'))}`);
    expect(offset.body.version).toBe(2);

    // A change that comes through a change or release record (in code) names it in the history.
    await patchCi(s.tdb.db, ci.id, { attributes: { os: 'Linux 6.8' } }, { actor: 'usr-change_manager', via: 'CHG0000042' });
    const viaHistory = await s.api('GET', `/api/v1/cis/${ci.id}/history`);
    expect(viaHistory.body.at(-1)).toMatchObject({ version: 3, action: 'update', via: 'CHG0000042', changes: { 'attributes.os': { before: 'Linux', after: 'Linux 6.8' } } });

    const beforeCreation = await s.api('GET', `/api/v1/cis/${ci.id}?at=2000-01-01T00:00:00Z`);
    expect(beforeCreation.status).toBe(404);
    const badAt = await s.api('GET', `/api/v1/cis/${ci.id}?at=yesterday`);
    expect(badAt.status).toBe(400);
    expect(paths(badAt.body)).toEqual(['query.at']);
  });

  test('PATCH: 400 per bad field, 409 on a natural-key clash, 404, 403', async () => {
    const one = await createCi({ name: 'web-01', class: 'server', attributes: { hostname: 'web-01' } });
    const two = await createCi({ name: 'web-02', class: 'server', attributes: { hostname: 'web-02' } });

    const bad = await s.api('PATCH', `/api/v1/cis/${two.id}`, { token: 'dev-admin', body: { name: '', status: 'exploded', class: 'storage', attributes: { cpuCores: 1.5 } } });
    expect(bad.status).toBe(400);
    expect(paths(bad.body)).toEqual(expect.arrayContaining(['name', 'status']));
    const badAttr = await s.api('PATCH', `/api/v1/cis/${two.id}`, { token: 'dev-admin', body: { attributes: { cpuCores: 1.5, ip: 'localhost', flavour: 'x' } } });
    expect(badAttr.status).toBe(400);
    expect(paths(badAttr.body)).toEqual(['attributes', 'attributes.cpuCores', 'attributes.ip']);
    const retire = await s.api('PATCH', `/api/v1/cis/${two.id}`, { token: 'dev-admin', body: { status: 'retired' } });
    expect(retire.status).toBe(400);
    expect(retire.body.errors[0]).toMatchObject({ path: 'status', message: expect.stringMatching(/DELETE/) });

    const sameName = await s.api('PATCH', `/api/v1/cis/${two.id}`, { token: 'dev-admin', body: { name: 'web-01' } });
    expect(sameName.status).toBe(409);
    const sameHost = await s.api('PATCH', `/api/v1/cis/${two.id}`, { token: 'dev-admin', body: { attributes: { hostname: 'WEB-01' } } });
    expect(sameHost.status).toBe(409);
    expect(sameHost.body.detail).toContain(one.number);

    // A rename that keeps the identity unique moves the natural key (server: by hostname).
    const renamed = await s.api('PATCH', `/api/v1/cis/${two.id}`, { token: 'dev-admin', body: { name: 'web-02-renamed', attributes: { hostname: 'web-03' } } });
    expect(renamed.body).toMatchObject({ name: 'web-02-renamed', naturalKey: 'server:web-03', version: 2 });
    const history = await s.api('GET', `/api/v1/cis/${two.id}/history`);
    expect(history.body).toHaveLength(2); // refused PATCHes wrote nothing

    expect((await s.api('PATCH', '/api/v1/cis/CI9999999', { token: 'dev-admin', body: { name: 'x' } })).status).toBe(404);
    expect((await s.api('PATCH', `/api/v1/cis/${two.id}`, { token: 'dev-agent', body: { name: 'x' } })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/cis/CI9999999/history')).status).toBe(404);
  });

  test('DELETE retires instead of deleting: 409 naming open incidents, 200 once they are closed or cancelled', async () => {
    const svc = await createCi({ name: 'Intranet', class: 'service' });
    const host = await createCi({ name: 'intranet-host', class: 'server', attributes: { hostname: 'intranet-host' } });
    const rel = await relate(svc.id, 'depends_on', host.id);

    const onCi = await s.api('POST', '/api/v1/incidents', { body: { title: 'Intranet host down', impact: 'high', urgency: 'high', ciId: host.number } });
    expect(onCi.status).toBe(201);
    const onService = await s.api('POST', '/api/v1/incidents', { body: { title: 'Intranet slow', impact: 'low', urgency: 'low', serviceId: svc.id, ciId: host.id } });
    expect(onService.status).toBe(201);

    const refused = await s.api('DELETE', `/api/v1/cis/${host.id}`, { token: 'dev-change_manager' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(onCi.body.number);
    expect(refused.body.detail).toContain(onService.body.number);
    const refusedSvc = await s.api('DELETE', `/api/v1/cis/${svc.number}`, { token: 'dev-admin' });
    expect(refusedSvc.status).toBe(409);
    expect(refusedSvc.body.detail).toContain(onService.body.number);
    expect(refusedSvc.body.detail).not.toContain(onCi.body.number);

    // Cancelled: no longer blocks; still-open resolved one does.
    expect((await s.api('POST', `/api/v1/incidents/${onCi.body.id}/cancel`, { body: { reason: 'duplicate' } })).body.state).toBe('cancelled');
    expect((await s.api('POST', `/api/v1/incidents/${onService.body.id}/resolve`, { body: { code: 'fixed', notes: 'rebooted' } })).body.state).toBe('resolved');
    const stillRefused = await s.api('DELETE', `/api/v1/cis/${host.id}`, { token: 'dev-admin' });
    expect(stillRefused.status).toBe(409);
    expect(stillRefused.body.detail).toContain(onService.body.number);
    expect(stillRefused.body.detail).not.toContain(onCi.body.number);
    expect((await s.api('POST', `/api/v1/incidents/${onService.body.id}/close`, { body: {} })).body.state).toBe('closed');

    expect((await s.api('DELETE', `/api/v1/cis/${host.id}`, { token: 'dev-agent' })).status).toBe(403);
    const retired = await s.api('DELETE', `/api/v1/cis/${host.id}`, { token: 'dev-change_manager' });
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ id: host.id, status: 'retired', retiredAt: expect.any(String), version: 2 });
    const again = await s.api('DELETE', `/api/v1/cis/${host.number}`, { token: 'dev-admin' });
    expect(again.body).toMatchObject({ status: 'retired', version: 2, retiredAt: retired.body.retiredAt });

    // Kept, with its relationships and history.
    expect((await s.api('GET', `/api/v1/cis/${host.id}`)).body.status).toBe('retired');
    const rels = await s.api('GET', `/api/v1/cis/${host.id}/relationships`);
    expect(rels.body.incoming.map((r: { id: string }) => r.id)).toEqual([rel.id]);
    const history = await s.api('GET', `/api/v1/cis/${host.id}/history`);
    expect(history.body.at(-1)).toMatchObject({ action: 'retire', actor: 'usr-change_manager', changes: { status: { before: 'live', after: 'retired' }, retiredAt: { before: null } } });
    const retiredList = await s.api('GET', '/api/v1/cis?status=retired');
    expect(retiredList.body.items.map((c: { id: string }) => c.id)).toContain(host.id);
    // Retired CIs take no new relationships.
    const late = await s.api('POST', `/api/v1/cis/${svc.id}/relationships`, { token: 'dev-admin', body: { type: 'uses', targetId: host.id } });
    expect(late.status).toBe(409);

    // Reinstated by a PATCH to another status: retiredAt cleared, versioned.
    const back = await s.api('PATCH', `/api/v1/cis/${host.id}`, { token: 'dev-admin', body: { status: 'live' } });
    expect(back.body).toMatchObject({ status: 'live', retiredAt: null, version: 3 });
    expect((await s.api('DELETE', '/api/v1/cis/CI9999999', { token: 'dev-admin' })).status).toBe(404);
  });

  test('relationships: create by id or number, list both directions, duplicate 409, self/unknown target/bad type 400, delete 204, versioned on the source', async () => {
    const app = await createCi({ name: 'crm-app', class: 'application', attributes: { vendor: 'Acme' } });
    const vm = await createCi({ name: 'crm-vm', class: 'virtual_machine' });
    const db = await createCi({ name: 'crm-db', class: 'database', attributes: { engine: 'postgres' } });

    const created = await s.api('POST', `/api/v1/cis/${app.number}/relationships`, { token: 'dev-change_manager', body: { type: 'runs_on', targetId: vm.number } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), sourceId: app.id, sourceNumber: app.number, type: 'runs_on', targetId: vm.id, targetNumber: vm.number, createdAt: expect.any(String) });
    const dep = await relate(app.id, 'depends_on', db.id);
    // Another type between the same two CIs is a different relationship.
    await relate(app.id, 'uses', vm.id);

    const dup = await s.api('POST', `/api/v1/cis/${app.id}/relationships`, { token: 'dev-admin', body: { type: 'runs_on', targetId: vm.id } });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toContain(created.body.id);
    const self = await s.api('POST', `/api/v1/cis/${app.id}/relationships`, { token: 'dev-admin', body: { type: 'depends_on', targetId: app.number } });
    expect(self.status).toBe(400);
    expect(paths(self.body)).toEqual(['targetId']);
    const unknown = await s.api('POST', `/api/v1/cis/${app.id}/relationships`, { token: 'dev-admin', body: { type: 'depends_on', targetId: 'CI9999999' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ path: 'targetId', message: expect.stringMatching(/CI9999999/) }]);
    const badType = await s.api('POST', `/api/v1/cis/${app.id}/relationships`, { token: 'dev-admin', body: { type: 'loves', targetId: '', extra: true } });
    expect(badType.status).toBe(400);
    expect(paths(badType.body)).toEqual(expect.arrayContaining(['targetId', 'type']));
    expect((await s.api('POST', '/api/v1/cis/CI9999999/relationships', { token: 'dev-admin', body: { type: 'uses', targetId: vm.id } })).status).toBe(404);
    expect((await s.api('POST', `/api/v1/cis/${app.id}/relationships`, { token: 'dev-agent', body: { type: 'uses', targetId: db.id } })).status).toBe(403);

    const appRels = await s.api('GET', `/api/v1/cis/${app.id}/relationships`, { token: 'dev-agent' });
    expect(appRels.status).toBe(200);
    expect(appRels.body.incoming).toEqual([]);
    expect(appRels.body.outgoing.map((r: { type: string; target: { number: string } }) => [r.type, r.target.number]).sort()).toEqual(
      [['depends_on', db.number], ['runs_on', vm.number], ['uses', vm.number]].sort(),
    );
    const vmRels = await s.api('GET', `/api/v1/cis/${vm.number}/relationships`);
    expect(vmRels.body.outgoing).toEqual([]);
    expect(vmRels.body.incoming.map((r: { type: string; source: { id: string } }) => [r.type, r.source.id]).sort()).toEqual([['runs_on', app.id], ['uses', app.id]]);
    // Both ends by id and number, either direction.
    const ends = (r: { sourceId: string; sourceNumber: string; targetId: string; targetNumber: string }) => [r.sourceId, r.sourceNumber, r.targetId, r.targetNumber];
    expect(vmRels.body.incoming.map(ends)).toEqual([[app.id, app.number, vm.id, vm.number], [app.id, app.number, vm.id, vm.number]]);
    expect(appRels.body.outgoing.map(ends)).toEqual(expect.arrayContaining([[app.id, app.number, db.id, db.number], [app.id, app.number, vm.id, vm.number]]));

    expect((await s.api('DELETE', `/api/v1/cis/${app.id}/relationships/${dep.id}`, { token: 'dev-agent' })).status).toBe(403);
    expect((await s.api('DELETE', `/api/v1/cis/${vm.id}/relationships/${dep.id}`, { token: 'dev-admin' })).status).toBe(404); // not one of vm's
    const removed = await s.api('DELETE', `/api/v1/cis/${app.id}/relationships/${dep.id}`, { token: 'dev-admin' });
    expect(removed.status).toBe(204);
    expect((await s.api('DELETE', `/api/v1/cis/${app.id}/relationships/${dep.id}`, { token: 'dev-admin' })).status).toBe(404);
    // From the target's side too.
    expect((await s.api('DELETE', `/api/v1/cis/${vm.number}/relationships/${created.body.id}`, { token: 'dev-admin' })).status).toBe(204);
    expect((await s.api('GET', `/api/v1/cis/${app.id}/relationships`)).body.outgoing.map((r: { type: string }) => r.type)).toEqual(['uses']);

    const history = await s.api('GET', `/api/v1/cis/${app.id}/history`);
    expect(history.body.map((h: { action: string }) => h.action)).toEqual(['create', 'relationship_added', 'relationship_added', 'relationship_added', 'relationship_removed', 'relationship_removed']);
    expect(history.body[2].changes).toEqual({ [`relationships.depends_on.${db.id}`]: { before: null, after: dep.id } });
    expect(history.body[4].changes).toEqual({ [`relationships.depends_on.${db.id}`]: { before: dep.id, after: null } });
    expect(history.body.map((h: { version: number }) => h.version)).toEqual([1, 2, 3, 4, 5, 6]);
    // The target's own history is untouched.
    expect((await s.api('GET', `/api/v1/cis/${db.id}/history`)).body).toHaveLength(1);
  });

  describe('impact analysis', () => {
    // storage ← host ← vm ← app ← service, plus a second app on the same VM used by the same
    // service (a diamond), and a second service on the app.
    let storage: { id: string; number: string };
    let host: { id: string; number: string };
    let vm: { id: string; number: string };
    let app: { id: string; number: string };
    let app2: { id: string; number: string };
    let svc: { id: string; number: string };
    let svc2: { id: string; number: string };
    let net: { id: string; number: string };

    beforeAll(async () => {
      storage = await createCi({ name: 'san-01', class: 'storage', attributes: { serial: 'SAN-01' } });
      net = await createCi({ name: 'sw-01', class: 'network_device', attributes: { hostname: 'sw-01' } });
      host = await createCi({ name: 'esx-01', class: 'server', attributes: { hostname: 'esx-01' } });
      vm = await createCi({ name: 'shop-vm', class: 'virtual_machine', attributes: { hostname: 'shop-vm' } });
      app = await createCi({ name: 'shop-app', class: 'application' });
      app2 = await createCi({ name: 'shop-search', class: 'application' });
      svc = await createCi({ name: 'Web shop', class: 'service', attributes: { criticality: 'critical' } });
      svc2 = await createCi({ name: 'Partner API', class: 'service' });
      await relate(host.id, 'uses', storage.id);
      await relate(host.id, 'connects_to', net.id);
      await relate(vm.id, 'hosted_on', host.id);
      await relate(app.id, 'runs_on', vm.id);
      await relate(app.id, 'uses', vm.id); // a second link between the same two CIs: still reported once
      await relate(app2.id, 'runs_on', vm.id);
      await relate(svc.id, 'depends_on', app.id);
      await relate(svc.id, 'depends_on', app2.id);
      await relate(svc2.id, 'uses', app.id);
    });

    const impact = (ref: string, qs = '') => s.api('GET', `/api/v1/cis/${ref}/impact${qs}`, { token: 'dev-agent' });

    test('downstream: everything that depends on the CI, with shortest distance and path, and the services', async () => {
      const res = await impact(storage.number);
      expect(res.status).toBe(200);
      expect(res.body.ci).toMatchObject({ id: storage.id, number: storage.number });
      expect(res.body).toMatchObject({ direction: 'downstream', depth: 10 });
      const byNumber = Object.fromEntries(res.body.affected.map((a: { number: string; distance: number; path: string[] }) => [a.number, [a.distance, a.path]]));
      expect(byNumber).toEqual({
        [host.number]: [1, [storage.number, host.number]],
        [vm.number]: [2, [storage.number, host.number, vm.number]],
        [app.number]: [3, [storage.number, host.number, vm.number, app.number]],
        [app2.number]: [3, [storage.number, host.number, vm.number, app2.number]],
        [svc.number]: [4, [storage.number, host.number, vm.number, expect.stringMatching(new RegExp(`^(${app.number}|${app2.number})$`)), svc.number]],
        [svc2.number]: [4, [storage.number, host.number, vm.number, app.number, svc2.number]],
      });
      expect(res.body.affected[0]).toMatchObject({ id: host.id, name: 'esx-01', class: 'server', status: 'live', retired: false });
      expect(res.body.affected.map((a: { distance: number }) => a.distance)).toEqual([1, 2, 3, 3, 4, 4]); // nearest first
      expect(res.body.services.map((x: { number: string }) => x.number).sort()).toEqual([svc.number, svc2.number].sort());
      expect(res.body.services.every((x: { class: string }) => x.class === 'service')).toBe(true);

      // The network switch impacts the same stack; a service impacts nothing.
      expect((await impact(net.id)).body.affected).toHaveLength(6);
      const top = await impact(svc.id);
      expect([top.body.affected, top.body.services]).toEqual([[], []]);
    });

    test('upstream: what the CI depends on', async () => {
      const res = await impact(svc.id, '?direction=upstream');
      expect(res.status).toBe(200);
      expect(res.body.direction).toBe('upstream');
      expect(res.body.affected.map((a: { number: string; distance: number }) => [a.number, a.distance]).sort()).toEqual(
        [[app.number, 1], [app2.number, 1], [vm.number, 2], [host.number, 3], [storage.number, 4], [net.number, 4]].sort(),
      );
      const st = res.body.affected.find((a: { number: string }) => a.number === storage.number);
      expect(st.path[0]).toBe(svc.number);
      expect(st.path.slice(2)).toEqual([vm.number, host.number, storage.number]);
      expect(res.body.services).toEqual([]);
    });

    test('depth limits the walk; depth above 50, below 1 or a bad direction is a 400; unknown CI 404', async () => {
      const res = await impact(storage.id, '?depth=2');
      expect(res.body.affected.map((a: { number: string }) => a.number)).toEqual([host.number, vm.number]);
      expect(res.body.services).toEqual([]);
      expect((await impact(storage.id, '?depth=50')).body.affected).toHaveLength(6);
      const tooDeep = await impact(storage.id, '?depth=51');
      expect(tooDeep.status).toBe(400);
      expect(paths(tooDeep.body)).toEqual(['query.depth']);
      expect(paths((await impact(storage.id, '?depth=0&direction=sideways')).body)).toEqual(['query.depth', 'query.direction']);
      expect((await impact(storage.id, '?depth=ten')).status).toBe(400);
      expect((await impact('CI9999999')).status).toBe(404);
      expect((await s.api('GET', `/api/v1/cis/${storage.id}/impact`, { token: null })).status).toBe(401);
    });

    test('a cycle in the data terminates (each CI once, at its shortest distance)', async () => {
      const a = await createCi({ name: 'loop-a', class: 'application' });
      const b = await createCi({ name: 'loop-b', class: 'application' });
      const c = await createCi({ name: 'loop-c', class: 'application' });
      const d = await createCi({ name: 'Loop service', class: 'service' });
      await relate(a.id, 'depends_on', b.id);
      await relate(b.id, 'depends_on', c.id);
      await relate(c.id, 'depends_on', a.id);
      await relate(d.id, 'uses', b.id);
      const res = await impact(c.id, '?depth=50');
      expect(res.status).toBe(200);
      expect(res.body.affected.map((x: { number: string; distance: number; path: string[] }) => [x.number, x.distance, x.path])).toEqual([
        [b.number, 1, [c.number, b.number]],
        [a.number, 2, [c.number, b.number, a.number]],
        [d.number, 2, [c.number, b.number, d.number]], // ordered by distance, then number
      ]);
      expect(res.body.services.map((x: { number: string }) => x.number)).toEqual([d.number]);
      const up = await impact(a.id, '?direction=upstream&depth=50');
      expect(up.body.affected.map((x: { number: string; distance: number }) => [x.number, x.distance])).toEqual([
        [b.number, 1],
        [c.number, 2],
      ]);
    });

    test('retired CIs are still reported, flagged', async () => {
      const oldVm = await createCi({ name: 'legacy-vm', class: 'virtual_machine' });
      const legacy = await createCi({ name: 'Legacy service', class: 'service' });
      await relate(oldVm.id, 'hosted_on', host.id);
      await relate(legacy.id, 'runs_on', oldVm.id);
      expect((await s.api('DELETE', `/api/v1/cis/${oldVm.id}`, { token: 'dev-admin' })).status).toBe(200);
      const res = await impact(host.id);
      const old = res.body.affected.find((x: { id: string }) => x.id === oldVm.id);
      expect(old).toMatchObject({ status: 'retired', retired: true, distance: 1 });
      expect(res.body.services.find((x: { id: string }) => x.id === legacy.id)).toMatchObject({ retired: false, distance: 2, path: [host.number, oldVm.number, legacy.number] });
    });
  });

  test('the CMDB endpoints are in the OpenAPI document', async () => {
    const doc = await s.api('GET', '/openapi.json', { token: null });
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/cis', '/api/v1/cis/{id}', '/api/v1/cis/{id}/history', '/api/v1/cis/{id}/relationships', '/api/v1/cis/{id}/relationships/{relId}', '/api/v1/cis/{id}/impact']),
    );
    expect(Object.keys(doc.body.paths['/api/v1/cis/{id}'])).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
  });
});
