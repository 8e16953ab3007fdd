/**
 * Service reporting over HTTP on SQLite and PostgreSQL: SLA attainment from the incidents'
 * recorded clocks (met, breached, pending), at risk now and `?atRisk=` on the incident list,
 * the open backlog, CSV through csv-stringify, the caller's visibility applied, the clock
 * columns back-filled for incidents recorded before them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { decodePng } from '../support/png';
import { backfillIncidentSlaColumns } from '../../db/incident-sla-backfill';
import { upsertUser } from '../../db/seed';
import { PROVIDERS } from '../support/database';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const targets = (response: string, resolution: string) =>
  Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response, resolution }]));

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

describe.each(PROVIDERS)('reports on %s', (provider) => {
  let s: Stack;
  let fast: string;
  beforeAll(async () => {
    s = await startStack({ provider, env });
    expect((await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Default', kind: 'SLA', targets: targets('PT1H', 'PT8H'), isDefault: true } })).status).toBe(201);
    fast = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `Fast ${provider}`, class: 'service' } })).body.id;
    expect((await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Fast', kind: 'SLA', serviceId: fast, targets: targets('PT1S', 'PT4H') } })).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  const open = async (extra: object = {}, token = 'dev-agent') => {
    const res = await s.api('POST', '/api/v1/incidents', { token, body: { title: 'Report me', impact: 'low', urgency: 'low', ...extra } });
    expect(res.status).toBe(201);
    return res.body as { id: string; number: string };
  };
  const period = () => `from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 2 * 86_400_000).toISOString()}`;

  test('attainment from the recorded clocks: met, breached, pending per group; at risk now; drill-down; CSV', async () => {
    const late = await open({ serviceId: fast }); // response due in 1 s, never given
    const acked = await open();
    expect((await s.api('POST', `/api/v1/incidents/${acked.number}/acknowledge`, { body: {} })).status).toBe(200);
    const done = await open();
    expect((await s.api('POST', `/api/v1/incidents/${done.number}/resolve`, { body: { code: 'fixed', notes: 'restarted' } })).status).toBe(200);
    await eventually(async () => ((await s.api('GET', `/api/v1/incidents/${late.number}`)).body.sla.response.breached ? true : undefined), 10_000, 'response breach');

    const report = await s.api('GET', `/api/v1/reports/sla?${period()}&groupBy=agreement&drill=true`);
    expect(report.status).toBe(200);
    const slaOf = async (n: string) => (await s.api('GET', `/api/v1/incidents/${n}`)).body.sla.slaId as string;
    const [fastSla, defaultSla] = [await slaOf(late.number), await slaOf(acked.number)];
    const fastRow = report.body.rows.find((r: { key: string }) => r.key === fastSla);
    const defaultRow = report.body.rows.find((r: { key: string }) => r.key === defaultSla);
    expect(fastRow.response).toEqual({ due: 1, met: 0, breached: 1, pending: 0, attainmentPct: 0 });
    expect(fastRow.resolution).toEqual({ due: 1, met: 0, breached: 0, pending: 1, attainmentPct: null });
    expect(fastRow.records.map((r: { number: string; clock: string; outcome: string }) => [r.number, r.clock, r.outcome])).toEqual([
      [late.number, 'response', 'breached'],
      [late.number, 'resolution', 'pending'],
    ]);
    // acked: response met; done: response and resolution met (resolving answers the response too).
    expect(defaultRow.response).toEqual({ due: 2, met: 2, breached: 0, pending: 0, attainmentPct: 100 });
    expect(defaultRow.resolution).toEqual({ due: 2, met: 1, breached: 0, pending: 1, attainmentPct: 100 });
    expect(defaultRow.mtta.wallMs).toBeGreaterThanOrEqual(0);
    expect(defaultRow.mttr.wallMs).toBeLessThan(60_000);
    // At risk: the open ones due within the window, the resolved one never.
    const atRisk = (await s.api('GET', `/api/v1/reports/sla?${period()}&groupBy=agreement&atRisk=PT9H`)).body.rows;
    expect(atRisk.find((r: { key: string }) => r.key === defaultRow.key).atRiskNow).toBe(1);
    const listed = (await s.api('GET', '/api/v1/incidents?atRisk=PT9H&limit=500')).body.items.map((i: { number: string }) => i.number);
    expect(listed).toEqual(expect.arrayContaining([late.number, acked.number]));
    expect(listed).not.toContain(done.number);
    expect((await s.api('GET', '/api/v1/incidents?atRisk=PT1M&limit=500')).body.items).toEqual([]);
    expect((await s.api('GET', '/api/v1/incidents?atRisk=P999999D&limit=500')).status).toBe(200);

    // CSV by format or by Accept, through csv-stringify; the same figures.
    const csv = await s.api('GET', `/api/v1/reports/sla?${period()}&groupBy=agreement&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toBe('key,response_due,response_met,response_breached,response_pending,response_attainment_pct,resolution_due,resolution_met,resolution_breached,resolution_pending,resolution_attainment_pct,at_risk_now,mtta_wall_ms,mtta_business_ms,mttr_wall_ms,mttr_business_ms,paused_ms');
    expect(lines.find((l) => l.startsWith(`${fastRow.key},`))).toMatch(new RegExp(`^${fastRow.key},1,0,1,0,0,1,0,0,1,,`));
    const accepted = await s.api('GET', `/api/v1/reports/sla?${period()}`, { headers: { accept: 'text/csv' } });
    expect(accepted.headers.get('content-type')).toMatch(/^text\/csv/);
  });

  test('charts: the SVG a person opens renders in headless Chromium, bars and target line drawn', async () => {
    const chromium = (await promisify(execFile)('bash', [path.join(__dirname, '..', '..', 'scripts', 'chromium-for-tests.sh')], { encoding: 'utf8', timeout: 300_000 })).stdout.trim();
    const dir = mkdtempSync(path.join(tmpdir(), 'itsm-chart-'));
    try {
      const counts = async (url: string) => {
        const res = await fetch(s.baseUrl + url, { headers: { authorization: 'Bearer dev-agent' } });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
        expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
        const svg = await res.text();
        expect(svg).not.toMatch(/<script|on\w+=/i);
        const file = path.join(dir, `${url.length}.svg`);
        writeFileSync(file, svg);
        const png = path.join(dir, `${url.length}.png`);
        const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=640,320'];
        // Asynchronously: the API in this process keeps answering (a blocked event loop drops its keep-alive sockets).
        const { stdout: dom } = await promisify(execFile)(chromium, [...flags, '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 60_000 });
        expect(dom).not.toMatch(/parsererror/);
        await promisify(execFile)(chromium, [...flags, `--screenshot=${png}`, `file://${file}`], { timeout: 60_000 });
        const img = decodePng(readFileSync(png));
        let bar = 0;
        let target = 0;
        for (let y = 0; y < img.height; y++) {
          for (let x = 0; x < img.width; x++) {
            const [r, g, b] = img.pixel(x, y);
            if (Math.abs(r - 0x3b) < 12 && Math.abs(g - 0x73) < 12 && Math.abs(b - 0xb9) < 12) bar++;
            if (Math.abs(r - 0xc0) < 16 && Math.abs(g - 0x39) < 16 && Math.abs(b - 0x2b) < 16) target++;
          }
        }
        return { bar, target, svg };
      };
      // One resolved in time, so this month has an attainment bar.
      const done = await open();
      expect((await s.api('POST', `/api/v1/incidents/${done.number}/resolve`, { body: { code: 'fixed', notes: 'done' } })).status).toBe(200);
      const sla = await counts(`/api/v1/reports/sla?${period()}&format=svg&target=90`);
      expect(sla.svg).toContain('target 90%');
      expect(sla.bar).toBeGreaterThan(100);
      expect(sla.target).toBeGreaterThan(100);
      const backlog = await counts('/api/v1/reports/backlog?format=svg');
      expect(backlog.bar).toBeGreaterThan(100);
      expect(backlog.target).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the backlog by age, priority and group; refusals; who may read; restricted incidents left out', async () => {
    const backlog = await s.api('GET', '/api/v1/reports/backlog');
    expect(backlog.status).toBe(200);
    const openCount = await s.tdb.db.incident.count({ where: { state: { in: ['new', 'assigned', 'in_progress', 'on_hold'] } } });
    expect(backlog.body.total).toBe(openCount);
    expect(backlog.body.byAge[0]).toEqual({ age: '<1d', count: openCount });
    expect(backlog.body.rows.reduce((n: number, r: { count: number }) => n + r.count, 0)).toBe(openCount);
    expect((await s.api('GET', '/api/v1/reports/backlog?format=csv')).body.split('\n')[0]).toBe('group,priority,age,count');

    const from = new Date().toISOString();
    expect((await s.api('GET', `/api/v1/reports/sla?from=${from}&to=${from}`)).body.errors).toEqual([{ path: 'to', message: 'must be after from' }]);
    expect((await s.api('GET', `/api/v1/reports/sla?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`)).body.errors).toEqual([{ path: 'to', message: 'the range may span at most 366 days' }]);
    expect((await s.api('GET', `/api/v1/reports/sla?from=x&to=y`)).status).toBe(400);
    expect((await s.api('GET', '/api/v1/reports/backlog', { token: 'dev-requester' })).status).toBe(403);

    // A restricted incident counts for those who may see it only.
    const key = `${provider}-${Date.now()}`;
    await upsertUser(s.tdb.db, { id: `usr-out-${key}`, name: 'Outsider', role: 'agent', token: `dev-out-${key}`, groups: [`outsiders-${key}`] });
    await open({ restrictedTo: ['cab'] }, 'dev-admin');
    const totalFor = async (token: string) => (await s.api('GET', '/api/v1/reports/backlog', { token })).body.total;
    expect((await totalFor('dev-admin')) - (await totalFor(`dev-out-${key}`))).toBe(1);
  });

  test('retiring an agreement (Zammad #4353): no new incident gets it, the incidents that have it keep their clocks', async () => {
    const svc = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `Gold ${provider}`, class: 'service' } })).body;
    const gold = (await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Gold', kind: 'SLA', serviceId: svc.id, targets: targets('PT2H', 'PT6H') } })).body;
    const a = await open({ serviceId: svc.number });
    const before = (await s.api('GET', `/api/v1/incidents/${a.number}`)).body.sla;
    expect(before.slaId).toBe(gold.id);

    const retired = await s.api('DELETE', `/api/v1/slas/${gold.number}`, { token: 'dev-admin' });
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ id: gold.id, retiredAt: expect.any(String), retiredBy: 'usr-admin' });
    expect((await s.api('DELETE', `/api/v1/slas/${gold.id}`, { token: 'dev-admin' })).body.retiredAt).toBe(retired.body.retiredAt);
    expect((await s.api('DELETE', `/api/v1/slas/${gold.id}`)).status).toBe(403);
    expect((await s.api('DELETE', '/api/v1/slas/SLA9999999', { token: 'dev-admin' })).status).toBe(404);

    // The incident keeps its agreement and due times, and its clock goes on under it.
    expect((await s.api('GET', `/api/v1/incidents/${a.number}`)).body.sla).toEqual(before);
    const acked = await s.api('POST', `/api/v1/incidents/${a.number}/acknowledge`, { body: {} });
    expect(acked.body.sla).toMatchObject({ slaId: gold.id, response: { dueAt: before.response.dueAt, breached: false }, resolution: { dueAt: before.resolution.dueAt } });
    // A new incident on the same service gets the default agreement in force.
    const b = await open({ serviceId: svc.number });
    expect((await s.api('GET', `/api/v1/incidents/${b.number}`)).body.sla.slaId).not.toBe(gold.id);
    const ids = async (q: string) => (await s.api('GET', `/api/v1/slas?limit=500${q}`)).body.items.map((x: { id: string }) => x.id);
    expect(await ids('&retired=true')).toContain(gold.id);
    expect(await ids('&retired=false')).not.toContain(gold.id);
    expect(await ids('')).toContain(gold.id);
  });

  test('incidents recorded before the clock columns get them from their stored clock', async () => {
    const inc = await open();
    const before = await s.tdb.db.incident.findUniqueOrThrow({ where: { id: inc.id } });
    expect(before.responseDueAt).not.toBeNull();
    await s.tdb.db.incident.update({ where: { id: inc.id }, data: { responseDueAt: null, respondedAt: null, resolutionDueAt: null } });
    const result = await backfillIncidentSlaColumns(s.tdb.db, 2);
    expect(result).toEqual({ filled: 1, corrupt: 0 });
    const after = await s.tdb.db.incident.findUniqueOrThrow({ where: { id: inc.id } });
    expect([after.responseDueAt, after.respondedAt, after.resolutionDueAt]).toEqual([before.responseDueAt, before.respondedAt, before.resolutionDueAt]);
  });
});
