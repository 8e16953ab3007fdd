import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { isDatabaseUnreachable } from '../../db/failures';
import type { ApiDeps } from '../route';
import { takeMessage, type MailInSettings, type MailOutcome } from './intake';

export interface MailInOptions extends MailInSettings {
  port: number;
  host: string;
  maxBytes: number;
  /** The desk's addresses; mail to anyone else is refused at RCPT (empty: any recipient). */
  addresses: string[];
  /** Told of each message taken (tests, the dev stack's log). */
  onOutcome?: (o: MailOutcome) => void;
}

export interface MailIn {
  port: number;
  close(): Promise<void>;
}

/** An SMTP reply with a code: smtp-server answers `responseCode` and the message. */
const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/**
 * The service desk's inbound SMTP listener (smtp-server): plain SMTP without authentication,
 * meant to sit behind the organisation's mail server, which relays the desk's address to it.
 * A message is answered only after it has been taken (record written, workflow told): a
 * failure on our side is a 451, so the relaying server keeps the message and tries again later,
 * and nothing is lost; Message-IDs make that retry take effect once.
 */
export async function startMailIn(deps: ApiDeps, o: MailInOptions): Promise<MailIn> {
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: o.maxBytes,
    banner: 'ITSM service desk',
    logger: false,
    onRcptTo(address, _session, callback) {
      if (o.addresses.length && !o.addresses.includes(address.address.toLowerCase())) return callback(smtpError(550, `no such mailbox here: ${address.address}`));
      callback();
    },
    onData(stream: SMTPServerDataStream, _session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          if (stream.sizeExceeded) throw smtpError(552, `message larger than ${o.maxBytes} bytes`);
          const outcome = await takeMessage(deps, o, mail);
          o.onOutcome?.(outcome);
          deps.log.info('mail in', { ...outcome, messageId: mail.messageId });
          callback(null, outcome.outcome === 'ignored' ? `ignored (${outcome.reason})` : `${outcome.outcome} ${outcome.incident}`);
        })
        .catch((e: Error & { responseCode?: number }) => {
          stream.resume();
          if (e.responseCode) return callback(e);
          deps.log.error('mail in failed', { error: String(e?.stack ?? e), unreachableDb: isDatabaseUnreachable(e) });
          callback(smtpError(451, 'temporary failure taking the message; try again later'));
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (e) => deps.log.error('mail in listener', { error: String(e) }));
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The listener's settings from the process's environment (null: MAIL_IN_PORT unset, no listener). */
export function mailInOptionsFromEnv(env: { MAIL_IN_PORT?: number; MAIL_IN_HOST: string; MAIL_IN_MAX_BYTES: number; MAIL_IN_ADDRESSES: string[]; MAIL_FROM: string }): MailInOptions | null {
  if (env.MAIL_IN_PORT === undefined) return null;
  const from = (/<([^<>]+)>/.exec(env.MAIL_FROM)?.[1] ?? env.MAIL_FROM).trim().toLowerCase();
  return { port: env.MAIL_IN_PORT, host: env.MAIL_IN_HOST, maxBytes: env.MAIL_IN_MAX_BYTES, addresses: env.MAIL_IN_ADDRESSES, ownAddresses: [from, ...env.MAIL_IN_ADDRESSES] };
}
