import { z } from './zod';
import { IsoTimestamp, ListQuery, NOT_BLANK, RecordRef } from './common';
import { SATISFACTION_GROUPINGS } from '../relationship/satisfaction';

const Name = z.string().trim().min(1).max(200).openapi({ pattern: NOT_BLANK });
const Email = z.email().max(320);

export const CreateCustomerBody = z
  .object({
    name: Name,
    accountManager: RecordRef.optional().describe('the user (id) who manages the relationship'),
  })
  .strict();
export type CreateCustomerBody = z.infer<typeof CreateCustomerBody>;

export const UpdateCustomerBody = z
  .object({ name: Name.optional(), accountManager: RecordRef.nullable().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required', path: ['name'] })
  .openapi({ minProperties: 1 });
export type UpdateCustomerBody = z.infer<typeof UpdateCustomerBody>;

export const CustomerQuery = ListQuery.extend({ name: z.string().trim().min(1).max(200).optional().describe('part of the name') });

export const CustomerRecord = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  accountManager: z.string().nullable(),
  reviewCron: z.string().nullable().describe('the recurring service review (not scheduled yet)'),
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
  .object({ score: z.number().int().min(1).max(5), comment: z.string().trim().max(4000).optional() })
  .strict();
export const SurveyAnswered = z.object({ incidentId: z.string(), score: z.number().int(), comment: z.string().nullable(), answeredAt: z.string() });

export const SatisfactionQuery = z
  .object({
    groupBy: z.enum(SATISFACTION_GROUPINGS).default('service'),
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
