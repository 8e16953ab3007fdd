import { z } from './zod';
import { ListQuery } from './common';

export const NotificationListQuery = ListQuery.extend({
  unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('true: only those not yet read by the caller'),
});

export const NotificationRecord = z.object({
  id: z.string(),
  recordType: z.string(),
  recordId: z.string(),
  /** `user:<id>` (the caller) or `group:<name>` (a group the caller is in). */
  recipient: z.string(),
  kind: z.string(),
  message: z.string(),
  createdAt: z.string(),
  /** Read by the caller (a group's notification is read per member). */
  read: z.boolean(),
  readAt: z.string().nullable(),
});
export type NotificationRecord = z.infer<typeof NotificationRecord>;
