/**
 * What-if simulation over HTTP on SQLite and PostgreSQL: incidents driven through their real
 * workflows (holds that pause and that do not, leaving a hold by reassignment, resolve → reopen,
 * re-prioritisation, a response left to breach) are replayed from their audit trail; under the
 * agreement's unchanged terms each replayed clock is the recorded one exactly and nothing flips;
 * under proposed targets the breached response flips, with its due times. Every incident row,
 * audit event, outbox event, notification and OLA/UC clock is the same before and after. Bad
 * bodies are 400s naming the field, other agreements' simulations 404s, OLAs 409s.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { slaPolicyOf } from '../../db/columns';
import { replayClock } from '../../domain/sla/replay';
import { emptyTally, mergeTallies, type SimulationCursor } from '../../domain/sla/simulation';
import { loadSimulatedIncidents, proposedPolicy, simulatePage } from '../../services/sla-simulation';
import { createSlaSimulationActivities } from '../../activities/sla-simulation';
import type { ActivityDeps } from '../../activities/deps';
import { SLA_SIMULATION_WORKFLOW, type SlaSimulationInput } from '../../workflows/contracts/sla-simulation';
import { PROVIDERS } from '../support/database';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const targets = (response: string, resolution: string) => Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response, resolution }]));

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

describe.each(PROVIDERS)('SLA simulation on %s', (provider) => {
  let s: Stack;
  let slaId: string;
  let slaNumber: string;
  let otherSlaId: string;
  let olaId: string;
  let service: string;
  const numbers: Record<'a' | 'b' | 'c' | 'd' | 'e', string> = { a: '', b: '', c: '', d: '', e: '' };
  let from: string;

  const cmd = async (n: string, name: string, body: object = {}) => expect((await s.api('POST', `/api/v1/incidents/${n}/${name}`, { body })).status).toBe(200);
  const open = async () => {
    const res = await s.api('POST', '/api/v1/incidents', { body: { title: 'Simulate me', impact: 'low', urgency: 'low', serviceId: service } });
    expect(res.status).toBe(201);
    return res.body.number as string;
  };
  const simulate = (body: object, token = 'dev-admin', sla = slaId) => s.api('POST', `/api/v1/slas/${sla}/simulate`, { token, body });
  const finished = (id: string, sla = slaId) =>
    eventually(async () => {
      const r = await s.api('GET', `/api/v1/slas/${sla}/simulations/${id}`, { token: 'dev-admin' });
      return r.body.status === 'running' ? undefined : r.body;
    }, 30_000, `simulation ${id}`);
  const period = () => ({ from, to: new Date(Date.now() + 3_600_000).toISOString() });

  /** Everything a simulation must leave alone, read in a fixed order. */
  const untouched = async () => {
    const db = s.tdb.db;
    return {
      incidents: await db.incident.findMany({ orderBy: { id: 'asc' } }),
      audit: await db.auditEvent.findMany({ orderBy: { id: 'asc' } }),
      outbox: await db.outboxEvent.findMany({ orderBy: { id: 'asc' } }),
      notifications: await db.notification.findMany({ orderBy: { id: 'asc' } }),
      clocks: await db.incidentClock.findMany({ orderBy: [{ incidentId: 'asc' }, { seq: 'asc' }] }),
      slas: await db.sla.findMany({ orderBy: { id: 'asc' } }),
    };
  };

  beforeAll(async () => {
    s = await startStack({ provider, env });
    from = new Date(Date.now() - 60_000).toISOString();
    service = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `Simulated ${provider}`, class: 'service' } })).body.id;
    const sla = await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Simulated', kind: 'SLA', serviceId: service, targets: targets('PT3S', 'PT1H') } });
    expect(sla.status).toBe(201);
    [slaId, slaNumber] = [sla.body.id, sla.body.number];
    otherSlaId = (await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Other', kind: 'SLA', targets: targets('PT1H', 'PT8H') } })).body.id;
    olaId = (await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'PM OLA', kind: 'OLA', team: 'problem-management', targets: targets('PT1H', 'PT8H') } })).body.id;

    // a: a pausing hold, resolved, reopened, resolved again.
    numbers.a = await open();
    await cmd(numbers.a, 'acknowledge');
    await cmd(numbers.a, 'hold', { reason: 'awaiting_caller' });
    await cmd(numbers.a, 'resume');
    await cmd(numbers.a, 'resolve', { code: 'fixed', notes: 'first try' });
    await cmd(numbers.a, 'reopen', { reason: 'back again' });
    await cmd(numbers.a, 'resolve', { code: 'fixed', notes: 'second try' });
    // b: a hold that does not pause, left by a reassignment.
    numbers.b = await open();
    await cmd(numbers.b, 'acknowledge');
    await cmd(numbers.b, 'hold', { reason: 'other', note: 'waiting for a window' });
    await cmd(numbers.b, 'assign', { group: 'l2-support' });
    await cmd(numbers.b, 'resolve', { code: 'fixed', notes: 'l2 did it' });
    // c: re-prioritised P5 → P3, then acknowledged.
    numbers.c = await open();
    await cmd(numbers.c, 'impact', { impact: 'high', urgency: 'low' });
    await cmd(numbers.c, 'acknowledge');
    // e: a pausing hold, resumed, resolved: no group handed on, no agreement looked up.
    numbers.e = await open();
    await cmd(numbers.e, 'acknowledge');
    await cmd(numbers.e, 'hold', { reason: 'awaiting_caller' });
    await cmd(numbers.e, 'resume');
    await cmd(numbers.e, 'resolve', { code: 'fixed', notes: 'at once' });
    // d: never acknowledged: its response breaches after 3 s.
    numbers.d = await open();
    // The workflow's breach step (a functional escalation to l2) recorded: the trail stands still from here.
    await eventually(async () => ((await s.tdb.db.auditEvent.count({ where: { action: 'sla_response_breached', recordId: (await s.api('GET', `/api/v1/incidents/${numbers.d}`)).body.id } })) ? true : undefined), 15_000, 'response breach');
  });
  afterAll(async () => {
    await s?.close();
  });

  test('replayed under the terms they ran on, the recorded clocks come back exactly, also where the workflow looked up an OLA mid-command', async () => {
    const sla = await s.tdb.db.sla.findUniqueOrThrow({ where: { id: slaId } });
    const incidents = await loadSimulatedIncidents(s.tdb.db, { slaId, ...{ from: Date.parse(from), to: Date.now() + 3_600_000 } }, null, 100);
    expect(incidents.map((i) => i.number).sort()).toEqual(Object.values(numbers).sort());
    // a (reopened) and b (handed to l2 from its hold) had the new group's OLA looked up during the
    // command: the workflow makes the transition's effect again after the lookup, so the clock's
    // instants are the recorded time.
    for (const inc of incidents) expect([inc.number, replayClock(inc, slaPolicyOf(sla))]).toEqual([inc.number, inc.recorded]);
    // The trail has what the replay must take account of.
    const c = incidents.find((i) => i.number === numbers.c)!;
    expect(c.priority).toBe('P3');
    expect(c.transitions.map((t) => t.action)).toContain('impact');
  });

  test('unchanged terms: progress to completion, nothing flips, and nothing but the simulation is written', async () => {
    const before = await untouched();
    const res = await simulate({ ...period(), changes: {} });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ slaId, status: 'running', changes: {}, links: { self: `/api/v1/slas/${slaId}/simulations/${res.body.id}` } });
    expect(res.body.number).toMatch(/^SIM\d+$/);
    const done = await finished(res.body.id);
    expect(done).toMatchObject({ status: 'completed', progress: { processed: 5, total: 5 }, error: null });
    expect(done.result.flipsTotal).toBe(0);
    expect(done.result.total.incidents).toBe(5);
    for (const row of done.result.byPriority) {
      expect(row.response.after).toEqual(row.response.before);
      expect(row.resolution.after).toEqual(row.resolution.before);
    }
    const p5 = done.result.byPriority.find((r: { priority: string }) => r.priority === 'P5');
    // a, b and e met both; d's response breached, its resolution pending.
    expect(p5.response).toEqual({ incidents: 4, before: { met: 3, breached: 1, pending: 0, attainment: 75 }, after: { met: 3, breached: 1, pending: 0, attainment: 75 } });
    expect(p5.resolution.before).toEqual({ met: 3, breached: 0, pending: 1, attainment: 100 });
    // By number too.
    expect((await s.api('GET', `/api/v1/slas/${slaNumber}/simulations/${done.number}`, { token: 'dev-admin' })).body.id).toBe(done.id);
    // And on its own (shared/api.md's path).
    expect((await s.api('GET', `/api/v1/simulations/${done.number}`, { token: 'dev-admin' })).body).toEqual(done);
    expect(await untouched()).toEqual(before);
  });

  test('proposed targets: the breached response flips, with both due times; a manager may simulate', async () => {
    const before = await untouched();
    const res = await simulate({ ...period(), changes: { targets: { P5: { response: 'PT1H', resolution: 'PT1H' } }, pauseOn: [] } }, 'dev-change_manager');
    expect(res.status).toBe(202);
    const done = await finished(res.body.id);
    expect(done.status).toBe('completed');
    const d = await s.api('GET', `/api/v1/incidents/${numbers.d}`);
    const opened = Date.parse(d.body.openedAt);
    expect(done.result.flips).toEqual([
      { incidentId: d.body.id, number: numbers.d, priority: 'P5', clock: 'response', before: { dueAt: new Date(opened + 3000).toISOString(), breached: true }, after: { dueAt: new Date(opened + 3_600_000).toISOString(), breached: false } },
    ]);
    expect(done.result.flipsTotal).toBe(1);
    const p5 = done.result.byPriority.find((r: { priority: string }) => r.priority === 'P5');
    expect(p5.response.after).toEqual({ met: 3, breached: 0, pending: 1, attainment: 100 });
    // P3 (c) keeps the agreement's targets.
    expect(done.result.byPriority.find((r: { priority: string }) => r.priority === 'P3').response.after).toEqual({ met: 1, breached: 0, pending: 0, attainment: 100 });
    expect(await untouched()).toEqual(before);
  });

  test('the period: only incidents opened in [from, to) of this agreement; pages add up to the whole', async () => {
    const later = await simulate({ from: new Date(Date.now() + 60_000).toISOString(), to: new Date(Date.now() + 120_000).toISOString() });
    expect(await finished(later.body.id)).toMatchObject({ status: 'completed', progress: { processed: 0, total: 0 }, result: { total: { incidents: 0 }, flipsTotal: 0 } });
    const other = await simulate(period(), 'dev-admin', otherSlaId);
    expect((await finished(other.body.id, otherSlaId)).result.total.incidents).toBe(0);

    const scope = { slaId, from: Date.parse(from), to: Date.now() + 3_600_000 };
    const sla = await s.tdb.db.sla.findUniqueOrThrow({ where: { id: slaId } });
    const page = { policy: { ...slaPolicyOf(sla), calendar: '24x7' as const, pauseOn: [] }, asOf: Date.now() };
    const whole = await simulatePage(s.tdb.db, scope, { ...page, after: null, limit: 100 });
    expect(whole.next).toBeNull();
    let paged = emptyTally();
    let after: SimulationCursor | null = null;
    let pages = 0;
    do {
      const p = await simulatePage(s.tdb.db, scope, { ...page, after, limit: 1 });
      paged = mergeTallies(paged, p.tally);
      after = p.next;
      pages++;
    } while (after);
    expect(pages).toBe(6); // five incidents, one each, then an empty page
    expect(paged).toEqual(whole.tally);
  });

  test('a page activity run twice (a retry) answers the same and leaves the row as once; a finished simulation keeps its outcome', async () => {
    const acts = createSlaSimulationActivities({ db: s.tdb.db } as ActivityDeps);
    const sla = await s.tdb.db.sla.findUniqueOrThrow({ where: { id: slaId } });
    // A running simulation whose workflow is this test.
    const running = await s.tdb.db.slaSimulation.create({ data: { id: `sim-direct-${provider}`, number: `SIM-direct-${provider}`, slaId, changes: '{}', periodFrom: new Date(from), periodTo: new Date(Date.now() + 3_600_000), status: 'running', createdBy: 'usr-admin' } });
    const input = { simulationId: running.id, slaId, from: Date.parse(from), to: running.periodTo.getTime(), policy: proposedPolicy(sla, {}), asOf: Date.now(), after: null, limit: 2, processedBefore: 0, flipsWanted: 500 };
    expect(await acts.countSimulationPeriod(input)).toBe(5);
    const first = await acts.simulateSlaBatch(input);
    const row = await s.tdb.db.slaSimulation.findUniqueOrThrow({ where: { id: running.id } });
    expect(row).toMatchObject({ processed: 2, total: 5, status: 'running' });
    expect(first.next).not.toBeNull();
    expect(await acts.simulateSlaBatch(input)).toEqual(first);
    expect(await s.tdb.db.slaSimulation.findUniqueOrThrow({ where: { id: running.id } })).toEqual(row);

    // Once finished, a late page or a late finish (retries after the outcome was written) change nothing.
    const res = await simulate(period());
    const done = await finished(res.body.id);
    await acts.simulateSlaBatch({ ...input, simulationId: res.body.id });
    await acts.finishSimulation({ simulationId: res.body.id, error: 'late' });
    expect((await s.api('GET', `/api/v1/slas/${slaId}/simulations/${res.body.id}`, { token: 'dev-admin' })).body).toEqual(done);
  });

  test('a long period continues as new, carrying its place and figures: the same result as one run', async () => {
    const sla = await s.tdb.db.sla.findUniqueOrThrow({ where: { id: slaId } });
    const changes = { targets: { P5: { response: 'PT1H', resolution: 'PT1H' } } };
    const oneRun = await finished((await simulate({ ...period(), changes })).body.id);
    const row = await s.tdb.db.slaSimulation.create({ data: { id: `sim-continued-${provider}`, number: `SIM-continued-${provider}`, slaId, changes: JSON.stringify(changes), periodFrom: new Date(oneRun.from), periodTo: new Date(oneRun.to), status: 'running', createdBy: 'usr-admin' } });
    const input: SlaSimulationInput = { simulationId: row.id, slaId, policy: proposedPolicy(sla, changes), from: Date.parse(oneRun.from), to: Date.parse(oneRun.to), asOf: Date.parse(oneRun.createdAt), batchSize: 1, pagesPerRun: 2 };
    const handle = await s.env.client.workflow.start(SLA_SIMULATION_WORKFLOW, { taskQueue: s.taskQueue, workflowId: `sla-simulation-continued-${provider}-${Date.now()}`, args: [input] });
    expect(await handle.result()).toEqual({ processed: 5, flipsTotal: 1 });
    // Five pages of one, two per run (and the empty last page): three runs.
    let runs = 0;
    for await (const e of s.env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) if (e) runs++;
    expect(runs).toBe(3);
    const continued = (await s.api('GET', `/api/v1/slas/${slaId}/simulations/${row.id}`, { token: 'dev-admin' })).body;
    expect(continued).toMatchObject({ status: 'completed', progress: { processed: 5, total: 5 } });
    // The same figures as the one-run simulation (judged as of its row's creation, a moment after its own instant).
    expect(continued.result).toEqual(oneRun.result);
  });

  test('bad bodies are 400s naming the field', async () => {
    const bad = async (body: object, path: string) => {
      const res = await simulate(body);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    };
    await bad({ from: new Date().toISOString(), to: new Date(Date.now() - 1000).toISOString() }, 'to');
    await bad({ from: from, to: from }, 'to');
    await bad({ ...period(), changes: { targets: { P1: { response: 'soon', resolution: 'PT1H' } } } }, 'changes.targets.P1.response');
    await bad({ ...period(), changes: { calendar: { timezone: 'Mars/Olympus', hours: { mon: ['09:00', '17:00'] } } } }, 'changes.calendar');
    await bad({ ...period(), changes: { pauseOn: ['lunch'] } }, 'changes.pauseOn.0');
    await bad({ ...period(), changes: { priority: 'P1' } }, 'changes');
    await bad({ to: period().to }, 'from');
    expect(await s.tdb.db.slaSimulation.count({ where: { status: 'failed' } })).toBe(0);
  });

  test('who and what: agents 403, unknown agreements and simulations 404, an OLA 409', async () => {
    expect((await simulate(period(), 'dev-agent')).status).toBe(403);
    expect((await simulate(period(), 'dev-admin', 'sla-nope')).status).toBe(404);
    expect((await simulate(period(), 'dev-admin', olaId)).status).toBe(409);
    expect((await s.api('GET', `/api/v1/slas/${slaId}/simulations/sim-nope`, { token: 'dev-admin' })).status).toBe(404);
    expect((await s.api('GET', '/api/v1/simulations/sim-nope', { token: 'dev-admin' })).status).toBe(404);
    const mine = await simulate(period());
    await finished(mine.body.id);
    // Another agreement's simulation is not found under this one.
    expect((await s.api('GET', `/api/v1/slas/${otherSlaId}/simulations/${mine.body.id}`, { token: 'dev-admin' })).status).toBe(404);
    expect((await s.api('GET', `/api/v1/slas/${slaId}/simulations/${mine.body.id}`, { token: 'dev-agent' })).status).toBe(403);
  });
});
