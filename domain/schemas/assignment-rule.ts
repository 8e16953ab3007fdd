import { z } from './zod';
import { CiClass } from './ci';
import { NOT_BLANK, PriorityEnum, RecordRef } from './common';

/** What a rule matches on: every field it sets must equal the new incident's; none set matches every incident. */
export const AssignmentRuleMatchBody = z
  .object({
    serviceId: RecordRef.optional().describe('service CI, by id or number'),
    ciClass: CiClass.optional(),
    category: z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK }).optional().describe('compared case-insensitively'),
    priority: PriorityEnum.optional(),
  })
  .strict();

export const CreateAssignmentRuleBody = z
  .object({
    match: AssignmentRuleMatchBody.default({}),
    group: RecordRef.describe('the group new matching incidents are assigned to, by id or name'),
    /** Lower orders are tried first; equal orders by creation. */
    order: z.number().int().min(0).max(1_000_000),
  })
  .strict();
export type CreateAssignmentRuleBody = z.infer<typeof CreateAssignmentRuleBody>;

export const AssignmentRuleRecord = z.object({
  id: z.string(),
  order: z.number().int(),
  match: z.object({
    serviceId: z.string().nullable(),
    serviceNumber: z.string().nullable(),
    ciClass: z.string().nullable(),
    category: z.string().nullable(),
    priority: z.string().nullable(),
  }),
  group: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type AssignmentRuleRecord = z.infer<typeof AssignmentRuleRecord>;
