import { z } from './zod';
import { ListQuery, NOT_BLANK, RecordRef } from './common';

export const ACCESS_REVIEW_STATES = ['open', 'escalated', 'completed'] as const;
export type AccessReviewState = (typeof ACCESS_REVIEW_STATES)[number];
export const ACCESS_REVIEW_COMMANDS = ['decide'] as const;
export type AccessReviewCommandName = (typeof ACCESS_REVIEW_COMMANDS)[number];
export const DECISIONS = ['confirm', 'revoke'] as const;

const Text = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });

export const ReviewedAccount = z.object({
  account: Text(200).describe('the account name on the system'),
  holder: Text(200).describe('who holds it'),
  access: Text(500).describe('what it may do (role, rights)'),
});
export type ReviewedAccount = z.infer<typeof ReviewedAccount>;

/** The accounts to list: at least one, each named once. */
export const ReviewedAccounts = z
  // Strict in requests: an unknown field of an account is the caller's mistake to hear about, not to drop.
  .array(ReviewedAccount.strict())
  .min(1)
  .max(1000)
  .superRefine((accounts, ctx) => {
    const seen = new Set<string>();
    accounts.forEach((a, i) => {
      if (seen.has(a.account)) ctx.addIssue({ code: 'custom', message: `account ${a.account} is listed twice`, path: [i, 'account'] });
      seen.add(a.account);
    });
  });

export const DueDays = z.number().int().min(1).max(365);

export const StartAccessReviewBody = z
  .object({
    owner: RecordRef.describe('the user (id) who decides: the system owner'),
    dueDays: DueDays.default(14).describe('days the owner has to decide every account'),
    accounts: ReviewedAccounts,
  })
  .strict();
export type StartAccessReviewBody = z.infer<typeof StartAccessReviewBody>;

export const PutAccessReviewScheduleBody = z
  .object({
    cron: Text(200).describe('when a review starts (UTC), e.g. "0 6 1 */3 *" each quarter; the schedule engine judges it'),
    owner: RecordRef.describe('the user (id) who decides each review'),
    dueDays: DueDays.default(14),
    accounts: ReviewedAccounts,
  })
  .strict();
export type PutAccessReviewScheduleBody = z.infer<typeof PutAccessReviewScheduleBody>;

export const AccessReviewScheduleRecord = z.object({
  ciId: z.string(),
  scheduleId: z.string(),
  cron: z.string(),
  owner: z.string(),
  dueDays: z.number(),
  accounts: z.array(ReviewedAccount),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const AccessReviewCommandBodies = {
  decide: z
    .object({
      account: Text(200).describe('one of the review’s accounts, not yet decided'),
      decision: z.enum(DECISIONS).describe('confirm: the access stays; revoke: it is removed (a follow-up request goes to the system’s owner group)'),
      note: Text(4000).optional(),
    })
    .strict(),
} as const satisfies Record<AccessReviewCommandName, z.ZodType>;
export type AccessReviewCommandBody<K extends AccessReviewCommandName> = z.infer<(typeof AccessReviewCommandBodies)[K]>;

const Decided = z.object({ decision: z.enum(DECISIONS), note: z.string().nullable(), by: z.string(), at: z.number() });

export const AccessReviewSnapshotSchema = z.object({
  id: z.string(),
  number: z.string(),
  workflowId: z.string(),
  title: z.string(),
  ciId: z.string(),
  ciNumber: z.string(),
  ciName: z.string(),
  /** The system's owner group: told of a revoke, its manager told when the review is overdue. */
  ownerGroup: z.string().nullable(),
  owner: z.string(),
  state: z.enum(ACCESS_REVIEW_STATES),
  accounts: z.array(ReviewedAccount.extend({ decided: Decided.nullable() })),
  watch: z.object({ due: z.number(), reminderDays: z.array(z.number()), remindersDone: z.array(z.number()), overdue: z.boolean() }),
  completedAt: z.number().nullable(),
  createdBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type AccessReviewSnapshot = z.infer<typeof AccessReviewSnapshotSchema>;

export const AccessReviewRecord = z.object({
  id: z.string(),
  number: z.string(),
  title: z.string(),
  ciId: z.string(),
  ciNumber: z.string(),
  ciName: z.string(),
  ownerGroup: z.string().nullable(),
  owner: z.string(),
  state: z.enum(ACCESS_REVIEW_STATES),
  dueAt: z.string(),
  nextReminder: z.string().nullable(),
  escalated: z.boolean(),
  undecided: z.number().describe('accounts still to decide'),
  accounts: z.array(z.object({
    account: z.string(), holder: z.string(), access: z.string(),
    decision: z.enum(DECISIONS).nullable(), note: z.string().nullable(), decidedBy: z.string().nullable(), decidedAt: z.string().nullable(),
  })),
  completedAt: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  workflowId: z.string(),
});
export type AccessReviewView = z.infer<typeof AccessReviewRecord>;

export const AccessReviewQuery = ListQuery.extend({
  ciId: RecordRef.optional(),
  state: z.enum(ACCESS_REVIEW_STATES).optional(),
  owner: RecordRef.optional(),
});
