/**
 * Scheduled reports over HTTP on SQLite and PostgreSQL, on the Temporal dev server (Schedules do
 * not run on the time-skipping one): a schedule's Temporal Schedule, a past month regenerated
 * twice by backfill with the same figures and checksum as the live report, a run by hand,
 * `report.ready` delivered to a webhook and the recipients notified, deletion, and every refusal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScheduleNotFoundError, WorkflowFailedError, ActivityFailure, ApplicationFailure } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PROVIDERS } from '../support/database';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';
import { REPORT_FAILURE, REPORT_RUN_WORKFLOW, type ReportRunInput } from '../../workflows/contracts/report-run';
import { createReportRunActivities } from '../../activities/report-run';
import { createLogger } from '../../infra/logger';
import { periodOf } from '../../domain/reports/period';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { smtpMailer } from '../../infra/mailer';

let env: TestWorkflowEnvironment;
let receiver: http.Server;
const received: { type: string; data: Record<string, unknown> }[] = [];
let smtp: SMTPServer;
const mails: { to: string; subject: string; text: string }[] = [];
beforeAll(async () => {
  env = await startDevServer();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (m) => {
          mails.push({ to: (Array.isArray(m.to) ? m.to[0] : m.to)?.text ?? '', subject: m.subject ?? '', text: m.text ?? '' });
          callback();
        },
        (e) => callback(e as Error),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  receiver?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await env?.teardown();
});

const ADMIN = 'dev-admin';
const paths = (body: { errors?: { path: string }[] }) => (body?.errors ?? []).map((e) => e.path).sort();
/** March 2025 in Berlin: CET until the 30th, CEST after, so the month ends at 22:00 UTC. */
const MARCH = { from: '2025-03-01T00:00:00+01:00', to: '2025-04-01T00:00:00+02:00' };

describe.each(PROVIDERS)('scheduled reports on %s', (provider) => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ provider, env, mail: { mailer: smtpMailer(`smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`, 'ITSM <itsm@test.example>'), publicUrl: 'http://itsm.test' } });
    await s.tdb.db.user.update({ where: { id: 'usr-admin' }, data: { email: `admin-${provider}@test.example` } });
    const port = (receiver.address() as AddressInfo).port;
    const sub = await s.api('POST', '/api/v1/webhooks', { token: ADMIN, body: { url: `http://127.0.0.1:${port}/${provider}`, events: ['report.ready'], secret: '0123456789abcdef' } });
    expect(sub.status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  const create = (body: Record<string, unknown>, token = ADMIN) => s.api('POST', '/api/v1/report-schedules', { token, body });
  const created = async (body: Record<string, unknown>) => {
    const res = await create(body);
    expect([res.status, res.body.errors]).toEqual([201, undefined]);
    return res.body as { id: string; number: string; temporalScheduleId: string; params: Record<string, unknown> };
  };
  const runsOf = async (scheduleId: string, n: number) =>
    eventually(async () => {
      const res = await s.api('GET', `/api/v1/report-runs?scheduleId=${scheduleId}`, { token: ADMIN });
      return res.body.items.length >= n ? (res.body.items as any[]) : undefined;
    }, 30_000, `${n} runs of ${scheduleId}`);

  /** Two incidents whose clocks fell due in March 2025 (one met both, one breached both) and one in February: their recorded columns set as history left them. */
  async function marchIncidents() {
    const open = async () => (await s.api('POST', '/api/v1/incidents', { body: { title: 'Regenerated', impact: 'low', urgency: 'low' } })).body.number as string;
    const [met, breached, february] = [await open(), await open(), await open()];
    const clocks = (openedAt: string, respondedAt: string, resolvedAt: string) => ({
      state: 'closed',
      openedAt: new Date(openedAt),
      responseDueAt: new Date(Date.parse(openedAt) + 3_600_000),
      respondedAt: new Date(respondedAt),
      resolutionDueAt: new Date(Date.parse(openedAt) + 8 * 3_600_000),
      resolvedAt: new Date(resolvedAt),
      responseBusinessMs: Date.parse(respondedAt) - Date.parse(openedAt),
      resolutionBusinessMs: Date.parse(resolvedAt) - Date.parse(openedAt),
      slaPausedMs: 0,
    });
    await s.tdb.db.incident.update({ where: { number: met }, data: clocks('2025-03-10T08:00:00Z', '2025-03-10T08:30:00Z', '2025-03-10T12:00:00Z') });
    await s.tdb.db.incident.update({ where: { number: breached }, data: clocks('2025-03-20T08:00:00Z', '2025-03-20T10:00:00Z', '2025-03-21T08:00:00Z') });
    await s.tdb.db.incident.update({ where: { number: february }, data: clocks('2025-02-27T08:00:00Z', '2025-02-27T08:10:00Z', '2025-02-27T09:00:00Z') });
  }

  test('a past month backfilled twice gives two runs with the same figures and checksum as the live report; report.ready reaches the webhook and the recipients', async () => {
    await marchIncidents();
    const schedule = await created({ report: 'sla', params: { groupBy: 'priority' }, cron: '0 0 1 * *', timezone: 'Europe/Berlin', recipients: ['group:problem-management', 'user:usr-admin'] });
    expect(schedule).toMatchObject({ report: 'sla', params: { groupBy: 'priority', period: 'previous_month', atRisk: 'PT1H' }, cron: '0 0 1 * *', timezone: 'Europe/Berlin', deletedAt: null });

    const described = await s.env.client.schedule.getHandle(schedule.temporalScheduleId).describe();
    expect([described.policies.overlap, described.policies.catchupWindow]).toEqual(['BUFFER_ALL', 86_400_000]);
    const one = await s.api('GET', `/api/v1/report-schedules/${schedule.number}`, { token: 'dev-problem_manager' });
    expect(one.status).toBe(200);
    // The next runs: midnight on the 1st in Berlin, from now on.
    expect(one.body.nextRunTimes.length).toBeGreaterThan(0);
    for (const t of one.body.nextRunTimes) {
      expect(Date.parse(t)).toBeGreaterThan(Date.now());
      expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(t))).toBe('01, 00:00');
    }

    const backfill = await s.api('POST', `/api/v1/report-schedules/${schedule.id}/backfill`, { token: ADMIN, body: MARCH });
    expect([backfill.status, backfill.body]).toEqual([202, { scheduleId: schedule.id, periods: 'previous_month', scheduledFrom: '2025-03-31T22:00:00.000Z', scheduledTo: '2025-04-30T22:00:00.000Z' }]);
    const [first] = await runsOf(schedule.id, 1);
    // The run of a scheduled time has that time in its workflow id: a second backfill starts it again once the first has ended.
    await s.env.client.workflow.getHandle(first.workflowId.split('/')[0]).result();
    const again = await s.api('POST', `/api/v1/report-schedules/${schedule.number}/backfill`, { token: ADMIN, body: MARCH });
    expect(again.status).toBe(202);
    const runs = await runsOf(schedule.id, 2);
    // Exactly one run per backfill: the Schedule's time at the start of April, never May's.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await s.api('GET', `/api/v1/report-runs?scheduleId=${schedule.id}`, { token: ADMIN })).body.items).toHaveLength(2);
    expect(runs.map((r) => r.id)).toContain(first.id);
    for (const r of runs) {
      expect(r).toMatchObject({ scheduleId: schedule.id, scheduleNumber: schedule.number, report: 'sla', trigger: 'backfill', periodFrom: '2025-02-28T23:00:00.000Z', periodTo: '2025-03-31T22:00:00.000Z' });
      // What the schedule stored (its defaults filled in), the period resolved.
      expect(r.params).toEqual({ ...schedule.params, from: '2025-02-28T23:00:00.000Z', to: '2025-03-31T22:00:00.000Z' });
      expect(r.workflowId).toMatch(new RegExp(`^report-run-${schedule.number}-2025-03-31T22:00:00Z/`));
      expect(r.result).toBeUndefined();
    }
    expect(runs[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(runs[0].checksum).toBe(runs[1].checksum);
    expect(runs[0].workflowId).not.toBe(runs[1].workflowId);

    const [a, b] = await Promise.all(runs.map(async (r) => (await s.api('GET', `/api/v1/report-runs/${r.number}`, { token: 'dev-change_manager' })).body));
    expect(a.result).toEqual(b.result);
    expect(a.result).toMatchObject({ from: '2025-02-28T23:00:00.000Z', to: '2025-03-31T22:00:00.000Z', groupBy: 'priority', generatedAt: '2025-03-31T22:00:00.000Z' });
    expect(a.result.rows).toEqual([expect.objectContaining({ key: 'P5', response: { due: 2, met: 1, breached: 1, pending: 0, attainmentPct: 50 }, resolution: { due: 2, met: 1, breached: 1, pending: 0, attainmentPct: 50 } })]);
    // The same code as the live report: the same rows for the same period.
    const live = await s.api('GET', `/api/v1/reports/sla?from=2025-02-28T23:00:00Z&to=2025-03-31T22:00:00Z&groupBy=priority`, { token: ADMIN });
    expect(live.body.rows).toEqual(a.result.rows);

    // report.ready: once per run, to the subscribed webhook; the recipients told in-app.
    await eventually(async () => (received.filter((e) => e.type === 'report.ready' && e.data.scheduleId === schedule.id).length >= 2 ? true : undefined), 20_000, 'report.ready deliveries');
    const events = received.filter((e) => e.type === 'report.ready' && e.data.scheduleId === schedule.id);
    expect(events.map((e) => e.data.runId).sort()).toEqual(runs.map((r) => r.id).sort());
    expect(events[0].data).toMatchObject({ scheduleNumber: schedule.number, report: 'sla', periodFrom: '2025-02-28T23:00:00.000Z', periodTo: '2025-03-31T22:00:00.000Z', checksum: runs[0].checksum, trigger: 'backfill' });
    const inbox = await s.api('GET', '/api/v1/notifications', { token: ADMIN });
    const mine = inbox.body.items.filter((n: any) => n.kind === 'report_ready' && runs.some((r) => r.id === n.recordId));
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({ recordType: 'report_run', recipient: 'user:usr-admin', message: expect.stringContaining(schedule.number) });
    expect(await s.tdb.db.notification.count({ where: { recipient: 'group:problem-management', recordId: { in: runs.map((r) => r.id) } } })).toBe(2);
    // And by e-mail: the run's number in the subject, its link in the text.
    for (const r of runs) {
      const mail = await eventually(async () => mails.find((m) => m.to === `admin-${provider}@test.example` && m.subject.includes(`[${r.number}]`)), 20_000, `the mail of ${r.number}`);
      expect(mail.text).toContain(`http://itsm.test/api/v1/report-runs/${r.id}`);
    }

    // Listing filters.
    expect((await s.api('GET', `/api/v1/report-runs?report=backlog&scheduleId=${schedule.id}`, { token: ADMIN })).body.items).toEqual([]);
    const paged = await s.api('GET', `/api/v1/report-runs?scheduleId=${schedule.number}&limit=1`, { token: ADMIN });
    expect([paged.body.items.length, typeof paged.body.nextCursor]).toEqual([1, 'string']);
    const next = await s.api('GET', `/api/v1/report-runs?scheduleId=${schedule.number}&limit=1&cursor=${paged.body.nextCursor}`, { token: ADMIN });
    expect([next.body.items.length, next.body.nextCursor]).toEqual([1, null]);
  });

  test('a run by hand reports the period before now; a backlog schedule runs as of its time and cannot be backfilled', async () => {
    const schedule = await created({ report: 'sla', params: { period: 'previous_day', groupBy: 'service' }, cron: '30 5 * * *' });
    const trig = await s.api('POST', `/api/v1/report-schedules/${schedule.number}/trigger`, { token: ADMIN });
    expect(trig.status).toBe(202);
    const outcome = await s.env.client.workflow.getHandle(trig.body.workflowId).result();
    const today = new Date(new Date(trig.body.asOf).toISOString().slice(0, 10)).getTime();
    expect(outcome).toMatchObject({ trigger: 'manual', periodFrom: new Date(today - 86_400_000).toISOString(), periodTo: new Date(today).toISOString() });
    const run = (await s.api('GET', `/api/v1/report-runs/${outcome.runId}`, { token: ADMIN })).body;
    expect(run).toMatchObject({ number: outcome.number, trigger: 'manual', checksum: outcome.checksum, result: { groupBy: 'service', generatedAt: trig.body.asOf } });

    const backlog = await created({ report: 'backlog', cron: '0 7 * * 1' });
    expect(backlog).toMatchObject({ params: {} });
    const bt = await s.api('POST', `/api/v1/report-schedules/${backlog.id}/trigger`, { token: ADMIN });
    const bo = await s.env.client.workflow.getHandle(bt.body.workflowId).result();
    expect([bo.periodFrom, bo.periodTo]).toEqual([bt.body.asOf, bt.body.asOf]);
    const br = (await s.api('GET', `/api/v1/report-runs/${bo.runId}`, { token: ADMIN })).body;
    expect(br.result).toMatchObject({ generatedAt: bt.body.asOf, total: expect.any(Number), byAge: expect.any(Array) });
    const refused = await s.api('POST', `/api/v1/report-schedules/${backlog.id}/backfill`, { token: ADMIN, body: MARCH });
    expect(refused.status).toBe(409);
  });

  test('an availability schedule reports its service for the period, regenerated with the same figures; parameters a report refuses together are refused when a schedule is made', async () => {
    const svc = (await s.api('POST', '/api/v1/cis', { token: ADMIN, body: { name: `Scheduled availability ${provider}`, class: 'service' } })).body;
    const schedule = await created({ report: 'availability', params: { serviceId: svc.number }, cron: '0 6 1 * *', timezone: 'Europe/Berlin' });
    expect(schedule.params).toEqual({ serviceId: svc.number, period: 'previous_month' });
    // Regenerated once the first run has ended (a backfill of a period whose run is still going starts nothing).
    let runs: any[] = [];
    for (let i = 1; i <= 2; i++) {
      expect((await s.api('POST', `/api/v1/report-schedules/${schedule.id}/backfill`, { token: ADMIN, body: MARCH })).status).toBe(202);
      runs = await runsOf(schedule.id, i);
      // Its row is written before its run ends: the next backfill waits for the end, or it starts nothing.
      await Promise.all(runs.map((r) => s.env.client.workflow.getHandle(...(r.workflowId.split('/') as [string, string])).result()));
    }
    expect(runs[0].checksum).toBe(runs[1].checksum);
    const run = (await s.api('GET', `/api/v1/report-runs/${runs[0].id}`, { token: ADMIN })).body;
    expect(run.result).toMatchObject({ serviceId: svc.id, serviceNumber: svc.number, downtimeMs: 0, outages: 0 });
    expect(Date.parse(run.result.from)).toBe(Date.parse(run.periodFrom));
    const unknown = await create({ report: 'availability', params: { serviceId: svc.number, groupBy: 'service' }, cron: '0 6 1 * *' });
    expect([unknown.status, unknown.body.errors?.map((e: { path: string }) => e.path)]).toEqual([400, ['params']]);
    // What the SLA report refuses between its parameters is refused when the schedule is made, not by every run.
    const supplier = await create({ report: 'sla', params: { kind: 'OLA', groupBy: 'supplier' }, cron: '0 6 1 * *' });
    expect([supplier.status, supplier.body.errors?.map((e: { path: string }) => e.path)]).toEqual([400, ['params.groupBy']]);
    expect((await create({ report: 'sla', params: { kind: 'UC', groupBy: 'supplier' }, cron: '0 6 1 * *' })).status).toBe(201);
  });

  test("the Schedule's own run (triggered in the engine) reads its scheduled time and is labelled scheduled", async () => {
    const schedule = await created({ report: 'sla', params: { period: 'previous_week' }, cron: '0 0 1 1 *', timezone: 'Asia/Tokyo' });
    const before = Date.now();
    await s.env.client.schedule.getHandle(schedule.temporalScheduleId).trigger();
    const [run] = await runsOf(schedule.id, 1);
    expect(run.trigger).toBe('scheduled');
    expect(run.workflowId).toMatch(new RegExp(`^report-run-${schedule.number}-\\d{4}-\\d\\d-\\d\\dT`));
    const scheduledAt = Date.parse(run.workflowId.slice(`report-run-${schedule.number}-`.length).split('/')[0]);
    expect(scheduledAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    const want = periodOf(scheduledAt, 'previous_week', 'Asia/Tokyo');
    expect([run.periodFrom, run.periodTo]).toEqual([new Date(want.from).toISOString(), new Date(want.to).toISOString()]);
  });

  test('a retried or concurrent attempt of one execution stores one run, one event', async () => {
    const schedule = await created({ report: 'sla', cron: '0 0 1 * *' });
    const activities = createReportRunActivities({ db: s.tdb.db, temporal: s.env.client, taskQueue: s.taskQueue, webhookTimeoutMs: 2000, allowPrivateWebhooks: true, log: createLogger('silent') });
    const input = { idempotencyKey: `report-run-test-${provider}/${Date.now()}`, scheduleId: schedule.id, report: 'sla', params: { groupBy: 'service', atRisk: 'PT1H' }, period: 'previous_month', periodFrom: '2025-03-01T00:00:00.000Z', periodTo: '2025-04-01T00:00:00.000Z', asOf: Date.parse('2025-04-01T00:00:00Z'), trigger: 'backfill' as const, recipients: ['user:usr-admin'] };
    const [a, b] = await Promise.all([activities.produceReportRun(input), activities.produceReportRun(input)]);
    const c = await activities.produceReportRun(input);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(await s.tdb.db.reportRun.count({ where: { idempotencyKey: input.idempotencyKey } })).toBe(1);
    expect(await s.tdb.db.outboxEvent.count({ where: { recordId: a.runId } })).toBe(1);
    expect(await s.tdb.db.notification.count({ where: { recordId: a.runId } })).toBe(1);
  });

  test('a create repeated under one Idempotency-Key makes one schedule', async () => {
    const key = `rps-${provider}-${Date.now()}`;
    const send = () => s.api('POST', '/api/v1/report-schedules', { token: ADMIN, headers: { 'idempotency-key': key }, body: { report: 'backlog', cron: '0 8 * * 1-5' } });
    const [a, b] = [await send(), await send()];
    expect([a.status, b.status, b.body.id]).toEqual([201, 201, a.body.id]);
    expect(await s.tdb.db.reportSchedule.count({ where: { cron: '0 8 * * 1-5' } })).toBe(1);
    expect((await s.env.client.schedule.getHandle(a.body.temporalScheduleId).describe()).scheduleId).toBe(`report-schedule-${a.body.number}`);
  });

  test('delete removes the Temporal Schedule and keeps the definition with deletedAt; a repeat changes nothing', async () => {
    const schedule = await created({ report: 'backlog', cron: '@daily' });
    const gone = await s.api('DELETE', `/api/v1/report-schedules/${schedule.number}`, { token: ADMIN });
    expect([gone.status, typeof gone.body.deletedAt, gone.body.nextRunTimes]).toEqual([200, 'string', []]);
    await expect(s.env.client.schedule.getHandle(schedule.temporalScheduleId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const repeat = await s.api('DELETE', `/api/v1/report-schedules/${schedule.id}`, { token: ADMIN });
    expect([repeat.status, repeat.body.deletedAt]).toEqual([200, gone.body.deletedAt]);
    const one = await s.api('GET', `/api/v1/report-schedules/${schedule.id}`, { token: ADMIN });
    expect([one.status, one.body.deletedAt, one.body.nextRunTimes]).toEqual([200, gone.body.deletedAt, []]);
    const listed = await s.api('GET', '/api/v1/report-schedules?limit=500', { token: ADMIN });
    expect(listed.body.items.map((x: { id: string }) => x.id)).not.toContain(schedule.id);
    expect((await s.api('POST', `/api/v1/report-schedules/${schedule.id}/trigger`, { token: ADMIN })).status).toBe(409);
  });

  test('bad definitions are 400s naming the field, the engine’s verdict on a cron included; nothing is stored', async () => {
    const before = await s.tdb.db.reportSchedule.count();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ report: 'sla', cron: 'every tuesday' }, ['cron']],
      [{ report: 'sla', cron: '99 * * * *' }, ['cron']],
      [{ report: 'sla', cron: '0 0 1 * *', timezone: 'Mars/Olympus_Mons' }, ['timezone']],
      [{ report: 'uptime', cron: '0 0 1 * *' }, ['report']],
      [{ report: 'sla', cron: '0 0 1 * *', params: { groupBy: 'weekday' } }, ['params.groupBy']],
      [{ report: 'sla', cron: '0 0 1 * *', params: { period: 'previous_year', atRisk: 'an hour' } }, ['params.atRisk', 'params.period']],
      [{ report: 'sla', cron: '0 0 1 * *', params: { target: 90 } }, ['params']],
      [{ report: 'sla', cron: '0 0 1 * *', params: { from: '2025-03-01T00:00:00Z' } }, ['params']],
      [{ report: 'backlog', cron: '0 0 1 * *', params: { period: 'previous_month' } }, ['params']],
      [{ report: 'sla', cron: '0 0 1 * *', recipients: ['group:problem-management', 'everyone'] }, ['recipients.1']],
      [{ report: 'sla', cron: '0 0 1 * *', recipients: ['user:nobody', 'group:problem-management', 'group:nobody'] }, ['recipients.0', 'recipients.2']],
      [{ report: 'sla' }, ['cron']],
      [{ report: 'sla', cron: '0 0 1 * *', extra: true }, ['']],
    ];
    for (const [body, want] of cases) {
      const res = await create(body);
      expect([JSON.stringify(body), res.status, want[0] === '' ? res.body.errors?.length > 0 : paths(res.body)]).toEqual([JSON.stringify(body), 400, want[0] === '' ? true : want]);
    }
    expect(await s.tdb.db.reportSchedule.count()).toBe(before);
    expect((await create({ report: 'sla', cron: '0 0 1 * *' }, 'dev-agent')).status).toBe(403);

    // A Schedule left in the engine under the next number (an earlier database's): 409, not 500; the number after it works.
    const next = Number((await s.tdb.db.counter.findUnique({ where: { name: 'report_schedule' } }))?.value ?? 0) + 1;
    const orphan = `report-schedule-RPS${String(next).padStart(7, '0')}`;
    await s.env.client.schedule.create({ scheduleId: orphan, spec: { cronExpressions: ['0 0 1 1 *'] }, action: { type: 'startWorkflow', workflowType: REPORT_RUN_WORKFLOW, taskQueue: s.taskQueue, args: [] }, state: { paused: true } });
    try {
      const clash = await create({ report: 'backlog', cron: '@daily' });
      expect([clash.status, clash.body.detail]).toEqual([409, expect.stringContaining(orphan)]);
      expect(await s.tdb.db.reportSchedule.count()).toBe(before);
      expect((await create({ report: 'backlog', cron: '@daily' })).status).toBe(201);
    } finally {
      await s.env.client.schedule.getHandle(orphan).delete();
    }
    expect((await s.api('GET', '/api/v1/report-runs', { token: 'dev-agent' })).status).toBe(403);
  });

  test('backfill refusals; unknown ids are 404', async () => {
    const schedule = await created({ report: 'sla', cron: '0 0 1 * *' });
    const backfill = (body: Record<string, unknown>) => s.api('POST', `/api/v1/report-schedules/${schedule.id}/backfill`, { token: ADMIN, body });
    const future = new Date(Date.now() + 40 * 86_400_000).toISOString();
    for (const [body, want] of [
      [{ from: MARCH.to, to: MARCH.from }, ['to']],
      [{ from: '2025-03-01T00:00:00Z', to: future }, ['to']],
      [{ from: '2025-03-02T00:00:00Z', to: '2025-03-31T00:00:00Z' }, ['to']],
      [{ from: 'March' }, ['from', 'to']],
    ] as [Record<string, unknown>, string[]][]) {
      const res = await backfill(body);
      expect([JSON.stringify(body), res.status, paths(res.body)]).toEqual([JSON.stringify(body), 400, want]);
    }
    for (const [method, path] of [
      ['GET', '/api/v1/report-schedules/RPS9999999'],
      ['DELETE', '/api/v1/report-schedules/rps_nothing'],
      ['POST', '/api/v1/report-schedules/RPS9999999/trigger'],
      ['GET', '/api/v1/report-runs/RPT9999999'],
    ]) {
      expect([path, (await s.api(method, path, { token: ADMIN })).status]).toEqual([path, 404]);
    }
    expect((await s.api('POST', '/api/v1/report-schedules/RPS9999999/backfill', { token: ADMIN, body: MARCH })).status).toBe(404);
    const unknown = await s.api('GET', '/api/v1/report-runs?scheduleId=RPS9999999', { token: ADMIN });
    expect([unknown.status, paths(unknown.body)]).toEqual([400, ['query.scheduleId']]);
  });

  test('parameters the report can never take fail the run at once, not after retries', async () => {
    const schedule = await created({ report: 'sla', cron: '0 0 1 * *' });
    const input: ReportRunInput = { scheduleId: schedule.id, scheduleNumber: schedule.number, report: 'sla', params: { groupBy: 'weekday' }, period: 'previous_month', timezone: 'UTC', recipients: [], catchupWindowMs: 86_400_000, manualAt: new Date().toISOString(), searchAttributes: false };
    const failure = await s.env.client.workflow.execute(REPORT_RUN_WORKFLOW, { taskQueue: s.taskQueue, workflowId: `report-run-bad-${provider}-${Date.now()}`, args: [input] }).catch((e) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const activity = failure.cause as ActivityFailure;
    expect(activity).toBeInstanceOf(ActivityFailure);
    expect(activity.retryState).toBe('NON_RETRYABLE_FAILURE');
    expect(activity.cause).toBeInstanceOf(ApplicationFailure);
    expect([(activity.cause as ApplicationFailure).type, activity.cause?.message]).toEqual([REPORT_FAILURE.invalidParams, 'the sla report refuses these parameters']);
    const unknown = await s.env.client.workflow.execute(REPORT_RUN_WORKFLOW, { taskQueue: s.taskQueue, workflowId: `report-run-bad2-${provider}-${Date.now()}`, args: [{ ...input, report: 'uptime', params: {} }] }).catch((e) => e);
    expect(((unknown as WorkflowFailedError).cause?.cause as ApplicationFailure).type).toBe(REPORT_FAILURE.invalidParams);
  });
});
