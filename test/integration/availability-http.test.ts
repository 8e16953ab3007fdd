/**
 * Availability management over HTTP on SQLite and PostgreSQL: outages recorded on incidents
 * (a command in the history, its Outage row written with the incident), a P1 on a service asking
 * for one, the availability report against the service's SLA target with planned downtime from
 * a change on a CI the service depends on, and `service.availability.at_risk` raised through the
 * outbox once per service per month.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { monthAround } from '../../domain/reports/availability';
import { PROVIDERS } from '../support/database';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const MIN = 60_000;
const DAY = 86_400_000;
const targets = Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: 'PT1H', resolution: 'PT8H' }]));
const iso = (ms: number) => new Date(ms).toISOString();
const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path).sort();

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

describe.each(PROVIDERS)('availability on %s', (provider) => {
  let s: Stack;
  const received: { type: string; data: Record<string, unknown> }[] = [];
  let receiver: Server;
  /** A 24x7 service with its own SLA and an availability target. */
  const service = async (name: string, availabilityTarget?: number) => {
    const svc = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `${name} ${provider}`, class: 'service' } })).body as { id: string; number: string };
    if (availabilityTarget !== undefined) {
      const sla = await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: `${name} SLA`, kind: 'SLA', serviceId: svc.id, targets, availabilityTarget } });
      expect(sla.status).toBe(201);
      expect(sla.body.availabilityTarget).toBe(availabilityTarget);
    }
    return svc;
  };
  const open = async (extra: object = {}) => {
    const res = await s.api('POST', '/api/v1/incidents', { body: { title: 'Mail is down', impact: 'high', urgency: 'high', ...extra } });
    expect(res.status).toBe(201);
    return res.body as { id: string; number: string; outage: unknown; outageRequested: boolean };
  };
  const outage = (ref: string, body: object, token = 'dev-agent') => s.api('POST', `/api/v1/incidents/${ref}/outage`, { token, body });
  const atRiskEvents = (serviceId: string) => s.tdb.db.outboxEvent.findMany({ where: { type: 'service.availability.at_risk', recordId: serviceId } });

  beforeAll(async () => {
    s = await startStack({ provider, env });
    expect((await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Default', kind: 'SLA', targets, isDefault: true } })).status).toBe(201);
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    expect((await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url, events: ['service.availability.at_risk'], secret: 'a-secret-of-sixteen-chars' } })).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    await new Promise((r) => receiver?.close(r));
  });

  test('an outage is an incident command: rules named by field, kept in the history and its row, corrected later, ended by resolving', async () => {
    const svc = await service('Mail');
    const srv = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `mail-01 ${provider}`, class: 'server' } })).body;
    const now = Date.now();
    // A P2: resolving a P1 raises a problem alongside, which a close straight after would race.
    const inc = await open({ serviceId: svc.number, urgency: 'medium' });
    expect(inc).toMatchObject({ outage: null, outageRequested: false });

    // Refused, each rule naming its field; nothing recorded.
    expect(paths((await outage(inc.number, {})).body)).toEqual(['start']);
    expect(paths((await outage(inc.number, { start: iso(now + 10 * MIN) })).body)).toEqual(['start']);
    expect((await outage(inc.number, { start: iso(now + 10 * MIN) })).body.errors[0].message).toBe('must not be in the future');
    expect(paths((await outage(inc.number, { start: iso(now - 8 * DAY) })).body)).toEqual(['start']);
    expect(paths((await outage(inc.number, { start: iso(now - 60 * MIN), end: iso(now - 90 * MIN) })).body)).toEqual(['end']);
    expect(paths((await outage(inc.number, { start: iso(now - 60 * MIN), end: iso(now + 60 * MIN) })).body)).toEqual(['end']);
    expect(paths((await outage(inc.number, { start: iso(now - 60 * MIN), serviceId: srv.id })).body)).toEqual(['serviceId']);
    expect(paths((await outage(inc.number, { start: iso(now - 60 * MIN), serviceId: 'CI9999999' })).body)).toEqual(['serviceId']);
    const noService = await open({ impact: 'low' });
    const refused = await outage(noService.number, { start: iso(now - 60 * MIN) });
    expect([refused.status, refused.body.errors]).toEqual([400, [{ path: 'serviceId', message: 'required when the incident has no service' }]]);
    expect((await outage('INC9999999', { start: iso(now - 60 * MIN) })).status).toBe(404);
    expect((await outage(inc.number, { start: iso(now - 60 * MIN) }, 'dev-requester')).status).toBe(403);
    expect(await s.tdb.db.outage.count({ where: { incidentId: inc.id } })).toBe(0);

    // Recorded: the service defaults to the incident's; the view stops asking.
    const start = iso(now - 45 * MIN);
    const recorded = await outage(inc.number, { start });
    expect(recorded.status).toBe(200);
    expect(recorded.body).toMatchObject({ outage: { serviceId: svc.id, start, end: null }, outageRequested: false });
    // Corrected: an end that is not after the start is refused against the stored one; then ended.
    expect((await outage(inc.number, { end: iso(now - 50 * MIN) })).body.errors).toEqual([{ path: 'end', message: `must be after start (${start})` }]);
    const end = iso(now - 15 * MIN);
    expect((await outage(inc.number, { end })).body.outage).toEqual({ serviceId: svc.id, start, end });
    const row = await s.tdb.db.outage.findUniqueOrThrow({ where: { incidentId: inc.id } });
    expect([row.number, row.serviceId, row.start.toISOString(), row.end?.toISOString(), row.kind, row.createdBy]).toEqual([expect.stringMatching(/^OUT\d{7}$/), svc.id, start, end, 'unplanned', 'usr-agent']);
    expect((await s.api('GET', `/api/v1/incidents/${inc.number}`)).body).toMatchObject({ outage: { serviceId: svc.id, start, end }, outageRequested: false });
    const history = (await s.api('GET', `/api/v1/incidents/${inc.number}/history`)).body as { action: string; data: unknown }[];
    expect(history.filter((h) => h.action === 'outage').map((h) => h.data)).toEqual([
      { from: null, to: { serviceId: svc.id, start, end: null } },
      { from: { serviceId: svc.id, start, end: null }, to: { serviceId: svc.id, start, end } },
    ]);

    // Reopened (ended too early), then the incident is resolved: the outage ends with it.
    expect((await outage(inc.number, { end: null })).body.outage.end).toBeNull();
    const resolved = await s.api('POST', `/api/v1/incidents/${inc.number}/resolve`, { body: { code: 'fixed', notes: 'restarted the MTA' } });
    expect(resolved.body.outage.end).toBe(resolved.body.resolvedAt);
    const resolveEntry = ((await s.api('GET', `/api/v1/incidents/${inc.number}/history`)).body as { action: string; data: { outageEnded?: string } }[]).find((h) => h.action === 'resolve');
    expect(resolveEntry?.data.outageEnded).toBe(resolved.body.resolvedAt);
    expect((await s.tdb.db.outage.findUniqueOrThrow({ where: { incidentId: inc.id } })).end?.toISOString()).toBe(resolved.body.resolvedAt);
    // A resolved incident's outage can still be corrected; a closed one's cannot.
    expect((await outage(inc.number, { end })).body.outage.end).toBe(end);
    expect((await s.api('POST', `/api/v1/incidents/${inc.number}/close`, { body: {} })).status).toBe(200);
    expect((await outage(inc.number, { end: iso(now - 20 * MIN) })).status).toBe(409);
    expect(await s.tdb.db.outage.count({ where: { incidentId: inc.id } })).toBe(1);
  });

  test('a P1 on a service asks for its outage: the group holding it is told once', async () => {
    const svc = await service('Payroll');
    const asked = async (incidentId: string) => s.tdb.db.notification.findMany({ where: { recordId: incidentId, kind: 'outage_requested' } });
    // Opened as a P3, assigned, then re-prioritised to P1: the group is told.
    const p3 = await open({ serviceId: svc.id, impact: 'medium', urgency: 'medium' });
    expect(p3.outageRequested).toBe(false);
    expect((await s.api('POST', `/api/v1/incidents/${p3.number}/assign`, { body: { group: 'service-desk' } })).status).toBe(200);
    const p1 = await s.api('POST', `/api/v1/incidents/${p3.number}/impact`, { body: { impact: 'high', urgency: 'high' } });
    expect(p1.body).toMatchObject({ priority: 'P1', outageRequested: true });
    expect((await asked(p3.id)).map((n) => n.recipient)).toEqual(['group:service-desk']);
    // Handed on, or re-prioritised within P1: nobody is told again.
    expect((await s.api('POST', `/api/v1/incidents/${p3.number}/assign`, { body: { group: 'l2-support' } })).status).toBe(200);
    expect((await s.api('POST', `/api/v1/incidents/${p3.number}/impact`, { body: { impact: 'high' } })).status).toBe(200);
    expect(await asked(p3.id)).toHaveLength(1);
    // Opened as a P1 (routed to the first tier): the service desk is told at once.
    const routed = await open({ serviceId: svc.id });
    expect((await asked(routed.id)).map((n) => n.recipient)).toEqual(['group:service-desk']);
    // A P1 without a service asks for nothing.
    expect((await open()).outageRequested).toBe(false);
  });

  test('the availability report: merged outages, planned downtime from a change on what the service depends on, MTBF/MTRS/MTBSI, CSV; at risk raised once a month', async () => {
    const svc = await service('Web shop', 99.9);
    const db = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `shop-db ${provider}`, class: 'server' } })).body;
    expect((await s.api('POST', `/api/v1/cis/${svc.id}/relationships`, { token: 'dev-admin', body: { type: 'depends_on', targetId: db.id } })).status).toBe(201);
    const T = Math.floor(Date.now() / 1000) * 1000;
    // Planned: a standard change on the database, its window [T-20m, T+40m).
    const template = await s.api('POST', '/api/v1/change-templates', { token: 'dev-admin', body: { name: `Patch ${provider} ${T}`, implementationPlan: 'patch, reboot', backoutPlan: 'restore', ciClasses: ['server'], maxDuration: 'PT2H' } });
    expect(template.status).toBe(201);
    const change = await s.api('POST', '/api/v1/changes', { body: { title: 'Patch the shop database', type: 'standard', templateId: template.body.id, ciIds: [db.id], plannedStart: iso(T - 20 * MIN), plannedEnd: iso(T + 40 * MIN) } });
    expect(change.status).toBe(201);
    await eventually(async () => ((await s.api('GET', `/api/v1/changes/${change.body.number}`)).body.state === 'scheduled' ? true : undefined), 20_000, 'change scheduled');

    // Unplanned: two incidents record one failure [T-120m, T-30m) (90 min); a third starts 5 min before the change's window and is still open.
    const x = await open({ serviceId: svc.id });
    expect((await outage(x.number, { start: iso(T - 120 * MIN), end: iso(T - 60 * MIN) })).status).toBe(200);
    // 60 minutes down this month already: 99.9% of the month cannot be met any more.
    const month = monthAround(Date.now());
    const [event] = await atRiskEvents(svc.id);
    expect(event).toMatchObject({ id: `evt-availability-${svc.id}-${month.month}`, recordType: 'service' });
    expect(JSON.parse(event.data)).toMatchObject({ serviceId: svc.id, serviceNumber: svc.number, month: month.month, target: 99.9, incidentNumber: x.number });
    const y = await open({ serviceId: svc.id });
    expect((await outage(y.number, { start: iso(T - 90 * MIN), end: iso(T - 30 * MIN) })).status).toBe(200);
    const z = await open({ serviceId: svc.id });
    expect((await outage(z.number, { start: iso(T - 25 * MIN) })).status).toBe(200);
    // Once a month, however many outages follow; delivered to the subscriber through the outbox.
    expect(await atRiskEvents(svc.id)).toHaveLength(1);
    const delivered = await eventually(async () => received.find((e) => e.data.serviceId === svc.id), 20_000, 'at-risk webhook');
    expect(delivered).toMatchObject({ type: 'service.availability.at_risk', data: { month: month.month } });

    const from = T - DAY;
    const report = await s.api('GET', `/api/v1/reports/availability?serviceId=${svc.number}&from=${iso(from)}&to=${iso(T + DAY)}`);
    expect(report.status).toBe(200);
    const r = report.body;
    const agreed = Date.parse(r.asOf) - from;
    const down = 95 * MIN; // 90 merged + the 5 before the change's window; the rest of the open one is planned
    expect(r).toMatchObject({
      serviceId: svc.id,
      serviceNumber: svc.number,
      agreement: { name: 'Web shop SLA' },
      target: 99.9,
      meetsTarget: false,
      agreedMs: agreed,
      downtimeMs: down,
      downtimeMinutes: 95,
      plannedDowntimeMs: Date.parse(r.asOf) - (T - 20 * MIN),
      outages: 2,
      mtrsMs: down / 2,
      mtbfMs: Math.round((agreed - down) / 2),
      mtbsiMs: Math.round(agreed / 2),
      availability: Math.round(((agreed - down) / agreed) * 100_000) / 1000,
    });
    expect(r.records.outages.map((o: { incidentNumber: string }) => o.incidentNumber)).toEqual([x.number, y.number, z.number]);
    expect(r.records.planned).toEqual([{ changeId: change.body.id, changeNumber: change.body.number, title: 'Patch the shop database', start: iso(T - 20 * MIN), end: iso(T + 40 * MIN) }]);

    // CSV through the SLA report's helper: one row of the same figures.
    const csv = await s.api('GET', `/api/v1/reports/availability?serviceId=${svc.id}&from=${iso(from)}&to=${iso(T - 60 * MIN)}&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, line] = (csv.body as string).trim().split('\n');
    expect(header).toBe('service_number,from,to,as_of,availability,projected_availability,target,meets_target,agreed_ms,downtime_ms,downtime_minutes,planned_downtime_ms,planned_downtime_minutes,outages,mtbf_ms,mtrs_ms,mtbsi_ms');
    // Up to T-60m: x's hour (y's overlap with it merged, z and the change not yet begun): 22 h up of 23.
    expect(line).toBe(`${svc.number},${iso(from)},${iso(T - 60 * MIN)},${iso(T - 60 * MIN)},95.652,95.652,99.9,false,${23 * 60 * MIN},${60 * MIN},60,0,0,1,${22 * 60 * MIN},${60 * MIN},${23 * 60 * MIN}`);
  });

  test('a service under its target, or without one, raises nothing; without its own SLA the default agreement is used', async () => {
    const lenient = await service('Intranet', 90);
    const noTarget = await service('Wiki');
    for (const svc of [lenient, noTarget]) {
      const inc = await open({ serviceId: svc.id });
      const now = Date.now();
      expect((await outage(inc.number, { start: iso(now - 10 * MIN), end: iso(now - MIN) })).status).toBe(200);
      expect(await atRiskEvents(svc.id)).toEqual([]);
    }
    const r = (await s.api('GET', `/api/v1/reports/availability?serviceId=${noTarget.id}&from=${iso(Date.now() - DAY)}&to=${iso(Date.now())}`)).body;
    expect(r).toMatchObject({ agreement: { name: 'Default' }, target: null, meetsTarget: null, outages: 1, downtimeMs: 9 * MIN });
  });

  test('the report refuses a bad period or service, naming the field; requesters may not read it', async () => {
    const svc = await service('Print');
    const server = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `print-01 ${provider}`, class: 'server' } })).body;
    const ask = (q: string, token = 'dev-agent') => s.api('GET', `/api/v1/reports/availability?${q}`, { token });
    const period = `from=${iso(Date.now() - DAY)}&to=${iso(Date.now())}`;
    expect(paths((await ask(`serviceId=${svc.id}&from=${iso(Date.now())}&to=${iso(Date.now() - DAY)}`)).body)).toEqual(['to']);
    expect((await ask(`serviceId=${svc.id}&from=${iso(Date.now() - 400 * DAY)}&to=${iso(Date.now())}`)).body.errors).toEqual([{ path: 'to', message: 'the range may span at most 366 days' }]);
    expect(paths((await ask(`serviceId=CI9999999&${period}`)).body)).toEqual(['serviceId']);
    expect((await ask(`serviceId=${server.id}&${period}`)).body.errors).toEqual([{ path: 'serviceId', message: `${server.id} is a server, not a service` }]);
    expect(paths((await ask(period)).body)).toEqual(['query.serviceId']);
    expect((await ask(`serviceId=${svc.id}&${period}`, 'dev-requester')).status).toBe(403);
    for (const token of ['dev-agent', 'dev-problem_manager', 'dev-change_manager', 'dev-admin']) expect((await ask(`serviceId=${svc.id}&${period}`, token)).status).toBe(200);
  });
});
