/**
 * Supplier management over HTTP on SQLite and PostgreSQL: suppliers created with their CI (class
 * supplier) in one transaction, read with the UC agreements naming them, renamed with their CI,
 * refused where a field is wrong (400 naming it), a name taken (409) or unknown (404); what breaks
 * if a supplier fails (the impact of its CI through `supplied_by`); retirement refused while a
 * contract is live (409), then the supplier and its CI retired.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PROVIDERS } from '../support/database';
import { startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const targets = Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: 'PT1H', resolution: 'PT8H' }]));
const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path).sort();

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

describe.each(PROVIDERS)('supplier management on %s', (provider) => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ provider, env });
  });
  afterAll(async () => {
    await s?.close();
  });

  test('suppliers: created with their CI, read with their UCs, renamed with their CI; each refusal names its field', async () => {
    const created = await s.api('POST', '/api/v1/suppliers', { token: 'dev-change_manager', body: { name: 'Acme Hosting', contact: 'Pat', email: 'pat@acme.example', ownerGroup: 'l2-support' } });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    expect(created.body).toMatchObject({ number: expect.stringMatching(/^SUP\d{7}$/), name: 'Acme Hosting', ownerGroup: 'l2-support', retiredAt: null, ucs: [] });
    const acme = created.body as { id: string; number: string; ciId: string };
    const ci = await s.api('GET', `/api/v1/cis/${acme.ciId}`, { token: 'dev-admin' });
    expect(ci.body).toMatchObject({ class: 'supplier', name: 'Acme Hosting' });

    expect((await s.api('POST', '/api/v1/suppliers', { token: 'dev-admin', body: { name: 'Acme Hosting' } })).status).toBe(409);
    const badGroup = await s.api('POST', '/api/v1/suppliers', { token: 'dev-admin', body: { name: 'Other', ownerGroup: 'no-such-group' } });
    expect([badGroup.status, paths(badGroup.body)]).toEqual([400, ['ownerGroup']]);
    expect(paths((await s.api('POST', '/api/v1/suppliers', { token: 'dev-admin', body: { name: ' ', email: 'not-mail' } })).body)).toEqual(['email', 'name']);
    // A failed create leaves no CI behind: the same name is free for the next supplier.
    expect((await s.api('GET', '/api/v1/cis?class=supplier&limit=500', { token: 'dev-admin' })).body.items.filter((c: { name: string }) => c.name === 'Other')).toEqual([]);
    expect((await s.api('POST', '/api/v1/suppliers', { token: 'dev-agent', body: { name: 'Nope' } })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/suppliers', { token: 'dev-requester' })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/suppliers/SUP9999999')).status).toBe(404);
    expect((await s.api('GET', `/api/v1/suppliers/${acme.number}`)).body.id).toBe(acme.id);

    // A UC naming the supplier shows in its view; one naming another supplier does not.
    const uc = await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Acme UC', kind: 'UC', supplier: 'Acme Hosting', targets } });
    expect(uc.status).toBe(201);
    await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Elsewhere UC', kind: 'UC', supplier: 'Elsewhere', targets } });
    expect((await s.api('GET', `/api/v1/suppliers/${acme.id}`)).body.ucs).toEqual([{ id: uc.body.id, number: uc.body.number, name: 'Acme UC', serviceId: null, retired: false }]);
    const listed = await s.api('GET', '/api/v1/suppliers?name=Acme');
    expect(listed.body.items.map((x: { id: string; ucs: unknown[] }) => [x.id, x.ucs.length])).toEqual([[acme.id, 1]]);

    const renamed = await s.api('PATCH', `/api/v1/suppliers/${acme.id}`, { token: 'dev-admin', body: { name: 'Acme Cloud', contact: null } });
    expect(renamed.body).toMatchObject({ name: 'Acme Cloud', contact: null, email: 'pat@acme.example' });
    expect((await s.api('GET', `/api/v1/cis/${acme.ciId}`, { token: 'dev-admin' })).body.name).toBe('Acme Cloud');
    expect(paths((await s.api('PATCH', `/api/v1/suppliers/${acme.id}`, { token: 'dev-admin', body: {} })).body)).toEqual(['name']);
    const other = (await s.api('POST', '/api/v1/suppliers', { token: 'dev-admin', body: { name: 'Bolt Networks' } })).body;
    expect((await s.api('PATCH', `/api/v1/suppliers/${other.id}`, { token: 'dev-admin', body: { name: 'Acme Cloud' } })).status).toBe(409);
    expect((await s.api('GET', `/api/v1/cis/${other.ciId}`, { token: 'dev-admin' })).body.name).toBe('Bolt Networks');
  });

  test('what breaks if a supplier fails: its CI’s impact through supplied_by; retired only once no contract is live', async () => {
    const sup = (await s.api('POST', '/api/v1/suppliers', { token: 'dev-admin', body: { name: `Carrier ${provider}` } })).body as { id: string; number: string; ciId: string };
    const ci = async (name: string, cls: string) => (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `${name} ${provider}`, class: cls } })).body as { id: string; number: string };
    const link = await ci('WAN link', 'telecom_service');
    const mail = await ci('Mail', 'service');
    const relate = async (source: string, target: string, type: string) =>
      expect((await s.api('POST', `/api/v1/cis/${source}/relationships`, { token: 'dev-admin', body: { type, targetId: target } })).status).toBe(201);
    await relate(link.id, sup.ciId, 'supplied_by');
    await relate(mail.id, link.id, 'depends_on');

    const impact = await s.api('GET', `/api/v1/suppliers/${sup.number}/impact`);
    expect(impact.status).toBe(200);
    expect(impact.body).toEqual((await s.api('GET', `/api/v1/cis/${sup.ciId}/impact`)).body);
    expect(impact.body.affected.map((a: { id: string; distance: number }) => [a.id, a.distance])).toEqual([[link.id, 1], [mail.id, 2]]);
    expect(impact.body.services.map((a: { id: string }) => a.id)).toEqual([mail.id]);
    expect(paths((await s.api('GET', `/api/v1/suppliers/${sup.id}/impact?depth=0`)).body)).toEqual(['query.depth']);
    expect((await s.api('GET', '/api/v1/suppliers/SUP9999999/impact')).status).toBe(404);

    // A live contract holds the supplier; an ended one does not.
    const contract = (state: string, n: number) => ({
      id: `ctr-${provider}-${n}`, number: `CTR90000${n}${provider === 'sqlite' ? 1 : 2}`, workflowId: `contract-${provider}-${n}`, supplierId: sup.id, title: 'WAN', state,
      value: 1200, startDate: new Date('2026-01-01T00:00:00Z'), endDate: new Date('2027-01-01T00:00:00Z'), noticeDays: 30, renewal: 'manual', ownerGroup: 'l2-support', detail: '{}', createdBy: 'usr-admin',
    });
    await s.tdb.db.contract.create({ data: contract('expired', 1) });
    await s.tdb.db.contract.create({ data: contract('renewal_due', 2) });
    const refused = await s.api('DELETE', `/api/v1/suppliers/${sup.id}`, { token: 'dev-admin' });
    expect([refused.status, refused.body.detail]).toEqual([409, `supplier ${sup.number} has live contracts: ${contract('renewal_due', 2).number}`]);
    expect((await s.api('GET', `/api/v1/suppliers/${sup.id}`)).body.retiredAt).toBeNull();
    await s.tdb.db.contract.update({ where: { id: `ctr-${provider}-2` }, data: { state: 'terminated' } });
    expect((await s.api('DELETE', `/api/v1/suppliers/${sup.id}`, { token: 'dev-agent' })).status).toBe(403);
    expect((await s.api('DELETE', `/api/v1/suppliers/${sup.id}`, { token: 'dev-admin' })).status).toBe(204);
    expect((await s.api('GET', `/api/v1/suppliers/${sup.id}`)).body.retiredAt).not.toBeNull();
    expect((await s.api('GET', `/api/v1/cis/${sup.ciId}`, { token: 'dev-admin' })).body.status).toBe('retired');
    expect((await s.api('GET', '/api/v1/suppliers?limit=500')).body.items.map((x: { id: string }) => x.id)).not.toContain(sup.id);
    expect((await s.api('PATCH', `/api/v1/suppliers/${sup.id}`, { token: 'dev-admin', body: { contact: 'x' } })).status).toBe(409);
    expect((await s.api('DELETE', `/api/v1/suppliers/${sup.id}`, { token: 'dev-admin' })).status).toBe(204);
  });
});
