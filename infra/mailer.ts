import nodemailer from 'nodemailer';

/** What sends an e-mail: one message, one recipient; throws MailRefused when the server refuses it for good. */
export interface Mailer {
  /** `html`, when given, is sent as the alternative to `text` (multipart/alternative). */
  send(message: { to: string; subject: string; text: string; html?: string; messageId: string }): Promise<void>;
}

/** The SMTP server answered with a permanent failure (5xx): retrying the same message will not help. */
export class MailRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailRefused';
  }
}

/**
 * SMTP through nodemailer, from `SMTP_URL` (`smtp://user:pass@host:587`, `smtps://…` for TLS on
 * connect). One pooled connection per process; timeouts short enough that a dead server fails
 * an attempt (and its activity retries) rather than holding it.
 */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url, { from });
  return {
    async send(m) {
      try {
        await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, ...(m.html !== undefined ? { html: m.html } : {}), messageId: m.messageId });
      } catch (e) {
        const code = (e as { responseCode?: number }).responseCode;
        if (typeof code === 'number' && code >= 500) throw new MailRefused(`${code}: ${(e as Error).message}`);
        throw e;
      }
    },
  };
}
