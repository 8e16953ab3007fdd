/**
 * The incident API end to end over HTTP: Temporal dev server, real worker, real database
 * (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set, as in CI).
 */
import { Webhook } from 'standardwebhooks';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ROLES } from '../../domain/access';
import { COMMAND_ROLES } from '../../api/routes/incidents';
import { INCIDENT_COMMANDS } from '../../domain/schemas/incident';
import { PROVIDERS } from '../support/database';
import { createHash } from 'node:crypto';
import { CreateIncidentBody } from '../../domain/schemas/incident';
import { incidentConfigFromEnv, openIncident, reserveIncident } from '../../temporal/open-incident';
import { eventually, startStack, type Stack } from '../support/stack';
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

describe.each(PROVIDERS)('incidents over HTTP on %s', (provider) => {
  let s: Stack;
  let serviceId: string;

  beforeAll(async () => {
    s = await startStack({ provider, env });
    const svc = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: 'Email', class: 'service', attributes: { criticality: 'high' } } });
    expect(svc.status).toBe(201);
    serviceId = svc.body.id;
    const sla = await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Default', kind: 'SLA', targets: targets('PT1H', 'PT8H'), isDefault: true } });
    expect(sla.status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  const create = (body: object = {}, token = 'dev-agent', headers: Record<string, string> = {}) =>
    s.api('POST', '/api/v1/incidents', { token, headers, body: { title: 'Email is down', impact: 'high', urgency: 'medium', ...body } });

  test('full lifecycle new → assigned → in_progress → on_hold → in_progress → resolved → closed, each visible to a GET right after', async () => {
    const created = await create({ serviceId, description: 'users cannot send mail', category: 'email' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'new', priority: 'P2', workflowId: `incident-${created.body.number}`, serviceId });
    expect(created.body.number).toMatch(/^INC\d{7}$/);
    expect(created.body.sla).toMatchObject({ response: { metAt: null, breached: false }, resolution: { metAt: null, breached: false, pausedMs: 0 }, paused: false });
    const ref = created.body.number; // the number works wherever :id does

    const steps: [string, object, string][] = [
      ['assign', { group: 'service-desk', assignee: 'usr-agent' }, 'assigned'],
      ['acknowledge', {}, 'in_progress'],
      ['hold', { reason: 'awaiting_caller', note: 'asked for a screenshot' }, 'on_hold'],
      ['resume', {}, 'in_progress'],
      ['resolve', { code: 'fixed', notes: 'restarted the mail relay' }, 'resolved'],
      ['close', {}, 'closed'],
    ];
    for (const [verb, body, state] of steps) {
      const res = await s.api('POST', `/api/v1/incidents/${ref}/${verb}`, { body });
      expect([verb, res.status, res.body.state]).toEqual([verb, 200, state]);
      const got = await s.api('GET', `/api/v1/incidents/${created.body.id}`);
      expect([verb, got.body.state]).toEqual([verb, state]);
    }
    const final = await s.api('GET', `/api/v1/incidents/${ref}`);
    expect(final.body).toMatchObject({ assignmentGroup: 'service-desk', assignee: 'usr-agent', resolutionCode: 'fixed' });
    expect(final.body.sla.response.metAt).not.toBeNull();
    expect(final.body.sla.resolution.metAt).not.toBeNull();

    const history = await s.api('GET', `/api/v1/incidents/${ref}/history`);
    expect(history.status).toBe(200);
    expect(history.body.map((h: { action: string; from?: string; to?: string }) => [h.action, h.from ?? null, h.to])).toEqual([
      ['create', null, 'new'],
      ['assign', 'new', 'assigned'],
      ['acknowledge', 'assigned', 'in_progress'],
      ['hold', 'in_progress', 'on_hold'],
      ['resume', 'on_hold', 'in_progress'],
      ['resolve', 'in_progress', 'resolved'],
      ['close', 'resolved', 'closed'],
    ]);
    expect(history.body[3].data).toMatchObject({ reason: 'awaiting_caller', note: 'asked for a screenshot', clockPaused: true });
    expect(history.body.every((h: { actor: string }) => h.actor === 'usr-agent')).toBe(true);

    const after = await s.api('POST', `/api/v1/incidents/${ref}/acknowledge`, { body: {} });
    expect(after.status).toBe(409);
    expect(after.body.detail).toMatch(/closed/);
  });

  test('the Temporal UI shows each incident: a static summary and details, timers that say what falls due, current details', async () => {
    const created = await s.api('POST', '/api/v1/incidents', { body: { title: 'Projector flickering in room 4', impact: 'high', urgency: 'high' } });
    expect(created.status).toBe(201);
    const handle = s.env.client.workflow.getHandle(created.body.workflowId);
    // The incident is answered once written; its workflow starts right after.
    const description = await eventually(() => handle.describe().catch(() => undefined), 10_000, 'the workflow started');
    expect(await description.staticSummary()).toBe(`${created.body.number}: Projector flickering in room 4`);
    expect(await description.staticDetails()).toMatch(/impact high, urgency high/);
    // A summary is a JSON payload on the timer's user metadata.
    const summaries = await eventually(async () => {
      const history = await handle.fetchHistory();
      const all = (history.events ?? []).filter((e) => e.timerStartedEventAttributes).map((e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString('utf8'));
      return all.some((x) => x.startsWith('"P1')) ? all : undefined;
    });
    // The wait for creation has a timer only when creation spans workflow tasks.
    const [p1, ...others] = summaries.filter((x) => x !== `"${created.body.number}: waiting for its create update"`);
    expect(others).toEqual([]);
    // The UI's "current details" come from the built-in metadata query.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(new RegExp(`^\\*\\*${created.body.number}\\*\\* Projector flickering in room 4\\n\\nstate: \`new\`\\n\\nnext: P1 `));
    expect(p1).toMatch(/^"P1 (response|resolution 75% warning|resolution) due \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC( \(approaching\))?"$/);
  });

  test('409 for a command the current state does not allow, naming the state; nothing recorded', async () => {
    const { body: inc } = await create();
    const res = await s.api('POST', `/api/v1/incidents/${inc.id}/close`, { body: {} });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 409, title: 'Conflict' });
    expect(res.body.detail).toMatch(/state 'new'/);
    const resume = await s.api('POST', `/api/v1/incidents/${inc.id}/resume`, { body: {} });
    expect(resume.status).toBe(409);
    const history = await s.api('GET', `/api/v1/incidents/${inc.id}/history`);
    expect(history.body).toHaveLength(1);
  });

  test('400 lists every offending field', async () => {
    const res = await s.api('POST', '/api/v1/incidents', { body: { title: '', impact: 'huge', urgency: 3, surprise: true } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['title', 'impact', 'urgency']));
    expect(res.body.errors.length).toBeGreaterThanOrEqual(4); // plus the unknown key
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts/); // no stack trace

    const unknownService = await create({ serviceId: 'CI9999999' });
    expect(unknownService.status).toBe(400);
    expect(unknownService.body.errors).toEqual([{ path: 'serviceId', message: expect.stringMatching(/CI9999999/) }]);

    const { body: inc } = await create();
    const hold = await s.api('POST', `/api/v1/incidents/${inc.id}/hold`, { body: { reason: 'nap' } });
    expect(hold.status).toBe(400);
    expect(hold.body.errors.map((e: { path: string }) => e.path)).toEqual(['reason']);
    const resolve = await s.api('POST', `/api/v1/incidents/${inc.id}/resolve`, { body: {} });
    expect(resolve.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['code', 'notes']);
    const assign = await s.api('POST', `/api/v1/incidents/${inc.id}/assign`, { body: {} });
    expect(assign.status).toBe(400);
    expect(assign.body.errors[0].path).toBe('group');
    const badList = await s.api('GET', '/api/v1/incidents?limit=9999&state=sleeping');
    expect(badList.status).toBe(400);
    expect(badList.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['query.limit', 'query.state']);
  });

  test('404 for an unknown incident, 415 for a non-JSON body, 413 for an oversized one, 400 for broken JSON', async () => {
    expect((await s.api('GET', '/api/v1/incidents/INC9999999')).status).toBe(404);
    expect((await s.api('POST', '/api/v1/incidents/INC9999999/acknowledge', { body: {} })).status).toBe(404);
    const text = await s.api('POST', '/api/v1/incidents', { raw: 'title=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const big = await create({ description: 'x'.repeat(100_000) });
    expect(big.status).toBe(413);
    const broken = await s.api('POST', '/api/v1/incidents', { raw: '{"title": ', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    expect(broken.body.title).toBe('Invalid request');
  });

  test('401 without or with a bad token and 403 for a role that may not, on every command endpoint', async () => {
    const { body: inc } = await create();
    for (const verb of INCIDENT_COMMANDS) {
      const path = `/api/v1/incidents/${inc.id}/${verb}`;
      expect([verb, (await s.api('POST', path, { token: null, body: {} })).status]).toEqual([verb, 401]);
      expect([verb, (await s.api('POST', path, { token: 'not-a-token', body: {} })).status]).toEqual([verb, 401]);
      const denied = ROLES.find((r) => !COMMAND_ROLES[verb].includes(r))!;
      const res = await s.api('POST', path, { token: `dev-${denied}`, body: {} });
      expect([verb, denied, res.status]).toEqual([verb, denied, 403]);
    }
    expect((await s.api('GET', '/api/v1/incidents', { token: null })).status).toBe(401);
    expect((await s.api('POST', '/api/v1/slas', { token: 'dev-agent', body: {} })).status).toBe(403);
    expect((await s.api('POST', '/api/v1/webhooks', { token: 'dev-agent', body: {} })).status).toBe(403);
    const history = await s.api('GET', `/api/v1/incidents/${inc.id}/history`);
    expect(history.body).toHaveLength(1); // nothing that was refused was recorded
  });

  test('Idempotency-Key: a repeated create returns the first result and creates nothing new', async () => {
    const key = `key-${provider}-${Date.now()}`;
    const first = await create({ title: 'Plotter smoking in room 4' }, 'dev-agent', { 'idempotency-key': key });
    const second = await create({ title: 'Plotter smoking in room 4' }, 'dev-agent', { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await s.tdb.db.incident.count({ where: { title: 'Plotter smoking in room 4' } })).toBe(1);
    const different = await create({ title: 'Something else' }, 'dev-agent', { 'idempotency-key': key });
    expect(different.status).toBe(422);
    // A failed create frees its key: the corrected request succeeds with it.
    const badKey = `bad-${key}`;
    expect((await create({ impact: 'nope' }, 'dev-agent', { 'idempotency-key': badKey })).status).toBe(400);
    expect((await create({}, 'dev-agent', { 'idempotency-key': badKey })).status).toBe(201);
  });

  test('Idempotency-Key after a crash: a live claim answers 409 with Retry-After; a lapsed one is taken over and reopens the reserved incident, never a second', async () => {
    const me = await s.api('GET', '/api/v1/me');
    const principal = me.body.id as string;
    const body = (title: string) => ({ title, impact: 'high', urgency: 'medium' });
    const fingerprint = (title: string) => `POST /api/v1/incidents ${createHash('sha256').update(JSON.stringify(body(title))).digest('hex')}`;
    const deps = { db: s.tdb.db, temporal: s.env.client, taskQueue: s.taskQueue, config: incidentConfigFromEnv({ AUTO_CLOSE_AFTER: 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000 }) };

    // A replica died after starting the incident, before answering: the record exists, the key is still claimed.
    const opened = `Died after opening ${provider} ${Date.now()}`;
    const reservation = await reserveIncident(s.tdb.db);
    const view = await openIncident(deps, reservation, principal, CreateIncidentBody.parse(body(opened)));
    const key = `crash-${provider}-${Date.now()}`;
    await s.tdb.db.idempotencyKey.create({ data: { principal, key, route: fingerprint(opened), status: 0, body: '', reservation: JSON.stringify(reservation), leaseUntil: new Date(Date.now() + 60_000) } });
    const early = await create(body(opened), 'dev-agent', { 'idempotency-key': key });
    expect([early.status, Number(early.headers.get('retry-after'))]).toEqual([409, expect.any(Number)]);
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(50);
    await s.tdb.db.idempotencyKey.update({ where: { principal_key: { principal, key } }, data: { leaseUntil: new Date(Date.now() - 1) } });
    const retried = await create(body(opened), 'dev-agent', { 'idempotency-key': key });
    expect([retried.status, retried.body.id, retried.body.number]).toEqual([201, view.id, reservation.number]);
    expect(await s.tdb.db.incident.count({ where: { title: opened } })).toBe(1);
    const replay = await create(body(opened), 'dev-agent', { 'idempotency-key': key });
    expect([replay.status, replay.body.id, replay.headers.get('idempotent-replayed')]).toEqual([201, view.id, 'true']);

    // A replica died after reserving the number, before starting anything: the retry opens the incident under that number.
    const reservedOnly = `Died after reserving ${provider} ${Date.now()}`;
    const kept = await reserveIncident(s.tdb.db);
    const key2 = `${key}-reserved`;
    await s.tdb.db.idempotencyKey.create({ data: { principal, key: key2, route: fingerprint(reservedOnly), status: 0, body: '', reservation: JSON.stringify(kept), leaseUntil: new Date(Date.now() - 1) } });
    const opens = await create(body(reservedOnly), 'dev-agent', { 'idempotency-key': key2 });
    expect([opens.status, opens.body.id, opens.body.number, opens.body.title]).toEqual([201, kept.id, kept.number, reservedOnly]);
    expect(await s.tdb.db.incident.count({ where: { title: reservedOnly } })).toBe(1);
  });

  test('lists filter and paginate with cursors', async () => {
    for (let i = 0; i < 3; i++) await create({ title: `paged ${i}`, impact: 'low', urgency: 'low' });
    const first = await s.api('GET', '/api/v1/incidents?priority=P5&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await s.api('GET', `/api/v1/incidents?priority=P5&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.length).toBeGreaterThanOrEqual(1);
    const ids = [...first.body.items, ...second.body.items].map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...first.body.items, ...second.body.items].every((i: { priority: string }) => i.priority === 'P5')).toBe(true);
    expect((await s.api('GET', '/api/v1/incidents?cursor=garbage')).status).toBe(400);
    const byState = await s.api('GET', '/api/v1/incidents?state=closed');
    expect(byState.body.items.every((i: { state: string }) => i.state === 'closed')).toBe(true);
  });

  test('SLAs and CIs: create, read, validation and roles', async () => {
    const bad = await s.api('POST', '/api/v1/slas', {
      token: 'dev-admin',
      body: { name: 'x', kind: 'XLA', calendar: { timezone: 'Mars/Olympus', hours: { mon: ['18:00', '09:00'] } }, targets: { P1: { response: 'soon', resolution: 'PT1H' } } },
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['kind', 'targets.P1.response', 'targets.P2']));
    expect(paths.some((p: string) => p.startsWith('calendar'))).toBe(true);

    const bh = await s.api('POST', '/api/v1/slas', {
      token: 'dev-admin',
      body: {
        name: 'Email business hours',
        kind: 'SLA',
        serviceId,
        calendar: { timezone: 'America/New_York', hours: { mon: ['08:00', '18:00'], tue: ['08:00', '18:00'] }, holidays: ['2026-12-25'] },
        targets: targets('PT2H', 'PT10H'),
        escalation: { P1: { warnAtPercent: 50 } },
      },
    });
    expect(bh.status).toBe(201);
    expect(bh.body).toMatchObject({ number: expect.stringMatching(/^SLA\d{7}$/), serviceId, kind: 'SLA' });
    expect((await s.api('GET', `/api/v1/slas/${bh.body.number}`)).body.id).toBe(bh.body.id);
    // The service by id and number, wherever the agreement is shown; none for the default.
    const serviceNumber = (await s.api('GET', `/api/v1/cis/${serviceId}`)).body.number;
    expect(bh.body.serviceNumber).toBe(serviceNumber);
    expect((await s.api('GET', `/api/v1/slas/${bh.body.id}`)).body).toMatchObject({ serviceId, serviceNumber });
    const slas = (await s.api('GET', '/api/v1/slas?limit=500')).body.items as { id: string; isDefault: boolean; serviceNumber: string | null }[];
    expect(slas.find((x) => x.id === bh.body.id)?.serviceNumber).toBe(serviceNumber);
    expect(slas.filter((x) => x.isDefault).map((x) => x.serviceNumber)).toEqual([null]);
    expect((await s.api('GET', '/api/v1/slas')).body.items.length).toBeGreaterThanOrEqual(2);
    expect((await s.api('GET', '/api/v1/slas/SLA9999999')).status).toBe(404);

    // An incident on that service now takes the service's SLA.
    const inc = await create({ serviceId });
    expect(inc.body.sla.slaId).toBe(bh.body.id);

    const ci = await s.api('POST', '/api/v1/cis', { token: 'dev-change_manager', body: { name: 'mail-01', class: 'server', attributes: { hostname: 'mail-01' } } });
    expect(ci.status).toBe(201);
    expect((await s.api('POST', '/api/v1/cis', { token: 'dev-change_manager', body: { name: 'mail-01', class: 'server' } })).status).toBe(409);
    expect((await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: 'x', class: 'spaceship' } })).status).toBe(400);
    expect((await s.api('POST', '/api/v1/cis', { token: 'dev-agent', body: { name: 'y', class: 'server' } })).status).toBe(403);
    const servers = await s.api('GET', '/api/v1/cis?class=server&q=mail');
    expect(servers.body.items.map((c: { number: string }) => c.number)).toEqual([ci.body.number]);
    const withCi = await create({ ciId: ci.body.number });
    expect(withCi.body.ciId).toBe(ci.body.id);
    const svcAsCi = await create({ serviceId: ci.body.id });
    expect(svcAsCi.status).toBe(400);
    expect(svcAsCi.body.errors[0].path).toBe('serviceId');
  });

  test('a webhook receiver on localhost gets incident.sla.breached with a valid signature; the workflow is findable by SlaBreached', async () => {
    const secret = 'a-very-secret-secret';
    const received: { body: string; signature: string | undefined; headers: http.IncomingHttpHeaders }[] = [];
    let failFirst = true;
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        // The first delivery fails: the retry with backoff must still deliver it.
        if (failFirst && body.includes('incident.sla.breached')) {
          failFirst = false;
          res.writeHead(503).end();
          return;
        }
        received.push({ body, signature: req.headers['x-itsm-signature'] as string | undefined, headers: req.headers });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const hook = await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url, events: ['incident.sla.breached'], secret } });
      expect(hook.status).toBe(201);
      expect(hook.body).not.toHaveProperty('secret');
      const badHook = await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url: 'ftp://x', events: [], secret: 'short' } });
      expect(badHook.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['events', 'secret', 'url']);

      const fast = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `Fast ${provider}`, class: 'service' } });
      await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Fast', kind: 'SLA', serviceId: fast.body.id, targets: targets('PT2S', 'PT1H') } });
      const inc = await create({ serviceId: fast.body.id });
      expect(inc.status).toBe(201);

      const delivery = await eventually(async () => received.find((r) => JSON.parse(r.body).data.incident.id === inc.body.id), 30_000, 'webhook delivery');
      const event = JSON.parse(delivery.body);
      expect(event).toMatchObject({ type: 'incident.sla.breached', id: expect.any(String), occurredAt: expect.any(String) });
      expect(event.data).toMatchObject({ clock: 'response', incident: { number: inc.body.number } });
      const expected = `sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`;
      expect(delivery.signature).toBe(expected);
      // Standard Webhooks headers, verified with their library: the timestamp is signed, so replays can be refused.
      const headers = { 'webhook-id': String(delivery.headers['webhook-id']), 'webhook-timestamp': String(delivery.headers['webhook-timestamp']), 'webhook-signature': String(delivery.headers['webhook-signature']) };
      expect(new Webhook(secret, { format: 'raw' }).verify(delivery.body, headers)).toMatchObject({ type: 'incident.sla.breached' });
      expect(() => new Webhook(secret, { format: 'raw' }).verify(delivery.body, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 3600) })).toThrow();
      // The secret is sealed at rest.
      expect((await s.tdb.db.webhookSubscription.findUniqueOrThrow({ where: { id: hook.body.id } })).secret).toMatch(/^enc:v1:/);
      const deliveries = await s.api('GET', `/api/v1/webhooks/${hook.body.id}/deliveries`, { token: 'dev-admin' });
      expect(deliveries.body.items[0]).toMatchObject({ status: 'delivered', attempts: 2, lastOutcome: 'delivered', lastStatusClass: '2xx' });

      const got = await s.api('GET', `/api/v1/incidents/${inc.body.id}`);
      expect(got.body.sla.response.breached).toBe(true);
      const breachedList = await s.api('GET', '/api/v1/incidents?breached=true');
      expect(breachedList.body.items.map((i: { id: string }) => i.id)).toContain(inc.body.id);

      // Ops can find it in the Temporal UI with the typed search attributes.
      await eventually(async () => {
        for await (const wf of s.env.client.workflow.list({ query: `SlaBreached = true AND RecordType = 'incident' AND RecordNumber = '${inc.body.number}'` })) {
          if (wf.workflowId === inc.body.workflowId) return wf;
        }
        return undefined;
      }, 20_000, 'visibility of SlaBreached');
      const described = await s.env.client.workflow.getHandle(inc.body.workflowId).describe();
      expect(described.memo).toMatchObject({ title: 'Email is down' });
    } finally {
      receiver.close();
    }
  });

  test('discovery and health endpoints', async () => {
    const doc = await s.api('GET', '/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/incidents', '/api/v1/incidents/{id}/resolve', '/api/v1/slas', '/api/v1/cis', '/api/v1/webhooks']));
    expect(doc.body.paths['/api/v1/incidents'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('impact');
    const docs = await fetch(`${s.baseUrl}/docs/`);
    const html = await docs.text();
    expect(docs.status).toBe(200);
    expect(html).toMatch(/swagger-ui/);
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg)/);
    // The UI reads the served document (built on its first request), relative to /docs/.
    expect(await (await fetch(`${s.baseUrl}/docs/swagger-ui-init.js`)).text()).toContain('"swaggerUrl": "../openapi.json"');
    expect((await s.api('GET', '/healthz', { token: null })).body).toEqual({ status: 'ok' });
    const ready = await s.api('GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'ok', temporal: 'ok' });
    const unknown = await s.api('GET', '/api/v1/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await s.api('GET', '/healthz', { token: null })).headers.get('x-request-id')).toBeTruthy();
  });
});
