import { z } from './zod';
import { IsoTimestamp, ListQuery, NOT_BLANK } from './common';
import { GroupName } from './people';

export const SECURITY_POLICY_STATES = ['active', 'review_due', 'lapsed', 'retired'] as const;
export type SecurityPolicyState = (typeof SECURITY_POLICY_STATES)[number];
export const SECURITY_POLICY_COMMANDS = ['review', 'retire'] as const;
export type SecurityPolicyCommandName = (typeof SECURITY_POLICY_COMMANDS)[number];

const Text = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });

export const CreateSecurityPolicyBody = z
  .object({
    title: Text(200),
    ownerGroup: GroupName.describe('the group that owns the policy: its reminders and lapse go to it'),
    body: Text(100_000).describe('the policy text'),
    reviewDue: IsoTimestamp.describe('the policy must be reviewed by then (in the future), else it lapses'),
  })
  .strict();
export type CreateSecurityPolicyBody = z.infer<typeof CreateSecurityPolicyBody>;

export const SecurityPolicyCommandBodies = {
  review: z
    .object({
      nextReviewDue: IsoTimestamp.describe('the next review is due then (in the future)'),
      note: Text(4000).describe('what the review found'),
      body: Text(100_000).optional().describe('the revised policy text (default: unchanged)'),
    })
    .strict(),
  retire: z.object({ reason: Text(4000) }).strict(),
} as const satisfies Record<SecurityPolicyCommandName, z.ZodType>;
export type SecurityPolicyCommandBody<K extends SecurityPolicyCommandName> = z.infer<(typeof SecurityPolicyCommandBodies)[K]>;

const Review = z.object({ by: z.string(), at: z.number(), note: z.string(), previousDue: z.number(), nextDue: z.number(), revised: z.boolean() });

export const SecurityPolicySnapshotSchema = z.object({
  id: z.string(),
  number: z.string(),
  workflowId: z.string(),
  title: z.string(),
  state: z.enum(SECURITY_POLICY_STATES),
  ownerGroup: z.string(),
  body: z.string(),
  /** The review deadline being watched (domain/security/reminders.ts). */
  watch: z.object({ due: z.number(), reminderDays: z.array(z.number()), remindersDone: z.array(z.number()), overdue: z.boolean() }),
  /** Reviews recorded, oldest first: the evidence. */
  reviews: z.array(Review),
  lapsedAt: z.number().nullable(),
  retiredAt: z.number().nullable(),
  retireReason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type SecurityPolicySnapshot = z.infer<typeof SecurityPolicySnapshotSchema>;

export const SecurityPolicyRecord = z.object({
  id: z.string(),
  number: z.string(),
  title: z.string(),
  state: z.enum(SECURITY_POLICY_STATES),
  ownerGroup: z.string(),
  body: z.string(),
  reviewDue: z.string(),
  nextReminder: z.string().nullable(),
  reviews: z.array(z.object({ by: z.string(), at: z.string(), note: z.string(), previousDue: z.string(), nextDue: z.string(), revised: z.boolean() })),
  lapsedAt: z.string().nullable(),
  retiredAt: z.string().nullable(),
  retireReason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  workflowId: z.string(),
});
export type SecurityPolicyView = z.infer<typeof SecurityPolicyRecord>;

export const SecurityPolicyQuery = ListQuery.extend({
  state: z.enum(SECURITY_POLICY_STATES).optional(),
  ownerGroup: GroupName.optional(),
});
