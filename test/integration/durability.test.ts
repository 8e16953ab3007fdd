/**
 * Durability: the worker is a real `worker.ts` child process. It is SIGKILLed while a dozen
 * incidents have SLA timers pending; the timers come due with no worker running; a new
 * worker process starts. Every timer must still fire, exactly once, with the audit trail
 * (seq 1..n), the snapshot row and the outbox consistent, and commands must keep working.
 *
 * The worker runs as `node --import tsx worker.ts` (one process), not through `tsx/cli`:
 * the tsx CLI runs the script in a grandchild and cannot relay a SIGKILL, so killing it
 * would leave the real worker running and the test would prove nothing.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { createApp } from '../../api/app';
import { createLogger } from '../../infra/logger';
import { demoUsers, seedGroups, upsertUser } from '../../db/seed';
import { getIncidentQuery } from '../../workflows/contracts/incident';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/stack';
import { startDevServer } from '../support/temporal';
import { spawnNode, stopChild, waitUntilPolling, type ChildRun } from '../support/processes';

const RESPONSE_MS = 8_000;
// Long enough that the 75 % warning falls after worker B is up: a warning overtaken by its
// breach during an outage is dropped on purpose, and this test wants every timer to fire.
const RESOLUTION_MS = 44_000;
const TASK_QUEUE = `itsm-durability-${process.pid}-${Date.now()}`;
const NAMESPACE = 'default';

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let server: Server | undefined;
let baseUrl: string;
const workers: ChildRun[] = [];

function spawnWorker(name: string): ChildRun {
  const w = spawnNode(name, 'worker.ts', { DATABASE_URL: tdb.url, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: NAMESPACE, TEMPORAL_TASK_QUEUE: TASK_QUEUE, LOG_LEVEL: 'warn' });
  workers.push(w);
  return w;
}

const waitForWorker = (w: ChildRun) => waitUntilPolling(env.client, NAMESPACE, TASK_QUEUE, w, 45_000);

async function api(method: string, p: string, o: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${o.token ?? 'dev-agent'}` };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(baseUrl + p, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function ok(method: string, p: string, body?: unknown): Promise<any> {
  const res = await api(method, p, { body });
  if (res.status >= 300) throw new Error(`${method} ${p} → ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

beforeAll(async () => {
  env = await startDevServer();
  tdb = await createTestDatabase('sqlite');
  for (const u of demoUsers()) await upsertUser(tdb.db, u);
  await seedGroups(tdb.db);
  // The API in this process; workflows and activities only ever run in the worker processes.
  const app = createApp({
    db: tdb.db,
    temporal: env.client,
    env: { TEMPORAL_TASK_QUEUE: TASK_QUEUE, AUTO_CLOSE_AFTER: 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000, MAX_BODY_BYTES: 64 * 1024 },
    log: createLogger('silent'),
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const w of workers) await stopChild(w, 'SIGTERM');
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
  }
  await tdb?.dispose();
  await env?.teardown();
});

type Kind = 'open' | 'acknowledged' | 'held_supplier' | 'held_caller' | 'resolved';
const EXPECTED_ACTIONS: Record<Kind, string[]> = {
  open: ['create', 'sla_response_breached', 'sla_warning', 'sla_resolution_breached'],
  acknowledged: ['create', 'acknowledge', 'sla_warning', 'sla_resolution_breached'],
  // awaiting_supplier is not in the SLA's pauseOn: the resolution clock keeps running.
  held_supplier: ['create', 'acknowledge', 'hold', 'sla_warning', 'sla_resolution_breached'],
  // awaiting_caller pauses resolution, not response: only the response clock breaches.
  held_caller: ['create', 'assign', 'hold', 'sla_response_breached'],
  resolved: ['create', 'resolve'],
};
/** The outbox events each audit action raises (both breaches escalate with these groups). */
const EVENTS_OF: Record<string, string[]> = {
  create: ['incident.created'],
  acknowledge: ['incident.acknowledged'],
  assign: ['incident.assigned'],
  hold: ['incident.on_hold'],
  resolve: ['incident.resolved'],
  sla_response_breached: ['incident.sla.breached', 'incident.escalated'],
  sla_warning: ['incident.sla.warning'],
  sla_resolution_breached: ['incident.sla.breached', 'incident.escalated'],
};

interface Tracked {
  id: string;
  number: string;
  workflowId: string;
  kind: Kind;
  expected: string[];
  responseDue: number;
  resolutionDue: number;
}

const audit = (id: string) => tdb.db.auditEvent.findMany({ where: { recordId: id }, orderBy: { seq: 'asc' } });
const breachCount = () => tdb.db.auditEvent.count({ where: { action: { in: ['sla_response_breached', 'sla_warning', 'sla_resolution_breached'] } } });

test('SIGKILL the worker with SLA timers pending, start a new one: every timer fires exactly once and nothing is lost', async () => {
  const t0 = Date.now();
  const sla = await api('POST', '/api/v1/slas', {
    token: 'dev-admin',
    body: {
      name: 'Fast (durability test)',
      kind: 'SLA',
      isDefault: true,
      targets: Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: `PT${RESPONSE_MS / 1000}S`, resolution: `PT${RESOLUTION_MS / 1000}S` }])),
    },
  });
  expect(sla.status).toBe(201);

  // ---- worker A: up, polling, and answering ----
  const a = spawnWorker('A');
  await waitForWorker(a);
  const tracked: Tracked[] = [];
  const levels = ['high', 'medium', 'low'] as const;
  async function open(kind: Kind, i: number, expected = EXPECTED_ACTIONS[kind]): Promise<Tracked> {
    const v = await ok('POST', '/api/v1/incidents', { title: `durability ${kind} ${i}`, impact: levels[i % 3], urgency: levels[(i + 1) % 3] });
    const t = { id: v.id, number: v.number, workflowId: v.workflowId, kind, expected, responseDue: Date.parse(v.sla.response.dueAt), resolutionDue: Date.parse(v.sla.resolution.dueAt) };
    tracked.push(t);
    return t;
  }
  const probe = await open('open', 0); // answered ⇒ worker A runs workflows and activities
  expect(probe.resolutionDue - probe.responseDue).toBe(RESOLUTION_MS - RESPONSE_MS);
  const workerAUp = Date.now();

  for (let i = 1; i <= 5; i++) await open('open', i);
  for (let i = 0; i < 3; i++) {
    const t = await open('acknowledged', i, i === 0 ? ['create', 'assign', 'acknowledge', 'sla_warning', 'sla_resolution_breached'] : undefined);
    if (i === 0) await ok('POST', `/api/v1/incidents/${t.number}/assign`, { group: 'service-desk', assignee: 'usr-agent' });
    await ok('POST', `/api/v1/incidents/${t.number}/acknowledge`, {});
  }
  const supplier = await open('held_supplier', 0);
  await ok('POST', `/api/v1/incidents/${supplier.number}/acknowledge`, {});
  expect((await ok('POST', `/api/v1/incidents/${supplier.number}/hold`, { reason: 'awaiting_supplier' })).sla.paused).toBe(false);
  const caller = await open('held_caller', 0);
  await ok('POST', `/api/v1/incidents/${caller.number}/assign`, { group: 'service-desk' });
  expect((await ok('POST', `/api/v1/incidents/${caller.number}/hold`, { reason: 'awaiting_caller' })).sla.paused).toBe(true);
  const resolved = await open('resolved', 0);
  await ok('POST', `/api/v1/incidents/${resolved.number}/resolve`, { code: 'fixed', notes: 'first contact' });

  // ---- SIGKILL while every SLA timer is still pending ----
  const firstDue = Math.min(...tracked.map((t) => t.responseDue));
  expect(Date.now()).toBeLessThan(firstDue - 500); // otherwise the machine is too slow for this test's targets
  expect(await breachCount()).toBe(0);
  a.child.kill('SIGKILL');
  expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' });
  const killedAt = Date.now();
  const auditBeforeKill = new Map<string, number>();
  for (const t of tracked) auditBeforeKill.set(t.id, (await audit(t.id)).length);

  // Let every response due date pass with no worker at all: nothing may happen meanwhile.
  const lastResponseDue = Math.max(...tracked.map((t) => t.responseDue));
  await new Promise((r) => setTimeout(r, Math.max(0, lastResponseDue + 1000 - Date.now())));
  expect(await breachCount()).toBe(0);

  // ---- worker B: a fresh process picks the workflows up from their histories ----
  const b = spawnWorker('B');
  await waitForWorker(b);
  const workerBUp = Date.now();

  await eventually(
    async () => {
      for (const t of tracked) {
        const actions = (await audit(t.id)).map((e) => e.action);
        if (actions.length < t.expected.length) return undefined;
      }
      return true;
    },
    50_000,
    'every pending SLA timer to fire on worker B',
  );
  const allFired = Date.now();
  // A grace period in which any duplicate firing would show up.
  await new Promise((r) => setTimeout(r, 1500));

  for (const t of tracked) {
    const rows = await audit(t.id);
    expect([t.number, t.kind, rows.map((e) => e.action)]).toEqual([t.number, t.kind, t.expected]);
    expect(rows.map((e) => e.seq)).toEqual(rows.map((_, i) => i + 1));
    // Timers fired by worker B, never before their due time.
    for (const e of rows.slice(auditBeforeKill.get(t.id))) {
      expect(e.at.getTime()).toBeGreaterThan(killedAt);
      if (e.action === 'sla_response_breached') expect(e.at.getTime()).toBeGreaterThan(t.responseDue);
      if (e.action === 'sla_resolution_breached') expect(e.at.getTime()).toBeGreaterThan(t.resolutionDue);
    }
    const row = await tdb.db.incident.findUniqueOrThrow({ where: { id: t.id } });
    expect([t.number, row.version]).toEqual([t.number, rows.length]);
    expect([t.number, row.slaBreached]).toEqual([t.number, t.kind !== 'resolved']);
    // Routed to the service desk at creation, unacknowledged: the response breach moved it to the next tier.
    if (t.kind === 'open') expect([t.number, row.state, row.assignmentGroup, row.escalationLevel]).toEqual([t.number, 'assigned', 'l2-support', 1]);
    if (t.kind === 'held_caller') expect([t.number, row.state, row.assignmentGroup, row.escalationLevel]).toEqual([t.number, 'on_hold', 'l2-support', 0]);

    const outbox = await tdb.db.outboxEvent.findMany({ where: { recordId: t.id } });
    const expectedTypes = rows.flatMap((e) => EVENTS_OF[e.action] ?? []).sort();
    expect([t.number, outbox.map((e) => e.type).sort()]).toEqual([t.number, expectedTypes]);
    const seqs = new Set(rows.map((e) => e.seq));
    for (const e of outbox) expect(seqs.has(Number(e.id.slice(`evt-${t.id}-`.length).split('-')[0]))).toBe(true);
    const notifications = await tdb.db.notification.findMany({ where: { recordId: t.id } });
    expect(new Set(notifications.map((n) => n.id)).size).toBe(notifications.length);

    // The workflow agrees with the database, and no workflow task ever failed (no nondeterminism).
    const handle = env.client.workflow.getHandle(t.workflowId);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await handle.query(getIncidentQuery))?.state).toBe(row.state);
    const history = await handle.fetchHistory();
    const failedTasks = (history.events ?? []).filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect([t.number, failedTasks.length]).toEqual([t.number, 0]);
  }

  // ---- commands still work after the restart, and continue the same audit sequence ----
  const target = tracked[1];
  const after = await api('POST', `/api/v1/incidents/${target.number}/resolve`, { body: { code: 'fixed', notes: 'after the restart' } });
  expect(after.status).toBe(200);
  expect(after.body).toMatchObject({ state: 'resolved', resolutionCode: 'fixed' });
  const rows = await audit(target.id);
  expect(rows.map((e) => [e.seq, e.action])).toEqual([...EXPECTED_ACTIONS.open.map((a, i) => [i + 1, a]), [5, 'resolve']]);
  expect((await tdb.db.incident.findUniqueOrThrow({ where: { id: target.id } })).state).toBe('resolved');
  const late = await api('POST', `/api/v1/incidents/${tracked[2].number}/notes`, { body: { text: 'still listening' } });
  expect(late.status).toBe(200);

  console.log(
    `durability timings: worker A polling after ${workerAUp - t0} ms; killed at +${killedAt - t0} ms; ` +
      `worker B polling at +${workerBUp - t0} ms; all timers fired at +${allFired - t0} ms`,
  );
});
