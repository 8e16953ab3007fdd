/**
 * Input the databases cannot store (hardening defects 1–3): an unpaired UTF-16 surrogate or
 * NUL anywhere in a body, and hostile nesting, are the caller's 400 naming the field, on
 * every endpoint, before anything is reserved or fingerprinted; a workflow never wedges on
 * them; and the transition writer refuses such data once, without retrying, should any
 * reach it another way. SQLite, and PostgreSQL when TEST_POSTGRES_URL is set.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTransitionActivities } from '../../activities/record-transition';
import { incidentStore } from '../../db/incident-store';
import { createLogger } from '../../infra/logger';
import { FAILURE } from '../../workflows/contracts/record';
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

const LONE = 'x\ud800y';

describe.each(PROVIDERS)('unstorable input on %s', (provider) => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ provider, env });
  });
  afterAll(async () => {
    await s?.close();
  });

  const expect400 = (res: { status: number; body: any }, path: string) => {
    expect([res.status, res.body.errors]).toEqual([400, [{ path, message: expect.stringContaining('cannot be stored') }]]);
  };

  test('creating an incident with an unpaired surrogate is a 400 naming the field: no number reserved, no workflow waiting', async () => {
    const counter = async () => (await s.tdb.db.counter.findUnique({ where: { name: 'incident' } }))?.value ?? 0;
    const before = await counter();
    expect400(await s.api('POST', '/api/v1/incidents', { body: { title: LONE, impact: 'low', urgency: 'low' } }), 'title');
    expect400(await s.api('POST', '/api/v1/incidents', { body: { title: 'ok', description: 'nul\u0000here', impact: 'low', urgency: 'low' } }), 'description');
    expect(await counter()).toBe(before);
  });

  test('a command with an unpaired surrogate is refused and the incident keeps taking commands', async () => {
    const created = await s.api('POST', '/api/v1/incidents', { body: { title: 'Printer jam', impact: 'low', urgency: 'low' } });
    expect(created.status).toBe(201);
    expect400(await s.api('POST', `/api/v1/incidents/${created.body.id}/assign`, { body: { assignee: LONE } }), 'assignee');
    const next = await s.api('POST', `/api/v1/incidents/${created.body.id}/assign`, { body: { assignee: 'usr-agent' } });
    expect([next.status, next.body.assignee]).toEqual([200, 'usr-agent']);
    const history = await s.api('GET', `/api/v1/incidents/${created.body.id}/history`);
    expect(history.body.map((h: { action: string }) => h.action)).toEqual(['create', 'assign']);
  });

  test.each([
    ['/api/v1/cis', { name: LONE, class: 'server' }, 'name'],
    ['/api/v1/change-freezes', { name: 'Audit', start: '2030-01-01T00:00:00Z', end: '2030-01-02T00:00:00Z', reason: LONE }, 'reason'],
    ['/api/v1/slas', { name: LONE, kind: 'SLA', targets: {} }, 'name'],
    ['/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*'], secret: `0123456789abcdef${LONE}` }, 'secret'],
    ['/api/v1/change-templates', { name: LONE, implementationPlan: 'x', backoutPlan: 'y' }, 'name'],
    ['/api/v1/discovery/snapshots', { source: 'scan', items: [{ class: 'server', name: LONE }] }, 'items.0.name'],
    ['/api/v1/problems', { title: 'ok', ['bad\udc00key']: 1 }, 'bad\udc00key'],
  ])('POST %s with unstorable text is a 400, never a 500', async (path, body, field) => {
    expect400(await s.api('POST', path, { token: 'dev-admin', body }), field);
  });

  test('a body nested 30,000 levels deep (as deep as the test stack\'s 64 KiB limit allows) is a 400 with or without an Idempotency-Key', async () => {
    const raw = '{"title":' + '['.repeat(30_000) + ']'.repeat(30_000) + '}';
    for (const headers of [{}, { 'idempotency-key': `deep-${provider}` }] as Record<string, string>[]) {
      const res = await s.api('POST', '/api/v1/incidents', { raw, headers: { ...headers, 'content-type': 'application/json' } });
      expect([res.status, res.body.errors?.[0]?.message]).toEqual([400, expect.stringContaining('nested deeper than 64 levels')]);
    }
  });

  test('the transition writer refuses unstorable data without retrying, whatever path it came by', async () => {
    const writes = createTransitionActivities({ db: s.tdb.db, temporal: s.env.client, taskQueue: s.taskQueue, webhookTimeoutMs: 1000, log: createLogger('silent') }, [incidentStore]);
    const e = await writes
      .recordTransition({ recordType: 'incident', recordId: 'inc-unstorable', seq: 1, at: Date.now(), actor: 'usr-agent', action: 'notes', from: null, to: 'new', data: { text: LONE }, snapshot: {}, events: [], notifications: [] })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApplicationFailure);
    expect([(e as ApplicationFailure).type, (e as ApplicationFailure).nonRetryable, (e as ApplicationFailure).message]).toEqual([FAILURE.unstorableData, true, expect.stringContaining('data.text')]);
    expect(await s.tdb.db.auditEvent.count({ where: { recordId: 'inc-unstorable' } })).toBe(0);
  });
});
