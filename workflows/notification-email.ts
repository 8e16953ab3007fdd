import { ActivityFailure, log, proxyActivities } from '@temporalio/workflow';
import type { createNotificationEmailActivities } from '../activities/notification-email';
import type { NotificationEmailInput } from './contracts/notification-email';

type Activities = ReturnType<typeof createNotificationEmailActivities>;

const { notificationRecipients } = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '1m' } });
// Mail servers go away for hours; keep trying for a day, never for a refusal (5xx).
const { sendNotificationEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '1d',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '15m', nonRetryableErrorTypes: ['MailRefused', 'NotFound'] },
});

/** Mails one notification to each of its recipients (the user, or the group's members) who want that kind by e-mail. */
export async function notificationEmailWorkflow(input: NotificationEmailInput): Promise<{ sent: number; failed: number }> {
  const recipients = await notificationRecipients(input);
  const outcomes = await Promise.all(
    recipients.map((r) =>
      sendNotificationEmail({ notificationId: input.notificationId, userId: r.userId }).then(
        () => true,
        (e) => {
          if (!(e instanceof ActivityFailure)) throw e;
          log.warn('notification e-mail not delivered', { notificationId: input.notificationId, userId: r.userId, reason: e.cause?.message ?? e.message });
          return false;
        },
      ),
    ),
  );
  return { sent: outcomes.filter(Boolean).length, failed: outcomes.filter((ok) => !ok).length };
}
