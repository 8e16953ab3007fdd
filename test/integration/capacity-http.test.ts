/**
 * Capacity management over HTTP on SQLite and PostgreSQL: metric points ingested in batches
 * (CI by id or number, a repeated point kept once, an unknown CI a 400 naming its place in the
 * batch, the batch bounded, senders only).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MAX_METRIC_POINTS } from '../../domain/schemas/capacity';
import { PROVIDERS } from '../support/database';
import { startStack, type Stack } from '../support/stack';
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
    expect([first.status, first.body]).toEqual([200, { received: 3, stored: 3 }]);
    const again = await post([...batch, { ...batch[0], value: 99 }, { ciId: ci.number, metric: 'disk_used_percent', at: iso(T0 + 3 * 3_600_000), value: 53 }]);
    expect(again.body).toEqual({ received: 5, stored: 1 });
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
    const point = { ciId: ci.id, metric: 'm', at: iso(T0), value: 1 };
    const big = await post(Array.from({ length: MAX_METRIC_POINTS + 1 }, () => point), 'dev-admin');
    expect([big.status, paths(big.body)]).toEqual([400, ['points']]);
    expect((await post([point], 'dev-agent')).status).toBe(403);
    expect((await post([point], 'dev-admin')).status).toBe(200);
  });
});
