/**
 * Access reviews over HTTP on SQLite and PostgreSQL: started on demand for a system (refused
 * where a field is wrong, 400 naming it; an unknown system 404; roles 403), decided by the owner
 * or an admin only (403 for anyone else), an account not listed a 400 naming `account`, one
 * decided already a 409 naming it; complete when every account is decided, with the evidence in
 * the record, its history and its events.
 */
import { PROVIDERS } from '../support/database';
import { useDevServer, useStack, errorPaths } from '../support/stack-bed';
import { openAccessReview } from '../../temporal/open-access-review';
import { reserveRecord } from '../../temporal/open-record';

const paths = errorPaths;

const devServer = useDevServer();

describe.each(PROVIDERS)('access reviews on %s', (provider) => {
  const s = useStack(provider, devServer);
  afterAll(async () => {
  });

  test('started on demand, decided by the owner or an admin, refused where wrong, completed with its evidence', async () => {
    const ci = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `payroll-${provider}`, class: 'server', ownerGroup: 'l2-support' } })).body as { id: string; number: string };
    const accounts = [{ account: 'ann', holder: 'Ann', access: 'admin' }, { account: 'bob', holder: 'Bob', access: 'read' }];
    const started = await s.api('POST', `/api/v1/cis/${ci.number}/access-reviews`, { token: 'dev-change_manager', body: { owner: 'usr-agent', dueDays: 10, accounts } });
    expect([started.status, started.body.detail]).toEqual([201, undefined]);
    expect(started.body).toMatchObject({ number: expect.stringMatching(/^ARV\d{7}$/), ciId: ci.id, ownerGroup: 'l2-support', owner: 'usr-agent', state: 'open', undecided: 2 });
    const arv = started.body as { id: string; number: string };

    const twice = await s.api('POST', `/api/v1/cis/${ci.id}/access-reviews`, { token: 'dev-admin', body: { owner: 'usr-agent', accounts: [accounts[0], accounts[0]] } });
    expect([twice.status, paths(twice.body)]).toEqual([400, ['accounts.1.account']]);
    const noOwner = await s.api('POST', `/api/v1/cis/${ci.id}/access-reviews`, { token: 'dev-admin', body: { owner: 'usr-nobody', accounts } });
    expect([noOwner.status, paths(noOwner.body)]).toEqual([400, ['owner']]);
    const empty = await s.api('POST', `/api/v1/cis/${ci.id}/access-reviews`, { token: 'dev-admin', body: { owner: 'usr-agent', accounts: [], dueDays: 0 } });
    expect([empty.status, paths(empty.body)]).toEqual([400, ['accounts', 'dueDays']]);
    expect((await s.api('POST', '/api/v1/cis/CI9999999/access-reviews', { token: 'dev-admin', body: { owner: 'usr-agent', accounts } })).status).toBe(404);
    expect((await s.api('POST', `/api/v1/cis/${ci.id}/access-reviews`, { token: 'dev-agent', body: { owner: 'usr-agent', accounts } })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/access-reviews', { token: 'dev-requester' })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/access-reviews/ARV9999999', { token: 'dev-agent' })).status).toBe(404);

    // Only the owner or an admin decides.
    const notOwner = await s.api('POST', `/api/v1/access-reviews/${arv.id}/decide`, { token: 'dev-change_manager', body: { account: 'ann', decision: 'confirm' } });
    expect(notOwner.status).toBe(403);
    const unknown = await s.api('POST', `/api/v1/access-reviews/${arv.id}/decide`, { token: 'dev-agent', body: { account: 'zed', decision: 'confirm' } });
    expect([unknown.status, paths(unknown.body)]).toEqual([400, ['account']]);
    const badDecision = await s.api('POST', `/api/v1/access-reviews/${arv.id}/decide`, { token: 'dev-agent', body: { account: 'ann', decision: 'maybe' } });
    expect([badDecision.status, paths(badDecision.body)]).toEqual([400, ['decision']]);
    const first = await s.api('POST', `/api/v1/access-reviews/${arv.number}/decide`, { token: 'dev-agent', body: { account: 'ann', decision: 'revoke', note: 'left the team' } });
    expect([first.status, first.body.undecided]).toEqual([200, 1]);
    const again = await s.api('POST', `/api/v1/access-reviews/${arv.id}/decide`, { token: 'dev-admin', body: { account: 'ann', decision: 'confirm' } });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/^account ann was already decided/);
    const done = await s.api('POST', `/api/v1/access-reviews/${arv.id}/decide`, { token: 'dev-admin', body: { account: 'bob', decision: 'confirm' } });
    expect(done.body).toMatchObject({ state: 'completed', undecided: 0, completedAt: expect.any(String) });
    expect(done.body.accounts.map((a: { account: string; decision: string; decidedBy: string; note: string | null }) => [a.account, a.decision, a.decidedBy, a.note])).toEqual([['ann', 'revoke', 'usr-agent', 'left the team'], ['bob', 'confirm', 'usr-admin', null]]);
    expect((await s.api('POST', `/api/v1/access-reviews/${arv.id}/decide`, { token: 'dev-admin', body: { account: 'bob', decision: 'revoke' } })).status).toBe(409);

    expect((await s.api('GET', `/api/v1/access-reviews?ciId=${ci.number}&state=completed`, { token: 'dev-agent' })).body.items.map((r: { id: string }) => r.id)).toEqual([arv.id]);
    expect((await s.api('GET', '/api/v1/access-reviews?state=open&owner=usr-agent', { token: 'dev-agent' })).body.items).toEqual([]);
    const history = await s.api('GET', `/api/v1/access-reviews/${arv.id}/history`, { token: 'dev-agent' });
    expect(history.body.map((a: { action: string; actor: string }) => [a.action, a.actor])).toEqual([['create', 'usr-change_manager'], ['decide', 'usr-agent'], ['decide', 'usr-admin']]);
    const events = await s.tdb.db.outboxEvent.findMany({ where: { recordId: arv.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['access_review.created', 'access_review.revoked', 'access_review.confirmed', 'access_review.completed']);
    expect((await s.tdb.db.accessReview.findUniqueOrThrow({ where: { id: arv.id } })).state).toBe('completed');
  });

  test('an opening repeated with its reservation (a retried scheduled opening) attaches to the review it opened', async () => {
    const ci = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `vault-${provider}`, class: 'server' } })).body as { id: string; number: string; name: string };
    const deps = { db: s.tdb.db, temporal: s.env.client, taskQueue: s.taskQueue, config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: true } };
    const body = { ciId: ci.id, ciNumber: ci.number, ciName: ci.name, ownerGroup: null, owner: 'usr-agent', dueDays: 14, accounts: [{ account: 'root', holder: 'ops', access: 'all' }] };
    const reservation = await reserveRecord(s.tdb.db, 'access_review', 'arv');
    const first = await openAccessReview(deps, 'system', body, reservation);
    const again = await openAccessReview(deps, 'system', body, reservation);
    expect([first.number, again.id, again.number]).toEqual([reservation.number, first.id, reservation.number]);
    expect(await s.tdb.db.accessReview.count({ where: { ciId: ci.id } })).toBe(1);
  });

  test("a system's Schedule made, changed and deleted with its cron; each run opens a review from the stored accounts", async () => {
    const ci = (await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `ledger-${provider}`, class: 'server', ownerGroup: 'l2-support' } })).body as { id: string; number: string };
    const path = `/api/v1/cis/${ci.number}/access-review-schedule`;
    const accounts = [{ account: 'svc-etl', holder: 'ETL job', access: 'write' }];
    const refused = await s.api('PUT', path, { token: 'dev-admin', body: { cron: '99 99 * * *', owner: 'usr-agent', accounts } });
    expect([refused.status, paths(refused.body)]).toEqual([400, ['cron']]);
    expect((await s.api('GET', path, { token: 'dev-agent' })).status).toBe(404);
    expect((await s.api('PUT', path, { token: 'dev-agent', body: { cron: '0 6 1 * *', owner: 'usr-agent', accounts } })).status).toBe(403);
    const put = await s.api('PUT', path, { token: 'dev-change_manager', body: { cron: '0 6 1 * *', owner: 'usr-agent', accounts } });
    expect([put.status, put.body]).toEqual([200, expect.objectContaining({ ciId: ci.id, cron: '0 6 1 * *', owner: 'usr-agent', dueDays: 14, accounts })]);
    const schedule = s.env.client.schedule.getHandle(put.body.scheduleId);
    expect((await schedule.describe()).action).toMatchObject({ type: 'startWorkflow', workflowType: 'accessReviewScheduledWorkflow', args: [{ ciId: ci.id }] });
    expect((await s.api('PUT', path, { token: 'dev-admin', body: { cron: '0 6 1 */3 *', owner: 'usr-agent', dueDays: 7, accounts } })).body).toMatchObject({ cron: '0 6 1 */3 *', dueDays: 7 });
    expect((await s.api('GET', path, { token: 'dev-agent' })).body.dueDays).toBe(7);

    await schedule.trigger();
    const until = Date.now() + 20_000;
    let row = await s.tdb.db.accessReview.findFirst({ where: { ciId: ci.id } });
    while (!row && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      row = await s.tdb.db.accessReview.findFirst({ where: { ciId: ci.id } });
    }
    const review = (await s.api('GET', `/api/v1/access-reviews/${row!.number}`, { token: 'dev-agent' })).body;
    expect(review).toMatchObject({ ciId: ci.id, owner: 'usr-agent', state: 'open', createdBy: 'system', undecided: 1, accounts: [{ account: 'svc-etl', decision: null }] });
    expect(Date.parse(review.dueAt) - Date.parse(review.createdAt)).toBe(7 * 86_400_000);

    expect((await s.api('DELETE', path, { token: 'dev-admin' })).status).toBe(204);
    expect((await s.api('GET', path, { token: 'dev-agent' })).status).toBe(404);
    expect((await s.api('DELETE', path, { token: 'dev-admin' })).status).toBe(404);
    await expect(schedule.describe()).rejects.toThrow();
  });
});
