/** The notification e-mail process's contract: one workflow per notification, mailing each of its recipients. */
export const NOTIFICATION_EMAIL_WORKFLOW = 'notificationEmailWorkflow';
export const notificationEmailWorkflowId = (notificationId: string) => `mail-${notificationId}`;
export interface NotificationEmailInput {
  notificationId: string;
}
