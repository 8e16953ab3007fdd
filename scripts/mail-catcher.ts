/**
 * The dev stack's mail catcher: an SMTP server (smtp-server, the nodemailer project's) that
 * accepts every message and keeps the last 200 in memory, and a web page listing them, so a
 * newcomer sees the notification e-mails the stack sends. Never for production: it accepts
 * mail from anyone, for anyone, and shows it to anyone who can reach the page.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  at: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId: string;
}

export interface MailCatcher {
  smtpPort: number;
  webPort: number;
  messages(): CaughtMail[];
  close(): Promise<void>;
}

const KEPT = 200;
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const addresses = (a: unknown) => (Array.isArray(a) ? a : a ? [a] : []).map((x: { text?: string }) => x.text ?? '').join(', ');

export async function startMailCatcher(opts: { smtpPort: number; webPort: number; host?: string }): Promise<MailCatcher> {
  const host = opts.host ?? '127.0.0.1';
  const kept: CaughtMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (m) => {
          kept.unshift({ at: new Date().toISOString(), from: addresses(m.from), to: addresses(m.to), subject: m.subject ?? '', text: m.text ?? '', messageId: m.messageId ?? '' });
          kept.length = Math.min(kept.length, KEPT);
          callback();
        },
        (e) => callback(e as Error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.on('error', reject);
    smtp.listen(opts.smtpPort, host, () => resolve());
  });
  const web = http.createServer((req, res) => {
    if (req.url === '/messages.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(kept));
      return;
    }
    const rows = kept
      .map((m) => `<article><h2>${escape(m.subject)}</h2><p><b>to</b> ${escape(m.to)} · <b>from</b> ${escape(m.from)} · ${escape(m.at)}</p><pre>${escape(m.text)}</pre></article>`)
      .join('\n');
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>ITSM dev mail (${kept.length})</title><h1>Mail sent by the dev stack (${kept.length}, newest first)</h1>${rows || '<p>none yet</p>'}`);
  });
  await new Promise<void>((resolve, reject) => {
    web.on('error', reject);
    web.listen(opts.webPort, host, () => resolve());
  });
  return {
    smtpPort: (smtp.server.address() as AddressInfo).port,
    webPort: (web.address() as AddressInfo).port,
    messages: () => [...kept],
    close: async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => web.close(() => resolve()));
    },
  };
}
