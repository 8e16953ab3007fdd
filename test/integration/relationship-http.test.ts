/**
 * Business relationship management over HTTP on SQLite and PostgreSQL: customers, their contacts
 * (a contact who is a user makes their incidents the customer's) and subscriptions, with the
 * refusals; the satisfaction survey written with an incident's close (its invitation carrying the
 * one-time link, only the link's digest stored), answered without a bearer once (409 after, 404
 * unknown, 410 expired), and the satisfaction report per service, group and customer.
 */
import { PROVIDERS } from '../support/database';
import { eventually } from '../support/stack';
import { surveyTokenDigest } from '../../infra/survey-token';
import { useDevServer, useStack, errorPaths } from '../support/stack-bed';

const targets = Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: 'PT1H', resolution: 'PT8H' }]));
const paths = errorPaths;

const devServer = useDevServer();

describe.each(PROVIDERS)('business relationship management on %s', (provider) => {
  const s = useStack(provider, devServer);
  let svc: { id: string; number: string };
  let sla: { id: string; number: string };
  beforeAll(async () => {
    svc = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `Payroll ${provider}`, class: 'service' } })).body;
    sla = (await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: 'Default', kind: 'SLA', targets, isDefault: true } })).body;
    expect(sla.id).toBeDefined();
  });

  test('customers, contacts and subscriptions: created, read, changed, retired; each refusal names its field', async () => {
    const created = await s.api('POST', '/api/v1/customers', { token: 'dev-change_manager', body: { name: 'Acme Ltd', accountManager: 'usr-change_manager' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ number: expect.stringMatching(/^CUS\d{7}$/), name: 'Acme Ltd', accountManager: 'usr-change_manager', reviewCron: null, retiredAt: null });
    const acme = created.body as { id: string; number: string };
    expect((await s.api('POST', '/api/v1/customers', { token: 'dev-admin', body: { name: 'Acme Ltd' } })).status).toBe(409);
    const badManager = await s.api('POST', '/api/v1/customers', { token: 'dev-admin', body: { name: 'Other', accountManager: 'usr-nobody' } });
    expect([badManager.status, paths(badManager.body)]).toEqual([400, ['accountManager']]);
    expect((await s.api('POST', '/api/v1/customers', { token: 'dev-agent', body: { name: 'Nope' } })).status).toBe(403);
    expect((await s.api('GET', `/api/v1/customers/${acme.number}`)).body.id).toBe(acme.id);
    expect((await s.api('GET', '/api/v1/customers/CUS9999999')).status).toBe(404);
    expect((await s.api('GET', '/api/v1/customers/x', { token: 'dev-requester' })).status).toBe(403);
    const renamed = await s.api('PATCH', `/api/v1/customers/${acme.id}`, { token: 'dev-admin', body: { name: 'Acme Group', accountManager: null } });
    expect(renamed.body).toMatchObject({ name: 'Acme Group', accountManager: null });
    expect(paths((await s.api('PATCH', `/api/v1/customers/${acme.id}`, { token: 'dev-admin', body: {} })).body)).toEqual(['name']);

    // Contacts: a user at most once across customers.
    const contact = await s.api('POST', `/api/v1/customers/${acme.id}/contacts`, { token: 'dev-admin', body: { name: 'Pat Requester', email: 'pat@acme.example', userId: 'usr-requester' } });
    expect(contact.status).toBe(201);
    expect(contact.body).toMatchObject({ customerId: acme.id, userId: 'usr-requester' });
    expect((await s.api('POST', `/api/v1/customers/${acme.id}/contacts`, { token: 'dev-admin', body: { name: 'Pat again', userId: 'usr-requester' } })).status).toBe(409);
    expect(paths((await s.api('POST', `/api/v1/customers/${acme.id}/contacts`, { token: 'dev-admin', body: { name: 'Ghost', userId: 'usr-ghost' } })).body)).toEqual(['userId']);
    const plain = (await s.api('POST', `/api/v1/customers/${acme.id}/contacts`, { token: 'dev-admin', body: { name: 'Finance desk', email: 'finance@acme.example' } })).body;
    expect((await s.api('GET', `/api/v1/customers/${acme.id}/contacts?limit=1`)).body).toMatchObject({ items: [{ id: plain.id }], nextCursor: plain.id });
    expect((await s.api('DELETE', `/api/v1/customers/${acme.id}/contacts/${plain.id}`, { token: 'dev-admin' })).status).toBe(204);
    expect((await s.api('DELETE', `/api/v1/customers/${acme.id}/contacts/${plain.id}`, { token: 'dev-admin' })).status).toBe(404);

    // Subscriptions: a service CI, an existing agreement, once per service.
    const sub = await s.api('POST', `/api/v1/customers/${acme.id}/subscriptions`, { token: 'dev-admin', body: { serviceId: svc.number, slaId: sla.number, monthlyCharge: 1200, since: '2026-01-01T00:00:00Z' } });
    expect(sub.status).toBe(201);
    expect(sub.body).toMatchObject({ serviceId: svc.id, slaId: sla.id, monthlyCharge: 1200, since: '2026-01-01T00:00:00.000Z', until: null });
    expect((await s.api('POST', `/api/v1/customers/${acme.id}/subscriptions`, { token: 'dev-admin', body: { serviceId: svc.id } })).status).toBe(409);
    const server = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `pay-01 ${provider}`, class: 'server' } })).body;
    expect(paths((await s.api('POST', `/api/v1/customers/${acme.id}/subscriptions`, { token: 'dev-admin', body: { serviceId: server.id } })).body)).toEqual(['serviceId']);
    expect(paths((await s.api('POST', `/api/v1/customers/${acme.id}/subscriptions`, { token: 'dev-admin', body: { serviceId: svc.id, slaId: 'SLA9999999' } })).body)).toEqual(['slaId']);
    expect(paths((await s.api('POST', `/api/v1/customers/${acme.id}/subscriptions`, { token: 'dev-admin', body: { serviceId: svc.id, since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' } })).body)).toEqual(['until']);
    expect((await s.api('POST', '/api/v1/customers/CUS9999999/subscriptions', { token: 'dev-admin', body: { serviceId: svc.id } })).status).toBe(404);
    expect((await s.api('GET', `/api/v1/customers/${acme.id}/subscriptions`)).body.items.map((i: { id: string }) => i.id)).toEqual([sub.body.id]);

    // Retired: still readable, out of the list.
    const gone = (await s.api('POST', '/api/v1/customers', { token: 'dev-admin', body: { name: 'Gone Corp' } })).body;
    expect((await s.api('DELETE', `/api/v1/customers/${gone.id}`, { token: 'dev-admin' })).status).toBe(204);
    expect((await s.api('GET', `/api/v1/customers/${gone.id}`)).body.retiredAt).not.toBeNull();
    const listed = (await s.api('GET', '/api/v1/customers?limit=500')).body.items.map((c: { id: string }) => c.id);
    expect(listed).toContain(acme.id);
    expect(listed).not.toContain(gone.id);
  });

  test('complaints and compliments: recorded with their targets, worked through their commands, listed, with their history; refusals', async () => {
    const customer = (await s.api('GET', '/api/v1/customers?name=Acme')).body.items[0] as { id: string; number: string };
    const create = (body: object, token = 'dev-agent') => s.api('POST', '/api/v1/feedback', { token, body: { customerId: customer.number, kind: 'complaint', title: 'Payslips late again', ...body } });
    expect(paths((await create({ customerId: 'CUS9999999' })).body)).toEqual(['customerId']);
    expect(paths((await create({ group: 'no-such-group' })).body)).toEqual(['group']);
    expect(paths((await create({ serviceId: 'CI9999999' })).body)).toEqual(['serviceId']);
    expect(paths((await create({ kind: 'rant' })).body)).toEqual(['kind']);
    expect((await create({}, 'dev-requester')).status).toBe(403);

    const made = await create({ serviceId: svc.number, group: 'l2-support', targets: { acknowledge: 'PT4H', resolve: 'P5D' } });
    expect(made.status).toBe(201);
    const complaint = made.body as { id: string; number: string; createdAt: string; acknowledgeDueAt: string; resolveDueAt: string };
    expect(made.body).toMatchObject({ number: expect.stringMatching(/^FBK\d{7}$/), state: 'new', kind: 'complaint', customerId: customer.id, serviceId: svc.id, group: 'l2-support', accountManager: null, breached: [] });
    expect(Date.parse(complaint.acknowledgeDueAt) - Date.parse(complaint.createdAt)).toBe(4 * 3_600_000);
    expect(Date.parse(complaint.resolveDueAt) - Date.parse(complaint.createdAt)).toBe(5 * 86_400_000);
    const cmd = (verb: string, body: object = {}) => s.api('POST', `/api/v1/feedback/${complaint.number}/${verb}`, { body });
    expect((await cmd('resolve', { resolution: 'too early' })).status).toBe(409);
    expect(paths((await cmd('resolve', {})).body)).toEqual(['resolution']);
    expect((await cmd('acknowledge', { note: 'called the payroll lead', timeSpent: 10 })).body.state).toBe('acknowledged');
    expect((await cmd('resolve', { resolution: 'batch moved earlier' })).body).toMatchObject({ state: 'resolved', resolution: 'batch moved earlier' });
    expect((await cmd('close')).body.state).toBe('closed');
    expect((await cmd('reopen', { reason: 'late again' })).status).toBe(409);
    const history = (await s.api('GET', `/api/v1/feedback/${complaint.id}/history`)).body as { action: string }[];
    expect(history.map((h) => h.action)).toEqual(['create', 'acknowledge', 'resolve', 'close']);

    const compliment = (await create({ kind: 'compliment', title: 'Great help on the payroll run' })).body;
    expect(compliment).toMatchObject({ state: 'new', group: 'service-desk', resolveDueAt: null });
    expect((await s.api('POST', `/api/v1/feedback/${compliment.id}/investigate`, { body: {} })).status).toBe(409);
    expect((await s.api('GET', `/api/v1/feedback?customerId=${customer.number}&kind=compliment`)).body.items.map((f: { id: string }) => f.id)).toEqual([compliment.id]);
    expect((await s.api('GET', '/api/v1/feedback?state=closed')).body.items.map((f: { id: string }) => f.id)).toEqual([complaint.id]);
    expect((await s.api('GET', '/api/v1/feedback/FBK9999999')).status).toBe(404);
    expect((await s.api('POST', '/api/v1/feedback/FBK9999999/acknowledge', { body: {} })).status).toBe(404);
  });

  test("a closed incident's survey: invitation with a one-time link, answered once without a bearer; refusals; the satisfaction report", async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const customer = (await s.api('GET', '/api/v1/customers?name=Acme')).body.items[0] as { id: string; number: string };
    const close = async (body: object) => {
      const inc = (await s.api('POST', '/api/v1/incidents', { token: 'dev-agent', body: { title: 'Payslips missing', impact: 'low', urgency: 'low', serviceId: svc.id, ...body } })).body as { id: string; number: string };
      expect((await s.api('POST', `/api/v1/incidents/${inc.id}/resolve`, { body: { code: 'fixed', notes: 'rerun the batch' } })).status).toBe(200);
      expect((await s.api('POST', `/api/v1/incidents/${inc.id}/close`, { body: {} })).body.state).toBe('closed');
      return inc;
    };
    const byCaller = await close({ callerId: 'usr-requester' });
    const noCaller = await close({});
    expect(await s.tdb.db.survey.count({ where: { incidentId: noCaller.id } })).toBe(0);
    // The caller is Acme's contact: the incident is Acme's (Incident.customerId, which chargeback reads too).
    expect((await s.tdb.db.incident.findUniqueOrThrow({ where: { id: byCaller.id } })).customerId).toBe(customer.id);
    expect((await s.tdb.db.incident.findUniqueOrThrow({ where: { id: noCaller.id } })).customerId).toBeNull();

    const survey = await s.tdb.db.survey.findUniqueOrThrow({ where: { incidentId: byCaller.id } });
    expect(survey).toMatchObject({ serviceId: svc.id, customerId: customer.id, recipient: 'user:usr-requester', answeredAt: null, score: null });
    expect(survey.expiresAt.getTime() - survey.sentAt.getTime()).toBe(14 * 86_400_000);
    // The caller reads the invitation; the link's token is not what the database keeps.
    const invitation = (await s.api('GET', '/api/v1/notifications', { token: 'dev-requester' })).body.items.find((n: { kind: string }) => n.kind === 'survey_invitation');
    expect(invitation.recordId).toBe(byCaller.id);
    const token = /\/api\/v1\/surveys\/([A-Za-z0-9_-]+)/.exec(invitation.message)![1];
    expect(survey.tokenHash).toBe(surveyTokenDigest(token));
    expect(survey.tokenHash).not.toContain(token);

    const bad = await s.api('POST', `/api/v1/surveys/${token}`, { token: null, body: { score: 6 } });
    expect([bad.status, paths(bad.body)]).toEqual([400, ['score']]);
    expect((await s.api('POST', '/api/v1/surveys/not-a-real-token', { token: null, body: { score: 5 } })).status).toBe(404);
    const answered = await s.api('POST', `/api/v1/surveys/${token}`, { token: null, body: { score: 4, comment: 'quick fix' } });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ incidentId: byCaller.id, score: 4, comment: 'quick fix' });
    expect((await s.api('POST', `/api/v1/surveys/${token}`, { token: null, body: { score: 1 } })).status).toBe(409);
    expect((await s.tdb.db.survey.findUniqueOrThrow({ where: { id: survey.id } })).score).toBe(4);

    // An expired link is gone (its expiry set in the past: no waiting 14 days).
    const second = await close({ callerId: 'usr-requester' });
    const late = await s.tdb.db.survey.findUniqueOrThrow({ where: { incidentId: second.id } });
    await s.tdb.db.survey.update({ where: { id: late.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const lateToken = /\/api\/v1\/surveys\/([A-Za-z0-9_-]+)/.exec((await s.tdb.db.notification.findUniqueOrThrow({ where: { id: `ntf-${late.id}` } })).message)![1];
    expect((await s.api('POST', `/api/v1/surveys/${lateToken}`, { token: null, body: { score: 5 } })).status).toBe(410);

    const to = new Date(Date.now() + 60_000).toISOString();
    const report = async (groupBy: string, token = 'dev-agent') => s.api('GET', `/api/v1/reports/satisfaction?groupBy=${groupBy}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { token });
    expect((await report('service')).body.rows).toEqual([{ key: svc.id, label: `${svc.number} Payroll ${provider}`, sent: 2, responses: 1, csat: 1, meanScore: 4, responseRate: 0.5 }]);
    expect((await report('customer')).body.rows).toEqual([{ key: customer.id, label: `${customer.number} Acme Group`, sent: 2, responses: 1, csat: 1, meanScore: 4, responseRate: 0.5 }]);
    expect((await report('group')).body.rows).toHaveLength(1);
    expect((await report('service', 'dev-requester')).status).toBe(403);
    const reversed = await s.api('GET', `/api/v1/reports/satisfaction?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`);
    expect([reversed.status, paths(reversed.body)]).toEqual([400, ['query.to']]);

    // A scheduled satisfaction report: a run by hand (as of now, so of yesterday: no surveys) stores the report's own shape.
    const schedule = await s.api('POST', '/api/v1/report-schedules', { token: 'dev-admin', body: { report: 'satisfaction', params: { groupBy: 'customer', period: 'previous_day' }, cron: '0 6 * * *', timezone: 'UTC', recipients: ['user:usr-admin'] } });
    expect(schedule.status).toBe(201);
    expect((await s.api('POST', `/api/v1/report-schedules/${schedule.body.id}/trigger`, { token: 'dev-admin' })).status).toBe(202);
    const run = await eventually(async () => (await s.api('GET', `/api/v1/report-runs?scheduleId=${schedule.body.id}`, { token: 'dev-admin' })).body.items[0], 20_000, 'the satisfaction run');
    const stored = (await s.api('GET', `/api/v1/report-runs/${run.id}`, { token: 'dev-admin' })).body;
    // Run in the minutes after midnight UTC, "yesterday" is the day this test sent its surveys in.
    const surveysInWindow = Date.parse(from) + 60_000 < Date.parse(stored.result.to);
    expect(stored.result).toMatchObject({ groupBy: 'customer', rows: surveysInWindow ? [expect.objectContaining({ key: customer.id })] : [] });
    expect(Date.parse(stored.result.to) - Date.parse(stored.result.from)).toBe(86_400_000);
  });

  test("service reviews: a customer's Schedule made, changed and deleted with its reviewCron; a run by the Schedule and by hand stores the agenda from the month's SLA, availability and satisfaction; actions tracked to closure, overdue ones listed", async () => {
    const refused = await s.api('POST', '/api/v1/customers', { token: 'dev-admin', body: { name: 'Bad Cron Ltd', reviewCron: '99 99 * * *' } });
    expect([refused.status, paths(refused.body)]).toEqual([400, ['reviewCron']]);
    expect((await s.api('GET', '/api/v1/customers?name=Bad')).body.items).toEqual([]);
    const beta = (await s.api('POST', '/api/v1/customers', { token: 'dev-admin', body: { name: 'Beta GmbH', accountManager: 'usr-change_manager', reviewCron: '0 6 1 * *' } })).body as { id: string; number: string };
    const schedule = s.env.client.schedule.getHandle(`service-review-${beta.number}`);
    expect((await schedule.describe()).action).toMatchObject({ type: 'startWorkflow', workflowType: 'serviceReviewWorkflow', args: [{ customerId: beta.id, customerNumber: beta.number }] });
    expect((await s.api('PATCH', `/api/v1/customers/${beta.id}`, { token: 'dev-admin', body: { reviewCron: '0 7 1 * *' } })).body.reviewCron).toBe('0 7 1 * *');
    expect((await s.api('POST', `/api/v1/customers/${beta.id}/subscriptions`, { token: 'dev-admin', body: { serviceId: svc.id, since: '2020-01-01T00:00:00Z' } })).status).toBe(201);

    // The Schedule's own run: its scheduled time names the month before.
    await schedule.trigger();
    const scheduled = await eventually(async () => (await s.api('GET', `/api/v1/service-reviews?customerId=${beta.number}`)).body.items[0], 20_000, 'the scheduled review');
    expect(scheduled).toMatchObject({ customerId: beta.id, state: 'open', number: expect.stringMatching(/^SRV\d{7}$/) });
    expect(scheduled.agenda.services.map((x: { serviceId: string }) => x.serviceId)).toEqual([svc.id]);
    expect(await s.tdb.db.notification.count({ where: { recordId: scheduled.id, recipient: 'user:usr-change_manager', kind: 'service_review_ready' } })).toBe(1);
    expect((await s.api('PATCH', `/api/v1/customers/${beta.id}`, { token: 'dev-admin', body: { reviewCron: null } })).body.reviewCron).toBeNull();
    await expect(schedule.describe()).rejects.toThrow();

    // By hand, as of the first of next month: this month's figures for Acme, whose caller answered a survey.
    const acme = (await s.api('GET', '/api/v1/customers?name=Acme')).body.items[0] as { id: string; number: string };
    const now = new Date();
    const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
    const manual = await s.api('POST', '/api/v1/service-reviews', { token: 'dev-change_manager', body: { customerId: acme.number, at } });
    expect(manual.status).toBe(201);
    const review = manual.body;
    expect(review.periodTo).toBe(at);
    expect(review.agenda.services).toHaveLength(1);
    expect(review.agenda.services[0]).toMatchObject({ serviceId: svc.id, label: `${svc.number} Payroll ${provider}`, satisfaction: { sent: 2, responses: 1, csat: 1, meanScore: 4, responseRate: 0.5 } });
    // The SLA report counts the resolution clocks due in the month (near its end, some fall in the next).
    const due = await s.tdb.db.incident.count({ where: { serviceId: svc.id, resolutionDueAt: { gte: new Date(review.periodFrom), lt: new Date(at) } } });
    expect(review.agenda.services[0].sla).toEqual(due === 0 ? null : expect.objectContaining({ due, breached: 0 }));
    expect(review.agenda.services[0].availability).toMatchObject({ outages: 0 });
    expect(review.agenda.satisfaction).toMatchObject({ sent: 2, responses: 1 });
    expect(review.agenda.items.length).toBeGreaterThan(0);
    expect(paths((await s.api('POST', '/api/v1/service-reviews', { token: 'dev-admin', body: { customerId: 'CUS9999999' } })).body)).toEqual(['customerId']);
    expect((await s.api('POST', '/api/v1/service-reviews', { token: 'dev-agent', body: { customerId: acme.id } })).status).toBe(403);

    // Actions: one overdue, one not; closed once.
    const action = (body: object) => s.api('POST', `/api/v1/service-reviews/${review.number}/actions`, { token: 'dev-admin', body });
    expect(paths((await action({ title: 'x', owner: 'usr-ghost' })).body)).toEqual(['owner']);
    const late = (await action({ title: 'Move the payroll batch earlier', owner: 'usr-change_manager', dueAt: '2020-01-01T00:00:00Z' })).body;
    const later = (await action({ title: 'Quarterly satisfaction call', owner: 'usr-change_manager', dueAt: '2099-01-01T00:00:00Z' })).body;
    expect([late.overdue, later.overdue]).toEqual([true, false]);
    expect((await s.api('GET', '/api/v1/review-actions?overdue=true')).body.items.map((a: { id: string }) => a.id)).toEqual([late.id]);
    expect((await s.api('GET', `/api/v1/service-reviews/${review.id}/actions`)).body.items).toHaveLength(2);
    // The next review's agenda carries what is still open.
    const next = (await s.api('POST', '/api/v1/service-reviews', { token: 'dev-admin', body: { customerId: acme.id, at } })).body;
    expect(next.agenda.openActions.map((a: { id: string; overdue: boolean }) => [a.id, a.overdue])).toEqual([[late.id, true], [later.id, false]]);
    const close = () => s.api('POST', `/api/v1/service-reviews/${review.id}/actions/${late.id}/close`, { token: 'dev-admin' });
    expect((await close()).body).toMatchObject({ state: 'closed', overdue: false, closedBy: 'usr-admin' });
    expect((await close()).status).toBe(409);
    expect((await s.api('GET', '/api/v1/review-actions?overdue=true')).body.items).toEqual([]);
    expect((await s.api('POST', `/api/v1/service-reviews/${review.id}/actions/rva_nothing/close`, { token: 'dev-admin' })).status).toBe(404);
    expect((await s.api('GET', '/api/v1/service-reviews/SRV9999999')).status).toBe(404);

    // Retiring a customer deletes its Schedule.
    expect((await s.api('PATCH', `/api/v1/customers/${beta.id}`, { token: 'dev-admin', body: { reviewCron: '0 6 1 * *' } })).status).toBe(200);
    expect((await s.api('DELETE', `/api/v1/customers/${beta.id}`, { token: 'dev-admin' })).status).toBe(204);
    await expect(schedule.describe()).rejects.toThrow();
  });
});
