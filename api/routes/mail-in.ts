import { z } from '../../domain/schemas/zod';
import { route, type RouteDef } from '../route';

const Count = z.number().int();
export const MailInStats = z.object({
  created: Count.describe('messages that opened an incident'),
  noted: Count.describe('replies added to an incident as a note (those that resumed it included)'),
  resumed: Count.describe("callers' replies that also resumed an incident waiting for them"),
  ignored: z.object({ auto_reply: Count, bulk: Count, bounce: Count, loop: Count, no_sender: Count }).describe('messages a machine sent, or that came back from us: neither opened nor touched anything'),
  attachmentsRefused: Count.describe('attachments not kept (over ATTACHMENT_MAX_BYTES or not in ATTACHMENT_TYPES)'),
});

/** What the inbound e-mail listener has done since the database was created (counted per message, once per Message-ID). */
export function mailInRoutes(): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/v1/mail-in/stats',
      summary: 'Inbound e-mail: messages taken, replies noted, machine mail ignored (by reason)',
      tag: 'Notifications',
      roles: ['agent', 'admin'],
      response: MailInStats,
      async handler({ deps }) {
        const rows = await deps.db.counter.findMany({ where: { name: { startsWith: 'mail_in:' } } });
        const n = (what: string) => Number(rows.find((r) => r.name === `mail_in:${what}`)?.value ?? 0);
        return {
          created: n('created'),
          noted: n('noted'),
          resumed: n('resumed'),
          ignored: { auto_reply: n('ignored_auto_reply'), bulk: n('ignored_bulk'), bounce: n('ignored_bounce'), loop: n('ignored_loop'), no_sender: n('ignored_no_sender') },
          attachmentsRefused: n('attachment_refused'),
        };
      },
    }),
  ];
}
