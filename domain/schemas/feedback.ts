import { z } from './zod';
import { IsoDuration, ListQuery, NOT_BLANK, RecordRef } from './common';

export const FEEDBACK_KINDS = ['complaint', 'compliment'] as const;
export const FEEDBACK_STATES = ['new', 'acknowledged', 'investigating', 'resolved', 'closed'] as const;
export type FeedbackState = (typeof FEEDBACK_STATES)[number];
export const FEEDBACK_COMMANDS = ['acknowledge', 'investigate', 'resolve', 'reopen', 'close'] as const;
export type FeedbackCommandName = (typeof FEEDBACK_COMMANDS)[number];
/** A target's two alarms: a warning before it, the breach at it. */
export const FEEDBACK_ALARMS = ['acknowledge_warning', 'acknowledge_breach', 'resolve_warning', 'resolve_breach'] as const;
export type FeedbackAlarm = (typeof FEEDBACK_ALARMS)[number];

const Text = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });

export const CreateFeedbackBody = z
  .object({
    customerId: RecordRef.describe('the customer (id or number) it comes from'),
    kind: z.enum(FEEDBACK_KINDS),
    title: Text(200),
    description: z.string().trim().maxChars(10_000).optional(),
    serviceId: RecordRef.optional().describe('the service (id or number) it is about'),
    group: RecordRef.optional().describe('the group that owns the response (default: service-desk)'),
    targets: z
      .object({
        acknowledge: IsoDuration.optional().describe('time to acknowledge (default P1D)'),
        resolve: IsoDuration.optional().describe('time to resolve a complaint (default P10D)'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type CreateFeedbackBody = z.infer<typeof CreateFeedbackBody>;

export const FeedbackCommandBodies = {
  acknowledge: z.object({ note: z.string().trim().maxChars(4000).optional() }).strict(),
  investigate: z.object({ note: z.string().trim().maxChars(4000).optional() }).strict(),
  resolve: z.object({ resolution: Text(4000) }).strict(),
  reopen: z.object({ reason: Text(4000) }).strict(),
  close: z.object({ note: z.string().trim().maxChars(4000).optional() }).strict(),
} as const satisfies Record<FeedbackCommandName, z.ZodType>;
export type FeedbackCommandBody<K extends FeedbackCommandName> = z.infer<(typeof FeedbackCommandBodies)[K]>;

export const FeedbackSnapshotSchema = z.object({
  id: z.string(),
  number: z.string(),
  workflowId: z.string(),
  kind: z.enum(FEEDBACK_KINDS),
  state: z.enum(FEEDBACK_STATES),
  customerId: z.string(),
  serviceId: z.string().nullable(),
  title: z.string(),
  description: z.string().nullable(),
  group: z.string(),
  accountManager: z.string().nullable(),
  acknowledgeMs: z.number(),
  resolveMs: z.number(),
  acknowledgeDueAt: z.number(),
  /** A complaint's resolution target, from its creation; null for a compliment (acknowledging it is all it needs). */
  resolveDueAt: z.number().nullable(),
  acknowledgedAt: z.number().nullable(),
  resolvedAt: z.number().nullable(),
  closedAt: z.number().nullable(),
  resolution: z.string().nullable(),
  alarms: z.array(z.enum(FEEDBACK_ALARMS)),
  createdBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type FeedbackSnapshot = z.infer<typeof FeedbackSnapshotSchema>;

export const FeedbackRecord = z.object({
  id: z.string(),
  number: z.string(),
  kind: z.enum(FEEDBACK_KINDS),
  state: z.enum(FEEDBACK_STATES),
  customerId: z.string(),
  serviceId: z.string().nullable(),
  title: z.string(),
  description: z.string().nullable(),
  group: z.string(),
  accountManager: z.string().nullable(),
  acknowledgeDueAt: z.string(),
  resolveDueAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  resolution: z.string().nullable(),
  breached: z.array(z.enum(['acknowledge', 'resolve'])),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  workflowId: z.string(),
});
export type FeedbackView = z.infer<typeof FeedbackRecord>;

export const FeedbackQuery = ListQuery.extend({
  customerId: RecordRef.optional(),
  kind: z.enum(FEEDBACK_KINDS).optional(),
  state: z.enum(FEEDBACK_STATES).optional(),
});
