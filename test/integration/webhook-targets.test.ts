/**
 * Hardening defect 4 (first part): webhooks may not reach the server's own network unless
 * WEBHOOK_ALLOW_PRIVATE says so. A literal private address or local name is refused when
 * subscribing; a public-looking name that resolves to a private address is refused where the
 * connection is made, on every delivery; credentials in a URL are never shown.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

let env: TestWorkflowEnvironment;
let s: Stack;
let receiver: http.Server;
let received = 0;
beforeAll(async () => {
  env = await startDevServer();
  s = await startStack({ env, allowPrivateWebhooks: false });
  receiver = http.createServer((req, res) => {
    received++;
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  receiver?.close();
  await s?.close();
  await env?.teardown();
});

const subscribe = (url: string) => s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url, events: ['incident.created'], secret: '0123456789abcdef' } });

test('literal private, loopback and link-local targets and local names are refused with a 400 naming url', async () => {
  for (const url of ['http://127.0.0.1:9/x', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.5/hook', 'http://[::1]/x', 'http://localhost:8080/x', 'http://[::ffff:127.0.0.1]/x']) {
    const res = await subscribe(url);
    expect([url, res.status, res.body.errors?.[0]?.path]).toEqual([url, 400, 'url']);
  }
});

test('credentials in a webhook URL are stored for delivery but never shown', async () => {
  const res = await subscribe('https://svc:hunter2@hooks.example.com/itsm');
  expect([res.status, res.body.url]).toEqual([201, 'https://***@hooks.example.com/itsm']);
  expect((await s.api('GET', `/api/v1/webhooks/${res.body.id}`, { token: 'dev-admin' })).body.url).toBe('https://***@hooks.example.com/itsm');
  expect((await s.api('DELETE', `/api/v1/webhooks/${res.body.id}`, { token: 'dev-admin' })).status).toBe(204);
});

test('a name that resolves to a private address is refused at delivery time: failed once, never retried, nothing sent', async () => {
  const port = (receiver.address() as AddressInfo).port;
  // Subscribed while private targets were allowed, or a DNS answer that changed since: the
  // name reaches the worker, which judges the address the resolver gives at connect time.
  const sub = await s.tdb.db.webhookSubscription.create({
    data: { id: `whk_rebind${Date.now()}`, url: `http://localhost:${port}/hook`, events: JSON.stringify(['incident.created']), secret: '0123456789abcdef', createdBy: 'usr-admin' },
  });
  const direct = await s.tdb.db.webhookSubscription.create({
    data: { id: `whk_literal${Date.now()}`, url: `http://127.0.0.1:${port}/hook`, events: JSON.stringify(['incident.created']), secret: '0123456789abcdef', createdBy: 'usr-admin' },
  });
  const created = await s.api('POST', '/api/v1/incidents', { body: { title: 'Webhook target check', impact: 'low', urgency: 'low' } });
  expect(created.status).toBe(201);
  const delivery = await eventually(async () => {
    const d = await s.tdb.db.webhookDelivery.findFirst({ where: { subscriptionId: direct.id, status: 'failed' } });
    return d ?? undefined;
  }, 20_000, 'the literal private target to fail');
  expect([delivery.attempts, delivery.lastError]).toEqual([1, expect.stringContaining('blocked: 127.0.0.1 is a private')]);
  const named = await eventually(async () => (await s.tdb.db.webhookDelivery.findFirst({ where: { subscriptionId: sub.id, status: 'failed' } })) ?? undefined, 20_000, 'the named target to fail');
  expect([named.attempts, named.lastError]).toEqual([1, expect.stringMatching(/^blocked: localhost resolves to (127\.0\.0\.1|::1), a private/)]);
  expect(received).toBe(0);
  // Through the API the refusal is an outcome; the address the name resolved to is not shown.
  const listed = await s.api('GET', `/api/v1/webhooks/${sub.id}/deliveries`, { token: 'dev-admin' });
  expect(listed.status).toBe(200);
  expect(listed.body.items).toEqual([{ id: named.id, eventId: named.eventId, status: 'failed', attempts: 1, lastOutcome: 'blocked_target', lastStatusClass: null, deliveredAt: null, createdAt: named.createdAt.toISOString() }]);
  expect(JSON.stringify(listed.body)).not.toMatch(/127\.0\.0\.1|::1|resolves/);

});
