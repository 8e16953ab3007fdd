/**
 * Capacity management over HTTP on SQLite and PostgreSQL: metric points ingested in batches
 * (CI by id or number, a repeated point kept once, an unknown CI a 400 naming its place in the
 * batch, the batch bounded, senders only); thresholds (CRUD, a CI's own over its class's) judged
 * at ingest: crossing events in the outbox, a sustained critical level handed to the monitoring
 * alert of its key (one incident, shared with a monitoring event of that key), resolved after.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MAX_METRIC_POINTS } from '../../domain/schemas/capacity';
import { replaceForecasts } from '../../db/capacity-store';
import { loadEnv } from '../../config/env';
import { capacityConfig } from '../../temporal/capacity-schedule';
import { CAPACITY_MAINTENANCE_WORKFLOW, type CapacityMaintenanceInput, type CapacityMaintenanceOutcome } from '../../workflows/contracts/capacity';
import { PROVIDERS } from '../support/database';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path).sort();

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

describe.each(PROVIDERS)('capacity on %s', (provider) => {
  let s: Stack;
  let ci: { id: string; number: string };
  const post = (points: unknown[], token = 'dev-automation') => s.api('POST', '/api/v1/metrics', { token, body: { points } });
  const stored = (metric: string) => s.tdb.db.metricPoint.findMany({ where: { ciId: ci.id, metric }, orderBy: { at: 'asc' } });

  beforeAll(async () => {
    // The default body limit (1 MiB) holds a full batch; the test stacks' smaller one would not.
    s = await startStack({ provider, env, apiEnv: { MAX_BODY_BYTES: 1_048_576 } });
    ci = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `db01 ${provider}`, class: 'server' } })).body;
  });
  afterAll(async () => {
    await s?.close();
  });

  test('a batch is stored, the CI by id or number; a repeated point is kept once, as first received', async () => {
    const batch = [0, 1, 2].map((h) => ({ ciId: h % 2 ? ci.number : ci.id, metric: 'disk_used_percent', at: iso(T0 + h * 3_600_000), value: 50 + h }));
    const first = await post(batch);
    expect([first.status, first.body]).toEqual([200, { received: 3, stored: 3, events: 0, alerts: 0 }]);
    const again = await post([...batch, { ...batch[0], value: 99 }, { ciId: ci.number, metric: 'disk_used_percent', at: iso(T0 + 3 * 3_600_000), value: 53 }]);
    expect(again.body).toEqual({ received: 5, stored: 1, events: 0, alerts: 0 });
    expect((await stored('disk_used_percent')).map((p) => [p.at.toISOString(), p.value])).toEqual([0, 1, 2, 3].map((h) => [iso(T0 + h * 3_600_000), 50 + h]));
  });

  test('an unknown CI is a 400 naming its place in the batch, and nothing of the batch is stored', async () => {
    const res = await post([
      { ciId: ci.id, metric: 'cpu', at: iso(T0), value: 1 },
      { ciId: 'CI9999999', metric: 'cpu', at: iso(T0), value: 1 },
      { ciId: 'nope', metric: 'cpu', at: iso(T0), value: 1 },
    ]);
    expect([res.status, paths(res.body)]).toEqual([400, ['points.1.ciId', 'points.2.ciId']]);
    expect(await stored('cpu')).toEqual([]);
  });

  test('bad points, empty and oversized batches are 400 naming the field; only senders may post', async () => {
    const bad = await post([{ ciId: ci.id, metric: '9lives', at: 'yesterday', value: 'high' }]);
    expect([bad.status, paths(bad.body)]).toEqual([400, ['points.0.at', 'points.0.metric', 'points.0.value']]);
    expect(paths((await post([])).body)).toEqual(['points']);
    // Beyond 10^15 (near the double's limit, which does not survive the database; just past the bound, which JSON Schema sees exactly) is refused by name.
    const huge = await post([{ ciId: ci.id, metric: 'm', at: iso(T0), value: 1.7976931348623157e308 }, { ciId: ci.id, metric: 'm', at: iso(T0 + 1000), value: -1000000000000001 }, { ciId: ci.id, metric: 'm', at: iso(T0 + 2000), value: 1e15 + 0.25 }]);
    expect([huge.status, paths(huge.body)]).toEqual([400, ['points.0.value', 'points.1.value', 'points.2.value']]);
    const peta = await post([{ ciId: ci.id, metric: 'peta', at: iso(T0), value: 1e15 }, { ciId: ci.id, metric: 'peta', at: iso(T0 + 1000), value: -1e15 }], 'dev-admin');
    expect([peta.status, peta.body.stored]).toEqual([200, 2]);
    expect((await s.tdb.db.metricPoint.findMany({ where: { ciId: ci.id, metric: 'peta' }, orderBy: { at: 'asc' } })).map((p) => p.value)).toEqual([1e15, -1e15]);
    // A forecast's line may go far beyond its readings (its value at 1970): whole numbers above 2^53, which Prisma refuses as raw parameters, are stored exactly.
    const line = { ciId: ci.id, metric: 'peta', limit: 1e15, slopePerDay: 1.5e17, intercept: -(2 ** 53 + 2) * 3000, lastValue: 1e15, points: 2, exhaustAt: null, computedAt: new Date(T0), problemId: null, changeId: null };
    await replaceForecasts(s.tdb.db, [line]);
    const stored = await s.tdb.db.capacityForecast.findFirstOrThrow({ where: { ciId: ci.id, metric: 'peta' } });
    expect([stored.slopePerDay, stored.intercept]).toEqual([1.5e17, -(2 ** 53 + 2) * 3000]);
    await replaceForecasts(s.tdb.db, []);
    const point = { ciId: ci.id, metric: 'm', at: iso(T0), value: 1 };
    const big = await post(Array.from({ length: MAX_METRIC_POINTS + 1 }, () => point), 'dev-admin');
    expect([big.status, paths(big.body)]).toEqual([400, ['points']]);
    expect((await post([point], 'dev-agent')).status).toBe(403);
    expect((await post([point], 'dev-admin')).status).toBe(200);
  });
  const threshold = (body: Record<string, unknown>, token = 'dev-admin') => s.api('POST', '/api/v1/capacity-thresholds', { token, body });
  const outbox = (ciId: string) => s.tdb.db.outboxEvent.findMany({ where: { recordId: ciId, type: { startsWith: 'capacity.' } }, orderBy: { occurredAt: 'asc' } });

  test('thresholds: one per target and metric, levels in order, exactly one target; read by id or number, changed, removed', async () => {
    const created = await threshold({ ciClass: 'server', metric: 'mem_used_percent', warning: 80, critical: 95, limit: 100 });
    expect([created.status, created.body.number.startsWith('CAP'), created.body.direction, created.body.sustainSeconds]).toEqual([201, true, 'above', 300]);
    const again = await threshold({ ciClass: 'server', metric: 'mem_used_percent', warning: 70 });
    expect([again.status, again.body.detail]).toEqual([409, expect.stringContaining(created.body.number)]);
    const own = await threshold({ ciId: ci.number, metric: 'mem_used_percent', warning: 60 });
    expect([own.status, own.body.ciId, own.body.ciNumber, own.body.ciClass]).toEqual([201, ci.id, ci.number, null]);

    expect(paths((await threshold({ ciClass: 'server', ciId: ci.id, metric: 'x', warning: 1 })).body)).toEqual(['ciId']);
    expect(paths((await threshold({ metric: 'x', warning: 1 })).body)).toEqual(['ciId']);
    expect(paths((await threshold({ ciClass: 'server', metric: 'x' })).body)).toEqual(['warning']);
    expect(paths((await threshold({ ciClass: 'server', metric: 'x', warning: 90, critical: 80 })).body)).toEqual(['critical']);
    expect(paths((await threshold({ ciClass: 'server', metric: 'x', warning: 1, critical: 1.7976931348623157e308, limit: -1e19 })).body)).toEqual(['critical', 'limit']);
    const exa = await threshold({ ciClass: 'storage', metric: 'bytes_used', warning: 9e14, limit: 1e15 });
    expect([exa.status, exa.body.warning, exa.body.limit]).toEqual([201, 9e14, 1e15]);
    expect((await s.api('DELETE', `/api/v1/capacity-thresholds/${exa.body.id}`, { token: 'dev-admin' })).status).toBe(204);
    expect(paths((await threshold({ ciClass: 'server', metric: 'x', warning: 10, critical: 20, direction: 'below' })).body)).toEqual(['critical']);
    expect(paths((await threshold({ ciId: 'CI9999999', metric: 'x', warning: 1 })).body)).toEqual(['ciId']);
    expect(paths((await threshold({ ciClass: 'spaceship', metric: 'x', warning: 1, sustainSeconds: -1 })).body)).toEqual(['ciClass', 'sustainSeconds']);
    expect((await threshold({ ciClass: 'server', metric: 'x', warning: 1 }, 'dev-agent')).status).toBe(403);

    const byNumber = await s.api('GET', `/api/v1/capacity-thresholds/${created.body.number}`, { token: 'dev-agent' });
    expect([byNumber.status, byNumber.body.id]).toEqual([200, created.body.id]);
    const list = await s.api('GET', `/api/v1/capacity-thresholds?metric=mem_used_percent&ciId=${ci.number}`, { token: 'dev-agent' });
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([own.body.id]);

    const patch = (body: unknown) => s.api('PATCH', `/api/v1/capacity-thresholds/${created.body.id}`, { token: 'dev-admin', body });
    expect(paths((await patch({ warning: 99 })).body)).toEqual(['critical']);
    expect(paths((await patch({})).body)).toEqual(['warning']);
    expect(paths((await patch({ warning: null, critical: null, limit: null })).body)).toEqual(['warning']);
    const changed = await patch({ critical: null, sustainSeconds: 60 });
    expect([changed.status, changed.body.warning, changed.body.critical, changed.body.limit, changed.body.sustainSeconds]).toEqual([200, 80, null, 100, 60]);

    expect((await s.api('DELETE', `/api/v1/capacity-thresholds/${created.body.id}`, { token: 'dev-admin' })).status).toBe(204);
    expect((await s.api('GET', `/api/v1/capacity-thresholds/${created.body.id}`, { token: 'dev-agent' })).status).toBe(404);
    expect((await s.api('DELETE', `/api/v1/capacity-thresholds/${created.body.id}`, { token: 'dev-admin' })).status).toBe(404);
    // Removed, its target and metric are free again.
    expect((await threshold({ ciClass: 'server', metric: 'mem_used_percent', warning: 85 })).status).toBe(201);
  });

  test('ingest judges each series by its threshold: crossing events in order, a late point ignored, a held critical level opens one incident through its alert, resolved when it ends', async () => {
    const host = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `app01 ${provider}`, class: 'server' } })).body;
    expect((await threshold({ ciId: host.id, metric: 'disk_used_percent', warning: 80, critical: 90, sustainSeconds: 600 })).status).toBe(201);
    const at = (min: number) => iso(T0 + min * 60_000);
    const pt = (min: number, value: number) => ({ ciId: host.number, metric: 'disk_used_percent', at: at(min), value });

    // Out of order in the batch: judged in time order (warning at 0, critical at 5); 8 minutes is short of the sustain time.
    const first = await post([pt(5, 93), pt(0, 85), pt(8, 94)]);
    expect(first.body).toEqual({ received: 3, stored: 3, events: 2, alerts: 0 });
    // A point older than the last one seen changes nothing; 16 minutes past the critical crossing is sustained.
    const second = await post([pt(1, 10), pt(16, 95)]);
    expect(second.body).toEqual({ received: 2, stored: 2, events: 0, alerts: 1 });
    // Still critical: reported once.
    expect((await post([pt(17, 96)])).body).toMatchObject({ events: 0, alerts: 0 });

    const key = `capacity:${host.number}:disk_used_percent`;
    const alert = await eventually(async () => {
      const r = await s.api('GET', `/api/v1/alerts?state=open&limit=100`, { token: 'dev-agent' });
      return r.body.items.find((a: { dedupKey: string; incidentNumber: string | null }) => a.dedupKey === key && a.incidentNumber);
    }, 30_000, 'the sustained critical level opens an incident');
    const incident = (await s.api('GET', `/api/v1/incidents/${alert.incidentNumber}`, { token: 'dev-agent' })).body;
    expect(incident.ciId).toBe(host.id);
    // A monitoring event of the same key joins the same alert rather than opening a second incident.
    const joined = await s.api('POST', '/api/v1/events', { token: 'dev-automation', body: { source: 'nagios', node: host.number, check: 'disk', severity: 'critical', message: 'disk full', dedupKey: key } });
    expect([joined.status, joined.body.alertId]).toEqual([202, alert.id]);

    const cleared = await post([pt(30, 40)]);
    expect(cleared.body).toMatchObject({ events: 1, alerts: 0 });
    expect((await outbox(host.id)).map((e) => [e.type, JSON.parse(e.data).level, JSON.parse(e.data).previousLevel, e.occurredAt.toISOString()])).toEqual([
      ['capacity.threshold.warning', 'warning', 'ok', at(0)],
      ['capacity.threshold.critical', 'critical', 'warning', at(5)],
      ['capacity.threshold.cleared', 'ok', 'critical', at(30)],
    ]);
    // Nobody acknowledged the incident: the level's end resolves it, as a monitoring "resolved" would.
    await eventually(async () => {
      const r = await s.api('GET', `/api/v1/incidents/${alert.incidentNumber}`, { token: 'dev-agent' });
      return r.body.state === 'resolved' || undefined;
    }, 30_000, 'the cleared level resolves the incident');
    const state = await s.tdb.db.capacityState.findUnique({ where: { ciId_metric: { ciId: host.id, metric: 'disk_used_percent' } } });
    expect([state?.level, state?.alertId, state?.lastAt.toISOString()]).toEqual(['ok', null, at(30)]);
  });

  test('a class threshold governs CIs without their own; a series with no threshold raises nothing', async () => {
    const box = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `db02 ${provider}`, class: 'database' } })).body;
    expect((await threshold({ ciClass: 'database', metric: 'connections_used', warning: 100, critical: 200, sustainSeconds: 0 })).status).toBe(201);
    // A subscriber to capacity events gets a delivery of each (nobody listens on port 9: it stays pending and retries).
    const hook = await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url: 'http://127.0.0.1:9/hook', events: ['capacity.threshold.critical'], secret: 'a-secret-of-16-chars' } });
    expect(hook.status).toBe(201);
    const res = await post([
      { ciId: box.id, metric: 'connections_used', at: iso(T0), value: 250 },
      { ciId: box.id, metric: 'unwatched', at: iso(T0), value: 1e9 },
    ]);
    expect(res.body).toEqual({ received: 2, stored: 2, events: 1, alerts: 1 });
    const events = await outbox(box.id);
    expect(events.map((e) => [e.type, e.dispatchedAt !== null])).toEqual([['capacity.threshold.critical', true]]);
    expect(await s.tdb.db.webhookDelivery.count({ where: { eventId: events[0].id, subscriptionId: hook.body.id } })).toBe(1);
    await s.api('DELETE', `/api/v1/webhooks/${hook.body.id}`, { token: 'dev-admin' });
  });
  test('the upkeep run rolls points up, prunes old ones, forecasts each series with a limit and raises one capacity problem; the report ranks by days to exhaustion', async () => {
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    const now = Date.now();
    const base = Math.floor(now / HOUR) * HOUR - 10 * DAY;
    const make = (name: string) => s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `${name} ${provider}`, class: 'storage', ownerGroup: 'l2-support' } }).then((r) => r.body);
    const [rising, flat] = [await make('san01'), await make('san02')];
    expect((await threshold({ ciId: rising.id, metric: 'volume_used_percent', limit: 100 })).status).toBe(201);
    expect((await threshold({ ciClass: 'storage', metric: 'volume_used_percent', warning: 90, limit: 100 })).status).toBe(201);
    // Every half hour for ten days: +0.1 an hour from 50 (so 2.4 a day, the limit about 11 days after the last point), and a flat 40.
    const points = Array.from({ length: 480 }, (_, i) => [
      { ciId: rising.id, metric: 'volume_used_percent', at: iso(base + i * 1_800_000), value: 50 + i * 0.05 },
      { ciId: flat.id, metric: 'volume_used_percent', at: iso(base + i * 1_800_000), value: 40 },
    ]).flat();
    expect((await post(points)).body).toMatchObject({ stored: 960, events: 0 });
    expect((await post([{ ciId: flat.id, metric: 'volume_used_percent', at: iso(base - 30 * DAY), value: 40 }])).body.stored).toBe(1);

    const env = loadEnv({ TEMPORAL_TASK_QUEUE: s.taskQueue });
    const run = (from?: number) =>
      s.env.client.workflow.execute(CAPACITY_MAINTENANCE_WORKFLOW, {
        taskQueue: s.taskQueue,
        workflowId: `capacity-upkeep-${provider}-${Math.random().toString(36).slice(2)}`,
        args: [{ trigger: 'api', at: iso(now), ...(from !== undefined ? { from: iso(from) } : {}), config: capacityConfig(env) } satisfies CapacityMaintenanceInput],
      }) as Promise<CapacityMaintenanceOutcome>;
    const first = await run(base);
    // The UTC days with complete hours since base: 11, or 10 in the hour after midnight (it failed in CI at 00:1x).
    const upkeepDays = Math.ceil((Math.floor(now / HOUR) * HOUR - Math.floor(base / DAY) * DAY) / DAY);
    expect(first).toMatchObject({ days: upkeepDays, forecasts: 2, exhausting: 1 });
    expect(first.hours).toBeGreaterThanOrEqual(240);
    // Raw points past the 30-day retention are gone (the older tests' too), the rest kept.
    expect(first.pruned.points).toBeGreaterThanOrEqual(1);
    expect(await s.tdb.db.metricPoint.count({ where: { ciId: flat.id } })).toBe(480);
    expect(await s.tdb.db.metricPoint.count({ where: { at: { lt: new Date(now - 30 * DAY) } } })).toBe(0);
    expect(first.problems).toHaveLength(1);

    const hours = await s.tdb.db.metricRollup.findMany({ where: { ciId: rising.id, bucket: 'hour' }, orderBy: { at: 'asc' } });
    expect(hours).toHaveLength(240);
    expect([hours[0].at.getTime(), hours[0].count, hours[0].min, hours[0].max, hours[0].last, hours[0].sum]).toEqual([base, 2, 50, 50.05, 50.05, 100.05]);
    const days = await s.tdb.db.metricRollup.findMany({ where: { ciId: rising.id, bucket: 'day' }, orderBy: { at: 'asc' } });
    expect(days.reduce((n, d) => n + d.count, 0)).toBe(480);
    expect(days[days.length - 1].last).toBeCloseTo(50 + 479 * 0.05, 9);

    // Once per series while the forecast lasts: the second run opens nothing and keeps the problem.
    const second = await run();
    expect([second.forecasts, second.exhausting, second.problems]).toEqual([2, 1, []]);
    const problems = await s.tdb.db.problem.findMany({ where: { ciId: rising.id } });
    expect(problems.map((p) => [p.number, p.trendKey])).toEqual([[first.problems[0], `capacity:${rising.number}:volume_used_percent`]]);
    expect(await s.tdb.db.notification.count({ where: { recordId: problems[0].id, recipient: 'group:l2-support', kind: 'capacity_exhaustion_forecast' } })).toBe(1);

    const report = await s.api('GET', '/api/v1/reports/capacity?metric=volume_used_percent', { token: 'dev-agent' });
    expect(report.status).toBe(200);
    const mine = report.body.items.filter((r: { ciId: string }) => r.ciId === rising.id || r.ciId === flat.id);
    expect(mine.map((r: any) => [r.ciNumber, r.problemNumber, r.exhaustAt === null])).toEqual([
      [rising.number, first.problems[0], false],
      [flat.number, null, true],
    ]);
    // 23.95 after ten days at 2.4 a day: the rest (26.05) takes about 10.9 days.
    expect(mine[0].daysToExhaustion).toBe(11);
    expect(mine[0].slopePerDay).toBeCloseTo(2.4, 6);
    expect(mine[0].sparkline).toMatch(/^<svg [^>]*>.*<polyline [^>]*points="[\d., ]+"\/><\/svg>$/);
    const soon = await s.api('GET', '/api/v1/reports/capacity?horizonDays=30&ciClass=storage', { token: 'dev-agent' });
    expect(soon.body.items.map((r: { ciId: string }) => r.ciId)).toEqual([rising.id]);
    expect((await s.api('GET', '/api/v1/reports/capacity?horizonDays=5&ciClass=storage', { token: 'dev-agent' })).body.items).toEqual([]);
    const bad = await s.api('GET', '/api/v1/reports/capacity?limit=0&horizonDays=-1', { token: 'dev-agent' });
    expect([bad.status, paths(bad.body)]).toEqual([400, ['query.horizonDays', 'query.limit']]);
    expect((await s.api('GET', '/api/v1/reports/capacity', { token: 'dev-requester' })).status).toBe(403);
  });
  test('the Prometheus text format: the CI by label or ?ciId, now when no timestamp, lines named in 400s, judged like JSON', async () => {
    const host = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `prom01 ${provider}`, class: 'virtual_machine' } })).body;
    const push = (text: string, query = '', token = 'dev-automation') =>
      s.api('POST', `/api/v1/metrics/prometheus${query}`, { token, raw: text, headers: { 'content-type': 'text/plain; version=0.0.4' } });
    expect((await threshold({ ciId: host.id, metric: 'fs_used_percent', warning: 80 })).status).toBe(201);
    const before = Date.now();
    const res = await push(
      [
        '# TYPE fs_used_percent gauge',
        `fs_used_percent{ci="${host.number}",mount="/"} 85 ${T0}`,
        'node_load1 0.5',
        `up{ci="${host.id}"} NaN`,
      ].join('\n'),
      `?ciId=${host.number}`,
    );
    expect([res.status, res.body]).toEqual([200, { received: 2, stored: 2, events: 1, alerts: 0, skipped: 1 }]);
    const load = await s.tdb.db.metricPoint.findMany({ where: { ciId: host.id, metric: 'node_load1' } });
    expect(load.map((p) => p.value)).toEqual([0.5]);
    expect(load[0].at.getTime()).toBeGreaterThanOrEqual(before);
    expect((await s.tdb.db.metricPoint.findFirst({ where: { ciId: host.id, metric: 'fs_used_percent' } }))?.at.toISOString()).toBe(iso(T0));

    const bad = await push(['ok_metric{ci="CI9999999"} 1', 'no_ci 2'].join('\n'));
    expect([bad.status, paths(bad.body)]).toEqual([400, ['lines.2']]);
    expect(paths((await push('ok_metric{ci="CI9999999"} 1\nm{ci="x" 1')).body)).toEqual(['lines.2']);
    const unknown = await push(`a{ci="${host.id}"} 1 ${T0}\nb{ci="CI9999999"} 1 ${T0}`);
    expect([unknown.status, paths(unknown.body)]).toEqual([400, ['lines.2']]);
    expect(await s.tdb.db.metricPoint.count({ where: { metric: 'a' } })).toBe(0);
    const twice = await push(`m{ci="${host.id}",cpu="0"} 1 ${T0}\nm{ci="${host.id}",cpu="1"} 2 ${T0}`);
    expect([twice.status, paths(twice.body)]).toEqual([400, ['lines.2']]);
    expect((await push('# nothing but comments\n', `?ciId=${host.id}`)).body).toEqual({ received: 0, stored: 0, events: 0, alerts: 0, skipped: 0 });
    expect((await push('m 1', `?ciId=${host.id}`, 'dev-agent')).status).toBe(403);
    const json = await s.api('POST', '/api/v1/metrics/prometheus', { token: 'dev-automation', body: { points: [] } });
    expect(json.status).toBe(400);
    // text/plain is taken only here: elsewhere a write is JSON.
    expect((await s.api('POST', '/api/v1/metrics', { token: 'dev-automation', raw: 'm 1', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });
});
