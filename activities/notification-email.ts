import { ApplicationFailure } from '@temporalio/common';
import { renderNotificationMail } from '../domain/notification/templates';
import { MailRefused } from '../infra/mailer';
import type { ActivityDeps } from './deps';
import { accessReviewFromRow } from '../db/access-review-store';
import { continuityRunFromRow } from '../db/continuity-store';

/** Where a record is read in the API, for the link in its e-mails. */
const RECORD_PATHS: Record<string, string> = { incident: 'incidents', change: 'changes', problem: 'problems', release: 'releases', report_run: 'report-runs', contract: 'contracts', security_policy: 'security-policies', access_review: 'access-reviews', continuity_run: 'continuity-runs' };

/** Who is mailed a notification and the mail itself (workflows/notification-email.ts sends one per recipient). */
export function createNotificationEmailActivities(deps: ActivityDeps) {
  const { db } = deps;

  /** The number and title of the record a notification is about (a release's name and version), for the mail's subject. */
  async function recordOf(recordType: string, id: string): Promise<{ number: string; title: string | null } | null> {
    const select = { number: true, title: true } as const;
    switch (recordType) {
      case 'incident': {
        // A restricted incident's title is not mailed: the recipient (a manager, say) need not be one who may read it.
        const i = await db.incident.findUnique({ where: { id }, select: { ...select, restricted: true } });
        return i && { number: i.number, title: i.restricted ? null : i.title };
      }
      case 'change':
        return db.change.findUnique({ where: { id }, select });
      case 'problem':
        return db.problem.findUnique({ where: { id }, select });
      case 'feedback':
        return db.feedback.findUnique({ where: { id }, select });
      case 'contract':
        return db.contract.findUnique({ where: { id }, select });
      case 'security_policy':
        return db.securityPolicy.findUnique({ where: { id }, select });
      case 'access_review': {
        // The review's title (the system's name) lives in its snapshot: the row has no column for it.
        const r = await db.accessReview.findUnique({ where: { id } });
        return r && { number: r.number, title: accessReviewFromRow(r).title };
      }
      case 'continuity_run': {
        // The run's title (plan number and name) lives in its snapshot: the row has no column for it.
        const r = await db.continuityRun.findUnique({ where: { id } });
        return r && { number: r.number, title: continuityRunFromRow(r).title };
      }
      case 'release': {
        const r = await db.release.findUnique({ where: { id }, select: { number: true, name: true, releaseVersion: true } });
        return r && { number: r.number, title: `${r.name} ${r.releaseVersion}` };
      }
      case 'report_run': {
        const r = await db.reportRun.findUnique({ where: { id }, select: { number: true, report: true } });
        return r && { number: r.number, title: `${r.report} report` };
      }
      default:
        return null;
    }
  }
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

    /** One e-mail, one recipient, worded by its kind's template (domain/notification/templates.ts). The Message-ID is fixed per notification and user, so a retry after a lost answer is recognisably the same mail. */
    async sendNotificationEmail(input: { notificationId: string; userId: string }): Promise<void> {
      if (!deps.mailer) throw ApplicationFailure.nonRetryable('no SMTP_URL configured', 'NotFound');
      const [n, user] = await Promise.all([db.notification.findUnique({ where: { id: input.notificationId } }), db.user.findUnique({ where: { id: input.userId } })]);
      if (!n) throw ApplicationFailure.nonRetryable(`notification ${input.notificationId} not found`, 'NotFound');
      if (!user?.email || !user.active) throw ApplicationFailure.nonRetryable(`user ${input.userId} has no active address`, 'NotFound');
      const link = `${(deps.publicUrl ?? '').replace(/\/$/, '')}/api/v1/${RECORD_PATHS[n.recordType] ?? n.recordType}/${n.recordId}`;
      const record = await recordOf(n.recordType, n.recordId);
      const mail = renderNotificationMail({
        kind: n.kind,
        message: n.message,
        recordType: n.recordType,
        // Replies are matched to the record by the bracketed number in the subject; a record gone since is named by its id.
        recordNumber: record?.number ?? n.recordId,
        recordTitle: record?.title ?? null,
        recipient: n.recipient,
        link,
      });
      try {
        await deps.mailer.send({ to: user.email, subject: mail.subject, text: mail.text, html: mail.html, messageId: `<${n.id}.${user.id}@itsm>` });
      } catch (e) {
        if (e instanceof MailRefused) throw ApplicationFailure.nonRetryable(e.message, 'MailRefused');
        throw e;
      }
    },
  };
}
