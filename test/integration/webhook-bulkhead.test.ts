/**
 * Webhook delivery attempts have a task queue and activity slots of their own: subscribers that
 * never answer fill the deliveries' slots, never the records'. Before, a long fuzz pass with a few
 * unreachable subscribers held commands back until the API answered 503.
 */
import http from 'node:http';
import type { Socket, AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';
import { webhookDeliveryQueue, webhookDeliveryWorkflowId } from '../../workflows/contracts/webhook-delivery';

const ADMIN = 'dev-admin';
let env: TestWorkflowEnvironment;
let s: Stack;
let receiver: http.Server;
// Requests the receiver holds open (it never answers while `hang` is set), and the most at once.
const open = new Set<Socket>();
let mostAtOnce = 0;
let hang = true;

beforeAll(async () => {
  env = await startDevServer();
  // Two slots each, and an attempt that waits 20 s for an answer: on one shared queue, two
  // hanging deliveries would hold every slot a command's activity needs for longer than the API waits.
  s = await startStack({ env, worker: { webhookTimeoutMs: 20_000, maxConcurrentActivities: 2, maxConcurrentDeliveries: 2 }, apiEnv: { API_ENGINE_TIMEOUT: 'PT8S' } });
  receiver = http.createServer((req, res) => {
    if (!hang) return void res.writeHead(500).end();
    open.add(req.socket);
    mostAtOnce = Math.max(mostAtOnce, open.size);
    req.socket.once('close', () => open.delete(req.socket));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  hang = false;
  for (const socket of open) socket.destroy();
  receiver?.close();
  await s?.close();
  await env?.teardown();
});

test('subscribers that never answer fill only the deliveries’ slots: commands still answer, and no more attempts wait than those slots', async () => {
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const sub = await s.api('POST', '/api/v1/webhooks', { token: ADMIN, body: { url, events: ['*'], secret: '0123456789abcdef' } });
  expect(sub.status).toBe(201);
  const incidents = [];
  for (let i = 0; i < 4; i++) {
    const res = await s.api('POST', '/api/v1/incidents', { body: { title: `Bulkhead ${i}`, impact: 'low', urgency: 'low' } });
    expect(res.status).toBe(201);
    incidents.push(res.body);
  }
  await eventually(async () => (open.size === 2 ? true : undefined), 20_000, 'two hanging deliveries');

  // Commands that wait on the records' own activities answer while both delivery slots hang.
  const raised = await s.api('POST', `/api/v1/incidents/${incidents[0].id}/problem`, { body: { title: 'Raised while deliveries hang' } });
  expect([raised.status, raised.body.incidentIds]).toEqual([201, [incidents[0].id]]);
  const noted = await s.api('POST', `/api/v1/incidents/${incidents[1].id}/notes`, { body: { text: 'still answered' } });
  expect(noted.status).toBe(200);
  expect(open.size).toBe(2);
  expect(mostAtOnce).toBe(2);

  // The attempts were scheduled on the deliveries' queue, the failure mark's queue is the records'.
  const delivery = await s.tdb.db.webhookDelivery.findFirstOrThrow({ where: { subscriptionId: sub.body.id } });
  const history = await s.env.client.workflow.getHandle(webhookDeliveryWorkflowId(delivery.id)).fetchHistory();
  const scheduled = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
  expect(scheduled.map((a) => [a.activityType?.name, a.taskQueue?.name])).toEqual([['deliverWebhook', webhookDeliveryQueue(s.taskQueue)]]);

  // Unsubscribed: what was pending is cancelled, and the held attempts end.
  expect((await s.api('DELETE', `/api/v1/webhooks/${sub.body.id}`, { token: ADMIN })).status).toBe(204);
  hang = false;
  for (const socket of open) socket.destroy();
  await eventually(async () => ((await s.tdb.db.webhookDelivery.count({ where: { subscriptionId: sub.body.id, status: 'pending' } })) === 0 ? true : undefined), 30_000, 'no delivery left pending');
});
