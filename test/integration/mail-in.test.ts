/**
 * E-mail into the service desk through a real SMTP conversation (nodemailer → our smtp-server
 * listener), on SQLite and PostgreSQL: a message opens an incident (the sender its caller, by
 * user or by address; attachments under the limits), a reply adds a note (by the number in the
 * subject or In-Reply-To), a caller's reply resumes an incident waiting for them, machine mail is
 * ignored and counted, a Message-ID counts once, and our failures are 451s that lose nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startMailIn, type MailIn } from '../../api/mail-in/listener';
import type { ApiDeps } from '../../api/route';
import { createLogger } from '../../infra/logger';
import { PROVIDERS } from '../support/database';
import { startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const DESK = 'servicedesk@example.com';
const OWN = 'itsm@example.com';
let env: TestWorkflowEnvironment;
const dirs: string[] = [];
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each(PROVIDERS)('mail in on %s', (provider) => {
  let s: Stack;
  let deps: ApiDeps;
  let mailIn: MailIn;
  const apiEnv = () => ({
    ATTACHMENT_DIR: dirs.at(-1)!,
    ATTACHMENT_MAX_BYTES: 2048,
    ATTACHMENT_TYPES: ['text/plain', 'image/*'],
  });
  beforeAll(async () => {
    dirs.push(mkdtempSync(path.join(tmpdir(), 'itsm-mailin-')));
    s = await startStack({ provider, env, apiEnv: apiEnv() });
    deps = {
      db: s.tdb.db,
      temporal: env.client,
      env: { TEMPORAL_TASK_QUEUE: s.taskQueue, AUTO_CLOSE_AFTER: 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000, MAX_BODY_BYTES: 65536, API_ENGINE_TIMEOUT: 'PT5S', ...apiEnv() },
      log: createLogger('silent'),
    };
    mailIn = await startMailIn(deps, { port: 0, host: '127.0.0.1', maxBytes: 64 * 1024, addresses: [DESK], ownAddresses: [OWN, DESK] });
    await s.api('PATCH', '/api/v1/users/usr-requester', { token: 'dev-admin', body: { email: 'req@example.com' } });
  });
  afterAll(async () => {
    await mailIn?.close();
    await s?.close();
  });

  const send = (msg: nodemailer.SendMailOptions, port = mailIn.port) =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ to: DESK, ...msg });
  const stats = async () => (await s.api('GET', '/api/v1/mail-in/stats')).body;
  const byNumber = async (n: string) => (await s.api('GET', `/api/v1/incidents/${n}`)).body;
  const history = async (n: string) => (await s.api('GET', `/api/v1/incidents/${n}/history`)).body as { action: string; actor: string; data: Record<string, unknown> }[];
  const numberIn = (info: { response: string }) => /(INC\d{7,})/.exec(info.response)![1];

  test("a stranger's message opens an incident: subject → title, body → description, caller by address, attachments kept or listed as refused", async () => {
    const before = await stats();
    const info = await send({
      from: '"Pat Caller" <Pat.Caller@Example.com>',
      subject: 'Fwd: VPN drops every 5 minutes',
      text: 'Since this morning the VPN disconnects.\nLaptop: X1',
      attachments: [
        { filename: 'vpn.log', content: 'connect\ndisconnect\n', contentType: 'text/plain' },
        { filename: 'page.html', content: '<script>x</script>', contentType: 'text/html' },
        { filename: 'huge.txt', content: 'x'.repeat(5000), contentType: 'text/plain' },
      ],
    });
    expect(info.response).toMatch(/^250 created INC\d{7,}/);
    const inc = await byNumber(numberIn(info));
    expect(inc).toMatchObject({ title: 'VPN drops every 5 minutes', description: 'Since this morning the VPN disconnects.\nLaptop: X1', callerEmail: 'pat.caller@example.com', callerId: null, createdBy: 'mail-in', priority: 'P3', state: 'new' });
    const files = (await s.api('GET', `/api/v1/incidents/${inc.number}/attachments`)).body;
    expect(files).toEqual([expect.objectContaining({ fileName: 'vpn.log', contentType: 'text/plain', size: 19, via: 'email', visibility: 'public', createdBy: 'mail-in' })]);
    const note = (await history(inc.number)).find((h) => h.action === 'notes')!;
    expect(note.data.attachmentIds).toEqual([files[0].id]);
    expect(note.data.text).toMatch(/Not kept .*page\.html \(\d+ bytes, text\/html\), huge\.txt \(5000 bytes, text\/plain\)/);
    const after = await stats();
    expect(after.created - before.created).toBe(1);
    expect(after.attachmentsRefused - before.attachmentsRefused).toBe(2);
  });

  test("a user's message is theirs; their reply (by number, quoted text cut) resumes an incident waiting for them; a stranger's reply opens a new one", async () => {
    const first = await send({ from: 'REQ@example.com', subject: 'Printer on 3rd floor', text: 'It jams.' });
    const number = numberIn(first);
    expect(await byNumber(number)).toMatchObject({ callerId: 'usr-requester', createdBy: 'usr-requester', callerEmail: null });
    expect((await s.api('GET', `/api/v1/incidents/${number}`, { token: 'dev-requester' })).status).toBe(200);
    for (const [verb, body] of [['acknowledge', {}], ['hold', { reason: 'awaiting_caller', note: 'which tray?' }]] as const) {
      expect((await s.api('POST', `/api/v1/incidents/${number}/${verb}`, { body })).status).toBe(200);
    }
    const before = await stats();
    const reply = await send({ from: 'req@example.com', subject: `Re: [${number}] Printer on 3rd floor`, text: `Tray 2.\n\nOn Mon, 1 Dec 2026 at 10:00, ITSM <${OWN}> wrote:\n> which tray?\n` });
    expect(reply.response).toBe(`250 resumed ${number}`);
    const inc = await byNumber(number);
    expect(inc.state).toBe('in_progress');
    const h = await history(number);
    expect(h.slice(-2).map((e) => [e.action, e.actor, e.data.text ?? e.data.note])).toEqual([
      ['notes', 'usr-requester', 'Tray 2.'],
      ['resume', 'usr-requester', 'the caller replied by e-mail'],
    ]);
    expect(h.at(-2)!.data.visibility).toBe('public');
    const after = await stats();
    expect([after.noted - before.noted, after.resumed - before.resumed]).toEqual([1, 1]);

    // A reply while nobody waits for the caller is a note only.
    expect((await send({ from: 'req@example.com', subject: `Re: [${number}]`, text: 'Also tray 3.' })).response).toBe(`250 noted ${number}`);
    // Someone the incident does not concern, naming it: a new incident, the first one untouched.
    const stranger = await send({ from: 'someone@else.example', subject: `Re: [${number}] Printer on 3rd floor`, text: 'me too' });
    expect(stranger.response).toMatch(/^250 created INC/);
    expect(numberIn(stranger)).not.toBe(number);
    expect((await history(number)).filter((e) => e.action === 'notes')).toHaveLength(2);
  });

  test('a reply matched by In-Reply-To to one of our notification e-mails; a caller known by address adds to their own incident', async () => {
    const opened = numberIn(await send({ from: 'kim@example.org', subject: 'Cannot log in', text: 'Password expired?' }));
    const inc = await byNumber(opened);
    await s.tdb.db.notification.create({ data: { id: `ntf-mail-${provider}`, recordType: 'incident', recordId: inc.id, recipient: 'group:service-desk', kind: 'escalation', message: 'escalated' } });
    const reply = await send({ from: 'kim@example.org', subject: 'Re: your ticket', text: 'It works again, thanks', inReplyTo: `<ntf-mail-${provider}.usr-agent@itsm>` });
    expect(reply.response).toBe(`250 noted ${opened}`);
    expect((await history(opened)).at(-1)).toMatchObject({ action: 'notes', actor: 'mail-in', data: { text: 'From kim@example.org:\nIt works again, thanks', visibility: 'public' } });
    // An agent's reply to the notification is a work note in their name.
    expect((await send({ from: 'agent@example.com', subject: 'Re: x', text: 'on it', references: [`<ntf-mail-${provider}.usr-agent@itsm>`] })).response).toMatch(/^250 created/);
    await s.api('PATCH', '/api/v1/users/usr-agent', { token: 'dev-admin', body: { email: 'agent@example.com' } });
    expect((await send({ from: 'agent@example.com', subject: 'Re: x', text: 'on it', references: [`<ntf-mail-${provider}.usr-agent@itsm>`] })).response).toBe(`250 noted ${opened}`);
    expect((await history(opened)).at(-1)).toMatchObject({ action: 'notes', actor: 'usr-agent', data: { text: 'on it', visibility: 'internal' } });
  });

  test('machine mail is ignored and counted: auto-replies, bulk and list mail, bounces, our own notifications coming back', async () => {
    const before = await stats();
    const count = async () => (await s.tdb.db.incident.count());
    const incidents = await count();
    const cases: [nodemailer.SendMailOptions, string][] = [
      [{ from: 'ooo@example.com', subject: 'Out of office', text: 'away', headers: { 'Auto-Submitted': 'auto-replied' } }, 'auto_reply'],
      [{ from: 'ooo@example.com', subject: 'Automatic reply', text: 'away', headers: { 'X-Auto-Response-Suppress': 'All' } }, 'auto_reply'],
      [{ from: 'news@example.com', subject: 'Newsletter', text: 'news', headers: { Precedence: 'bulk' } }, 'bulk'],
      [{ from: 'list@example.com', subject: '[list] hello', text: 'hi', headers: { 'List-Id': '<ops.example.com>' } }, 'bulk'],
      [{ from: 'MAILER-DAEMON@example.com', subject: 'Undelivered', text: 'failed' }, 'bounce'],
      [{ from: `ITSM <${OWN}>`, subject: '[INC0000001] Incident escalated', text: 'loop' }, 'loop'],
    ];
    for (const [msg, reason] of cases) expect((await send(msg)).response).toBe(`250 ignored (${reason})`);
    const after = await stats();
    expect(Object.fromEntries(Object.entries(after.ignored).map(([k, v]) => [k, (v as number) - before.ignored[k]]))).toEqual({ auto_reply: 2, bulk: 2, bounce: 1, loop: 1, no_sender: 0 });
    expect(after.created).toBe(before.created);
    expect(await count()).toBe(incidents);
  });

  test("a Message-ID counts once; our failure is a 451 that loses nothing; other mailboxes and oversized messages are refused", async () => {
    const messageId = `<once-${provider}-${Date.now()}@example.com>`;
    const msg = { from: 'dup@example.com', subject: 'Sent twice', text: 'retry of the same message', messageId };
    // An API whose engine is gone: the relaying server is told to try again later.
    const connection = await Connection.connect({ address: env.address });
    const broken = await startMailIn({ ...deps, temporal: new Client({ connection }) }, { port: 0, host: '127.0.0.1', maxBytes: 64 * 1024, addresses: [DESK], ownAddresses: [OWN] });
    await connection.close();
    await expect(send(msg, broken.port)).rejects.toMatchObject({ responseCode: 451 });
    await broken.close();
    expect(await s.tdb.db.incident.count({ where: { title: 'Sent twice' } })).toBe(0);

    const first = await send(msg);
    const again = await send(msg);
    expect(again.response).toBe(first.response);
    expect(await s.tdb.db.incident.count({ where: { title: 'Sent twice' } })).toBe(1);

    await expect(send({ from: 'a@example.com', to: 'someone-else@example.com', subject: 'x', text: 'x' })).rejects.toMatchObject({ responseCode: 550 });
    await expect(send({ from: 'a@example.com', subject: 'big', text: 'x'.repeat(70 * 1024) })).rejects.toMatchObject({ responseCode: 552 });
  });
});
