import { z } from './zod';
import { IsoTimestamp, ListQuery, NOT_BLANK } from './common';
import { Email, GroupName } from './people';

const Name = z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK });

export const CreateSupplierBody = z
  .object({
    name: Name.describe('unique; underpinning contracts (UC agreements) name the supplier by it'),
    contact: Name.optional().describe("the supplier's contact person"),
    email: Email.optional(),
    ownerGroup: GroupName.optional().describe('the group that manages the supplier'),
  })
  .strict();
export type CreateSupplierBody = z.infer<typeof CreateSupplierBody>;

export const UpdateSupplierBody = z
  .object({
    name: Name.optional(),
    contact: Name.nullable().optional(),
    email: Email.nullable().optional(),
    ownerGroup: GroupName.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required', path: ['name'] })
  .openapi({ minProperties: 1 });
export type UpdateSupplierBody = z.infer<typeof UpdateSupplierBody>;

export const SupplierQuery = ListQuery.extend({ name: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }).optional().describe('part of the name') });

const UcSummary = z.object({ id: z.string(), number: z.string(), name: z.string(), serviceId: z.string().nullable(), retired: z.boolean() });

export const SupplierRecord = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  ciId: z.string().nullable().describe('its CI (class supplier): relate CIs and services to it with `supplied_by`'),
  contact: z.string().nullable(),
  email: z.string().nullable(),
  ownerGroup: z.string().nullable(),
  retiredAt: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  ucs: z.array(UcSummary).describe('the underpinning contracts (UC agreements) naming this supplier'),
});
export type SupplierRecord = z.infer<typeof SupplierRecord>;

export const SupplierReportQuery = z
  .object({
    from: IsoTimestamp.describe('UC clocks started from this instant'),
    to: IsoTimestamp.describe('UC clocks started before this instant'),
    format: z.enum(['json', 'csv']).optional().describe('json (default) or csv (`Accept: text/csv` too)'),
  })
  .strict()
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'must be after from', path: ['to'] });

export const SupplierReport = z.object({
  from: z.string(),
  to: z.string(),
  rows: z.array(
    z.object({
      supplier: z.string().describe('the name UC agreements and holds use'),
      supplierId: z.string().nullable().describe('its supplier record, if it has one'),
      supplierNumber: z.string().nullable(),
      clocks: z.number().int().describe('UC clocks started in the period (incidents put on hold awaiting the supplier)'),
      breaches: z.number().int(),
      breachRate: z.number().nullable(),
      mttrMs: z.number().nullable().describe('MTTR on supplier holds: the mean business time of the stopped clocks'),
      activeContracts: z.number().int().describe('live contracts now (neither expired nor terminated)'),
      contractValue: z.array(z.object({ currency: z.string(), value: z.number() })).describe('their value (current term) per currency'),
    }),
  ),
});
