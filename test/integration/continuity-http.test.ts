/**
 * IT service continuity over HTTP on SQLite and PostgreSQL: plans per business service (refused
 * where a field is wrong, 400 naming it; unknown 404; roles 403; retired 409 on change), showing
 * the CIs the service needs from the CMDB and whether the plan's test is overdue.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROVIDERS } from '../support/database';
import { useDevServer, useStack, errorPaths } from '../support/stack-bed';
import { ensureContinuityCheckSchedule } from '../../temporal/continuity-schedule';

const paths = errorPaths;
const DAY = 86_400_000;

const devServer = useDevServer();
// Evidence files go to a directory of this file's own, removed after it.
const attachmentDir = mkdtempSync(path.join(tmpdir(), 'itsm-continuity-'));
afterAll(() => rmSync(attachmentDir, { recursive: true, force: true }));

describe.each(PROVIDERS)('continuity on %s', (provider) => {
  const s = useStack(provider, devServer, { apiEnv: { ATTACHMENT_DIR: attachmentDir } });
  const admin = { token: 'dev-admin' };

  const ci = async (name: string, cls: string) => (await s.api('POST', '/api/v1/cis', { ...admin, body: { name: `${name}-${provider}`, class: cls } })).body as { id: string; number: string };
  const dependsOn = async (from: { id: string }, to: { id: string }) =>
    expect((await s.api('POST', `/api/v1/cis/${from.id}/relationships`, { ...admin, body: { type: 'depends_on', targetId: to.id } })).status).toBe(201);
  const steps = [
    { title: 'Fail the database over', group: 'l2-support', durationMinutes: 30 },
    { title: 'Repoint the application', group: 'l3-support', instructions: 'change the DSN', durationMinutes: 20 },
  ];

  test('plans: created for a service, shown with what the service needs, listed by service and lapse, changed and retired', async () => {
    const service = await ci('payments', 'service');
    const app = await ci('payments-app', 'application');
    const db = await ci('payments-db', 'database');
    await dependsOn(service, app);
    await dependsOn(app, db);
    const body = { serviceId: service.number, name: 'Payments DR', rtoMinutes: 60, rpoMinutes: 15, steps, ownerGroup: 'l2-support' };

    const created = await s.api('POST', '/api/v1/continuity-plans', { token: 'dev-change_manager', body });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    expect(created.body).toMatchObject({
      number: expect.stringMatching(/^BCP\d{7}$/), serviceId: service.id, testIntervalDays: 182, testCron: null, lastTestedAt: null, lastTestResult: null, overdue: false, version: 1, retiredAt: null,
      steps: [{ ...steps[0], instructions: '' }, steps[1]],
    });
    expect(Date.parse(created.body.testDueAt) - Date.parse(created.body.createdAt)).toBe(182 * DAY);
    expect(created.body.needs.total).toBe(2);
    expect(created.body.needs.cis.map((c: { id: string; distance: number; path: string[] }) => [c.id, c.distance, c.path])).toEqual([
      [app.id, 1, [service.number, app.number]],
      [db.id, 2, [service.number, app.number, db.number]],
    ]);
    const plan = created.body as { id: string; number: string };

    // Refusals: the service must be a service CI, groups must exist, the body its schema.
    const server = await ci('payments-host', 'server');
    const notService = await s.api('POST', '/api/v1/continuity-plans', { ...admin, body: { ...body, serviceId: server.id } });
    expect([notService.status, paths(notService.body)]).toEqual([400, ['serviceId']]);
    const noCi = await s.api('POST', '/api/v1/continuity-plans', { ...admin, body: { ...body, serviceId: 'CI9999999' } });
    expect([noCi.status, paths(noCi.body)]).toEqual([400, ['serviceId']]);
    const noGroup = await s.api('POST', '/api/v1/continuity-plans', { ...admin, body: { ...body, ownerGroup: 'nobody', steps: [steps[0], { ...steps[1], group: 'ghosts' }] } });
    expect([noGroup.status, paths(noGroup.body)]).toEqual([400, ['ownerGroup', 'steps.1.group']]);
    const bad = await s.api('POST', '/api/v1/continuity-plans', { ...admin, body: { ...body, rtoMinutes: 0, steps: [] } });
    expect([bad.status, paths(bad.body)]).toEqual([400, ['rtoMinutes', 'steps']]);
    expect((await s.api('POST', '/api/v1/continuity-plans', { token: 'dev-agent', body })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/continuity-plans', { token: 'dev-requester' })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/continuity-plans/BCP9999999', { token: 'dev-agent' })).status).toBe(404);
    expect((await s.api('PATCH', '/api/v1/continuity-plans/BCP9999999', { ...admin, body: { name: 'x' } })).status).toBe(404);

    // A plan whose interval has passed since its creation is overdue; the other one is not.
    const lapsed = (await s.api('POST', '/api/v1/continuity-plans', { ...admin, body: { ...body, name: 'Payments DR (old)', testIntervalDays: 30 } })).body as { id: string };
    await s.tdb.db.continuityPlan.update({ where: { id: lapsed.id }, data: { createdAt: new Date(Date.now() - 31 * DAY) } });
    const got = await s.api('GET', `/api/v1/continuity-plans/${lapsed.id}`, { token: 'dev-agent' });
    expect([got.status, got.body.overdue]).toEqual([200, true]);
    const ids = async (q: string) => (await s.api('GET', `/api/v1/continuity-plans?${q}`, { token: 'dev-agent' })).body.items.map((p: { id: string }) => p.id);
    expect(await ids(`serviceId=${service.number}`)).toEqual([lapsed.id, plan.id]);
    expect(await ids(`serviceId=${service.id}&overdue=true`)).toEqual([lapsed.id]);
    expect(await ids(`serviceId=${service.id}&overdue=false`)).toEqual([plan.id]);
    const first = await s.api('GET', `/api/v1/continuity-plans?serviceId=${service.id}&limit=1`, { token: 'dev-agent' });
    expect(first.body.items.map((p: { id: string }) => p.id)).toEqual([lapsed.id]);
    expect(await ids(`serviceId=${service.id}&limit=1&overdue=false&cursor=${first.body.nextCursor}`)).toEqual([plan.id]);
    expect((await s.api('GET', '/api/v1/continuity-plans?overdue=yes', { token: 'dev-agent' })).status).toBe(400);

    // Changed (groups checked again), then retired: out of the list, kept, and no longer changed.
    const patchedBad = await s.api('PATCH', `/api/v1/continuity-plans/${plan.number}`, { ...admin, body: { steps: [{ ...steps[0], group: 'ghosts' }] } });
    expect([patchedBad.status, paths(patchedBad.body)]).toEqual([400, ['steps.0.group']]);
    const patched = await s.api('PATCH', `/api/v1/continuity-plans/${plan.number}`, { token: 'dev-change_manager', body: { rtoMinutes: 45, testCron: '0 6 1 1,7 *' } });
    expect(patched.body).toMatchObject({ rtoMinutes: 45, testCron: '0 6 1 1,7 *', version: 2 });
    expect((await s.api('PATCH', `/api/v1/continuity-plans/${plan.id}`, { token: 'dev-agent', body: { name: 'x' } })).status).toBe(403);
    expect((await s.api('DELETE', `/api/v1/continuity-plans/${lapsed.id}`, admin)).status).toBe(204);
    expect(await ids(`serviceId=${service.id}`)).toEqual([plan.id]);
    expect((await s.api('GET', `/api/v1/continuity-plans/${lapsed.id}`, { token: 'dev-agent' })).body.retiredAt).toEqual(expect.any(String));
    expect((await s.api('PATCH', `/api/v1/continuity-plans/${lapsed.id}`, { ...admin, body: { name: 'again' } })).status).toBe(409);

    // Corrupt steps are an error naming the field, never an empty plan.
    await s.tdb.db.continuityPlan.update({ where: { id: lapsed.id }, data: { steps: '[{"title":1}]' } });
    const corrupt = await s.api('GET', `/api/v1/continuity-plans/${lapsed.id}`, { token: 'dev-agent' });
    expect([corrupt.status, corrupt.body.title]).toEqual([500, 'Corrupt record']);
    expect(corrupt.body.detail).toMatch(/steps\.0\.title/);
  });

  test('DR tests: started on demand, each step worked by its group in order, passed within the RTO; the plan keeps its last test', async () => {
    const service = await ci('ledger', 'service');
    const plan = (await s.api('POST', '/api/v1/continuity-plans', { ...admin, body: { serviceId: service.id, name: 'Ledger DR', rtoMinutes: 60, rpoMinutes: 5, ownerGroup: 'l2-support', steps: [
      { title: 'Restore the backup', group: 'service-desk', durationMinutes: 30 },
      { title: 'Check the balances', group: 'l2-support', durationMinutes: 20 },
    ] } })).body as { id: string; number: string };

    expect((await s.api('POST', `/api/v1/continuity-plans/${plan.id}/tests`, { token: 'dev-agent', body: {} })).status).toBe(403);
    expect((await s.api('POST', '/api/v1/continuity-plans/BCP9999999/tests', { ...admin, body: {} })).status).toBe(404);
    const started = await s.api('POST', `/api/v1/continuity-plans/${plan.number}/tests`, { token: 'dev-change_manager', body: {} });
    expect([started.status, started.body.detail]).toEqual([201, undefined]);
    expect(started.body).toMatchObject({ number: expect.stringMatching(/^DRT\d{7}$/), kind: 'test', state: 'running', planId: plan.id, serviceId: service.id, rtoMinutes: 60, steps: [{ step: 0, state: 'pending', overdue: false }, { step: 1, state: 'pending' }] });
    const run = started.body as { id: string; number: string };
    const again = await s.api('POST', `/api/v1/continuity-plans/${plan.id}/tests`, { ...admin, body: {} });
    expect([again.status, again.body.detail]).toEqual([409, `continuity plan ${plan.number} has a running test: ${run.number}`]);

    const at = (verb: string) => `/api/v1/continuity-runs/${run.number}/${verb}`;
    const noStep = await s.api('POST', at('start-step'), { ...admin, body: { step: 7 } });
    expect([noStep.status, paths(noStep.body)]).toEqual([400, ['step']]);
    const noEvidence = await s.api('POST', at('complete-step'), { ...admin, body: { step: 0 } });
    expect([noEvidence.status, paths(noEvidence.body)]).toEqual([400, ['evidence']]);
    const outOfTurn = await s.api('POST', at('start-step'), { ...admin, body: { step: 1 } });
    expect([outOfTurn.status, outOfTurn.body.detail]).toEqual([409, 'step 1 is not the next one (step 0 is)']);
    expect((await s.api('POST', at('abort'), { token: 'dev-agent', body: { reason: 'bored' } })).status).toBe(403);
    expect((await s.api('POST', at('start-step'), { token: 'dev-requester', body: { step: 0 } })).status).toBe(403);
    // The agent is in service-desk: step 0 is theirs, step 1 (l2-support) is not.
    expect((await s.api('POST', at('start-step'), { token: 'dev-agent', body: { step: 0 } })).body.steps[0].state).toBe('in_progress');
    expect((await s.api('POST', at('complete-step'), { token: 'dev-agent', body: { step: 0, evidence: 'restored from 02:00 backup', timeSpent: 25 } })).body.steps[0]).toMatchObject({ state: 'done', evidence: 'restored from 02:00 backup' });
    const notTheirs = await s.api('POST', at('complete-step'), { token: 'dev-agent', body: { step: 1, evidence: 'ok' } });
    expect([notTheirs.status, notTheirs.body.detail]).toEqual([403, `step 1 of ${run.number} is a task for group l2-support`]);
    // Evidence may name a file attached to the run, and no other.
    const form = new FormData();
    form.append('file', new Blob(['balance report'], { type: 'text/plain' }), 'balances.txt');
    const uploaded = await fetch(`${s.baseUrl}/api/v1/continuity-runs/${run.number}/attachments`, { method: 'POST', headers: { authorization: 'Bearer dev-change_manager' }, body: form });
    expect(uploaded.status).toBe(201);
    const file = (await uploaded.json()) as { id: string };
    expect((await s.api('GET', `/api/v1/continuity-runs/${run.id}/attachments`, { token: 'dev-agent' })).body.map((a: { id: string }) => a.id)).toEqual([file.id]);
    expect((await s.api('GET', `/api/v1/continuity-runs/${run.id}/attachments`, { token: 'dev-requester' })).status).toBe(404);
    const noFile = await s.api('POST', at('complete-step'), { token: 'dev-change_manager', body: { step: 1, evidence: 'balances match', attachmentId: 'att_elsewhere' } });
    expect([noFile.status, paths(noFile.body)]).toEqual([400, ['attachmentId']]);
    const done = await s.api('POST', at('complete-step'), { token: 'dev-change_manager', body: { step: 1, evidence: 'balances match', attachmentId: file.id } });
    expect(done.body).toMatchObject({ state: 'completed', outcome: 'passed', withinRto: true, problemId: null, steps: [{ state: 'done' }, { state: 'done', attachmentId: file.id }] });
    expect((await s.api('POST', at('abort'), { ...admin, body: { reason: 'late' } })).status).toBe(409);

    const got = await s.api('GET', `/api/v1/continuity-plans/${plan.id}`, { token: 'dev-agent' });
    expect(got.body).toMatchObject({ lastTestResult: 'passed', lastTestedAt: done.body.finishedAt, overdue: false });
    expect((await s.api('GET', `/api/v1/continuity-runs?planId=${plan.number}`, { token: 'dev-agent' })).body.items.map((r: { id: string }) => r.id)).toEqual([run.id]);
    expect((await s.api('GET', `/api/v1/continuity-runs?planId=${plan.id}&state=running`, { token: 'dev-agent' })).body.items).toEqual([]);
    expect((await s.api('GET', `/api/v1/continuity-runs/${run.id}`, { token: 'dev-agent' })).body.outcome).toBe('passed');
    expect((await s.api('GET', '/api/v1/continuity-runs/DRT9999999', { token: 'dev-agent' })).status).toBe(404);
    expect((await s.api('GET', '/api/v1/continuity-runs', { token: 'dev-requester' })).status).toBe(403);
    const history = await s.api('GET', `/api/v1/continuity-runs/${run.id}/history`, { token: 'dev-agent' });
    expect(history.body.map((a: { action: string; actor: string; timeSpent?: number | null }) => [a.action, a.actor])).toEqual([['create', 'usr-change_manager'], ['start_step', 'usr-agent'], ['complete_step', 'usr-agent'], ['complete_step', 'usr-change_manager']]);
    const events = await s.tdb.db.outboxEvent.findMany({ where: { recordId: run.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['continuity.run.started', 'continuity.run.step_completed', 'continuity.run.step_completed', 'continuity.run.completed']);

    expect((await s.api('DELETE', `/api/v1/continuity-plans/${plan.id}`, admin)).status).toBe(204);
    const retired = await s.api('POST', `/api/v1/continuity-plans/${plan.id}/tests`, { ...admin, body: {} });
    expect([retired.status, retired.body.detail]).toEqual([409, `continuity plan ${plan.number} is retired`]);
  });

  test('invocation: declared with a new P1 on the service or the major incident given, a failed step retried, recovered or abandoned; no problem, no test recorded', async () => {
    const service = await ci('billing', 'service');
    const plan = (await s.api('POST', '/api/v1/continuity-plans', { ...admin, body: { serviceId: service.id, name: 'Billing DR', rtoMinutes: 240, rpoMinutes: 60, ownerGroup: 'l2-support', steps: [
      { title: 'Switch to the standby site', group: 'l2-support', durationMinutes: 60 },
    ] } })).body as { id: string; number: string };

    const noIncident = await s.api('POST', `/api/v1/continuity-plans/${plan.id}/invoke`, { ...admin, body: { incidentId: 'INC9999999' } });
    expect([noIncident.status, paths(noIncident.body)]).toEqual([400, ['incidentId']]);
    expect((await s.api('POST', `/api/v1/continuity-plans/${plan.id}/invoke`, { token: 'dev-agent', body: {} })).status).toBe(403);
    const declared = await s.api('POST', `/api/v1/continuity-plans/${plan.number}/invoke`, { token: 'dev-change_manager', body: {} });
    expect([declared.status, declared.body.detail]).toEqual([201, undefined]);
    expect(declared.body).toMatchObject({ kind: 'invocation', state: 'running', incidentId: expect.any(String), incidentNumber: expect.stringMatching(/^INC\d{7}$/) });
    const incident = (await s.api('GET', `/api/v1/incidents/${declared.body.incidentId}`, admin)).body;
    expect(incident).toMatchObject({ priority: 'P1', serviceId: service.id, title: `Disaster declared: billing-${provider} (${service.number}), recovery by ${plan.number}` });
    // The incident holds the link too: a work note naming the run.
    const noted = (await s.api('GET', `/api/v1/incidents/${incident.id}/history`, admin)).body as { action: string; actor: string; data: { text?: string } }[];
    expect(noted.filter((a) => a.action === 'notes').map((a) => [a.actor, a.data.text])).toEqual([['system', `Continuity plan ${plan.number} (Billing DR) invoked by usr-change_manager: recovery ${declared.body.number}, RTO 240 min`]]);
    const twice = await s.api('POST', `/api/v1/continuity-plans/${plan.id}/invoke`, { ...admin, body: { incidentId: incident.number } });
    expect([twice.status, twice.body.detail]).toEqual([409, `continuity plan ${plan.number} has a running invocation: ${declared.body.number}`]);

    // A failed step does not end a real recovery: it is done again, and the service is recovered.
    const at = (run: string, verb: string) => `/api/v1/continuity-runs/${run}/${verb}`;
    const failed = await s.api('POST', at(declared.body.number, 'fail-step'), { ...admin, body: { step: 0, reason: 'standby DNS stale' } });
    expect(failed.body).toMatchObject({ state: 'running', steps: [{ state: 'failed', reason: 'standby DNS stale' }] });
    const recovered = await s.api('POST', at(declared.body.number, 'complete-step'), { ...admin, body: { step: 0, evidence: 'DNS flushed, traffic on standby' } });
    expect(recovered.body).toMatchObject({ state: 'completed', outcome: 'recovered', withinRto: true, problemId: null });
    expect(recovered.body.recoveryMinutes).toBeLessThan(1);

    // Given the major incident; abandoned by abort.
    const given = await s.api('POST', `/api/v1/continuity-plans/${plan.id}/invoke`, { ...admin, body: { incidentId: incident.number } });
    expect(given.body).toMatchObject({ kind: 'invocation', incidentId: incident.id, incidentNumber: incident.number });
    const abandoned = await s.api('POST', at(given.body.id, 'abort'), { token: 'dev-change_manager', body: { reason: 'primary site back' } });
    expect(abandoned.body).toMatchObject({ state: 'aborted', outcome: 'abandoned', recoveryMinutes: null, problemId: null });
    expect((await s.api('GET', `/api/v1/continuity-plans/${plan.id}`, { token: 'dev-agent' })).body).toMatchObject({ lastTestedAt: null, lastTestResult: null });
    expect((await s.api('GET', `/api/v1/continuity-runs?planId=${plan.id}&kind=invocation`, { token: 'dev-agent' })).body.items.map((r: { outcome: string }) => r.outcome)).toEqual(['abandoned', 'recovered']);
  });

  test('the daily check: its Schedule runs the check, which raises continuity.plan.test_overdue once per lapse of a live plan, not for one tested in time or retired', async () => {
    const service = await ci('archive', 'service');
    const body = { serviceId: service.id, rtoMinutes: 60, rpoMinutes: 60, ownerGroup: 'l2-support', testIntervalDays: 30, steps: [{ title: 'Restore', group: 'l2-support', durationMinutes: 30 }] };
    const plan = async (name: string, ageDays: number) => {
      const p = (await s.api('POST', '/api/v1/continuity-plans', { ...admin, body: { ...body, name } })).body as { id: string; number: string };
      await s.tdb.db.continuityPlan.update({ where: { id: p.id }, data: { createdAt: new Date(Date.now() - ageDays * DAY) } });
      return p;
    };
    const lapsed = await plan('Archive DR', 31);
    const fresh = await plan('Archive DR (new)', 5);
    const tested = await plan('Archive DR (tested)', 90);
    await s.tdb.db.continuityPlan.update({ where: { id: tested.id }, data: { lastTestedAt: new Date(Date.now() - 10 * DAY), lastTestResult: 'passed' } });
    const retired = await plan('Archive DR (old)', 90);
    expect((await s.api('DELETE', `/api/v1/continuity-plans/${retired.id}`, admin)).status).toBe(204);

    const scheduleId = `continuity-check-${provider}`;
    const settings = { TEMPORAL_TASK_QUEUE: s.taskQueue, CONTINUITY_CHECK_CRON: '0 6 * * *' };
    expect((await ensureContinuityCheckSchedule(s.env.client, settings, { scheduleId })).result).toBe('created');
    expect((await ensureContinuityCheckSchedule(s.env.client, settings, { scheduleId })).result).toBe('unchanged');
    const schedule = s.env.client.schedule.getHandle(scheduleId);
    const events = () => s.tdb.db.outboxEvent.findMany({ where: { type: 'continuity.plan.test_overdue', recordId: { in: [lapsed.id, fresh.id, tested.id, retired.id] } } });
    try {
      expect((await schedule.describe()).action).toMatchObject({ type: 'startWorkflow', workflowType: 'continuityCheckWorkflow' });
      const run = async (n: number) => {
        await schedule.trigger();
        const until = Date.now() + 30_000;
        let d = await schedule.describe();
        while (d.info.recentActions.length < n && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 100));
          d = await schedule.describe();
        }
        return s.env.client.workflow.getHandle(d.info.recentActions[n - 1].action.workflow.workflowId).result();
      };
      expect(await run(1)).toEqual({ raised: [lapsed.number] });
      const [event] = await events();
      expect(event).toMatchObject({ recordType: 'continuity_plan', recordId: lapsed.id, dispatchedAt: expect.any(Date) });
      expect(JSON.parse(event.data)).toMatchObject({ planNumber: lapsed.number, testIntervalDays: 30, lastTestedAt: null });
      // The same lapse is not raised again; a test ends it (and a later lapse would be a new event).
      expect(await run(2)).toEqual({ raised: [] });
      expect((await events()).length).toBe(1);
    } finally {
      await schedule.delete();
    }
  });

  test("a plan's testCron keeps its DR test Schedule (refused cron: 400, nothing changed); each run opens a test from the plan; null or retiring deletes it", async () => {
    const service = await ci('mail', 'service');
    const body = { serviceId: service.id, name: 'Mail DR', rtoMinutes: 60, rpoMinutes: 60, ownerGroup: 'l2-support', steps: [{ title: 'Restore', group: 'l2-support', durationMinutes: 30 }] };
    const refused = await s.api('POST', '/api/v1/continuity-plans', { ...admin, body: { ...body, testCron: '99 99 * * *' } });
    expect([refused.status, paths(refused.body)]).toEqual([400, ['testCron']]);
    const plan = (await s.api('POST', '/api/v1/continuity-plans', { ...admin, body })).body as { id: string; number: string };
    const scheduleId = `continuity-test-schedule-${plan.number}`;
    const schedule = s.env.client.schedule.getHandle(scheduleId);
    await expect(schedule.describe()).rejects.toThrow();
    const badPatch = await s.api('PATCH', `/api/v1/continuity-plans/${plan.id}`, { ...admin, body: { testCron: 'every day' } });
    expect([badPatch.status, paths(badPatch.body)]).toEqual([400, ['testCron']]);
    expect((await s.api('GET', `/api/v1/continuity-plans/${plan.id}`, admin)).body).toMatchObject({ testCron: null, version: 1 });

    expect((await s.api('PATCH', `/api/v1/continuity-plans/${plan.id}`, { ...admin, body: { testCron: '0 6 1 1,7 *' } })).body.testCron).toBe('0 6 1 1,7 *');
    expect((await schedule.describe()).action).toMatchObject({ type: 'startWorkflow', workflowType: 'continuityScheduledTestWorkflow', args: [{ planId: plan.id }] });
    await schedule.trigger();
    const until = Date.now() + 20_000;
    let row = await s.tdb.db.continuityRun.findFirst({ where: { planId: plan.id } });
    while (!row && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      row = await s.tdb.db.continuityRun.findFirst({ where: { planId: plan.id } });
    }
    expect((await s.api('GET', `/api/v1/continuity-runs/${row!.number}`, { token: 'dev-agent' })).body).toMatchObject({ kind: 'test', state: 'running', planId: plan.id, createdBy: 'system' });

    expect((await s.api('PATCH', `/api/v1/continuity-plans/${plan.id}`, { ...admin, body: { testCron: null } })).body.testCron).toBeNull();
    await expect(schedule.describe()).rejects.toThrow();
    expect((await s.api('PATCH', `/api/v1/continuity-plans/${plan.id}`, { ...admin, body: { testCron: '0 6 1 1 *' } })).status).toBe(200);
    expect((await schedule.describe()).spec).toBeDefined();
    expect((await s.api('DELETE', `/api/v1/continuity-plans/${plan.id}`, admin)).status).toBe(204);
    await expect(schedule.describe()).rejects.toThrow();
  });
});
