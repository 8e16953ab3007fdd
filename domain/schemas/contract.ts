import { z } from './zod';
import { IsoTimestamp, ListQuery, NOT_BLANK, RecordRef } from './common';
import { Currency } from './finance';
import { GroupName } from './people';
import { CONTRACT_STATES } from '../supplier/contract-state';

export const RENEWAL_TYPES = ['auto', 'manual', 'none'] as const;
export const CONTRACT_COMMANDS = ['renew', 'terminate', 'amend'] as const;
export type ContractCommandName = (typeof CONTRACT_COMMANDS)[number];

const Text = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });
const Value = z.number().min(0).max(1e12);
const NoticeDays = z.number().int().min(0).max(3650);

export const CreateContractBody = z
  .object({
    supplierId: RecordRef.describe('the supplier (id or number)'),
    title: Text(200),
    value: Value.describe('the value of one term'),
    currency: Currency,
    startDate: IsoTimestamp,
    endDate: IsoTimestamp,
    noticeDays: NoticeDays.describe('days before the end by which it must be renewed or terminated'),
    renewal: z.enum(RENEWAL_TYPES).describe('auto: a new term of the same length unless terminated before the notice deadline; manual: renewed by a decision; none: it expires'),
    ownerGroup: GroupName,
    owner: RecordRef.optional().describe('the user (id) who owns it: renewal reminders go to them (else to the owner group)'),
    slaId: RecordRef.optional().describe('the UC agreement (id or number) of this supplier this contract backs'),
    serviceId: RecordRef.optional().describe('the service (id or number) it supports'),
  })
  .strict()
  .refine((b) => Date.parse(b.endDate) > Date.parse(b.startDate), { message: 'must be after startDate', path: ['endDate'] })
  .refine((b) => Date.parse(b.endDate) <= Date.parse(b.startDate) || Date.parse(b.endDate) - b.noticeDays * 86_400_000 > Date.parse(b.startDate), { message: 'the notice period must fit in the term', path: ['noticeDays'] });
export type CreateContractBody = z.infer<typeof CreateContractBody>;

export const ContractCommandBodies = {
  renew: z.object({ endDate: IsoTimestamp.describe('the new term ends then (after the current end)'), value: Value.optional().describe('the new term’s value (default: unchanged)') }).strict(),
  terminate: z.object({ reason: Text(4000) }).strict(),
  amend: z
    .object({ title: Text(200).optional(), value: Value.optional(), noticeDays: NoticeDays.optional(), owner: RecordRef.nullable().optional(), ownerGroup: GroupName.optional() })
    .strict()
    .refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required', path: ['title'] })
    .openapi({ anyOf: ['title', 'value', 'noticeDays', 'owner', 'ownerGroup'].map((f) => ({ required: [f] })) }),
} as const satisfies Record<ContractCommandName, z.ZodType>;
export type ContractCommandBody<K extends ContractCommandName> = z.infer<(typeof ContractCommandBodies)[K]>;

const Term = z.object({ start: z.number(), end: z.number(), value: z.number() });

export const ContractSnapshotSchema = z.object({
  id: z.string(),
  number: z.string(),
  workflowId: z.string(),
  supplierId: z.string(),
  title: z.string(),
  state: z.enum(CONTRACT_STATES),
  value: z.number(),
  currency: z.string(),
  startDate: z.number(),
  endDate: z.number(),
  noticeDays: z.number(),
  renewal: z.enum(RENEWAL_TYPES),
  ownerGroup: z.string(),
  owner: z.string().nullable(),
  slaId: z.string().nullable(),
  serviceId: z.string().nullable(),
  /** Days before the notice deadline the owner is reminded (from config), largest first. */
  reminderDays: z.array(z.number()),
  /** This term's reminders already sent (or skipped: due before the term was watched), by their days. */
  remindersDone: z.array(z.number()),
  escalated: z.boolean(),
  /** Earlier terms, oldest first. */
  terms: z.array(Term),
  terminatedAt: z.number().nullable(),
  terminationReason: z.string().nullable(),
  endedAt: z.number().nullable(),
  createdBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type ContractSnapshot = z.infer<typeof ContractSnapshotSchema>;

export const ContractRecord = z.object({
  id: z.string(),
  number: z.string(),
  supplierId: z.string(),
  title: z.string(),
  state: z.enum(CONTRACT_STATES),
  value: z.number(),
  currency: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  noticeDeadline: z.string().describe('the end less the notice period: renew or terminate by then'),
  noticeDays: z.number(),
  renewal: z.enum(RENEWAL_TYPES),
  ownerGroup: z.string(),
  owner: z.string().nullable(),
  slaId: z.string().nullable(),
  serviceId: z.string().nullable(),
  nextReminder: z.string().nullable(),
  escalated: z.boolean(),
  terms: z.array(z.object({ start: z.string(), end: z.string(), value: z.number() })),
  terminatedAt: z.string().nullable(),
  terminationReason: z.string().nullable(),
  endedAt: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  workflowId: z.string(),
});
export type ContractView = z.infer<typeof ContractRecord>;

export const ContractQuery = ListQuery.extend({
  supplierId: RecordRef.optional(),
  state: z.enum(CONTRACT_STATES).optional(),
});
