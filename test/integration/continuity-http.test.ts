/**
 * IT service continuity over HTTP on SQLite and PostgreSQL: plans per business service (refused
 * where a field is wrong, 400 naming it; unknown 404; roles 403; retired 409 on change), showing
 * the CIs the service needs from the CMDB and whether the plan's test is overdue.
 */
import { PROVIDERS } from '../support/database';
import { useDevServer, useStack, errorPaths } from '../support/stack-bed';

const paths = errorPaths;
const DAY = 86_400_000;

const devServer = useDevServer();

describe.each(PROVIDERS)('continuity on %s', (provider) => {
  const s = useStack(provider, devServer);
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
});
