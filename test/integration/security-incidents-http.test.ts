/**
 * Security incidents over HTTP on SQLite and PostgreSQL: the classification required with the
 * type, the restriction to the security group enforced on every read (lists, the record, its
 * history and attachments, the SLA, backlog and availability reports, scheduled runs), routing
 * to the security group and escalation to its manager, a sensitive CI raising it to P2, and the
 * post-incident review without which it does not close. CIs: the securityClass filter and the
 * most sensitive data an impact reaches.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { upsertUser } from '../../db/seed';
import { highestSecurityClassReached, walkImpact } from '../../db/impact';
import { REPORTS } from '../../services/report-registry';
import { PROVIDERS } from '../support/database';
import { eventually } from '../support/stack';
import { useDevServer, useStack, errorPaths } from '../support/stack-bed';

const targets = Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: 'PT1H', resolution: 'PT8H' }]));
const paths = errorPaths;
const CIA = { confidentiality: 'high', integrity: 'low', availability: 'none' };
const MEMBER = 'dev-sec-member';
const OUTSIDER = 'dev-agent';

const devServer = useDevServer();

describe.each(PROVIDERS)('security incidents on %s', (provider) => {
  const s = useStack(provider, devServer);
  const received: { type: string; data: { incident: Record<string, unknown> } }[] = [];
  let receiver: Server;
  const ci = async (name: string, extra: object = {}) => (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `${name} ${provider}`, class: 'server', ...extra } })).body as { id: string; number: string };
  const openSecurity = async (extra: object = {}, token = OUTSIDER) => {
    const res = await s.api('POST', '/api/v1/incidents', { token, body: { title: 'Credentials leaked on a paste site', type: 'security', impact: 'low', urgency: 'low', classification: CIA, ...extra } });
    expect(res.status).toBe(201);
    return res.body;
  };
  const get = (path: string, token: string) => s.api('GET', path, { token });

  beforeAll(async () => {
    expect((await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Default', kind: 'SLA', targets, isDefault: true } })).status).toBe(201);
    await upsertUser(s.tdb.db, { id: 'usr-sec-member', name: 'Sec analyst', role: 'agent', token: MEMBER, groups: ['security'] });
    await upsertUser(s.tdb.db, { id: 'usr-sec-manager', name: 'CISO', role: 'agent', token: 'dev-sec-manager', groups: [] });
    expect((await s.api('PATCH', '/api/v1/groups/security', { token: 'dev-admin', body: { manager: 'usr-sec-manager' } })).status).toBe(200);
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    expect((await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url, events: ['incident.created'], secret: 'a-secret-of-sixteen-chars' } })).status).toBe(201);
  });
  afterAll(async () => {
    await new Promise((r) => receiver?.close(r));
  });

  test('the classification comes with the type security, each level named; stored, shown, restricted to the security group and routed there', async () => {
    const bad = (body: object) => s.api('POST', '/api/v1/incidents', { body: { title: 'x', impact: 'low', urgency: 'low', ...body } });
    expect([(await bad({ type: 'security' })).status, paths((await bad({ type: 'security' })).body)]).toEqual([400, ['classification']]);
    expect(paths((await bad({ classification: CIA })).body)).toEqual(['classification']);
    expect(paths((await bad({ type: 'security', classification: { ...CIA, integrity: 'severe' } })).body)).toEqual(['classification.integrity']);
    expect(paths((await bad({ type: 'security', classification: { confidentiality: 'low', integrity: 'low' } })).body)).toEqual(['classification.availability']);

    const inc = await openSecurity({ restrictedTo: ['service-desk'] });
    expect(inc).toMatchObject({ type: 'security', restricted: true, assignmentGroup: 'security', security: { classification: CIA, dataClass: null, review: null }, priority: 'P5' });
    expect([...inc.restrictedTo].sort()).toEqual(['security', 'service-desk']);
    const row = await s.tdb.db.incident.findUniqueOrThrow({ where: { id: inc.id } });
    expect(JSON.parse(row.security!)).toEqual({ classification: CIA, dataClass: null, review: null });
    // The security group's restriction cannot be lifted.
    const lifted = await s.api('POST', `/api/v1/incidents/${inc.number}/restrict`, { token: MEMBER, body: { groups: [] } });
    expect([lifted.status, lifted.body.restrictedTo]).toEqual([200, ['security']]);
    // A corrupt stored classification is refused on read, never shown as is.
    await s.tdb.db.incident.update({ where: { id: inc.id }, data: { security: JSON.stringify({ classification: { confidentiality: 'huge' } }) } });
    expect((await get(`/api/v1/incidents/${inc.number}`, MEMBER)).status).toBe(500);
    await s.tdb.db.incident.update({ where: { id: inc.id }, data: { security: row.security } });
    expect((await get(`/api/v1/incidents/${inc.number}`, MEMBER)).body.security.classification).toEqual(CIA);
  });

  test('only the security group (and admins, and the people named on it) see it: lists, record, history, attachments, reports, scheduled runs', async () => {
    const svc = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `Portal ${provider}`, class: 'service' } })).body;
    const inc = await openSecurity({ serviceId: svc.id });
    const plain = (await s.api('POST', '/api/v1/incidents', { token: OUTSIDER, body: { title: 'Printer jam', impact: 'low', urgency: 'low', serviceId: svc.id } })).body;
    // The opener is named on it; an agent of another group who is not is the outsider here.
    await upsertUser(s.tdb.db, { id: 'usr-other', name: 'Other agent', role: 'agent', token: 'dev-other', groups: ['service-desk'] });
    const other = 'dev-other';

    const numbers = async (token: string, q = '') => ((await get(`/api/v1/incidents?limit=100${q}`, token)).body.items as { number: string }[]).map((i) => i.number);
    expect(await numbers(other)).toContain(plain.number);
    expect(await numbers(other)).not.toContain(inc.number);
    expect(await numbers(other, '&type=security')).toEqual([]);
    expect(await numbers(MEMBER, '&type=security')).toContain(inc.number);
    expect(await numbers('dev-admin')).toContain(inc.number);
    expect(await numbers(OUTSIDER)).toContain(inc.number); // its opener

    for (const path of [`/api/v1/incidents/${inc.number}`, `/api/v1/incidents/${inc.number}/history`, `/api/v1/incidents/${inc.number}/attachments`]) {
      expect([path, (await get(path, other)).status]).toEqual([path, 404]);
      expect([path, (await get(path, MEMBER)).status]).toEqual([path, 200]);
    }
    const form = new FormData();
    form.append('file', new Blob(['indicators of compromise'], { type: 'text/plain' }), 'iocs.txt');
    const upload = (token: string) => fetch(`${s.baseUrl}/api/v1/incidents/${inc.number}/attachments`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect((await upload('dev-other')).status).toBe(404);
    expect((await upload(MEMBER)).status).toBe(201);

    // Reports count it for those who may see it only.
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const slaTotal = async (token: string) => ((await get(`/api/v1/reports/sla?from=${from}&to=${to}&groupBy=service`, token)).body.rows as { key: string; resolution: { due: number; pending: number } }[]).find((r) => r.key === svc.id);
    expect((await slaTotal(other))!.resolution.pending).toBe(1);
    expect((await slaTotal(MEMBER))!.resolution.pending).toBe(2);
    const backlog = async (token: string) => ((await get('/api/v1/reports/backlog', token)).body.rows as { group: string | null; count: number }[]).filter((r) => r.group === 'security').reduce((n, r) => n + r.count, 0);
    expect(await backlog(other)).toBe(0);
    expect(await backlog(MEMBER)).toBeGreaterThanOrEqual(1);

    // An outage recorded on it counts for the service, but the report names the incident only to those who see it.
    const start = new Date(Date.now() - 30 * 60_000).toISOString();
    expect((await s.api('POST', `/api/v1/incidents/${inc.number}/outage`, { token: MEMBER, body: { start } })).status).toBe(200);
    const outages = async (token: string) => (await get(`/api/v1/reports/availability?serviceId=${svc.id}&from=${from}&to=${to}`, token)).body.records.outages as { incidentId: string | null; incidentNumber: string | null }[];
    expect(await outages(other)).toEqual([expect.objectContaining({ incidentId: null, incidentNumber: null })]);
    expect(await outages(MEMBER)).toEqual([expect.objectContaining({ incidentId: inc.id, incidentNumber: inc.number })]);

    // A webhook subscriber hears which incident and where it stands, not what it says; a plain incident's event is whole.
    const sent = await eventually(async () => received.find((e) => e.data.incident.number === inc.number));
    expect(sent.data).toEqual({ incident: { id: inc.id, number: inc.number, type: 'security', state: 'new', priority: 'P5', assignmentGroup: 'security', escalationLevel: 0, restricted: true } });
    expect((await eventually(async () => received.find((e) => e.data.incident.number === plain.number))).data.incident).toMatchObject({ title: 'Printer jam' });

    // A scheduled run belongs to no one and is read by managers: security incidents stay out of it.
    const run = (await REPORTS.backlog.compute(s.tdb.db, {}, { from, to, now: Date.now() })) as { rows: { group: string | null }[] };
    expect(run.rows.filter((r) => r.group === 'security')).toEqual([]);
    // The SLA report's run is counted in SQL (db/incident-scope-sql.ts spells the run's scope).
    const slaRun = (await REPORTS.sla.compute(s.tdb.db, { kind: 'SLA', atRisk: 'PT1H', groupBy: 'service' }, { from, to, now: Date.now() })) as { rows: { key: string; resolution: { pending: number } }[] };
    expect(slaRun.rows.find((r) => r.key === svc.id)?.resolution.pending).toBe(1);
    const drilled = (await REPORTS.sla.compute(s.tdb.db, { kind: 'SLA', atRisk: 'PT1H', groupBy: 'service', drill: 'true' }, { from, to, now: Date.now() })) as { rows: { key: string; resolution: { pending: number } }[] };
    expect(drilled.rows.find((r) => r.key === svc.id)?.resolution.pending).toBe(1);
    const availabilityRun = (await REPORTS.availability.compute(s.tdb.db, { serviceId: svc.id }, { from, to, now: Date.now() })) as { records: { outages: { incidentNumber: string | null }[] } };
    expect(availabilityRun.records.outages.map((o) => o.incidentNumber)).toEqual([null]);
  });

  test('named people see it besides the group: given at opening or with restrict, each a user, the desk\'s choice', async () => {
    await upsertUser(s.tdb.db, { id: 'usr-legal', name: 'Counsel', role: 'agent', token: 'dev-legal', groups: ['legal'] });
    expect(paths((await s.api('POST', '/api/v1/incidents', { token: OUTSIDER, body: { title: 'x', impact: 'low', urgency: 'low', type: 'security', classification: CIA, namedPeople: ['usr-nobody'] } })).body)).toEqual(['namedPeople.0']);
    expect(paths((await s.api('POST', '/api/v1/incidents', { token: 'dev-requester', body: { title: 'x', impact: 'low', urgency: 'low', type: 'security', classification: CIA, namedPeople: ['usr-legal'] } })).body)).toEqual(['namedPeople']);
    const inc = await openSecurity({ namedPeople: ['usr-legal', 'usr-legal'] }, MEMBER);
    expect([inc.restrictedTo, inc.namedPeople]).toEqual([['security'], ['usr-legal']]);
    expect((await get(`/api/v1/incidents/${inc.number}`, 'dev-legal')).status).toBe(200);
    const listed = (await get('/api/v1/incidents?type=security&limit=100', 'dev-legal')).body.items as { number: string; namedPeople: string[] }[];
    expect(listed.map((i) => [i.number, i.namedPeople])).toEqual([[inc.number, ['usr-legal']]]);
    // Restricted anew without people: they stay; with an empty list: they go (the security group stays).
    expect((await s.api('POST', `/api/v1/incidents/${inc.number}/restrict`, { token: MEMBER, body: { groups: [] } })).body.namedPeople).toEqual(['usr-legal']);
    expect(paths((await s.api('POST', `/api/v1/incidents/${inc.number}/restrict`, { token: MEMBER, body: { groups: [], people: ['usr-nobody'] } })).body)).toEqual(['people.0']);
    const cleared = await s.api('POST', `/api/v1/incidents/${inc.number}/restrict`, { token: MEMBER, body: { groups: [], people: [] } });
    expect([cleared.body.restrictedTo, cleared.body.namedPeople]).toEqual([['security'], []]);
    expect((await get(`/api/v1/incidents/${inc.number}`, 'dev-legal')).status).toBe(404);
    const named = await s.api('POST', `/api/v1/incidents/${inc.number}/restrict`, { token: MEMBER, body: { groups: ['legal'], people: ['usr-sec-manager'] } });
    expect([named.body.restrictedTo, named.body.namedPeople]).toEqual([['security', 'legal'], ['usr-sec-manager']]);
    expect((await get(`/api/v1/incidents/${inc.number}/history`, 'dev-legal')).status).toBe(200);
    expect((await get(`/api/v1/incidents/${inc.number}/history`, 'dev-sec-manager')).status).toBe(200);
  });

  test("a sensitive CI raises it to at least P2; the security group's OLA runs from the start; escalations go to the security manager", async () => {
    const ola = await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Security OLA', kind: 'OLA', team: 'security', targets: Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: 'PT15M', resolution: 'PT4H' }])) } });
    expect(ola.status).toBe(201);
    const secret = await ci('hr-db', { securityClass: 'secret' });
    const internal = await ci('wiki', { securityClass: 'internal' });
    expect((await openSecurity({ ciId: secret.number })).priority).toBe('P2');
    const major = await openSecurity({ ciId: secret.number, impact: 'high', urgency: 'high' });
    expect(major.priority).toBe('P1');
    // A P1 resolved raises its major-incident problem, which problem managers read: it does not repeat the title.
    expect((await s.api('POST', `/api/v1/incidents/${major.number}/resolve`, { token: MEMBER, body: { code: 'contained', notes: 'rotated' } })).status).toBe(200);
    const problem = await eventually(() => s.tdb.db.problem.findFirst({ where: { trendKey: `major:${major.id}` } }).then((p) => p ?? undefined));
    expect(problem.title).toBe(`Major incident review: security incident ${major.number}`);
    const low = await openSecurity({ ciId: internal.number });
    expect(low).toMatchObject({ priority: 'P5', security: { dataClass: 'internal' } });
    const onSecret = await openSecurity({ ciId: secret.id });
    expect(onSecret.security.dataClass).toBe('secret');
    expect(onSecret.clocks.map((c: { kind: string; group: string | null; agreementId: string }) => [c.kind, c.group, c.agreementId])).toEqual([['SLA', null, expect.any(String)], ['OLA', 'security', ola.body.id]]);
    // Re-prioritised lower, it stays at P2.
    expect((await s.api('POST', `/api/v1/incidents/${onSecret.number}/impact`, { token: MEMBER, body: { impact: 'low', urgency: 'low' } })).body.priority).toBe('P2');
    // A plain incident on the same CI keeps the matrix's priority.
    expect((await s.api('POST', '/api/v1/incidents', { body: { title: 'Slow', impact: 'low', urgency: 'low', ciId: secret.id } })).body.priority).toBe('P5');

    const escalated = await s.api('POST', `/api/v1/incidents/${low.number}/escalate`, { token: MEMBER, body: { reason: 'data may have left' } });
    expect(escalated.body.escalationLevel).toBe(1);
    const told = await s.tdb.db.notification.findMany({ where: { recordId: low.id, kind: 'escalation' } });
    expect(told.map((n) => n.recipient).sort()).toEqual(['group:security', 'user:usr-sec-manager']);
    const history = (await get(`/api/v1/incidents/${low.number}/history`, MEMBER)).body as { action: string; data: { manager?: string; routing?: unknown } }[];
    expect(history.find((h) => h.action === 'escalate')?.data.manager).toBe('usr-sec-manager');
    expect(history.find((h) => h.action === 'create')?.data.routing).toEqual({ group: 'security', source: 'security', rule: null });
  });

  test('no closing without the post-incident review: 409 naming it; the review is checked, recorded, shown; then it closes', async () => {
    const inc = await openSecurity();
    const cmd = (verb: string, body: object, token = MEMBER) => s.api('POST', `/api/v1/incidents/${inc.number}/${verb}`, { token, body });
    const review = { findings: 'A token in a public repository', rootCause: 'no secret scanning', actions: ['rotate the token', 'turn on secret scanning'], reviewer: 'usr-sec-manager' };
    expect((await cmd('resolve', { code: 'contained', notes: 'token rotated' })).status).toBe(200);
    const refused = await cmd('close', {});
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/post-incident review/);
    expect((await cmd('close', {}, 'dev-admin')).status).toBe(409);

    expect(paths((await cmd('review', { ...review, actions: [] })).body)).toEqual(['actions']);
    expect(paths((await cmd('review', { ...review, rootCause: ' ' })).body)).toEqual(['rootCause']);
    expect(paths((await cmd('review', { ...review, reviewer: 'usr-nobody' })).body)).toEqual(['reviewer']);
    expect((await cmd('review', review, 'dev-requester')).status).toBe(403);
    expect((await cmd('review', review, 'dev-other')).status).toBe(404);
    const plain = (await s.api('POST', '/api/v1/incidents', { body: { title: 'Printer', impact: 'low', urgency: 'low' } })).body;
    const notSecurity = await s.api('POST', `/api/v1/incidents/${plain.number}/review`, { body: review });
    expect([notSecurity.status, notSecurity.body.detail]).toEqual([409, expect.stringMatching(/security incidents only/)]);

    const reviewed = await cmd('review', { ...review, reviewer: 'usr-sec-manager' });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.security.review).toEqual({ ...review, recordedAt: expect.any(String) });
    const closed = await cmd('close', {});
    expect([closed.status, closed.body.state]).toEqual([200, 'closed']);
    const history = (await get(`/api/v1/incidents/${inc.number}/history`, MEMBER)).body as { action: string; actor: string; data: object }[];
    expect(history.find((h) => h.action === 'review')).toMatchObject({ actor: 'usr-sec-member', data: { findings: review.findings, reviewer: 'usr-sec-manager' } });
    expect((await s.tdb.db.outboxEvent.findMany({ where: { recordId: inc.id, type: 'incident.reviewed' } })).length).toBe(1);
    expect((await cmd('review', review)).status).toBe(409);
  });

  test('CIs: ?securityClass= filters, and an impact names the most sensitive data it reaches', async () => {
    const db = await ci('payroll-db', { securityClass: 'confidential' });
    const app = await ci('payroll-app', { securityClass: 'internal' });
    const host = await ci('payroll-host');
    for (const [source, target] of [[app, db], [db, host]]) {
      expect((await s.api('POST', `/api/v1/cis/${source.id}/relationships`, { token: 'dev-admin', body: { targetId: target.id, type: 'depends_on' } })).status).toBe(201);
    }
    const listed = (await get('/api/v1/cis?securityClass=confidential&limit=100', OUTSIDER)).body.items as { number: string; securityClass: string }[];
    expect(listed.map((c) => c.number)).toContain(db.number);
    expect(new Set(listed.map((c) => c.securityClass))).toEqual(new Set(['confidential']));
    expect(((await get('/api/v1/cis?securityClass=confidential&q=payroll', OUTSIDER)).body.items as { number: string }[]).map((c) => c.number)).toEqual([db.number]);
    expect(paths((await get('/api/v1/cis?securityClass=topsecret', OUTSIDER)).body)).toEqual(['query.securityClass']);

    expect((await get(`/api/v1/cis/${host.number}/impact`, OUTSIDER)).body.highestSecurityClass).toBe('confidential');
    expect((await get(`/api/v1/cis/${app.number}/impact`, OUTSIDER)).body.highestSecurityClass).toBe('internal');
    expect((await get(`/api/v1/cis/${app.number}/impact?direction=upstream`, OUTSIDER)).body.highestSecurityClass).toBe('confidential');
    // A large walk reads the classified CIs instead of the reached ones by id: the same answers.
    for (const [from, direction, expected] of [[host, 'downstream', 'confidential'], [app, 'downstream', 'internal'], [app, 'upstream', 'confidential'], [host, 'upstream', null]] as const) {
      const walk = await walkImpact(s.tdb.db, from.id, { depth: 10, direction });
      expect([from.number, direction, await highestSecurityClassReached(s.tdb.db, from.id, walk, 0)]).toEqual([from.number, direction, expected]);
      expect([from.number, direction, await highestSecurityClassReached(s.tdb.db, from.id, walk)]).toEqual([from.number, direction, expected]);
    }
  });
});
