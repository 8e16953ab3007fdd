/**
 * GET /reports/sla?kind=OLA|UC over HTTP on SQLite and PostgreSQL: the support groups' and the
 * suppliers' clocks reported with the SLA report's figures, hand-computed here; `group` is the
 * clock's team (OLA) or supplier (UC), `groupBy=supplier` only for UC; the service and the
 * caller's visibility come from the incident; drill-down, CSV and the SVG chart for a kind.
 *
 * The incidents are created through the API; their OLA/UC clocks are IncidentClock rows written
 * here directly, so the figures are known exactly and do not wait for the workflow's own writer
 * (which fills these rows as the incident moves; no OLA or UC agreement exists in this stack, so
 * it writes none here). They take seq 100 and up, clear of any the workflow would write.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { upsertUser } from '../../db/seed';
import type { SlaReport } from '../../domain/schemas/reports';
import { PROVIDERS } from '../support/database';
import { startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const H = 3_600_000;
const M = 60_000;
const targets = (response: string, resolution: string) => Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response, resolution }]));

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

describe.each(PROVIDERS)('OLA and UC reports on %s', (provider) => {
  let s: Stack;
  let svc: { id: string };
  let a: { id: string; number: string };
  let b: { id: string; number: string };
  let c: { id: string; number: string };
  let period: string;
  const outsider = `dev-out-${provider}`;

  beforeAll(async () => {
    s = await startStack({ provider, env });
    const T = Date.now();
    const t0 = T - 12 * H;
    period = `from=${new Date(T - 24 * H).toISOString()}&to=${new Date(T + 48 * H).toISOString()}`;
    expect((await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Default', kind: 'SLA', targets: targets('PT1H', 'PT8H'), isDefault: true } })).status).toBe(201);
    svc = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `Billing ${provider}`, class: 'service' } })).body;
    const open = async (extra: object, token = 'dev-agent') => {
      const res = await s.api('POST', '/api/v1/incidents', { token, body: { title: 'Invoices not sent', impact: 'low', urgency: 'low', ...extra } });
      expect(res.status).toBe(201);
      return res.body as { id: string; number: string };
    };
    a = await open({ serviceId: svc.id });
    b = await open({});
    c = await open({ restrictedTo: ['cab'] }, 'dev-admin');
    await upsertUser(s.tdb.db, { id: `usr-out-${provider}`, name: 'Outsider', role: 'agent', token: outsider, groups: ['outsiders'] });

    const at = (ms: number | null) => (ms === null ? null : new Date(ms));
    const clock = (incidentId: string, seq: number, x: { kind: 'OLA' | 'UC'; agreementId: string; team?: string; supplier?: string; started: number; stopped: number | null; responseDue: number | null; responded: number | null; due: number; met: number | null; pausedMs?: number; businessMs: number | null }) => ({
      incidentId,
      seq,
      kind: x.kind,
      agreementId: x.agreementId,
      agreementVersion: 1,
      name: x.agreementId,
      team: x.team ?? null,
      supplier: x.supplier ?? null,
      priority: 'P4',
      startedAt: new Date(x.started),
      stoppedAt: at(x.stopped),
      dueAt: new Date(x.due),
      responseDueAt: at(x.responseDue),
      respondedAt: at(x.responded),
      metAt: at(x.met),
      breached: (x.met ?? T) > x.due || (x.responseDue !== null && (x.responded ?? T) > x.responseDue),
      pausedMs: x.pausedMs ?? 0,
      businessMs: x.businessMs,
    });
    await s.tdb.db.incidentClock.createMany({
      data: [
        // A: the desk acknowledged in 30 min and handed on after 3 h (met); L2 never acknowledged and finished late, 1 h paused.
        clock(a.id, 100, { kind: 'OLA', agreementId: 'ola-desk', team: 'service-desk', started: t0, stopped: t0 + 3 * H, responseDue: t0 + H, responded: t0 + 30 * M, due: t0 + 4 * H, met: t0 + 3 * H, businessMs: 3 * H }),
        clock(a.id, 101, { kind: 'OLA', agreementId: 'ola-l2', team: 'l2-support', started: t0 + 3 * H, stopped: t0 + 10 * H, responseDue: t0 + 4 * H, responded: null, due: t0 + 8 * H, met: t0 + 10 * H, pausedMs: H, businessMs: 6 * H }),
        // B: the supplier answered in 1 h; the desk's clock still runs, due in 30 min.
        clock(b.id, 100, { kind: 'UC', agreementId: 'uc-acme', supplier: 'acme', started: t0 + H, stopped: t0 + 2 * H, responseDue: null, responded: null, due: t0 + 5 * H, met: t0 + 2 * H, businessMs: H }),
        clock(b.id, 101, { kind: 'OLA', agreementId: 'ola-desk', team: 'service-desk', started: T - H, stopped: null, responseDue: T + 20 * M, responded: null, due: T + 30 * M, met: null, businessMs: null }),
        // C, restricted: the desk acknowledged in 15 min and resolved in 2 h.
        clock(c.id, 100, { kind: 'OLA', agreementId: 'ola-desk', team: 'service-desk', started: t0, stopped: t0 + 2 * H, responseDue: t0 + H, responded: t0 + 15 * M, due: t0 + 4 * H, met: t0 + 2 * H, businessMs: 2 * H }),
      ],
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  const report = async (q: string, token = 'dev-admin') => {
    const res = await s.api('GET', `/api/v1/reports/sla?${period}&${q}`, { token });
    expect([res.status, res.body.errors]).toEqual([200, undefined]);
    return res.body as SlaReport;
  };

  test('OLA by group: each team’s clocks, hand-computed; the restricted incident’s clock only for those who may see it', async () => {
    const all = await report('kind=OLA&groupBy=group');
    expect(all.kind).toBe('OLA');
    expect(all.rows).toEqual([
      {
        key: 'l2-support',
        response: { due: 1, met: 0, breached: 1, pending: 0, attainmentPct: 0 },
        resolution: { due: 1, met: 0, breached: 1, pending: 0, attainmentPct: 0 },
        atRiskNow: 0,
        mtta: null,
        mttr: { wallMs: 7 * H, businessMs: 6 * H },
        pausedMs: H,
      },
      {
        key: 'service-desk',
        response: { due: 3, met: 2, breached: 0, pending: 1, attainmentPct: 100 },
        resolution: { due: 3, met: 2, breached: 0, pending: 1, attainmentPct: 100 },
        atRiskNow: 1,
        // The row keeps no business time for a response.
        mtta: { wallMs: (30 * M + 15 * M) / 2, businessMs: null },
        mttr: { wallMs: 2.5 * H, businessMs: 2.5 * H },
        pausedMs: 0,
      },
    ]);
    const seen = await report('kind=OLA&groupBy=group', outsider);
    expect(seen.rows.find((r) => r.key === 'service-desk')).toMatchObject({ response: { due: 2, met: 1, pending: 1 }, resolution: { due: 2, met: 1, pending: 1 }, mtta: { wallMs: 30 * M, businessMs: null }, mttr: { wallMs: 3 * H, businessMs: 3 * H } });

    // The records behind each figure, for the outsider too.
    const drilled = await report('kind=OLA&groupBy=group&drill=true', outsider);
    const desk = drilled.rows.find((r) => r.key === 'service-desk')!;
    expect(desk.records!.map((r) => [r.number, r.clock, r.outcome]).sort()).toEqual([
      [a.number, 'resolution', 'met'],
      [a.number, 'response', 'met'],
      [b.number, 'resolution', 'pending'],
      [b.number, 'response', 'pending'],
    ]);
  });

  test('OLA by agreement and by service (the incident’s); UC by supplier and by group alike; the SLA report is still the default', async () => {
    expect((await report('kind=OLA&groupBy=agreement')).rows.map((r) => [r.key, r.resolution.due])).toEqual([
      ['ola-desk', 3],
      ['ola-l2', 1],
    ]);
    expect((await report('kind=OLA&groupBy=service')).rows.map((r) => [r.key, r.resolution.due])).toEqual([
      [svc.id, 2],
      [null, 2],
    ]);
    const bySupplier = await report('kind=UC&groupBy=supplier');
    expect(bySupplier.rows).toEqual([
      {
        key: 'acme',
        // A supplier is measured on its answer only: no response is due.
        response: { due: 0, met: 0, breached: 0, pending: 0, attainmentPct: null },
        resolution: { due: 1, met: 1, breached: 0, pending: 0, attainmentPct: 100 },
        atRiskNow: 0,
        mtta: null,
        mttr: { wallMs: H, businessMs: H },
        pausedMs: 0,
      },
    ]);
    expect((await report('kind=UC&groupBy=group')).rows).toEqual(bySupplier.rows);
    const sla = await report('groupBy=service');
    expect(sla.kind).toBe('SLA');
    expect(sla.rows.reduce((n, r) => n + r.response.due, 0)).toBe(3);
  });

  test('refusals: supplier only for UC, an unknown kind; CSV and the chart for a kind', async () => {
    const refused = await s.api('GET', `/api/v1/reports/sla?${period}&kind=OLA&groupBy=supplier`);
    expect([refused.status, refused.body.errors]).toEqual([400, [{ path: 'groupBy', message: 'only with kind UC (an SLA or OLA clock has no supplier)' }]]);
    expect((await s.api('GET', `/api/v1/reports/sla?${period}&groupBy=supplier`)).status).toBe(400);
    expect((await s.api('GET', `/api/v1/reports/sla?${period}&kind=sla`)).status).toBe(400);

    const csv = await s.api('GET', `/api/v1/reports/sla?${period}&kind=UC&groupBy=supplier&format=csv`, { token: 'dev-admin' });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((csv.body as string).trim().split('\n')[1]).toBe(`acme,0,0,0,0,,1,1,0,0,100,0,,,${H},${H},0`);
    const svg = await s.api('GET', `/api/v1/reports/sla?${period}&kind=OLA&format=svg`);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toContain('<svg');
  });
});
