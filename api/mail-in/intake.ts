import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ParsedMail } from 'mailparser';
import { isTerminal, type IncidentState } from '../../domain/incident/state-machine';
import { incidentScope, visibilityFor, type Principal } from '../../domain/access';
import { ignoredBecause, notificationIdsIn, recordNumberIn, replyText, storableText, titleFromSubject, type Ignored } from '../../domain/mail/inbound';
import { parseIsoDuration } from '../../domain/duration';
import { groupsOf, principalOf } from '../../db/people-store';
import type { Incident } from '../../generated/prisma-sqlite/client';
import { openIncident, reserveIncident } from '../../temporal/open-incident';
import { onIncidentWorkflow, type IncidentCommandOutcome } from '../../temporal/incident-commands';
import { incidentCommandUpdates } from '../../workflows/contracts/incident';
import type { CommandInput } from '../../workflows/contracts/record';
import { attachmentSettings, putAttachmentBytes, recordAttachment } from '../../services/attachments';
import { checkNewIncident } from '../../services/incident-intake';
import { TooLarge, TypeNotAccepted } from '../../services/errors';
import { freshReserve, withIdempotency } from '../idempotency';
import { incidentWorkflowConfig } from '../routes/incidents';
import type { ApiDeps, Reserve } from '../route';

/** The actor of what mail from someone who is not a user does (the history names them by address in the text). */
export const MAIL_ACTOR = 'mail-in';

export type MailOutcome =
  | { outcome: 'created'; incident: string; attachments: number; refused: string[] }
  | { outcome: 'noted' | 'resumed'; incident: string; attachments: number; refused: string[] }
  | { outcome: 'ignored'; reason: Ignored | 'no_sender' };

export interface MailInSettings {
  /** Our own addresses (the sender of notifications, the desk's): mail from them is a loop. */
  ownAddresses: string[];
}

/** Counts per outcome, kept in the Counter table (`mail_in:<outcome>`), read by GET /api/v1/mail-in/stats. */
export async function countMail(deps: Pick<ApiDeps, 'db'>, what: string): Promise<void> {
  const name = `mail_in:${what}`;
  await deps.db.counter.upsert({ where: { name }, create: { name, value: 1 }, update: { value: { increment: 1 } } });
}

const senderOf = (mail: ParsedMail) => {
  const from = mail.from?.value.find((a) => a.address);
  return from?.address ? { address: from.address.trim().toLowerCase(), name: from.name?.trim() || null } : null;
};

/**
 * One message to the service desk, end to end: a machine's message is ignored (and counted); a
 * reply from someone the incident concerns becomes a note on it (resuming it when it waits for
 * the caller); anything else opens an incident, the sender its caller (a user when their address
 * is one, else by address). Attachments are stored under the attachment limits; ones refused are
 * listed in a work note instead. Run at most once per Message-ID: a sending server that retries
 * after losing our answer gets the first outcome again.
 */
export async function takeMessage(deps: ApiDeps, settings: MailInSettings, mail: ParsedMail): Promise<MailOutcome> {
  const sender = senderOf(mail);
  const ignored = sender ? ignoredBecause(mail.headers, sender.address, settings.ownAddresses) : 'no_sender';
  if (ignored) {
    await countMail(deps, `ignored_${ignored}`);
    return { outcome: 'ignored', reason: ignored };
  }
  const run = async (reserve: Reserve) => {
    const outcome = await handle(deps, mail, sender!, reserve);
    return { status: 200, body: outcome };
  };
  const engineTimeoutMs = parseIsoDuration(deps.env.API_ENGINE_TIMEOUT ?? 'PT20S');
  const withEngine = <T>(fn: () => Promise<T>) => deps.temporal.connection.withDeadline(Date.now() + 3 * engineTimeoutMs, fn);
  const result = mail.messageId
    ? await withIdempotency(deps.db, MAIL_ACTOR, createHash('sha256').update(mail.messageId).digest('hex'), { method: 'MAIL', path: '/mail-in', body: { messageId: mail.messageId } }, 6 * engineTimeoutMs, (reserve) => withEngine(() => run(reserve)))
    : await withEngine(() => run(freshReserve));
  const outcome = result.body as MailOutcome;
  if (!('replayed' in result && result.replayed)) {
    // A resumed incident was noted as well: `noted` counts every reply that reached an incident.
    if (outcome.outcome === 'resumed') await countMail(deps, 'noted');
    await countMail(deps, outcome.outcome);
  }
  return outcome;
}

type Sender = { address: string; name: string | null };

async function handle(deps: ApiDeps, mail: ParsedMail, sender: Sender, reserve: Reserve): Promise<MailOutcome> {
  const { db } = deps;
  const user = await db.user.findUnique({ where: { email: sender.address } });
  const principal: Principal | null = user?.active ? principalOf(user, await groupsOf(db, user.id)) : null;
  const actor = principal?.id ?? MAIL_ACTOR;

  const target = await repliedIncident(deps, mail, sender, principal);
  if (target) {
    const text = storableText(replyText(mail.text ?? ''), 20_000);
    const files = await storeFiles(deps, mail, target, actor, principal);
    const note = [principal ? '' : `From ${sender.address}:`, text || '(no text)', refusedLine(files.refused)].filter(Boolean).join('\n');
    await command(deps, target, 'notes', actor, { text: storableText(note, 20_000), visibility: principal ? (visibilityFor(principal) ?? 'public') : 'public', ...(files.ids.length ? { attachmentIds: files.ids } : {}) });
    const isCaller = (principal && target.callerId === principal.id) || target.callerEmail === sender.address;
    if (isCaller && target.state === 'on_hold' && target.holdReason === 'awaiting_caller' && (await command(deps, target, 'resume', actor, { note: 'the caller replied by e-mail' })) === 'applied') {
      return { outcome: 'resumed', incident: target.number, attachments: files.ids.length, refused: files.refused };
    }
    return { outcome: 'noted', incident: target.number, attachments: files.ids.length, refused: files.refused };
  }

  // A new incident, in the sender's name.
  const description = storableText(mail.text ?? '', 20_000);
  const asWho = principal ?? { id: MAIL_ACTOR, role: 'agent' as const, name: 'E-mail', groups: [] };
  const body = await checkNewIncident(db, asWho, {
    title: storableText(titleFromSubject(mail.subject), 300),
    ...(description.trim() ? { description } : {}),
    type: 'incident',
    impact: 'medium',
    urgency: 'medium',
    ...(principal ? { callerId: principal.id } : { callerEmail: sender.address }),
  });
  const { value: reservation, resumed } = await reserve(() => reserveIncident(db));
  const view = await openIncident(
    { db, temporal: deps.temporal, taskQueue: deps.env.TEMPORAL_TASK_QUEUE, config: incidentWorkflowConfig(deps) },
    reservation,
    actor,
    body,
    { reuseRunning: resumed },
  );
  const row = await db.incident.findUniqueOrThrow({ where: { id: view.id } });
  const files = await storeFiles(deps, mail, row, actor, principal);
  if (files.ids.length || files.refused.length) {
    await command(deps, row, 'notes', actor, {
      text: storableText([files.ids.length ? `Attached to the e-mail from ${sender.address}.` : '', refusedLine(files.refused)].filter(Boolean).join('\n'), 20_000),
      visibility: 'public',
      ...(files.ids.length ? { attachmentIds: files.ids } : {}),
    });
  }
  return { outcome: 'created', incident: view.number, attachments: files.ids.length, refused: files.refused };
}

const refusedLine = (refused: string[]) => (refused.length ? `Not kept (over the size limit or of a type not accepted): ${refused.join(', ')}` : '');

/**
 * The open incident a message replies to, if the sender may add to it: by the number in the
 * subject, else by the notification it answers (In-Reply-To, References). The sender must be
 * its caller (as a user or by address), its opener, or a user who may see it; a closed one is
 * not replied to (a new incident is opened, as for a stranger's reply).
 */
async function repliedIncident(deps: ApiDeps, mail: ParsedMail, sender: Sender, principal: Principal | null): Promise<Incident | null> {
  const { db } = deps;
  const number = recordNumberIn(mail.subject ?? '');
  let row = number?.startsWith('INC') ? await db.incident.findUnique({ where: { number } }) : null;
  if (!row) {
    const ids = notificationIdsIn(mail.inReplyTo, mail.references);
    const n = ids.length ? await db.notification.findFirst({ where: { id: { in: ids }, recordType: 'incident' } }) : null;
    row = n ? await db.incident.findUnique({ where: { id: n.recordId } }) : null;
  }
  if (!row || isTerminal(row.state as IncidentState)) return null;
  if (row.callerEmail === sender.address) return row;
  if (!principal) return null;
  return db.incident.findFirst({ where: { AND: [{ id: row.id }, incidentScope(principal)] } });
}

/** The message's files on the incident, visible as its note is (the desk's internal, a caller's public). */
async function storeFiles(deps: ApiDeps, mail: ParsedMail, incident: Incident, actor: string, principal: Principal | null): Promise<{ ids: string[]; refused: string[] }> {
  const settings = attachmentSettings(deps.env);
  const ids: string[] = [];
  const refused: string[] = [];
  for (const [i, a] of mail.attachments.entries()) {
    const name = a.filename ?? `attachment-${i + 1}`;
    try {
      const stored = await putAttachmentBytes(settings, { contentType: a.contentType, content: Readable.from(a.content), field: `attachments.${i}` });
      const visibility = principal ? (visibilityFor(principal) ?? 'public') : 'public';
      ids.push((await recordAttachment(deps.db, { recordType: 'incident', recordId: incident.id, recordPath: 'incidents', fileName: name, visibility, via: 'email', createdBy: actor }, stored)).id);
    } catch (e) {
      if (!(e instanceof TooLarge || e instanceof TypeNotAccepted)) throw e;
      refused.push(`${name} (${a.size} bytes, ${a.contentType})`);
      await countMail(deps, 'attachment_refused');
    }
  }
  return { ids: ids.slice(0, 20), refused };
}

/**
 * A command on the incident's workflow. Refused (the incident moved on meanwhile: resumed by
 * an agent, closed) is an answer, not a failure: the message is still taken, so the sending
 * server does not retry it and add the note twice.
 */
async function command(deps: ApiDeps, row: Incident, verb: 'notes' | 'resume', actor: string, body: unknown): Promise<IncidentCommandOutcome> {
  return onIncidentWorkflow(deps, row.workflowId, (h) => h.executeUpdate(incidentCommandUpdates[verb].name, { args: [{ actor, body } satisfies CommandInput<unknown>] }));
}
