import { z } from './zod';
import { ListQuery, NOT_BLANK, RecordRef } from './common';
import { GroupName } from './people';
import type { PlanStep as PlanStepShape } from '../continuity/lifecycle';
import { AffectedCi } from './ci';

/** A plan's recovery step as stored and sent (its type, PlanStep, is the domain's). */
export const PlanStep = z.object({
  title: z.string().min(1).maxChars(200),
  group: z.string().min(1).maxChars(100),
  instructions: z.string().maxChars(4000).default(''),
  durationMinutes: z.number().int().min(1).max(10_080),
}) satisfies z.ZodType<PlanStepShape, unknown>;

const Text = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });
const Minutes = z.number().int().min(1).max(525_600);

// Steps are ordered: the recovery time is measured to the last one, so an empty plan could never recover.
// Strict in requests: a step's unknown field is the caller's mistake to hear about, not to drop.
const Steps = z.array(PlanStep.strict()).min(1).max(100).describe('the recovery steps, in the order they must be done');

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

// ---- Runs: a DR test or an invocation of a plan, one record process each ----

export const RUN_KINDS = ['test', 'invocation'] as const;
export const RUN_STATES = ['running', 'completed', 'failed', 'aborted'] as const;
export const RUN_OUTCOMES = ['passed', 'failed', 'overrun', 'recovered', 'abandoned'] as const;
export const CONTINUITY_RUN_COMMANDS = ['start-step', 'complete-step', 'fail-step', 'abort'] as const;
export type ContinuityRunCommandName = (typeof CONTINUITY_RUN_COMMANDS)[number];

const StepIndex = z.number().int().min(0).max(99).describe('the step, by its position in the plan (0 first); steps are done in order');

export const ContinuityRunCommandBodies = {
  'start-step': z.object({ step: StepIndex }).strict(),
  'complete-step': z
    .object({
      step: StepIndex,
      evidence: Text(4000).describe('what was done and how it was checked'),
      attachmentId: RecordRef.optional().describe('a file attached to this run as evidence (POST /api/v1/continuity-runs/:id/attachments), by its id'),
    })
    .strict(),
  'fail-step': z.object({ step: StepIndex, reason: Text(4000) }).strict(),
  abort: z.object({ reason: Text(4000) }).strict(),
} as const satisfies Record<ContinuityRunCommandName, z.ZodType>;
export type ContinuityRunCommandBody<K extends ContinuityRunCommandName> = z.infer<(typeof ContinuityRunCommandBodies)[K]>;

export const StartContinuityTestBody = z.object({}).strict();
export const InvokeContinuityPlanBody = z
  .object({ incidentId: RecordRef.optional().describe('the major incident (id or number); absent: a P1 incident is opened on the service') })
  .strict();
export type InvokeContinuityPlanBody = z.infer<typeof InvokeContinuityPlanBody>;

export const ContinuityRunQuery = ListQuery.extend({
  planId: RecordRef.optional(),
  kind: z.enum(RUN_KINDS).optional(),
  state: z.enum(RUN_STATES).optional(),
});
export type ContinuityRunQuery = z.infer<typeof ContinuityRunQuery>;

const StoredStep = PlanStep.extend({
  state: z.enum(['pending', 'in_progress', 'done', 'failed']),
  dueAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  evidence: z.object({ text: z.string(), attachmentId: z.string().optional() }).nullable(),
  reason: z.string().nullable(),
});

/** The run as its workflow keeps it and its row stores it (`detail`), checked on read. */
export const ContinuityRunSnapshotSchema = z.object({
  id: z.string(),
  number: z.string(),
  workflowId: z.string(),
  title: z.string(),
  planId: z.string(),
  planNumber: z.string(),
  planName: z.string(),
  serviceId: z.string(),
  serviceNumber: z.string(),
  serviceName: z.string(),
  ownerGroup: z.string(),
  kind: z.enum(RUN_KINDS),
  state: z.enum(RUN_STATES),
  rtoMinutes: z.number().int(),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
  recoveryMs: z.number().nullable(),
  outcome: z.enum(RUN_OUTCOMES).nullable(),
  steps: z.array(StoredStep),
  /** Step alarms already fired, as `<step>:reminder|escalation`. */
  alarms: z.array(z.string()),
  incidentId: z.string().nullable(),
  incidentNumber: z.string().nullable(),
  problemId: z.string().nullable(),
  problemNumber: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type ContinuityRunSnapshot = z.infer<typeof ContinuityRunSnapshotSchema>;

export const ContinuityRunRecord = z.object({
  id: z.string(),
  number: z.string(),
  title: z.string(),
  workflowId: z.string(),
  planId: z.string(),
  planNumber: z.string(),
  serviceId: z.string(),
  serviceNumber: z.string(),
  serviceName: z.string(),
  kind: z.enum(RUN_KINDS),
  state: z.enum(RUN_STATES),
  outcome: z.enum(RUN_OUTCOMES).nullable(),
  rtoMinutes: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  recoveryMinutes: z.number().nullable().describe('start to the last step done, in minutes (null until recovered)'),
  withinRto: z.boolean().nullable(),
  steps: z.array(
    PlanStep.extend({
      step: z.number().int(),
      state: z.enum(['pending', 'in_progress', 'done', 'failed']),
      dueAt: z.string(),
      overdue: z.boolean().describe('past its deadline and not done (as of the answer)'),
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
      evidence: z.string().nullable(),
      attachmentId: z.string().nullable(),
      reason: z.string().nullable(),
    }),
  ),
  incidentId: z.string().nullable(),
  incidentNumber: z.string().nullable(),
  problemId: z.string().nullable(),
  problemNumber: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ContinuityRunRecord = z.infer<typeof ContinuityRunRecord>;
