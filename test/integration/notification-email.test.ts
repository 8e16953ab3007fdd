/**
 * Notifications by e-mail through a real SMTP server on localhost (smtp-server), on SQLite and
 * PostgreSQL: a notification the workflows raise is mailed to the user it names and to every
 * active member of the group it names who has an address, with a link to the record; a user who
 * turned that kind off gets none (and still sees it in-app); a refused address fails for good
 * at once while the others are delivered. The mail is the kind's template
 * (domain/notification/templates.ts): the record's number in square brackets first in the
 * subject, a plain-text and an escaped HTML part with the link.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { smtpMailer } from '../../infra/mailer';
import { notificationEmailWorkflowId } from '../../workflows/contracts/notification-email';
import { PROVIDERS } from '../support/database';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

let env: TestWorkflowEnvironment;
let smtp: SMTPServer;
let port: number;
const inbox: Mail[] = [];

beforeAll(async () => {
  env = await startDevServer();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    // A mailbox that does not exist: a permanent refusal.
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('refused@')) callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
      else callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (m) => {
          inbox.push({ to: (Array.isArray(m.to) ? m.to[0] : m.to)?.text ?? '', subject: m.subject ?? '', text: m.text ?? '', html: m.html || '', messageId: m.messageId ?? '' });
          callback();
        },
        (e) => callback(e as Error),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  port = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await env?.teardown();
});

describe.each(PROVIDERS)('notification e-mail on %s', (provider) => {
  let s: Stack;
  const PUBLIC = 'https://itsm.example.com';

  beforeAll(async () => {
    s = await startStack({ provider, env, mail: { mailer: smtpMailer(`smtp://127.0.0.1:${port}`, 'ITSM <itsm@test.example>'), publicUrl: PUBLIC } });
    const tag = provider;
    for (const [id, email] of [['usr-agent', `agent-${tag}@example.com`], ['usr-admin', `admin-${tag}@example.com`]]) {
      expect((await s.api('PATCH', `/api/v1/users/${id}`, { token: 'dev-admin', body: { email } })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await s?.close();
  });

  const escalate = async (title = 'Payments fail') => {
    const inc = await s.api('POST', '/api/v1/incidents', { body: { title, impact: 'high', urgency: 'high' } });
    expect(inc.status).toBe(201);
    expect((await s.api('POST', `/api/v1/incidents/${inc.body.number}/escalate`, { body: { reason: 'customers are calling' } })).status).toBe(200);
    return inc.body as { id: string; number: string };
  };
  /** The e-mail workflow of the notification of this incident addressed to `recipient`, and what it reported. */
  const mailed = async (incidentId: string, recipient: string, token: string) => {
    const n = await eventually(async () => ((await s.api('GET', '/api/v1/notifications?limit=500', { token })).body.items as { id: string; recordId: string; recipient: string }[]).find((x) => x.recordId === incidentId && x.recipient === recipient));
    return (await env.client.workflow.getHandle(notificationEmailWorkflowId(n.id)).result()) as { sent: number; failed: number };
  };

  test('an escalation is mailed to the manager and to each member of the group, templated, with a link to the incident', async () => {
    const title = 'Payments fail <b>"EU"</b>';
    const inc = await escalate(title);
    expect(await mailed(inc.id, 'user:usr-admin', 'dev-admin')).toEqual({ sent: 1, failed: 0 });
    expect(await mailed(inc.id, 'group:service-desk', 'dev-agent')).toEqual({ sent: 1, failed: 0 });
    const mine = inbox.filter((m) => m.text.includes(inc.number) || m.subject.includes(inc.number));
    expect(mine.map((m) => m.to).sort()).toEqual([`admin-${provider}@example.com`, `agent-${provider}@example.com`]);
    for (const m of mine) {
      const link = `${PUBLIC}/api/v1/incidents/${inc.id}`;
      const asManager = m.to.startsWith('admin-');
      expect(m.subject).toBe(`[${inc.number}] Incident escalated: ${title}`);
      const lines = m.text.split('\n');
      expect(lines[0]).toBe(asManager ? `Incident ${inc.number} has been escalated to you.` : `Incident ${inc.number}, assigned to your group service-desk, has been escalated to the next level.`);
      expect(lines[2]).toBe(`${inc.number} (P1) escalated to level 1: customers are calling`);
      expect(lines).toContain(`Incident ${inc.number}: ${title}`);
      expect(lines).toContain(link);
      expect(m.text).toContain(`You receive this as ${asManager ? 'its addressee' : 'a member of service-desk'}; turn "escalation" e-mails off with PATCH /api/v1/me/notification-preferences.`);
      expect(m.html).toContain(`<a href="${link}">Incident ${inc.number}: Payments fail &lt;b&gt;&quot;EU&quot;&lt;/b&gt;</a>`);
      expect(m.html).not.toContain('<b>');
      expect(m.messageId).toMatch(/^<ntf-inc_[^.]+\.usr-(admin|agent)@itsm>$/);
    }
  });

  test("a kind turned off is not mailed to that user (the others still get it, and it stays in the user's inbox)", async () => {
    const prefs = await s.api('PATCH', '/api/v1/me/notification-preferences', { token: 'dev-agent', body: { email: { escalation: false, sla_warning: true } } });
    expect(prefs.status).toBe(200);
    expect(prefs.body).toEqual({ email: { escalation: false, sla_warning: true } });
    expect((await s.api('GET', '/api/v1/me/notification-preferences', { token: 'dev-agent' })).body).toEqual(prefs.body);
    expect((await s.api('PATCH', '/api/v1/me/notification-preferences', { token: 'dev-agent', body: { email: { 'Not A Kind': false } } })).status).toBe(400);

    const inc = await escalate();
    expect(await mailed(inc.id, 'group:service-desk', 'dev-agent')).toEqual({ sent: 0, failed: 0 });
    expect(await mailed(inc.id, 'user:usr-admin', 'dev-admin')).toEqual({ sent: 1, failed: 0 });
    expect(inbox.filter((m) => m.subject.includes(inc.number)).map((m) => m.to)).toEqual([`admin-${provider}@example.com`]);
    expect((await s.api('PATCH', '/api/v1/me/notification-preferences', { token: 'dev-agent', body: { email: { escalation: true } } })).status).toBe(200);
  });

  test("a closed incident's survey invitation is mailed to its caller with the one-time link", async () => {
    expect((await s.api('PATCH', '/api/v1/users/usr-requester', { token: 'dev-admin', body: { email: `requester-${provider}@example.com` } })).status).toBe(200);
    const inc = (await s.api('POST', '/api/v1/incidents', { body: { title: 'Printer jammed', impact: 'low', urgency: 'low', callerId: 'usr-requester' } })).body as { id: string; number: string };
    expect((await s.api('POST', `/api/v1/incidents/${inc.id}/resolve`, { body: { code: 'fixed', notes: 'cleared the tray' } })).status).toBe(200);
    expect((await s.api('POST', `/api/v1/incidents/${inc.id}/close`, { body: {} })).body.state).toBe('closed');
    expect(await mailed(inc.id, 'user:usr-requester', 'dev-requester')).toEqual({ sent: 1, failed: 0 });
    const mail = inbox.find((m) => m.to === `requester-${provider}@example.com` && m.subject.includes(inc.number))!;
    expect(mail.subject).toBe(`[${inc.number}] How did we do?: Printer jammed`);
    expect(mail.text.split('\n')[0]).toBe(`Incident ${inc.number} is closed. Rate how it was handled, 1 to 5, once, with the link below.`);
    expect(mail.text).toMatch(/POST \/api\/v1\/surveys\/[A-Za-z0-9_-]{20,}/);
  });

  test('an address the server refuses (550) fails at once, without retries; the other members are mailed', async () => {
    const created = await s.api('POST', '/api/v1/users', { token: 'dev-admin', body: { name: 'Nobody Home', email: `refused@${provider}.example.com`, role: 'agent', groups: ['service-desk'] } });
    expect(created.status).toBe(201);
    const started = Date.now();
    const inc = await escalate();
    expect(await mailed(inc.id, 'group:service-desk', 'dev-agent')).toEqual({ sent: 1, failed: 1 });
    expect(Date.now() - started).toBeLessThan(20_000); // a 5xx is not retried with backoff
    expect(await mailed(inc.id, 'user:usr-admin', 'dev-admin')).toEqual({ sent: 1, failed: 0 });
    expect(inbox.filter((m) => m.subject.includes(inc.number)).map((m) => m.to).sort()).toEqual([`admin-${provider}@example.com`, `agent-${provider}@example.com`]);
    expect((await s.api('PATCH', `/api/v1/users/${created.body.id}`, { token: 'dev-admin', body: { active: false } })).status).toBe(200);
  });
});
