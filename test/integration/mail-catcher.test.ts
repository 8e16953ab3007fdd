/**
 * The dev stack's mail catcher (scripts/mail-catcher.ts): what the stack sends over SMTP shows
 * on its page, newest first, escaped, and as JSON.
 */
import { smtpMailer } from '../../infra/mailer';
import { startMailCatcher, type MailCatcher } from '../../scripts/mail-catcher';

let catcher: MailCatcher;
beforeAll(async () => {
  catcher = await startMailCatcher({ smtpPort: 0, webPort: 0 });
});
afterAll(async () => {
  await catcher.close();
});

test('mail sent to the catcher is listed on its page and as JSON, newest first, HTML escaped', async () => {
  const mailer = smtpMailer(`smtp://127.0.0.1:${catcher.smtpPort}`, 'ITSM <itsm@demo.itsm.local>');
  await mailer.send({ to: 'agent@demo.itsm.local', subject: '[ITSM] escalation: INC0000001 <script>', text: 'first\nhttp://localhost:3000/api/v1/incidents/inc_1', messageId: '<ntf-1.usr-agent@itsm>' });
  await mailer.send({ to: 'admin@demo.itsm.local', subject: '[ITSM] sla warning: INC0000002', text: 'second', messageId: '<ntf-2.usr-admin@itsm>' });

  const json = (await (await fetch(`http://127.0.0.1:${catcher.webPort}/messages.json`)).json()) as { to: string; subject: string; text: string; messageId: string; from: string }[];
  expect(json.map((m) => [m.to, m.subject, m.messageId])).toEqual([
    ['admin@demo.itsm.local', '[ITSM] sla warning: INC0000002', '<ntf-2.usr-admin@itsm>'],
    ['agent@demo.itsm.local', '[ITSM] escalation: INC0000001 <script>', '<ntf-1.usr-agent@itsm>'],
  ]);
  expect(json[1].text).toContain('http://localhost:3000/api/v1/incidents/inc_1');
  expect(json[0].from).toContain('itsm@demo.itsm.local');

  const page = await (await fetch(`http://127.0.0.1:${catcher.webPort}/`)).text();
  expect(page).toContain('Mail sent by the dev stack (2, newest first)');
  expect(page).toContain('INC0000001 &#60;script&#62;');
  expect(page).not.toContain('<script>');
  expect(page.indexOf('INC0000002')).toBeLessThan(page.indexOf('INC0000001'));
});
