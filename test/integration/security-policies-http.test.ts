/**
 * Security policies over HTTP on SQLite and PostgreSQL: created with a review date (refused where
 * a field is wrong, 400 naming it; unknown 404; roles 403), listed by state and group, reviewed
 * (the evidence in the record and its history), a review date in the past refused (409), retired,
 * then no further command (409); the events published.
 */
import { PROVIDERS } from '../support/database';
import { useDevServer, useStack, errorPaths } from '../support/stack-bed';

const DAY = 86_400_000;
const paths = errorPaths;
const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();

const devServer = useDevServer();

describe.each(PROVIDERS)('security policies on %s', (provider) => {
  const s = useStack(provider, devServer);
  afterAll(async () => {
  });

  test('created, refused where wrong, listed, reviewed with its evidence, retired', async () => {
    const created = await s.api('POST', '/api/v1/security-policies', { token: 'dev-change_manager', body: { title: 'Passwords', ownerGroup: 'l2-support', body: 'Use a password manager.', reviewDue: at(90) } });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    expect(created.body).toMatchObject({ number: expect.stringMatching(/^POL\d{7}$/), state: 'active', ownerGroup: 'l2-support', reviews: [], nextReminder: expect.any(String) });
    const pol = created.body as { id: string; number: string };

    const bad = await s.api('POST', '/api/v1/security-policies', { token: 'dev-admin', body: { title: ' ', ownerGroup: 'l2-support', body: 'x', reviewDue: 'tomorrow' } });
    expect([bad.status, paths(bad.body)]).toEqual([400, ['reviewDue', 'title']]);
    const past = await s.api('POST', '/api/v1/security-policies', { token: 'dev-admin', body: { title: 'Old', ownerGroup: 'l2-support', body: 'x', reviewDue: at(-1) } });
    expect([past.status, paths(past.body)]).toEqual([400, ['reviewDue']]);
    const noGroup = await s.api('POST', '/api/v1/security-policies', { token: 'dev-admin', body: { title: 'X', ownerGroup: 'no-such-group', body: 'x', reviewDue: at(9) } });
    expect([noGroup.status, paths(noGroup.body)]).toEqual([400, ['ownerGroup']]);
    expect((await s.api('POST', '/api/v1/security-policies', { token: 'dev-agent', body: { title: 'X', ownerGroup: 'l2-support', body: 'x', reviewDue: at(9) } })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/security-policies', { token: 'dev-requester' })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/security-policies/POL9999999', { token: 'dev-agent' })).status).toBe(404);
    expect((await s.api('GET', `/api/v1/security-policies/${pol.number}`, { token: 'dev-agent' })).body.id).toBe(pol.id);
    expect((await s.api('GET', '/api/v1/security-policies?state=active&ownerGroup=l2-support', { token: 'dev-agent' })).body.items.map((p: { id: string }) => p.id)).toContain(pol.id);
    expect((await s.api('GET', '/api/v1/security-policies?state=lapsed', { token: 'dev-agent' })).body.items).toEqual([]);

    const late = await s.api('POST', `/api/v1/security-policies/${pol.id}/review`, { token: 'dev-admin', body: { nextReviewDue: at(-1), note: 'x' } });
    expect(late.status).toBe(409);
    const noNote = await s.api('POST', `/api/v1/security-policies/${pol.id}/review`, { token: 'dev-admin', body: { nextReviewDue: at(365) } });
    expect([noNote.status, paths(noNote.body)]).toEqual([400, ['note']]);
    const next = at(365);
    const reviewed = await s.api('POST', `/api/v1/security-policies/${pol.id}/review`, { token: 'dev-admin', body: { nextReviewDue: next, note: 'added MFA', body: 'Use a password manager and MFA.' } });
    expect([reviewed.status, reviewed.body.detail]).toEqual([200, undefined]);
    expect(reviewed.body).toMatchObject({ state: 'active', reviewDue: next, body: 'Use a password manager and MFA.', reviews: [{ by: 'usr-admin', note: 'added MFA', nextDue: next, revised: true }] });
    const row = await s.tdb.db.securityPolicy.findUniqueOrThrow({ where: { id: pol.id } });
    expect(row.reviewDue.toISOString()).toBe(next);

    expect((await s.api('POST', `/api/v1/security-policies/${pol.id}/retire`, { token: 'dev-admin', body: { reason: 'superseded' } })).body.state).toBe('retired');
    expect((await s.api('POST', `/api/v1/security-policies/${pol.id}/review`, { token: 'dev-admin', body: { nextReviewDue: at(9), note: 'x' } })).status).toBe(409);
    const history = await s.api('GET', `/api/v1/security-policies/${pol.id}/history`, { token: 'dev-agent' });
    expect(history.body.map((a: { action: string; actor: string }) => [a.action, a.actor])).toEqual([['create', 'usr-change_manager'], ['review', 'usr-admin'], ['retire', 'usr-admin']]);
    const events = await s.tdb.db.outboxEvent.findMany({ where: { recordId: pol.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['security_policy.created', 'security_policy.reviewed', 'security_policy.retired']);
  });
});
