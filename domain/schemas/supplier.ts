import { z } from './zod';
import { ListQuery, NOT_BLANK } from './common';
import { GroupName } from './people';

const Name = z.string().trim().min(1).max(200).openapi({ pattern: NOT_BLANK });

export const CreateSupplierBody = z
  .object({
    name: Name.describe('unique; underpinning contracts (UC agreements) name the supplier by it'),
    contact: z.string().trim().min(1).max(200).optional().describe("the supplier's contact person"),
    email: z.email().max(320).optional(),
    ownerGroup: GroupName.optional().describe('the group that manages the supplier'),
  })
  .strict();
export type CreateSupplierBody = z.infer<typeof CreateSupplierBody>;

export const UpdateSupplierBody = z
  .object({
    name: Name.optional(),
    contact: z.string().trim().min(1).max(200).nullable().optional(),
    email: z.email().max(320).nullable().optional(),
    ownerGroup: GroupName.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'at least one field is required', path: ['name'] })
  .openapi({ minProperties: 1 });
export type UpdateSupplierBody = z.infer<typeof UpdateSupplierBody>;

export const SupplierQuery = ListQuery.extend({ name: z.string().trim().min(1).max(200).optional().describe('part of the name') });

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
