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

/** Kinds the workflows raise today (escalation, functional_escalation, sla_warning, cab_vote_requested, cab_reminder, change_held, change_rejected, change_window_open, problem_reopened, problem_change_failed, problem_trend_detected, …). */
const KIND = /^[a-z][a-z_]{0,49}$/;
const NotificationKind = z.string().regex(KIND, 'a notification kind: lower-case letters and underscores');

/** Per kind, whether the caller wants it by e-mail; a kind not listed is mailed. In-app, every notification shows. */
export const NotificationPreferences = z
  .object({
    email: z
      .record(NotificationKind, z.boolean())
      .refine((m) => Object.keys(m).length <= 100, { message: 'at most 100 kinds' })
      // The key rule in the document too (JSON Schema's propertyNames), so clients and fuzzers know it.
      .openapi({ propertyNames: { pattern: KIND.source }, maxProperties: 100 } as object),
  })
  .strict();
export type NotificationPreferences = z.infer<typeof NotificationPreferences>;
