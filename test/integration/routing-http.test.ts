/**
 * Routing and assignment over HTTP, on SQLite and PostgreSQL: assignment rules as data
 * (`/api/v1/assignment-rules`), where a new incident goes (first matching rule by order, else its
 * service's owner group through the CMDB, else the service desk) with the decision in its history,
 * and `assign` checked against the directory (the group exists, the assignee is an active member).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PROVIDERS } from '../support/database';
import { startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

describe.each(PROVIDERS)('routing and assignment on %s', (provider) => {
  let s: Stack;
  let payroll: { id: string; number: string };
  let payrollDb: { id: string; number: string };
  let mail: { id: string; number: string };

  const admin = (method: string, path: string, body?: unknown) => s.api(method, path, { token: 'dev-admin', body });
  const paths = (res: { body: { errors?: { path: string }[] } }) => (res.body.errors ?? []).map((e) => e.path);
  const create = async (body: object) => {
    const res = await s.api('POST', '/api/v1/incidents', { body: { title: 'Something is wrong', impact: 'medium', urgency: 'medium', ...body } });
    expect(res.status).toBe(201);
    return res.body as { number: string; assignmentGroup: string | null; priority: string; state: string; [k: string]: unknown };
  };
  const routingOf = async (number: string) => {
    const history = await s.api('GET', `/api/v1/incidents/${number}/history`);
    expect(history.status).toBe(200);
    return (history.body as { action: string; data: { routing?: unknown } }[]).find((h) => h.action === 'create')?.data.routing;
  };

  beforeAll(async () => {
    s = await startStack({ provider, env });
    const ci = async (body: object) => {
      const res = await admin('POST', '/api/v1/cis', body);
      expect(res.status).toBe(201);
      return res.body as { id: string; number: string };
    };
    payroll = await ci({ name: 'Payroll', class: 'service', ownerGroup: 'l2-support' });
    payrollDb = await ci({ name: 'payroll-db', class: 'database' });
    mail = await ci({ name: 'Mail', class: 'service' });
    expect((await admin('POST', `/api/v1/cis/${payroll.id}/relationships`, { type: 'depends_on', targetId: payrollDb.id })).status).toBe(201);
    // An inactive member of the service desk, for the assignment checks.
    expect((await admin('POST', '/api/v1/users', { name: 'Gone Agent', email: 'gone@example.com', role: 'agent', groups: ['service-desk'] })).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
  });

  test('without rules: the service owner group, found through the CMDB for a CI, else the service desk; the history says which', async () => {
    const onService = await create({ serviceId: payroll.number });
    expect(onService).toMatchObject({ state: 'new', assignmentGroup: 'l2-support' });
    expect(await routingOf(onService.number)).toEqual({ group: 'l2-support', source: 'service_owner', rule: null });

    const onCi = await create({ ciId: payrollDb.number });
    expect(onCi).toMatchObject({ assignmentGroup: 'l2-support', assignmentGroupId: 'grp-l2-support', ciId: payrollDb.id, ciNumber: payrollDb.number, serviceId: null, serviceNumber: null });
    expect(await routingOf(onCi.number)).toEqual({ group: 'l2-support', source: 'service_owner', rule: null });

    const unowned = await create({ serviceId: mail.id });
    expect(unowned.assignmentGroup).toBe('service-desk');
    expect(await routingOf(unowned.number)).toEqual({ group: 'service-desk', source: 'service_desk', rule: null });
  });

  test('rules: created, listed in order, refused with the field named, deleted; the first matching rule by order wins over the owner group', async () => {
    const bad = await admin('POST', '/api/v1/assignment-rules', { match: { serviceId: payrollDb.number }, group: 'nobody', order: 1 });
    expect(bad.status).toBe(400);
    expect(paths(bad).sort()).toEqual(['group']);
    const notService = await admin('POST', '/api/v1/assignment-rules', { match: { serviceId: payrollDb.number }, group: 'l3-support', order: 1 });
    expect(notService.status).toBe(400);
    expect(paths(notService)).toEqual(['match.serviceId']);
    expect(paths(await admin('POST', '/api/v1/assignment-rules', { match: { priority: 'P9' }, group: 'l3-support', order: -1 })).sort()).toEqual(['match.priority', 'order']);
    expect((await s.api('POST', '/api/v1/assignment-rules', { body: { group: 'l3-support', order: 1 } })).status).toBe(403); // an agent

    const p1 = await admin('POST', '/api/v1/assignment-rules', { match: { priority: 'P1' }, group: 'l3-support', order: 10 });
    expect(p1.status).toBe(201);
    const payrollDbRule = await admin('POST', '/api/v1/assignment-rules', { match: { serviceId: payroll.number, category: 'Database' }, group: 'grp-problem-management', order: 5 });
    expect(payrollDbRule.status).toBe(201);
    expect(payrollDbRule.body).toMatchObject({ group: 'problem-management', match: { serviceId: payroll.id, serviceNumber: payroll.number, category: 'database', ciClass: null, priority: null } });
    const list = await s.api('GET', '/api/v1/assignment-rules');
    expect(list.status).toBe(200);
    expect(list.body.map((r: { id: string }) => r.id)).toEqual([payrollDbRule.body.id, p1.body.id]);

    // P1 on Payroll: the P1 rule beats the owner group.
    const major = await create({ serviceId: payroll.id, impact: 'high', urgency: 'high' });
    expect(major).toMatchObject({ priority: 'P1', assignmentGroup: 'l3-support' });
    expect(await routingOf(major.number)).toEqual({ group: 'l3-support', source: 'rule', rule: p1.body.id });
    // A P1 that is also Payroll/database: order 5 comes before order 10; the category matches in any case.
    const both = await create({ serviceId: payroll.id, impact: 'high', urgency: 'high', category: 'DATABASE' });
    expect(both.assignmentGroup).toBe('problem-management');
    expect(await routingOf(both.number)).toEqual({ group: 'problem-management', source: 'rule', rule: payrollDbRule.body.id });

    expect((await admin('DELETE', `/api/v1/assignment-rules/${p1.body.id}`)).status).toBe(204);
    expect((await admin('DELETE', `/api/v1/assignment-rules/${p1.body.id}`)).status).toBe(404);
    expect((await admin('DELETE', `/api/v1/assignment-rules/${payrollDbRule.body.id}`)).status).toBe(204);
    expect((await create({ serviceId: payroll.id, impact: 'high', urgency: 'high' })).assignmentGroup).toBe('l2-support');
    // The incidents routed by a deleted rule keep their group and their history.
    expect(await routingOf(major.number)).toEqual({ group: 'l3-support', source: 'rule', rule: p1.body.id });
  });

  test('assign: the group must exist and the assignee be an active member of it (400 naming the field); names, ids and e-mail addresses resolve', async () => {
    const inc = await create({ serviceId: mail.id });
    const assign = (body: object) => s.api('POST', `/api/v1/incidents/${inc.number}/assign`, { body });

    const noGroup = await assign({ group: 'ghosts' });
    expect(noGroup.status).toBe(400);
    expect(noGroup.body.errors).toEqual([{ path: 'group', message: 'no group ghosts' }]);
    const noUser = await assign({ assignee: 'usr-nobody' });
    expect(noUser.status).toBe(400);
    expect(paths(noUser)).toEqual(['assignee']);
    // usr-admin exists but is not in the service desk the incident was routed to.
    const notMember = await assign({ assignee: 'usr-admin' });
    expect(notMember.status).toBe(400);
    expect(notMember.body.errors).toEqual([{ path: 'assignee', message: 'not an active member of group service-desk: usr-admin' }]);
    // Nor in l2-support, named with it.
    expect(paths(await assign({ group: 'l2-support', assignee: 'usr-agent' }))).toEqual(['assignee']);
    // A deactivated member is refused too.
    const gone = (await s.api('GET', '/api/v1/users?q=gone', { token: 'dev-admin' })).body.items[0] as { id: string };
    expect((await admin('PATCH', `/api/v1/users/${gone.id}`, { active: false })).status).toBe(200);
    expect(paths(await assign({ assignee: 'gone@example.com' }))).toEqual(['assignee']);
    // Nothing above reached the workflow: the incident is as it was.
    const before = await s.api('GET', `/api/v1/incidents/${inc.number}`);
    expect(before.body).toMatchObject({ state: 'new', assignmentGroup: 'service-desk', assignee: null });

    // By the group's id and the member's e-mail address: recorded as the group's name and the user's id.
    expect((await admin('PATCH', '/api/v1/users/usr-agent', { email: 'agent@example.com' })).status).toBe(200);
    const ok = await assign({ group: 'grp-service-desk', assignee: 'agent@example.com' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ state: 'assigned', assignmentGroup: 'service-desk', assignee: 'usr-agent' });
    // Every reference reads as id and name or number, on commands as on reads and lists.
    expect(ok.body).toMatchObject({ assignmentGroupId: 'grp-service-desk', assigneeName: 'Dev agent', serviceId: mail.id, serviceNumber: mail.number, ciId: null, ciNumber: null });
    expect((await s.api('GET', `/api/v1/incidents/${inc.number}`)).body).toMatchObject({ assignmentGroupId: 'grp-service-desk', assigneeName: 'Dev agent', serviceNumber: mail.number });
    const listed = (await s.api('GET', `/api/v1/incidents?assignee=usr-agent&limit=500`)).body.items.find((i: { number: string }) => i.number === inc.number);
    expect(listed).toMatchObject({ assigneeName: 'Dev agent', serviceNumber: mail.number });
  });
});
