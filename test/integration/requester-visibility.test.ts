/**
 * Record-level visibility for requesters, on SQLite and PostgreSQL: a requester sees and acts on
 * the incidents they opened or are the caller of, and nothing else — others' answer 404 (not
 * 403, so existence does not leak) on every incident endpoint, lists leave them out in SQL, and a
 * requester cannot open an incident in someone else's name. Then the role × endpoint matrix:
 * every operation of the OpenAPI document, called by every role, answers 403 exactly when the
 * route does not admit the role, and never 5xx.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ROLES } from '../../domain/access';
import { allRoutes } from '../../api/routes';
import { upsertUser } from '../../db/seed';
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

describe.each(PROVIDERS)('requester visibility on %s', (provider) => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ provider, env });
  });
  afterAll(async () => {
    await s?.close();
  });

  const open = async (token: string, extra: object = {}) => {
    const res = await s.api('POST', '/api/v1/incidents', { token, body: { title: 'Printer jams', impact: 'low', urgency: 'low', ...extra } });
    expect(res.status).toBe(201);
    return res.body as { id: string; number: string };
  };

  test("a requester sees and acts on their own incidents and those they are the caller of; others' are a 404 everywhere", async () => {
    const own = await open('dev-requester');
    const onBehalf = await open('dev-agent', { callerId: 'usr-requester' });
    const others = await open('dev-agent');
    const R = { token: 'dev-requester' };

    const list = await s.api('GET', '/api/v1/incidents?limit=500', R);
    expect(list.status).toBe(200);
    const seen = list.body.items.map((i: { number: string }) => i.number);
    expect(seen).toEqual(expect.arrayContaining([own.number, onBehalf.number]));
    expect(seen).not.toContain(others.number);
    // Filters narrow within what the requester may see; they never widen it.
    expect((await s.api('GET', '/api/v1/incidents?state=new&priority=P4&limit=500', R)).body.items.map((i: { number: string }) => i.number)).not.toContain(others.number);
    // An agent sees all three.
    const all = (await s.api('GET', '/api/v1/incidents?limit=500')).body.items.map((i: { number: string }) => i.number);
    expect(all).toEqual(expect.arrayContaining([own.number, onBehalf.number, others.number]));

    for (const ref of [others.number, others.id]) {
      expect((await s.api('GET', `/api/v1/incidents/${ref}`, R)).status).toBe(404);
      expect((await s.api('GET', `/api/v1/incidents/${ref}/history`, R)).status).toBe(404);
      for (const [verb, body] of [['notes', { text: 'hello?' }], ['close', {}], ['reopen', { reason: 'still broken' }]] as const) {
        const res = await s.api('POST', `/api/v1/incidents/${ref}/${verb}`, { ...R, body });
        expect([verb, res.status]).toEqual([verb, 404]);
      }
    }
    // The same answer as for an incident that does not exist.
    expect((await s.api('GET', '/api/v1/incidents/INC9999999', R)).body.detail).toBe('incident INC9999999 not found');
    expect((await s.api('GET', `/api/v1/incidents/${others.number}`, R)).body.detail).toBe(`incident ${others.number} not found`);
    // Nothing reached the other incident.
    expect((await s.api('GET', `/api/v1/incidents/${others.number}/history`)).body.map((h: { action: string }) => h.action)).toEqual(['create']);

    // Their own: read, commented on, history shown.
    expect((await s.api('GET', `/api/v1/incidents/${own.number}`, R)).status).toBe(200);
    expect((await s.api('POST', `/api/v1/incidents/${onBehalf.number}/notes`, { ...R, body: { text: 'it jams on tray 2' } })).status).toBe(200);
    expect((await s.api('GET', `/api/v1/incidents/${onBehalf.number}/history`, R)).body.map((h: { action: string; data: { visibility?: string } }) => [h.action, h.data.visibility])).toEqual([
      ['create', undefined],
      ['notes', 'public'],
    ]);
  });

  test("notes: the desk's are work notes unless made public; a requester's history shows public notes and their own; a requester cannot write a work note", async () => {
    const mine = await open('dev-requester');
    const note = (token: string, body: object) => s.api('POST', `/api/v1/incidents/${mine.number}/notes`, { token, body });
    expect((await note('dev-agent', { text: 'checked the spooler, suspect driver' })).status).toBe(200);
    expect((await note('dev-agent', { text: 'we are on it', visibility: 'public' })).status).toBe(200);
    expect((await note('dev-requester', { text: 'thanks' })).status).toBe(200);
    const internal = await note('dev-requester', { text: 'psst', visibility: 'internal' });
    expect(internal.status).toBe(400);
    expect(internal.body.errors.map((e: { path: string }) => e.path)).toEqual(['visibility']);

    const notesSeenBy = async (token: string) =>
      ((await s.api('GET', `/api/v1/incidents/${mine.number}/history`, { token })).body as { action: string; data: { text?: string; visibility?: string } }[])
        .filter((h) => h.action === 'notes')
        .map((h) => [h.data.text, h.data.visibility]);
    expect(await notesSeenBy('dev-agent')).toEqual([
      ['checked the spooler, suspect driver', 'internal'],
      ['we are on it', 'public'],
      ['thanks', 'public'],
    ]);
    expect(await notesSeenBy('dev-requester')).toEqual([
      ['we are on it', 'public'],
      ['thanks', 'public'],
    ]);
  });

  test('a requester opens incidents for themself: another caller is a 400 naming callerId, their own id is accepted', async () => {
    const res = await s.api('POST', '/api/v1/incidents', { token: 'dev-requester', body: { title: 'x', impact: 'low', urgency: 'low', callerId: 'usr-agent' } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['callerId']);
    const mine = await open('dev-requester', { callerId: 'usr-requester' });
    expect((await s.api('GET', `/api/v1/incidents/${mine.number}`, { token: 'dev-requester' })).body.callerId).toBe('usr-requester');
  });

  test('a requester cannot name a caller by address or restrict an incident; the desk can, and an address of a user becomes that user', async () => {
    const asRequester = await s.api('POST', '/api/v1/incidents', { token: 'dev-requester', body: { title: 'x', impact: 'low', urgency: 'low', callerEmail: 'a@example.com', restrictedTo: ['cab'] } });
    expect(asRequester.status).toBe(400);
    expect(asRequester.body.errors.map((e: { path: string }) => e.path)).toEqual(['callerEmail', 'restrictedTo']);
    const stranger = await open('dev-agent', { callerEmail: 'Pat.Caller@Example.COM' });
    expect((await s.api('GET', `/api/v1/incidents/${stranger.number}`)).body).toMatchObject({ callerEmail: 'pat.caller@example.com', callerId: null, restricted: false, restrictedTo: [] });
    await s.api('PATCH', '/api/v1/users/usr-requester', { token: 'dev-admin', body: { email: 'req@example.com' } });
    const known = await open('dev-agent', { callerEmail: 'REQ@example.com' });
    expect((await s.api('GET', `/api/v1/incidents/${known.number}`)).body).toMatchObject({ callerEmail: null, callerId: 'usr-requester', callerName: 'Dev requester' });
    expect((await s.api('GET', `/api/v1/incidents/${known.number}`, { token: 'dev-requester' })).status).toBe(200);
    const clash = await s.api('POST', '/api/v1/incidents', { body: { title: 'x', impact: 'low', urgency: 'low', callerEmail: 'req@example.com', callerId: 'usr-agent' } });
    expect(clash.body.errors).toEqual([{ path: 'callerEmail', message: 'is the address of usr-requester, not of callerId usr-agent' }]);
    const noGroup = await s.api('POST', '/api/v1/incidents', { body: { title: 'x', impact: 'low', urgency: 'low', restrictedTo: ['cab', 'no-such-group'] } });
    expect(noGroup.body.errors).toEqual([{ path: 'restrictedTo.1', message: 'no group no-such-group' }]);
  });

  test("a restricted incident: only its groups, the group holding it, its people and admins see it; everyone else gets a 404 everywhere", async () => {
    const key = `${provider}-${Date.now()}`;
    await upsertUser(s.tdb.db, { id: `usr-sec-${key}`, name: 'Sec analyst', role: 'agent', token: `dev-sec-${key}`, groups: [`secops-${key}`] });
    await upsertUser(s.tdb.db, { id: `usr-net-${key}`, name: 'Net engineer', role: 'agent', token: `dev-net-${key}`, groups: [`network-${key}`] });
    const SEC = { token: `dev-sec-${key}` };
    const NET = { token: `dev-net-${key}` };
    const secret = await open('dev-agent', { title: 'Credential stuffing on the VPN', restrictedTo: [`grp-secops-${key}`], callerId: 'usr-requester' });
    const plain = await open('dev-agent');
    const view = (await s.api('GET', `/api/v1/incidents/${secret.number}`, SEC)).body;
    expect(view).toMatchObject({ restricted: true, restrictedTo: [`secops-${key}`] });

    const numbers = async (o: { token: string }) => (await s.api('GET', '/api/v1/incidents?limit=500', o)).body.items.map((i: { number: string }) => i.number);
    expect(await numbers(NET)).toContain(plain.number);
    expect(await numbers(NET)).not.toContain(secret.number);
    expect(await numbers(SEC)).toEqual(expect.arrayContaining([secret.number, plain.number]));
    expect(await numbers({ token: 'dev-admin' })).toContain(secret.number);
    // Its opener (the desk agent who logged it) and its caller keep it.
    expect(await numbers({ token: 'dev-agent' })).toContain(secret.number);
    expect(await numbers({ token: 'dev-requester' })).toContain(secret.number);
    for (const ref of [secret.number, secret.id]) {
      expect((await s.api('GET', `/api/v1/incidents/${ref}`, NET)).status).toBe(404);
      expect((await s.api('GET', `/api/v1/incidents/${ref}/history`, NET)).status).toBe(404);
      expect((await s.api('GET', `/api/v1/incidents/${ref}/attachments`, NET)).status).toBe(404);
      expect((await s.api('POST', `/api/v1/incidents/${ref}/notes`, { ...NET, body: { text: 'peek' } })).status).toBe(404);
      expect((await s.api('POST', `/api/v1/incidents/${ref}/acknowledge`, { ...NET, body: {} })).status).toBe(404);
    }
    // Handed to the network group, it is theirs to work on.
    expect((await s.api('POST', `/api/v1/incidents/${secret.number}/assign`, { ...SEC, body: { group: `network-${key}` } })).status).toBe(200);
    expect((await s.api('GET', `/api/v1/incidents/${secret.number}`, NET)).body).toMatchObject({ restricted: true, assignmentGroup: `network-${key}` });
    expect((await s.api('GET', `/api/v1/incidents/${secret.number}`, { token: 'dev-problem_manager' })).status).toBe(404);

    // Restricted later (found to be a security matter), changed, then lifted; each step in the history.
    const later = await open('dev-agent', { title: 'Odd logins' });
    expect((await s.api('GET', `/api/v1/incidents/${later.number}`, NET)).status).toBe(200);
    const restricted = await s.api('POST', `/api/v1/incidents/${later.number}/restrict`, { body: { groups: [`secops-${key}`] } });
    expect(restricted.body).toMatchObject({ restricted: true, restrictedTo: [`secops-${key}`] });
    expect((await s.api('GET', `/api/v1/incidents/${later.number}`, NET)).status).toBe(404);
    expect(await numbers(NET)).not.toContain(later.number);
    expect((await s.api('POST', `/api/v1/incidents/${later.number}/restrict`, { body: { groups: [`network-${key}`, `grp-network-${key}`] } })).body.restrictedTo).toEqual([`network-${key}`]);
    expect((await s.api('GET', `/api/v1/incidents/${later.number}`, NET)).body).toMatchObject({ restricted: true, restrictedTo: [`network-${key}`] });
    expect((await s.api('GET', `/api/v1/incidents/${later.number}`, SEC)).status).toBe(404);
    expect((await s.api('POST', `/api/v1/incidents/${later.number}/restrict`, { body: { groups: ['nope'] } })).body.errors).toEqual([{ path: 'groups.0', message: 'no group nope' }]);
    expect((await s.api('POST', `/api/v1/incidents/${later.number}/restrict`, { ...NET, body: { groups: [] } })).body).toMatchObject({ restricted: false, restrictedTo: [] });
    expect((await s.api('GET', `/api/v1/incidents/${later.number}`, SEC)).body.restricted).toBe(false);
    expect((await s.api('GET', `/api/v1/incidents/${later.number}/history`)).body.filter((h: { action: string }) => h.action === 'restrict').map((h: { data: unknown }) => h.data)).toEqual([
      { from: [], to: [`secops-${key}`] },
      { from: [`secops-${key}`], to: [`network-${key}`] },
      { from: [`network-${key}`], to: [] },
    ]);
    expect((await s.api('POST', `/api/v1/incidents/${later.number}/restrict`, { token: 'dev-requester', body: { groups: [] } })).status).toBe(403);
  });

  test("availability is the desk's: a requester records no outage, even on their own incident, and reads no availability report", async () => {
    const svc = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `Mail ${provider} ${Date.now()}`, class: 'service' } })).body;
    const mine = await open('dev-requester', { serviceId: svc.id });
    const start = new Date(Date.now() - 600_000).toISOString();
    expect((await s.api('POST', `/api/v1/incidents/${mine.number}/outage`, { token: 'dev-requester', body: { start } })).status).toBe(403);
    expect((await s.api('POST', `/api/v1/incidents/${mine.number}/outage`, { token: 'dev-agent', body: { start } })).status).toBe(200);
    // They see it on their incident, as recorded by the desk.
    expect((await s.api('GET', `/api/v1/incidents/${mine.number}`, { token: 'dev-requester' })).body.outage).toEqual({ serviceId: svc.id, start, end: null });
    const report = `/api/v1/reports/availability?serviceId=${svc.id}&from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date().toISOString()}`;
    expect((await s.api('GET', report, { token: 'dev-requester' })).status).toBe(403);
    expect((await s.api('GET', report, { token: 'dev-change_manager' })).body.outages).toBe(1);
  });

  test('role × endpoint matrix: every operation answers 403 exactly when its route does not admit the role, and never 5xx', async () => {
    const doc = (await s.api('GET', '/openapi.json', { token: null })).body as { paths: Record<string, Record<string, unknown>> };
    const routes = allRoutes();
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((method) => ({ method, path: p })));
    expect(operations.length).toBeGreaterThan(80);
    const failures: string[] = [];
    for (const { method, path } of operations) {
      const route = routes.find((r) => r.method === method && r.path.replace(/:(\w+)/g, '{$1}') === path);
      if (!route) {
        failures.push(`${method.toUpperCase()} ${path}: in the document but not a route`);
        continue;
      }
      for (const role of ROLES) {
        // Unknown ids and an empty body: enough to pass the role check and be refused (or answered) after it. A user's
        // tokens are theirs (anyone else's answer 403 by design, whether the user exists or not): each role asks for its own.
        const url = path.replace(/^\/api\/v1\/users\/\{id\}\/tokens/, `/api/v1/users/usr-${role}/tokens`).replace(/\{(\w+)\}/g, 'nope-$1');
        const res = await s.api(method.toUpperCase(), url, { token: `dev-${role}`, ...(method === 'get' || method === 'delete' ? {} : { body: {} }) });
        const admitted = route.roles === 'any' || route.roles.includes(role);
        if (res.status >= 500) failures.push(`${method.toUpperCase()} ${path} as ${role}: ${res.status}`);
        else if (!admitted && res.status !== 403) failures.push(`${method.toUpperCase()} ${path} as ${role}: ${res.status}, expected 403`);
        else if (admitted && res.status === 403) failures.push(`${method.toUpperCase()} ${path} as ${role}: 403, but the route admits ${role}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
