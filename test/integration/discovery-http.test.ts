/**
 * Discovery snapshots and CMDB verification end to end over HTTP: Temporal dev server,
 * real worker, real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set), and
 * the verification Schedule on the same server.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ScheduleNotFoundError } from '@temporalio/client';
import { ensureVerificationSchedule, type VerificationScheduleEnv } from '../../temporal/schedules';
import * as SA from '../../workflows/contracts/search-attributes';
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

describe.each(PROVIDERS)('discovery and CMDB verification over HTTP on %s', (provider) => {
  let s: Stack;
  const ci: Record<string, { id: string; number: string }> = {};

  beforeAll(async () => {
    s = await startStack({ provider, env });
  });
  afterAll(async () => {
    await s?.close();
  });

  const admin = (method: string, path: string, body?: unknown) => s.api(method, path, { token: 'dev-admin', body });
  const snapshot = (body: unknown, token = 'dev-admin') => s.api('POST', '/api/v1/discovery/snapshots', { token, body });
  const errorPaths = (res: { body: { errors?: { path: string }[] } }) => (res.body.errors ?? []).map((e) => e.path).sort();

  async function finished(id: string) {
    return eventually(async () => {
      const r = await admin('GET', `/api/v1/cmdb/verifications/${id}`);
      return r.body?.status && r.body.status !== 'running' ? r.body : undefined;
    }, 30_000, `verification ${id} to finish`);
  }

  test('409 for a run before any discovery snapshot exists', async () => {
    const res = await admin('POST', '/api/v1/cmdb/verifications', {});
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/no discovery snapshot/);
  });

  test('POST a snapshot → 201 with its size; GET returns the observed items with their natural keys', async () => {
    const res = await snapshot({
      source: 'vcenter',
      takenAt: '2026-11-28T02:00:00Z',
      items: [
        { class: 'virtual_machine', name: 'vm-a', attributes: { hostname: 'VM-A', cpuCores: 2 } },
        { class: 'database', name: 'orders', attributes: { engine: 'postgres' } },
      ],
    }, 'dev-change_manager');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^snp_/), source: 'vcenter', takenAt: '2026-11-28T02:00:00.000Z', itemCount: 2, classes: ['database', 'virtual_machine'], createdAt: expect.any(String) });
    const got = await s.api('GET', `/api/v1/discovery/snapshots/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.items).toEqual([
      { class: 'virtual_machine', name: 'vm-a', naturalKey: 'virtual_machine:vm-a', attributes: { hostname: 'VM-A', cpuCores: 2 } },
      { class: 'database', name: 'orders', naturalKey: 'database:orders', attributes: { engine: 'postgres' } },
    ]);
    expect((await s.api('GET', '/api/v1/discovery/snapshots/snp_unknown')).status).toBe(404);
  });

  test('400 names each bad field of a snapshot; 401 without a token, 403 for roles that may not post', async () => {
    const good = { source: 'scan', items: [{ class: 'server', name: 'x', attributes: { hostname: 'x' } }] };
    const cases: [string, unknown, string[]][] = [
      ['missing source', { items: good.items }, ['source']],
      ['empty source', { ...good, source: '' }, ['source']],
      ['bad takenAt', { ...good, takenAt: 'last night' }, ['takenAt']],
      ['items missing', { source: 'scan' }, ['items']],
      ['items empty', { source: 'scan', items: [] }, ['items']],
      ['items not an array', { source: 'scan', items: 'x' }, ['items']],
      ['unknown class', { source: 'scan', items: [{ class: 'toaster', name: 'x' }] }, ['items.0.class']],
      ['empty name', { source: 'scan', items: [{ class: 'server', name: '' }] }, ['items.0.name']],
      ['bad attribute value', { source: 'scan', items: [{ class: 'server', name: 'x', attributes: { ip: '999.1.1.1' } }] }, ['items.0.attributes.ip']],
      ['attribute the class does not have', { source: 'scan', items: [{ class: 'server', name: 'x', attributes: { vendor: 'acme' } }] }, ['items.0.attributes']],
      ['unknown item field', { source: 'scan', items: [{ class: 'server', name: 'x', colour: 'red' }] }, ['items.0']],
      ['duplicate natural key', { source: 'scan', items: [...good.items, { class: 'server', name: 'y', attributes: { hostname: 'X' } }] }, ['items.1']],
      ['unknown top-level field', { ...good, tool: 'nmap' }, ['(root)']],
    ];
    for (const [what, body, paths] of cases) {
      const res = await snapshot(body);
      expect([what, res.status, errorPaths(res)]).toEqual([what, 400, paths]);
    }
    const many = await snapshot({ source: '', takenAt: 'x', items: [{ class: 'server', name: '', attributes: { ip: 'x', cpuCores: 0 } }, { class: 'nope', name: 'y' }] });
    expect(errorPaths(many)).toEqual(['items.0.attributes.cpuCores', 'items.0.attributes.ip', 'items.0.name', 'items.1.class', 'source', 'takenAt']);
    expect(JSON.stringify(many.body)).not.toMatch(/at .*\.ts/);

    expect((await s.api('POST', '/api/v1/discovery/snapshots', { token: null, body: good })).status).toBe(401);
    for (const role of ['agent', 'requester', 'cab_member']) expect([role, (await snapshot(good, `dev-${role}`)).status]).toEqual([role, 403]);
    expect((await s.api('POST', '/api/v1/cmdb/verifications', { token: 'dev-agent', body: {} })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/cmdb/verifications', { token: null })).status).toBe(401);
    const badRun = await admin('POST', '/api/v1/cmdb/verifications', { snapshotId: 'snp_nope', extra: 1 });
    expect([badRun.status, errorPaths(badRun)]).toEqual([400, ['(root)']]);
    const unknownSnapshot = await admin('POST', '/api/v1/cmdb/verifications', { snapshotId: 'snp_nope' });
    expect([unknownSnapshot.status, errorPaths(unknownSnapshot)]).toEqual([400, ['snapshotId']]);
    expect((await admin('GET', '/api/v1/cmdb/verifications/ver_unknown')).status).toBe(404);
    expect((await admin('GET', '/api/v1/cmdb/verifications?status=sleeping')).status).toBe(400);
  });

  test('a run reports all three kinds of discrepancy and opens one incident, for the drift on the live CI', async () => {
    const create = async (key: string, body: object) => {
      const res = await admin('POST', '/api/v1/cis', body);
      expect(res.status).toBe(201);
      ci[key] = res.body;
    };
    await create('web', { name: `Web ${provider}`, class: 'server', status: 'live', attributes: { hostname: 'web01', ip: '10.0.0.1', os: 'Ubuntu 22.04' } });
    await create('app', { name: `App ${provider}`, class: 'server', status: 'maintenance', attributes: { hostname: 'app02', ip: '10.0.0.2', os: 'Ubuntu 22.04' } });
    await create('old', { name: `Old ${provider}`, class: 'server', status: 'live', attributes: { hostname: 'old03', ip: '10.0.0.3' } });
    await create('crm', { name: `CRM ${provider}`, class: 'application', status: 'live', attributes: { version: '1.0' } });

    const snap = await snapshot({
      source: 'netscan',
      items: [
        { class: 'server', name: 'web01', attributes: { hostname: 'web01', ip: '10.0.0.9', os: 'ubuntu 22.04' } },
        { class: 'server', name: 'app02', attributes: { hostname: 'app02', os: 'Debian 12' } },
        { class: 'server', name: 'new04', attributes: { hostname: 'new04', ip: '10.0.0.4' } },
      ],
    });
    expect(snap.status).toBe(201);

    const run = await admin('POST', '/api/v1/cmdb/verifications', {});
    expect(run.status).toBe(202);
    expect(run.body).toMatchObject({ id: expect.stringMatching(/^ver_/), workflowId: `cmdb-verification-${run.body.id}`, snapshotId: snap.body.id, status: 'running', finishedAt: null });
    // Recorded before the 202: a GET right after finds the run.
    expect((await admin('GET', `/api/v1/cmdb/verifications/${run.body.id}`)).status).toBe(200);

    const report = await finished(run.body.id);
    expect(report.status).toBe('completed');
    expect(report.summary).toMatchObject({
      snapshotId: snap.body.id,
      source: 'netscan',
      classes: ['server'],
      missingInCmdb: 1,
      missingInReality: 1,
      attributeDrift: 2,
      incidentsOpened: 1,
      incidentsExisting: 0,
      trigger: 'api',
      requestedBy: 'usr-admin',
    });
    const kinds = report.discrepancies.map((d: { kind: string; naturalKey: string }) => [d.kind, d.naturalKey]);
    expect(kinds).toEqual([
      ['missing_in_cmdb', 'server:new04'],
      ['missing_in_reality', 'server:old03'],
      ['attribute_drift', 'server:app02'],
      ['attribute_drift', 'server:web01'],
    ]);
    const byKey = Object.fromEntries(report.discrepancies.map((d: { naturalKey: string }) => [d.naturalKey, d]));
    expect(byKey['server:old03']).toMatchObject({ ciId: ci.old.id, ciNumber: ci.old.number, ciStatus: 'live' });
    expect(byKey['server:app02']).toMatchObject({ ciId: ci.app.id, ciStatus: 'maintenance', fields: [{ field: 'os', recorded: 'Ubuntu 22.04', observed: 'Debian 12' }] });
    expect(byKey['server:app02'].incident).toBeUndefined();
    expect(byKey['server:web01']).toMatchObject({ ciId: ci.web.id, ciNumber: ci.web.number, fields: [{ field: 'ip', recorded: '10.0.0.1', observed: '10.0.0.9' }] });
    const { number } = byKey['server:web01'].incident;
    expect(byKey['server:web01'].incident).toEqual({ id: expect.stringMatching(/^inc_/), number: expect.stringMatching(/^INC\d{7}$/), status: 'opened' });

    const onlyDrift = await admin('GET', `/api/v1/cmdb/verifications/${run.body.id}?kind=attribute_drift`);
    expect(onlyDrift.body.discrepancies.map((d: { kind: string }) => d.kind)).toEqual(['attribute_drift', 'attribute_drift']);

    // The incident, through the same API everyone uses.
    const incident = await s.api('GET', `/api/v1/incidents/${number}`);
    expect(incident.status).toBe(200);
    expect(incident.body).toMatchObject({ ciId: ci.web.id, category: 'cmdb_drift', impact: 'medium', urgency: 'low', priority: 'P4', state: 'new', workflowId: `incident-${number}`, createdBy: 'system' });
    expect(incident.body.title).toBe(`CMDB drift on ${ci.web.number} Web ${provider}: ip`);
    const listed = await s.api('GET', '/api/v1/incidents?priority=P4&state=new&limit=500');
    const drifts = listed.body.items.filter((i: { category: string }) => i.category === 'cmdb_drift');
    expect(drifts.map((i: { ciId: string }) => i.ciId)).toEqual([ci.web.id]);
    const history = await s.api('GET', `/api/v1/incidents/${number}/history`);
    expect(history.body.map((h: { action: string }) => h.action)).toEqual(['create']);

    // Ops find the run in the Temporal UI by its search attributes.
    const described = await env.client.workflow.getHandle(run.body.workflowId).describe();
    expect(described.typedSearchAttributes.get(SA.RecordType)).toBe('cmdb_verification');
    expect(described.typedSearchAttributes.get(SA.RecordNumber)).toBe(run.body.id);
    expect(described.typedSearchAttributes.get(SA.RecordState)).toBe('completed');

    // Run again: the drift is still there, its incident still open: linked, not duplicated.
    const again = await admin('POST', '/api/v1/cmdb/verifications', { snapshotId: snap.body.id });
    expect(again.status).toBe(202);
    const second = await finished(again.body.id);
    expect(second.summary).toMatchObject({ attributeDrift: 2, incidentsOpened: 0, incidentsExisting: 1 });
    const relisted = await s.api('GET', '/api/v1/incidents?priority=P4&state=new&limit=500');
    expect(relisted.body.items.filter((i: { category: string }) => i.category === 'cmdb_drift')).toHaveLength(1);

    // Newest first, summaries only.
    const list = await admin('GET', '/api/v1/cmdb/verifications?limit=1');
    expect(list.status).toBe(200);
    expect(list.body.items.map((v: { id: string }) => v.id)).toEqual([again.body.id]);
    expect(list.body.items[0].discrepancies).toBeUndefined();
    const next = await admin('GET', `/api/v1/cmdb/verifications?limit=1&cursor=${list.body.nextCursor}`);
    expect(next.body.items.map((v: { id: string }) => v.id)).toEqual([run.body.id]);
    const completed = await admin('GET', '/api/v1/cmdb/verifications?status=completed');
    expect(completed.body.items.map((v: { id: string }) => v.id)).toEqual([again.body.id, run.body.id]);
  });

  test('ensureVerificationSchedule creates the Schedule, leaves it alone when nothing changed, updates it when the spec does; a scheduled run is reported', async () => {
    const scheduleId = `cmdb-verification-test-${provider}-${Date.now()}`;
    const settings: VerificationScheduleEnv = {
      TEMPORAL_TASK_QUEUE: s.taskQueue,
      CMDB_VERIFICATION_CRON: '0 2 * * *',
      CMDB_VERIFICATION_TIMEZONE: 'UTC',
      CMDB_VERIFICATION_OPEN_INCIDENTS: true,
      CMDB_VERIFICATION_INCIDENT_STATUSES: ['live'],
      AUTO_CLOSE_AFTER: 'P3D',
      CONTINUE_AS_NEW_AFTER_EVENTS: 5000,
    };
    const handle = env.client.schedule.getHandle(scheduleId);
    try {
      expect(await ensureVerificationSchedule(env.client, settings, { scheduleId })).toEqual({ scheduleId, result: 'created' });
      const created = await handle.describe();
      expect(created.action).toMatchObject({ type: 'startWorkflow', workflowType: 'cmdbVerificationWorkflow', taskQueue: s.taskQueue, workflowId: `${scheduleId}-run` });
      expect(created.state.paused).toBe(false);
      const next = created.info.nextActionTimes[0];
      expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([2, 0]);
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000); // daily

      expect(await ensureVerificationSchedule(env.client, settings, { scheduleId })).toEqual({ scheduleId, result: 'unchanged' });
      expect(await ensureVerificationSchedule(env.client, settings, { scheduleId })).toEqual({ scheduleId, result: 'unchanged' });

      const later = { ...settings, CMDB_VERIFICATION_CRON: '30 3 * * *', CMDB_VERIFICATION_TIMEZONE: 'Europe/London' };
      expect(await ensureVerificationSchedule(env.client, later, { scheduleId })).toEqual({ scheduleId, result: 'updated' });
      const moved = await handle.describe();
      expect(moved.spec.timezone).toBe('Europe/London');
      const london = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(moved.info.nextActionTimes[0]);
      expect(london).toBe('03:30');
      expect(await ensureVerificationSchedule(env.client, later, { scheduleId })).toEqual({ scheduleId, result: 'unchanged' });

      expect(await ensureVerificationSchedule(env.client, { ...later, CMDB_VERIFICATION_CRON: 'off' }, { scheduleId })).toEqual({ scheduleId, result: 'updated' });
      expect((await handle.describe()).state.paused).toBe(true);
      expect(await ensureVerificationSchedule(env.client, later, { scheduleId })).toEqual({ scheduleId, result: 'updated' });
      expect((await handle.describe()).state.paused).toBe(false);

      // Run it now, as the Schedule would at 03:30: a report appears, triggered by the schedule.
      await handle.trigger();
      const report = await eventually(async () => {
        const list = await admin('GET', '/api/v1/cmdb/verifications?limit=5');
        const v = list.body.items.find((i: { workflowId: string; status: string }) => i.workflowId.startsWith(`${scheduleId}-run`) && i.status !== 'running');
        return v;
      }, 30_000, 'the scheduled run');
      expect(report).toMatchObject({ status: 'completed', summary: { trigger: 'schedule', attributeDrift: 2, incidentsOpened: 0, incidentsExisting: 1 } });
      expect(report.id).toMatch(/^ver_[0-9a-z]{26}$/);
      const run = await env.client.workflow.getHandle(report.workflowId).describe();
      expect(run.typedSearchAttributes.get(SA.RecordType)).toBe('cmdb_verification');
      expect(run.typedSearchAttributes.get(SA.RecordNumber)).toBe(report.id);
      expect(run.memo).toMatchObject({ title: 'CMDB verification (30 3 * * * Europe/London)' });
      expect((await handle.describe()).info.recentActions.length).toBe(1);
    } finally {
      await handle.delete().catch((e) => {
        if (!(e instanceof ScheduleNotFoundError)) throw e;
      });
    }
  });
});
