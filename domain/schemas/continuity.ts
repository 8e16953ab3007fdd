import { z } from './zod';
import { ListQuery, NOT_BLANK, RecordRef } from './common';
import { GroupName } from './people';
import { PlanStep } from '../continuity/lifecycle';
import { AffectedCi } from './ci';

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

const ContinuityPlanFields = {
  id: z.string(),
  number: z.string(),
  serviceId: z.string(),
  name: z.string(),
  rtoMinutes: z.number().int(),
  rpoMinutes: z.number().int(),
  steps: z.array(PlanStep),
  ownerGroup: z.string(),
  testIntervalDays: z.number().int(),
  testCron: z.string().nullable(),
  lastTestedAt: z.string().nullable(),
  lastTestResult: z.enum(['passed', 'failed', 'overrun']).nullable(),
  testDueAt: z.string().describe('when the plan lapses untested: its interval after the last test, else after its creation'),
  overdue: z.boolean().describe('not tested within testIntervalDays'),
  version: z.number().int(),
  retiredAt: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
};
export const ContinuityPlanRecord = z.object(ContinuityPlanFields);
export type ContinuityPlanRecord = z.infer<typeof ContinuityPlanRecord>;

export const PLAN_NEEDS_SHOWN = 500;

/** One plan with what its service needs: the CMDB's upstream impact walk from the service (what it depends on, transitively). */
export const ContinuityPlanDetail = z.object({
  ...ContinuityPlanFields,
  needs: z.object({
    total: z.number().int().describe('CIs the service depends on, transitively'),
    cis: z.array(AffectedCi).describe(`the nearest ${PLAN_NEEDS_SHOWN} of them, by (distance, number), each with one dependency path from the service`),
  }),
});
export type ContinuityPlanDetail = z.infer<typeof ContinuityPlanDetail>;
