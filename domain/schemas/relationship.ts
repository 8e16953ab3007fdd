import { z } from './zod';
import { IsoTimestamp, ListQuery, NOT_BLANK, RecordRef } from './common';
import { SATISFACTION_GROUPINGS } from '../relationship/satisfaction';
import { Email } from './people';

const Name = z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK });
/** Five cron fields (minute hour day-of-month month day-of-week, UTC); the schedule engine judges the rest. */
// [^\s\u0000], not \S: a NUL is no part of a cron, and the document must say so.
const Cron = z.string().trim().regex(/^[^\s\u0000]+(\s+[^\s\u0000]+){4}$/, 'a cron expression of five fields').maxChars(100);

export const CreateCustomerBody = z
  .object({
    name: Name,
    accountManager: RecordRef.optional().describe('the user (id) who manages the relationship'),
    reviewCron: Cron.optional().describe('when the recurring service review runs (UTC cron, e.g. 0 6 1 * * monthly); each covers the calendar month before it'),
  })
  .strict();
export type CreateCustomerBody = z.infer<typeof CreateCustomerBody>;

export const UpdateCustomerBody = z
  .object({ name: Name.optional(), accountManager: RecordRef.nullable().optional(), reviewCron: Cron.nullable().optional().describe('null: no recurring review (its Schedule is deleted)') })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required', path: ['name'] })
  .openapi({ minProperties: 1 });
export type UpdateCustomerBody = z.infer<typeof UpdateCustomerBody>;

export const CustomerQuery = ListQuery.extend({ name: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }).optional().describe('part of the name') });

export const CustomerRecord = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  accountManager: z.string().nullable(),
  reviewCron: z.string().nullable().describe('the recurring service review (its Temporal Schedule is service-review-<number>)'),
  retiredAt: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CustomerRecord = z.infer<typeof CustomerRecord>;

export const CreateContactBody = z
  .object({
    name: Name,
    email: Email.optional(),
    userId: RecordRef.optional().describe('the user this contact is: incidents they call in count for the customer'),
  })
  .strict();
export const ContactRecord = z.object({ id: z.string(), customerId: z.string(), name: z.string(), email: z.string().nullable(), userId: z.string().nullable(), createdAt: z.string() });

export const CreateSubscriptionBody = z
  .object({
    serviceId: RecordRef.describe('the service (id or number)'),
    slaId: RecordRef.optional().describe('the agreement (id or number) the service is delivered under'),
    monthlyCharge: z.number().min(0).max(1e12).optional().describe('what the customer pays per month; omitted: charged by usage'),
    since: IsoTimestamp.optional().describe('when the subscription starts (default: now)'),
    until: IsoTimestamp.optional(),
  })
  .strict()
  .refine((b) => b.since === undefined || b.until === undefined || Date.parse(b.until) > Date.parse(b.since), { message: 'must be after since', path: ['until'] });
export const SubscriptionRecord = z.object({
  id: z.string(),
  customerId: z.string(),
  serviceId: z.string(),
  slaId: z.string().nullable(),
  monthlyCharge: z.number().nullable(),
  since: z.string(),
  until: z.string().nullable(),
  createdAt: z.string(),
});

export const SurveyAnswerBody = z
  .object({ score: z.number().int().min(1).max(5), comment: z.string().trim().maxChars(4000).optional() })
  .strict();
export const SurveyAnswered = z.object({ incidentId: z.string(), score: z.number().int(), comment: z.string().nullable(), answeredAt: z.string() });

/** What a scheduled satisfaction report keeps (each run's period gives from and to). */
export const SatisfactionParams = z.object({ groupBy: z.enum(SATISFACTION_GROUPINGS).default('service') });
export const SatisfactionQuery = SatisfactionParams.extend({
  from: IsoTimestamp.describe('surveys sent from this instant'),
  to: IsoTimestamp.describe('surveys sent before this instant'),
})
  .strict()
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'must be after from', path: ['to'] });
export const SatisfactionReport = z.object({
  groupBy: z.enum(SATISFACTION_GROUPINGS),
  from: z.string(),
  to: z.string(),
  rows: z.array(
    z.object({
      key: z.string().nullable().describe('the service, group or customer id (null: surveys without one)'),
      label: z.string().nullable(),
      sent: z.number().int(),
      responses: z.number().int(),
      csat: z.number().nullable().describe('share of responses scoring 4 or 5'),
      meanScore: z.number().nullable(),
      responseRate: z.number(),
    }),
  ),
});

const Rate = z.object({ sent: z.number().int(), responses: z.number().int(), csat: z.number().nullable(), meanScore: z.number().nullable(), responseRate: z.number() });
export const ServiceReviewRecord = z.object({
  id: z.string(),
  number: z.string(),
  customerId: z.string(),
  periodFrom: z.string(),
  periodTo: z.string(),
  state: z.enum(['open', 'closed']),
  agenda: z.object({
    periodFrom: z.string(),
    periodTo: z.string(),
    services: z.array(
      z.object({
        serviceId: z.string(),
        label: z.string(),
        sla: z.object({ due: z.number().int(), met: z.number().int(), breached: z.number().int(), attainmentPct: z.number().nullable() }).nullable(),
        availability: z.object({ availability: z.number().nullable(), target: z.number().nullable(), meetsTarget: z.boolean().nullable(), outages: z.number().int() }).nullable(),
        satisfaction: Rate.nullable(),
      }),
    ),
    satisfaction: Rate.nullable(),
    openActions: z.array(z.object({ id: z.string(), title: z.string(), owner: z.string(), dueAt: z.string().nullable(), overdue: z.boolean() })),
    items: z.array(z.string()),
  }),
  createdAt: z.string(),
});
export type ServiceReviewRecord = z.infer<typeof ServiceReviewRecord>;
export const ServiceReviewQuery = ListQuery.extend({ customerId: RecordRef.optional() });
export const TriggerReviewBody = z
  .object({
    customerId: RecordRef.describe('the customer (id or number)'),
    at: IsoTimestamp.optional().describe('the review is as of this instant and covers the calendar month before it (UTC; default now)'),
  })
  .strict();

export const CreateReviewActionBody = z
  .object({ title: Name, owner: RecordRef.describe('the user (id or e-mail) who owns it'), dueAt: IsoTimestamp.optional() })
  .strict();
export const ReviewActionRecord = z.object({
  id: z.string(),
  reviewId: z.string(),
  title: z.string(),
  owner: z.string(),
  dueAt: z.string().nullable(),
  state: z.enum(['open', 'closed']),
  overdue: z.boolean(),
  closedAt: z.string().nullable(),
  closedBy: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export const ReviewActionQuery = ListQuery.extend({
  state: z.enum(['open', 'closed']).optional(),
  overdue: z.enum(['true', 'false']).optional().describe('true: only open actions past their due date'),
});
