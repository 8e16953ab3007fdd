/**
 * Supplier management over HTTP on SQLite and PostgreSQL: suppliers created with their CI (class
 * supplier) in one transaction, read with the UC agreements naming them, renamed with their CI,
 * refused where a field is wrong (400 naming it), a name taken (409) or unknown (404); what breaks
 * if a supplier fails (the impact of its CI through `supplied_by`); retirement refused while a
 * contract is live (409), then the supplier and its CI retired.
 */
import { PROVIDERS } from '../support/database';
import { useDevServer, useStack, errorPaths } from '../support/stack-bed';

const targets = Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: 'PT1H', resolution: 'PT8H' }]));
const paths = errorPaths;

const devServer = useDevServer();

describe.each(PROVIDERS)('supplier management on %s', (provider) => {
  const s = useStack(provider, devServer);
  afterAll(async () => {
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

  test('contracts: created on the supplier’s UC and a service, refused where a reference is wrong, amended, renewed, terminated; a live one holds the supplier', async () => {
    const sup = (await s.api('POST', '/api/v1/suppliers', { token: 'dev-admin', body: { name: `Printer lease ${provider}` } })).body as { id: string; number: string; name: string };
    const uc = (await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Lease UC', kind: 'UC', supplier: sup.name, targets } })).body as { id: string; number: string };
    const otherUc = (await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Someone else UC', kind: 'UC', supplier: 'Someone else', targets } })).body as { id: string };
    const svc = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `Printing ${provider}`, class: 'service' } })).body as { id: string };
    const start = Date.now();
    const body = {
      supplierId: sup.number, title: 'Printer fleet', value: 24000, startDate: new Date(start).toISOString(), endDate: new Date(start + 365 * 86_400_000).toISOString(),
      noticeDays: 90, renewal: 'manual', ownerGroup: 'l2-support', owner: 'usr-change_manager', slaId: uc.number, serviceId: svc.id,
    };
    const bad = async (over: object) => {
      const res = await s.api('POST', '/api/v1/contracts', { token: 'dev-admin', body: { ...body, ...over } });
      return [res.status, paths(res.body)];
    };
    expect(await bad({ supplierId: 'SUP9999999' })).toEqual([400, ['supplierId']]);
    expect(await bad({ slaId: otherUc.id })).toEqual([400, ['slaId']]);
    expect(await bad({ ownerGroup: 'nobody' })).toEqual([400, ['ownerGroup']]);
    expect(await bad({ owner: 'usr-ghost' })).toEqual([400, ['owner']]);
    expect(await bad({ serviceId: sup.number })).toEqual([400, ['serviceId']]);
    expect(await bad({ endDate: body.startDate })).toEqual([400, ['endDate']]);
    expect(await bad({ noticeDays: 400 })).toEqual([400, ['noticeDays']]);
    expect((await s.api('POST', '/api/v1/contracts', { token: 'dev-agent', body })).status).toBe(403);

    const created = await s.api('POST', '/api/v1/contracts', { token: 'dev-change_manager', body });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    expect(created.body).toMatchObject({ number: expect.stringMatching(/^CTR\d{7}$/), state: 'active', supplierId: sup.id, slaId: uc.id, serviceId: svc.id, currency: 'EUR', renewal: 'manual', escalated: false });
    // Reminders from config (30 and 7 days before the notice deadline): the first is the next.
    expect(Date.parse(created.body.noticeDeadline) - Date.parse(created.body.nextReminder)).toBe(30 * 86_400_000);
    const c = created.body as { id: string; number: string; endDate: string };
    expect((await s.api('GET', `/api/v1/contracts/${c.number}`)).body.id).toBe(c.id);
    expect((await s.api('GET', '/api/v1/contracts/CTR9999999')).status).toBe(404);
    expect((await s.api('GET', `/api/v1/contracts?supplierId=${sup.number}`)).body.items.map((x: { id: string }) => x.id)).toEqual([c.id]);
    expect((await s.api('GET', '/api/v1/contracts/x', { token: 'dev-requester' })).status).toBe(403);

    // The live contract holds the supplier.
    expect((await s.api('DELETE', `/api/v1/suppliers/${sup.id}`, { token: 'dev-admin' })).status).toBe(409);

    const amended = await s.api('POST', `/api/v1/contracts/${c.id}/amend`, { token: 'dev-admin', body: { value: 20000, owner: 'usr-admin' } });
    expect(amended.body).toMatchObject({ value: 20000, owner: 'usr-admin' });
    expect(paths((await s.api('POST', `/api/v1/contracts/${c.id}/amend`, { token: 'dev-admin', body: { owner: 'usr-ghost' } })).body)).toEqual(['owner']);
    expect(paths((await s.api('POST', `/api/v1/contracts/${c.id}/amend`, { token: 'dev-admin', body: {} })).body)).toEqual(['title']);
    expect((await s.api('POST', `/api/v1/contracts/${c.id}/amend`, { token: 'dev-admin', body: { noticeDays: 3000 } })).status).toBe(409);
    expect((await s.api('POST', `/api/v1/contracts/${c.id}/renew`, { token: 'dev-admin', body: { endDate: body.startDate } })).status).toBe(409);
    const newEnd = new Date(Date.parse(c.endDate) + 365 * 86_400_000).toISOString();
    const renewed = await s.api('POST', `/api/v1/contracts/${c.id}/renew`, { token: 'dev-admin', body: { endDate: newEnd, value: 22000 } });
    expect(renewed.body).toMatchObject({ state: 'active', startDate: c.endDate, endDate: newEnd, value: 22000, terms: [{ value: 20000 }] });
    expect((await s.api('POST', `/api/v1/contracts/${c.id}/terminate`, { token: 'dev-admin', body: { reason: 'bought our own printers' } })).body.state).toBe('terminated');
    expect((await s.api('POST', `/api/v1/contracts/${c.id}/amend`, { token: 'dev-admin', body: { title: 'late' } })).status).toBe(409);
    expect((await s.api('GET', `/api/v1/contracts/${c.id}/history`)).body.map((a: { action: string }) => a.action)).toEqual(['create', 'amend', 'renew', 'terminate']);
    const events = (await s.tdb.db.outboxEvent.findMany({ where: { recordId: c.id }, orderBy: { id: 'asc' } })).map((e) => e.type);
    expect(events).toEqual(['contract.created', 'contract.amended', 'contract.renewed', 'contract.terminated']);
    expect((await s.api('DELETE', `/api/v1/suppliers/${sup.id}`, { token: 'dev-admin' })).status).toBe(204);
    expect((await s.api('POST', '/api/v1/contracts', { token: 'dev-admin', body: { ...body, slaId: undefined } })).status).toBe(409);
  });

  test('the supplier report: UC clocks started in the period per supplier, breaches, MTTR on holds, live contracts and their value; CSV too', async () => {
    const sup = (await s.api('POST', '/api/v1/suppliers', { token: 'dev-admin', body: { name: `Report Co ${provider}` } })).body as { id: string; number: string; name: string };
    const H = 3_600_000;
    // The clocks hang on real incidents: the report counts those the caller may see, and a
    // restricted one (limited to the CAB) only for its group and admins, as the SLA report does.
    const incident = async (extra: object) => (await s.api('POST', '/api/v1/incidents', { token: 'dev-admin', body: { title: 'Supplier link down', impact: 'low', urgency: 'low', ...extra } })).body as { id: string };
    const plain = await incident({});
    const restricted = await incident({ restrictedTo: ['cab'] });
    const clock = (incidentId: string, seq: number, startedAt: string, breached: boolean, businessMs: number | null) => ({
      incidentId, seq: 10 + seq, kind: 'UC', agreementId: 'sla-x', agreementVersion: 1, name: 'UC', supplier: sup.name, priority: 'P3',
      startedAt: new Date(startedAt), stoppedAt: businessMs === null ? null : new Date(startedAt), breached, businessMs,
    });
    await s.tdb.db.incidentClock.createMany({ data: [
      clock(plain.id, 0, '2026-03-02T00:00:00Z', true, 6 * H), clock(plain.id, 1, '2026-03-10T00:00:00Z', false, 2 * H), clock(plain.id, 2, '2026-03-20T00:00:00Z', false, null), clock(plain.id, 3, '2026-04-02T00:00:00Z', true, H),
      clock(restricted.id, 0, '2026-03-05T00:00:00Z', true, 10 * H),
    ] });
    await s.tdb.db.contract.create({ data: {
      id: `ctr-report-${provider}`, number: `CTR8000000${provider === 'sqlite' ? 1 : 2}`, workflowId: `contract-report-${provider}`, supplierId: sup.id, title: 'Support', state: 'active',
      value: 5000, currency: 'EUR', startDate: new Date('2026-01-01T00:00:00Z'), endDate: new Date('2027-01-01T00:00:00Z'), noticeDays: 30, renewal: 'auto', ownerGroup: 'l2-support', detail: '{}', createdBy: 'usr-admin',
    } });
    const q = 'from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z';
    const report = await s.api('GET', `/api/v1/reports/suppliers?${q}`, { token: 'dev-problem_manager' });
    expect(report.status).toBe(200);
    expect(report.body.rows.find((r: { supplier: string }) => r.supplier === sup.name)).toEqual({
      supplier: sup.name, supplierId: sup.id, supplierNumber: sup.number, clocks: 3, breaches: 1, breachRate: 1 / 3, mttrMs: 4 * H, activeContracts: 1, contractValue: [{ currency: 'EUR', value: 5000 }],
    });
    const csv = await s.api('GET', `/api/v1/reports/suppliers?${q}`, { token: 'dev-problem_manager', headers: { accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = String(csv.body).trim().split('\n');
    expect(lines[0]).toBe('supplier,supplier_number,clocks,breaches,breach_rate,mttr_ms,active_contracts,contract_value');
    expect(lines).toContain(`${sup.name},${sup.number},3,1,${1 / 3},${4 * H},1,EUR 5000`);
    expect(paths((await s.api('GET', '/api/v1/reports/suppliers?from=2026-04-01T00:00:00Z&to=2026-03-01T00:00:00Z', { token: 'dev-admin' })).body)).toEqual(['query.to']);
    expect((await s.api('GET', `/api/v1/reports/suppliers?${q}`, { token: 'dev-agent' })).status).toBe(403);
    // An admin sees the restricted incident's clock too: four clocks, two breached, MTTR over three holds.
    const all = await s.api('GET', `/api/v1/reports/suppliers?${q}`, { token: 'dev-admin' });
    expect(all.body.rows.find((r: { supplier: string }) => r.supplier === sup.name)).toMatchObject({ clocks: 4, breaches: 2, breachRate: 0.5, mttrMs: 6 * H });
  });
});
