/**
 * Monitoring events over HTTP: Temporal dev server, real worker, real database (SQLite, and
 * PostgreSQL when TEST_POSTGRES_URL is set, as in CI). One alert workflow per dedup key opens
 * at most one incident at a time, however many events arrive at once.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PROVIDERS } from '../support/database';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

const AUTOMATION = 'dev-automation';

describe.each(PROVIDERS)('monitoring events on %s', (provider) => {
  let s: Stack;
  let seq = 0;
  beforeAll(async () => {
    // Repeats are noted on the incident at most once a second here (PT1M by default).
    s = await startStack({ provider, env, apiEnv: { MONITORING_NOTE_INTERVAL: 'PT1S' } });
  });
  afterAll(async () => {
    await s?.close();
  });

  const uniq = () => `${provider}-${++seq}-${Date.now().toString(36)}`;
  const ok = async (res: Promise<{ status: number; body: any }>, status = 200) => {
    const r = await res;
    expect([r.status, r.body?.detail]).toEqual([status, undefined]);
    return r.body;
  };
  const post = (body: Record<string, unknown>, token = AUTOMATION) => s.api('POST', '/api/v1/events', { token, body });
  const event = (check: string, severity: string, extra: Record<string, unknown> = {}) => ({ source: 'prometheus', node: 'db01', check, severity, message: `${check} ${severity}`, ...extra });
  const alert = (id: string) => ok(s.api('GET', `/api/v1/alerts/${id}`, { token: 'dev-agent' }));
  const incidentOf = async (alertId: string) => {
    const a = await eventually(async () => {
      const r = await s.api('GET', `/api/v1/alerts/${alertId}`, { token: 'dev-agent' });
      return r.status === 200 && r.body.incidentNumber ? r.body : undefined;
    }, 30_000, `alert ${alertId} opens an incident`);
    return ok(s.api('GET', `/api/v1/incidents/${a.incidentNumber}`));
  };
  const notes = async (ref: string) => ((await ok(s.api('GET', `/api/v1/incidents/${ref}/history`))) as { action: string; actor: string; data: any }[]).filter((h) => h.action === 'notes');

  /** db server ← app (runs_on) ← service (depends_on, criticality high). */
  async function topology() {
    const u = uniq();
    const create = (body: Record<string, unknown>) => ok(s.api('POST', '/api/v1/cis', { token: 'dev-admin', body }), 201);
    const srv = await create({ name: `db-${u}`, class: 'server', attributes: { hostname: `db-${u}` } });
    const app = await create({ name: `app-${u}`, class: 'application', attributes: {} });
    const svc = await create({ name: `svc-${u}`, class: 'service', attributes: { criticality: 'critical' } });
    await ok(s.api('POST', `/api/v1/cis/${app.id}/relationships`, { token: 'dev-admin', body: { type: 'runs_on', targetId: srv.id } }), 201);
    await ok(s.api('POST', `/api/v1/cis/${svc.id}/relationships`, { token: 'dev-admin', body: { type: 'depends_on', targetId: app.id } }), 201);
    return { srv, svc, u };
  }

  test('a new key opens an incident on the CI, prioritised by severity and the service it supports', async () => {
    const { srv, svc, u } = await topology();
    const accepted = await ok(post(event(`disk-${u}`, 'critical', { ciId: srv.number })), 202);
    expect(accepted.dedupKey).toBe(`prometheus/db01/disk-${u}`);
    expect(accepted.alertId).toMatch(/^alert-[0-9a-f]{32}$/);
    const inc = await incidentOf(accepted.alertId);
    expect(inc).toMatchObject({ ciId: srv.id, serviceId: svc.id, impact: 'high', urgency: 'high', priority: 'P1', category: 'monitoring', state: 'new' });
    expect(inc.title).toContain(`disk-${u} on db01`);
    const a = await alert(accepted.alertId);
    expect(a).toMatchObject({ state: 'open', count: 1, severity: 'critical', ciId: srv.id, ciNumber: srv.number, incidentId: inc.id, incidentNumber: inc.number });
    const listed = await ok(s.api('GET', '/api/v1/alerts?limit=500', { token: 'dev-agent' }));
    expect(listed.items.find((x: { id: string }) => x.id === accepted.alertId)).toMatchObject({ ciId: srv.id, ciNumber: srv.number });
  });

  test('a burst for a few keys opens exactly one incident per key; repeats are counted and noted in batches', async () => {
    const u = uniq();
    const KEYS = 5;
    const PER_KEY = 40;
    const bodies = Array.from({ length: KEYS * PER_KEY }, (_, i) => event(`cpu-${u}`, i % 3 ? 'major' : 'critical', { dedupKey: `burst-${u}-${i % KEYS}`, message: `load ${i}` }));
    const answers = await Promise.all(bodies.map((b) => post(b)));
    expect(answers.map((r) => r.status)).toEqual(bodies.map(() => 202));
    const alertIds = [...new Set(answers.map((r) => r.body.alertId as string))];
    expect(alertIds).toHaveLength(KEYS);
    const alerts = await eventually(async () => {
      const all = await Promise.all(alertIds.map((id) => alert(id)));
      return all.every((a) => a.count === PER_KEY) ? all : undefined;
    }, 60_000, 'every event counted');
    expect(new Set(alerts.map((a) => a.incidentId)).size).toBe(KEYS);
    const opened = await s.tdb.db.incident.count({ where: { category: 'monitoring', title: { contains: `cpu-${u}` } } });
    expect(opened).toBe(KEYS);
    // Repeats arrive as notes at most once per interval, the last one with the whole count: never one per event.
    const lastNotes = await Promise.all(
      alerts.map((a) => eventually(async () => ((await notes(a.incidentNumber)).at(-1)?.data?.text?.includes(`(${PER_KEY} in all)`) ? notes(a.incidentNumber) : undefined), 30_000, 'the last repeats noted')),
    );
    for (const n of lastNotes) expect(n.length).toBeGreaterThanOrEqual(1);
    for (const n of lastNotes) expect(n.length).toBeLessThan(PER_KEY / 4);
  });

  test('recovery resolves an unacknowledged incident; the next problem opens a new one', async () => {
    const u = uniq();
    const first = await ok(post(event(`http-${u}`, 'major')), 202);
    const inc = await incidentOf(first.alertId);
    await ok(post(event(`http-${u}`, 'resolved')), 202);
    await eventually(async () => ((await s.api('GET', `/api/v1/incidents/${inc.number}`)).body.state === 'resolved' ? true : undefined), 30_000, 'resolved by monitoring');
    const resolved = await ok(s.api('GET', `/api/v1/incidents/${inc.number}`));
    expect(resolved.resolutionCode).toBe('resolved_by_monitoring');
    expect(resolved.resolutionNotes).toMatch(/^Resolved by monitoring/);
    await eventually(async () => ((await alert(first.alertId)).state === 'resolved' ? true : undefined), 30_000, 'alert resolved');
    await ok(post(event(`http-${u}`, 'critical')), 202);
    const second = await eventually(async () => {
      const a = await alert(first.alertId);
      return a.state === 'open' && a.incidentId && a.incidentId !== inc.id ? a : undefined;
    }, 30_000, 'a new incident for the next occurrence');
    expect(second.count).toBe(1);
  });

  test('recovery of an acknowledged incident only notes it; the agent keeps it', async () => {
    const u = uniq();
    const first = await ok(post(event(`queue-${u}`, 'critical')), 202);
    const inc = await incidentOf(first.alertId);
    await ok(s.api('POST', `/api/v1/incidents/${inc.number}/acknowledge`, { body: {} }));
    await ok(post(event(`queue-${u}`, 'resolved', { message: 'queue drained' })), 202);
    await eventually(async () => ((await notes(inc.number)).some((n) => /recovered/.test(n.data?.text)) ? true : undefined), 30_000, 'recovery noted');
    const still = await ok(s.api('GET', `/api/v1/incidents/${inc.number}`));
    expect(still.state).toBe('in_progress');
    expect((await alert(first.alertId)).state).toBe('open');
  });

  test('an incident resolved by an agent is not reused: the next event opens a new incident', async () => {
    const u = uniq();
    const first = await ok(post(event(`mem-${u}`, 'minor')), 202);
    const inc = await incidentOf(first.alertId);
    await ok(s.api('POST', `/api/v1/incidents/${inc.number}/resolve`, { body: { code: 'fixed', notes: 'restarted' } }));
    await ok(post(event(`mem-${u}`, 'minor')), 202);
    const next = await eventually(async () => {
      const a = await alert(first.alertId);
      return a.incidentId && a.incidentId !== inc.id ? a : undefined;
    }, 30_000, 'a new incident');
    expect(next).toMatchObject({ state: 'open', count: 1 });
    expect((await ok(s.api('GET', `/api/v1/incidents/${inc.number}`))).state).toBe('resolved');
  });

  test('a recovery for a key with no open incident opens nothing and is counted as ignored', async () => {
    const u = uniq();
    const r = await ok(post(event(`ghost-${u}`, 'resolved')), 202);
    const a = await eventually(async () => {
      const got = await s.api('GET', `/api/v1/alerts/${r.alertId}`, { token: 'dev-agent' });
      return got.status === 200 ? got.body : undefined;
    }, 30_000, 'alert recorded');
    expect(a).toMatchObject({ state: 'resolved', ignored: 1, incidentId: null });
    expect(await s.tdb.db.incident.count({ where: { title: { contains: `ghost-${u}` } } })).toBe(0);
  });

  test('bad input is a 400 naming the field; roles are enforced; unknown alerts are 404', async () => {
    const bad = await post({ source: 'p', node: 'n', check: 'c', severity: 'fatal', message: 'm', ciId: 'CI9999999' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('severity');
    const unknownCi = await post(event('c', 'critical', { ciId: 'CI9999999' }));
    expect([unknownCi.status, unknownCi.body.errors.map((e: { path: string }) => e.path)]).toEqual([400, ['ciId']]);
    const missing = await post({ source: 'p' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['node', 'check', 'severity', 'message']));
    expect((await post(event('c', 'critical'), 'dev-agent')).status).toBe(403);
    expect((await s.api('GET', '/api/v1/alerts', { token: 'dev-requester' })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/alerts/alert-00000000000000000000000000000000', { token: 'dev-agent' })).status).toBe(404);
  });

  test('alerts are listed with cursor pages and filtered by state, nothing missing or repeated', async () => {
    const u = uniq();
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) ids.add((await ok(post(event(`page-${u}-${i}`, 'warning')), 202)).alertId);
    await eventually(async () => ((await Promise.all([...ids].map((id) => s.api('GET', `/api/v1/alerts/${id}`, { token: 'dev-agent' })))).every((r) => r.status === 200) ? true : undefined), 30_000, 'alerts recorded');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await ok(s.api('GET', `/api/v1/alerts?state=open&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: 'dev-agent' }));
      for (const a of page.items) expect(a.state).toBe('open');
      seen.push(...page.items.map((a: { id: string }) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
  });
});
