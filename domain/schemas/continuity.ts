import { z } from './zod';
import { ListQuery, NOT_BLANK, RecordRef } from './common';
import { GroupName } from './people';
import { PlanStep } from '../continuity/lifecycle';

const Text = (max: number) => z.string().trim().min(1).max(max).openapi({ pattern: NOT_BLANK });
const Minutes = z.number().int().min(1).max(525_600);

// Steps are ordered: the recovery time is measured to the last one, so an empty plan could never recover.
const Steps = z.array(PlanStep).min(1).max(100).describe('the recovery steps, in the order they must be done');

export const CreateContinuityPlanBody = z
  .object({
    serviceId: RecordRef.describe('the business service (a CI of class service, id or number)'),
    name: Text(200),
    rtoMinutes: Minutes.describe('recovery time objective'),
    rpoMinutes: Minutes.describe('recovery point objective'),
    steps: Steps,
    ownerGroup: GroupName,
    testIntervalDays: z.number().int().min(1).max(3650).default(182),
    testCron: Text(200).nullable().optional().describe('cron of the plan\u2019s DR test Schedule (absent: tests on demand only)'),
  })
  .strict();
export type CreateContinuityPlanBody = z.infer<typeof CreateContinuityPlanBody>;

export const UpdateContinuityPlanBody = z
  .object({
    name: Text(200).optional(),
    rtoMinutes: Minutes.optional(),
    rpoMinutes: Minutes.optional(),
    steps: Steps.optional(),
    ownerGroup: GroupName.optional(),
    testIntervalDays: z.number().int().min(1).max(3650).optional(),
    testCron: Text(200).nullable().optional(),
  })
  .strict();
export type UpdateContinuityPlanBody = z.infer<typeof UpdateContinuityPlanBody>;

export const ContinuityPlanQuery = ListQuery.extend({
  serviceId: RecordRef.optional(),
  overdue: z.enum(['true', 'false']).optional().describe('true: only plans not tested within their interval'),
});
export type ContinuityPlanQuery = z.infer<typeof ContinuityPlanQuery>;
