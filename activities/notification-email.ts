import { ApplicationFailure } from '@temporalio/common';
import { MailRefused } from '../infra/mailer';
import type { ActivityDeps } from './deps';

/** Where a record is read in the API, for the link in its e-mails. */
const RECORD_PATHS: Record<string, string> = { incident: 'incidents', change: 'changes', problem: 'problems', release: 'releases' };

/** Who is mailed a notification and the mail itself (workflows/notification-email.ts sends one per recipient). */
export function createNotificationEmailActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * The users a notification reaches by e-mail: the user it names, or the members of the group
     * it names; only active users with an address who have not turned that kind off. A
     * notification gone since (a transition the history overruled) reaches nobody.
     */
    async notificationRecipients(input: { notificationId: string }): Promise<{ userId: string }[]> {
      const n = await db.notification.findUnique({ where: { id: input.notificationId } });
      if (!n) return [];
      const [scheme, name] = [n.recipient.slice(0, n.recipient.indexOf(':')), n.recipient.slice(n.recipient.indexOf(':') + 1)];
      let userIds: string[] = [];
      if (scheme === 'user') userIds = [name];
      else if (scheme === 'group') {
        const group = await db.group.findUnique({ where: { name } });
        userIds = group ? (await db.groupMember.findMany({ where: { groupId: group.id }, select: { userId: true } })).map((m) => m.userId) : [];
      }
      const users = await db.user.findMany({ where: { id: { in: userIds }, active: true, email: { not: null } }, select: { id: true }, orderBy: { id: 'asc' } });
      const off = new Set((await db.notificationPreference.findMany({ where: { userId: { in: users.map((u) => u.id) }, kind: n.kind, email: false }, select: { userId: true } })).map((p) => p.userId));
      return users.filter((u) => !off.has(u.id)).map((u) => ({ userId: u.id }));
    },

    /** One e-mail, one recipient. The Message-ID is fixed per notification and user, so a retry after a lost answer is recognisably the same mail. */
    async sendNotificationEmail(input: { notificationId: string; userId: string }): Promise<void> {
      if (!deps.mailer) throw ApplicationFailure.nonRetryable('no SMTP_URL configured', 'NotFound');
      const [n, user] = await Promise.all([db.notification.findUnique({ where: { id: input.notificationId } }), db.user.findUnique({ where: { id: input.userId } })]);
      if (!n) throw ApplicationFailure.nonRetryable(`notification ${input.notificationId} not found`, 'NotFound');
      if (!user?.email || !user.active) throw ApplicationFailure.nonRetryable(`user ${input.userId} has no active address`, 'NotFound');
      const link = `${(deps.publicUrl ?? '').replace(/\/$/, '')}/api/v1/${RECORD_PATHS[n.recordType] ?? n.recordType}/${n.recordId}`;
      try {
        await deps.mailer.send({
          to: user.email,
          subject: `[ITSM] ${n.kind.replace(/_/g, ' ')}: ${n.message}`.slice(0, 200),
          text: `${n.message}\n\n${link}\n\nYou receive this as ${n.recipient === `user:${user.id}` ? 'its addressee' : `a member of ${n.recipient.slice('group:'.length)}`}; turn "${n.kind}" e-mails off with PATCH /api/v1/me/notification-preferences.`,
          messageId: `<${n.id}.${user.id}@itsm>`,
        });
      } catch (e) {
        if (e instanceof MailRefused) throw ApplicationFailure.nonRetryable(e.message, 'MailRefused');
        throw e;
      }
    },
  };
}
