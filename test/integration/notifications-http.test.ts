/**
 * The in-app inbox over HTTP, on SQLite and PostgreSQL: the notifications the workflows raise,
 * listed for the user they are addressed to and for the members of the group they are addressed
 * to, read and unread per user, and nobody else's.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
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

describe.each(PROVIDERS)('notifications on %s', (provider) => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ provider, env });
  });
  afterAll(async () => {
    await s?.close();
  });

  type Item = { id: string; recordId: string; recipient: string; kind: string; message: string; read: boolean; readAt: string | null };
  const inbox = async (token: string, qs = '') => {
    const res = await s.api('GET', `/api/v1/notifications${qs}`, { token });
    expect(res.status).toBe(200);
    return res.body as { items: Item[]; nextCursor: string | null };
  };

  test("an escalation reaches the group's members and the manager; each reads it for themself; nobody else sees it", async () => {
    const inc = await s.api('POST', '/api/v1/incidents', { body: { title: 'Payments fail', impact: 'high', urgency: 'high' } });
    expect(inc.status).toBe(201);
    expect(inc.body.assignmentGroup).toBe('service-desk');
    expect((await s.api('POST', `/api/v1/incidents/${inc.body.number}/escalate`, { body: { reason: 'customers are calling' } })).status).toBe(200);

    // The service desk's member (the agent) sees the group's; its manager (the admin) their own.
    const agent = await eventually(async () => (await inbox('dev-agent')).items.find((n) => n.recordId === inc.body.id));
    expect(agent).toMatchObject({ recipient: 'group:service-desk', kind: 'escalation', read: false, readAt: null });
    expect(agent.message).toContain(inc.body.number);
    const admin = (await inbox('dev-admin')).items.find((n) => n.recordId === inc.body.id);
    expect(admin).toMatchObject({ recipient: 'user:usr-admin', kind: 'escalation', read: false });
    expect((await inbox('dev-requester')).items.filter((n) => n.recordId === inc.body.id)).toEqual([]);
    expect((await inbox('dev-change_manager')).items.filter((n) => n.recordId === inc.body.id)).toEqual([]);

    // Read by the agent: read for the agent only, and gone from the agent's unread list.
    expect((await inbox('dev-agent', '?unread=true')).items.map((n) => n.id)).toContain(agent.id);
    const read = await s.api('POST', `/api/v1/notifications/${agent.id}/read`, { token: 'dev-agent' });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: agent.id, read: true });
    expect(Date.parse(read.body.readAt)).not.toBeNaN();
    expect((await s.api('POST', `/api/v1/notifications/${agent.id}/read`, { token: 'dev-agent' })).body.readAt).toBe(read.body.readAt); // again: a no-op
    expect((await inbox('dev-agent', '?unread=true')).items.map((n) => n.id)).not.toContain(agent.id);
    expect((await inbox('dev-agent')).items.find((n) => n.id === agent.id)).toMatchObject({ read: true });

    // Someone else's notification is not there for them: 404, as if it did not exist.
    expect((await s.api('POST', `/api/v1/notifications/${admin!.id}/read`, { token: 'dev-agent' })).status).toBe(404);
    expect((await s.api('POST', '/api/v1/notifications/ntf-nope/read', { token: 'dev-agent' })).status).toBe(404);
    expect((await s.api('GET', '/api/v1/notifications?unread=maybe', { token: 'dev-agent' })).status).toBe(400);
    expect((await s.api('GET', '/api/v1/notifications', { token: null })).status).toBe(401);
  });

  test('an assignment tells the assignee (else the group handed it); a mention in a note tells the user named, within what they may see', async () => {
    const inc = (await s.api('POST', '/api/v1/incidents', { body: { title: 'Badge reader offline', impact: 'low', urgency: 'low' } })).body;
    const of = async (token: string, kind: string) => (await inbox(token)).items.filter((n) => n.recordId === inc.id && n.kind === kind);
    expect((await s.api('POST', `/api/v1/incidents/${inc.number}/assign`, { body: { group: 'l2-support' } })).status).toBe(200);
    const stored = async (kind: string) => s.tdb.db.notification.findMany({ where: { recordId: inc.id, kind }, orderBy: { createdAt: 'asc' } });
    expect((await stored('assignment')).map((n) => [n.recipient, n.message])).toEqual([['group:l2-support', `${inc.number} (P5) Badge reader offline: assigned to your group l2-support`]]);
    expect((await s.api('POST', `/api/v1/incidents/${inc.number}/assign`, { body: { group: 'service-desk', assignee: 'usr-agent' } })).status).toBe(200);
    expect((await of('dev-agent', 'assignment')).map((n) => n.recipient)).toEqual(['user:usr-agent']);

    // @id and @address in the text, and the explicit list; each user once.
    await s.api('PATCH', '/api/v1/users/usr-problem_manager', { token: 'dev-admin', body: { email: 'pm@example.com' } });
    const note = await s.api('POST', `/api/v1/incidents/${inc.number}/notes`, { body: { text: '@usr-change_manager and @pm@example.com: could this be the firmware? cc @nobody-here', mentions: ['usr-change_manager'] } });
    expect(note.status).toBe(200);
    const history = (await s.api('GET', `/api/v1/incidents/${inc.number}/history`)).body;
    expect(history.at(-1).data.mentions).toEqual(['usr-change_manager', 'usr-problem_manager']);
    expect((await of('dev-change_manager', 'mention')).map((n) => n.message)).toEqual([`${inc.number}: you were mentioned in a note: @usr-change_manager and @pm@example.com: could this be the firmware? cc @nobody-here`]);
    expect(await of('dev-problem_manager', 'mention')).toHaveLength(1);
    // A work note names no requester; an unknown user named explicitly is a 400 naming the entry.
    expect((await s.api('POST', `/api/v1/incidents/${inc.number}/notes`, { body: { text: 'internal', mentions: ['usr-requester'] } })).body.errors).toEqual([
      { path: 'mentions.0', message: 'usr-requester is a requester: work notes are not shown to requesters (make the note public)' },
    ]);
    expect((await s.api('POST', `/api/v1/incidents/${inc.number}/notes`, { body: { text: 'x', mentions: ['usr-ghost'] } })).body.errors).toEqual([{ path: 'mentions.0', message: 'no active user usr-ghost' }]);
    // The requester, named in a public note on someone else's incident, may not see it.
    expect((await s.api('POST', `/api/v1/incidents/${inc.number}/notes`, { body: { text: 'x', visibility: 'public', mentions: ['usr-requester'] } })).body.errors).toEqual([
      { path: 'mentions.0', message: 'usr-requester may not see this incident' },
    ]);
    expect(await of('dev-requester', 'mention')).toHaveLength(0);
  });

  test('the inbox pages newest first with a cursor, each notification once', async () => {
    for (let i = 0; i < 3; i++) {
      const inc = await s.api('POST', '/api/v1/incidents', { body: { title: `Batch ${i}`, impact: 'low', urgency: 'low' } });
      expect((await s.api('POST', `/api/v1/incidents/${inc.body.number}/escalate`, { body: { reason: `round ${i}` } })).status).toBe(200);
    }
    const all = (await inbox('dev-agent', '?limit=500')).items.map((n) => n.id);
    const paged: string[] = [];
    for (let cursor: string | null = null; ; ) {
      const page: { items: Item[]; nextCursor: string | null } = await inbox('dev-agent', `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.items.map((n) => n.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(paged).toEqual(all);
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged.length).toBeGreaterThanOrEqual(4);
  });
});
