/**
 * HTTP protocol edges (hardening defect 6): impossible dates, bodies in encodings the API
 * does not speak, methods a path does not have, and a deleted webhook that must be gone.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

let env: TestWorkflowEnvironment;
let s: Stack;
beforeAll(async () => {
  env = await startDevServer();
  s = await startStack({ env });
});
afterAll(async () => {
  await s?.close();
  await env?.teardown();
});

test('a timestamp in year 0000 (or any year before 1900) is a 400 naming the field', async () => {
  const res = await s.api('POST', '/api/v1/change-freezes', { token: 'dev-change_manager', body: { name: 'Year zero', start: '0000-01-01T00:00:00Z', end: '2031-01-01T00:00:00Z', reason: 'x' } });
  expect([res.status, res.body.errors?.map((e: { path: string }) => e.path)]).toEqual([400, ['start']]);
  const ok = await s.api('POST', '/api/v1/change-freezes', { token: 'dev-change_manager', body: { name: 'Fine', start: '2031-01-01T00:00:00Z', end: '2031-01-02T00:00:00Z', reason: 'x' } });
  expect(ok.status).toBe(201);
});

test('a body in UTF-16 or compressed with an unsupported encoding is a 415, not a 400', async () => {
  const body = JSON.stringify({ title: 'x', impact: 'low', urgency: 'low' });
  const utf16 = await fetch(`${s.baseUrl}/api/v1/incidents`, { method: 'POST', headers: { authorization: 'Bearer dev-agent', 'content-type': 'application/json; charset=utf-16' }, body: Buffer.from(body, 'utf16le') });
  expect(utf16.status).toBe(415);
  const br = await fetch(`${s.baseUrl}/api/v1/incidents`, { method: 'POST', headers: { authorization: 'Bearer dev-agent', 'content-type': 'application/json', 'content-encoding': 'br' }, body });
  expect(br.status).toBe(415);
  expect(br.headers.get('content-type')).toMatch(/application\/problem\+json/);
});

test('a method the path does not have is a 405 with Allow; an unknown path stays a 404', async () => {
  const put = await s.api('PUT', '/api/v1/incidents', { body: {} });
  expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET, POST']);
  const del = await s.api('DELETE', '/api/v1/incidents/INC0000001');
  expect([del.status, del.headers.get('allow')]).toEqual([405, 'GET']);
  expect((await s.api('GET', '/api/v1/nothing-here')).status).toBe(404);
  // Whatever the body's type: the method is judged first (the fuzzer's PUT of Prometheus text got a 415 about JSON).
  for (const [path, type, body, allow] of [
    ['/api/v1/metrics/prometheus?ciId=CI0000001', 'text/plain', 'disk_used_percent{mount="/"} 71.5\n', 'POST'],
    ['/api/v1/cis/import', 'text/csv', 'name,class\nweb,server\n', 'POST'],
    ['/api/v1/incidents', 'text/plain', 'hello', 'GET, POST'],
  ]) {
    const res = await fetch(`${s.baseUrl}${path}`, { method: 'PUT', headers: { authorization: 'Bearer dev-admin', 'content-type': type }, body });
    expect([path, res.status, res.headers.get('allow'), res.headers.get('content-type')]).toEqual([path, 405, allow, expect.stringMatching(/application\/problem\+json/)]);
  }
  // A method the path has still gets the 415 for a body it does not take.
  const wrongType = await fetch(`${s.baseUrl}/api/v1/incidents`, { method: 'POST', headers: { authorization: 'Bearer dev-agent', 'content-type': 'text/plain' }, body: 'hello' });
  expect(wrongType.status).toBe(415);
});

test('a deleted webhook is gone: GET and a second DELETE answer 404, the list no longer shows it', async () => {
  const created = await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url: 'http://127.0.0.1:9/hook', events: ['*'], secret: '0123456789abcdef' } });
  expect(created.status).toBe(201);
  expect((await s.api('DELETE', `/api/v1/webhooks/${created.body.id}`, { token: 'dev-admin' })).status).toBe(204);
  expect((await s.api('GET', `/api/v1/webhooks/${created.body.id}`, { token: 'dev-admin' })).status).toBe(404);
  expect((await s.api('DELETE', `/api/v1/webhooks/${created.body.id}`, { token: 'dev-admin' })).status).toBe(404);
  const list = await s.api('GET', '/api/v1/webhooks', { token: 'dev-admin' });
  expect(list.body.items.map((w: { id: string }) => w.id)).not.toContain(created.body.id);
});

test('a webhook delivery never follows a redirect: a 3xx is a failed attempt, the other URL gets nothing', async () => {
  let elsewhere = 0;
  const target = http.createServer((req, res) => {
    elsewhere++;
    req.resume();
    res.end('ok');
  });
  const redirector = http.createServer((req, res) => {
    req.resume();
    res.writeHead(307, { location: `http://127.0.0.1:${(target.address() as AddressInfo).port}/` }).end();
  });
  await Promise.all([target, redirector].map((srv) => new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))));
  try {
    const sub = await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`, events: ['incident.created'], secret: '0123456789abcdef' } });
    expect(sub.status).toBe(201);
    expect((await s.api('POST', '/api/v1/incidents', { body: { title: 'Redirected webhook', impact: 'low', urgency: 'low' } })).status).toBe(201);
    const attempt = await eventually(async () => (await s.tdb.db.webhookDelivery.findFirst({ where: { subscriptionId: sub.body.id, attempts: { gte: 1 } } })) ?? undefined, 20_000, 'a delivery attempt');
    expect([attempt.status, attempt.lastStatusCode]).toEqual(['pending', 307]);
    expect(elsewhere).toBe(0);
    const listed = await s.api('GET', `/api/v1/webhooks/${sub.body.id}/deliveries`, { token: 'dev-admin' });
    expect(listed.body.items[0]).toMatchObject({ id: attempt.id, lastOutcome: 'receiver_error', lastStatusClass: '3xx' });
    expect(Object.keys(listed.body.items[0])).not.toEqual(expect.arrayContaining(['lastStatusCode']));
    expect(Object.keys(listed.body.items[0])).not.toEqual(expect.arrayContaining(['lastError']));
    await s.api('DELETE', `/api/v1/webhooks/${sub.body.id}`, { token: 'dev-admin' });
  } finally {
    target.close();
    redirector.close();
  }
});

test('deliveries are cursor-paged newest first with none missing or repeated; an unreachable receiver shows only "no_response"', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const sub = await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url: `http://127.0.0.1:${port}/hook`, events: ['incident.created'], secret: '0123456789abcdef' } });
  expect(sub.status).toBe(201);
  try {
    for (let i = 0; i < 5; i++) expect((await s.api('POST', '/api/v1/incidents', { body: { title: `Unreachable receiver ${i}`, impact: 'low', urgency: 'low' } })).status).toBe(201);
    const attempted = await eventually(async () => {
      const rows = await s.tdb.db.webhookDelivery.findMany({ where: { subscriptionId: sub.body.id, attempts: { gte: 1 } } });
      return rows.length === 5 ? rows : undefined;
    }, 30_000, 'five delivery attempts');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: { items: { id: string; createdAt: string; lastOutcome: string; lastStatusClass: string | null }[]; nextCursor: string | null } } =
        await s.api('GET', `/api/v1/webhooks/${sub.body.id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: 'dev-admin' });
      expect(res.status).toBe(200);
      for (const d of res.body.items) expect([d.lastOutcome, d.lastStatusClass]).toEqual(['no_response', null]);
      seen.push(...res.body.items.map((d) => d.id));
      const times = res.body.items.map((d) => d.createdAt);
      expect(times).toEqual([...times].sort().reverse());
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect([pages, seen.length, new Set(seen).size]).toEqual([3, 5, 5]);
    expect(new Set(seen)).toEqual(new Set(attempted.map((d) => d.id)));
    expect(JSON.stringify(attempted.map((d) => d.lastError))).toMatch(/ECONNREFUSED/); // kept for operators, not shown
    const foreign = await s.api('GET', `/api/v1/webhooks/${sub.body.id}/deliveries?cursor=whd-not-one-of-these`, { token: 'dev-admin' });
    expect([foreign.status, foreign.body.errors?.[0]?.path]).toEqual([400, 'query.cursor']);
  } finally {
    await s.api('DELETE', `/api/v1/webhooks/${sub.body.id}`, { token: 'dev-admin' });
  }
});

test('a 401 says how to authenticate (WWW-Authenticate: Bearer, invalid_token when a token was refused); responses carry security headers', async () => {
  const none = await s.api('GET', '/api/v1/incidents', { token: null });
  expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="itsm"']);
  const wrong = await s.api('GET', '/api/v1/incidents', { token: 'not-a-token' });
  expect([wrong.status, wrong.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="itsm", error="invalid_token"']);
  const ok = await s.api('GET', '/api/v1/incidents');
  expect([ok.status, ok.headers.get('x-content-type-options'), ok.headers.get('x-frame-options'), ok.headers.get('x-powered-by')]).toEqual([200, 'nosniff', 'SAMEORIGIN', null]);
  expect(ok.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  expect((await s.api('GET', '/docs/')).status).toBe(200);
});
