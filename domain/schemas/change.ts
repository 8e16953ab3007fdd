import { z } from './zod';
import { CHANGE_STATES } from '../change/state-machine';
import { IsoDuration, IsoTimestamp, NOT_BLANK, RecordRef } from './common';
import { CiStatus } from './ci';

export const ChangeStateEnum = z.enum(CHANGE_STATES);
export const ChangeTypeEnum = z.enum(['standard', 'normal', 'emergency']);
export const RiskLevelEnum = z.enum(['low', 'medium', 'high']);
export const DecisionEnum = z.enum(['approve', 'reject']);
export const BoardEnum = z.enum(['cab', 'ecab']);
export const ApproverRoleEnum = z.enum(['change_manager', 'service_owner', 'cab_member']);

const Text = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });
/** Two valid timestamps with `b` not after `a`. An invalid one is not compared: it has its own error already. */
const notAfter = (a: string, b: string) => {
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return !Number.isNaN(x) && !Number.isNaN(y) && y <= x;
};

/**
 * Runs a cross-field check as soon as the fields it reads are valid, even when other fields
 * are not (zod skips refinements on an object with any issue by default): a bad request
 * gets every offending field listed at once.
 */
function whenValid(...fields: string[]) {
  return {
    when: (payload: { value: unknown; issues: readonly { path?: readonly PropertyKey[] }[] }) =>
      typeof payload.value === 'object' && payload.value !== null && !payload.issues.some((i) => fields.includes(String(i.path?.[0]))),
  };
}

export const CiUpdateSchema = z
  .object({
    ciId: RecordRef,
    attributes: z.record(z.string(), z.unknown()).optional(),
    status: CiStatus.optional(),
  })
  .strict()
  .refine((u) => u.attributes !== undefined || u.status !== undefined, { message: 'attributes or status is required', path: ['attributes'] })
  .openapi({ anyOf: [{ required: ['attributes'] }, { required: ['status'] }] });

export const CreateChangeBody = z
  .object({
    title: Text(300),
    description: z.string().maxChars(20_000).optional(),
    type: ChangeTypeEnum,
    ciIds: z.array(RecordRef).min(1).max(200),
    plannedStart: IsoTimestamp,
    plannedEnd: IsoTimestamp,
    /** Required unless a standard change's template supplies it. */
    implementationPlan: Text(20_000).optional(),
    backoutPlan: Text(20_000).optional(),
    problemId: RecordRef.optional(),
    /** The standard change template (required for, and only for, standard changes). */
    templateId: RecordRef.optional(),
    ciUpdates: z.array(CiUpdateSchema).max(200).default([]),
  })
  .strict()
  .refine((b) => !notAfter(b.plannedStart, b.plannedEnd), { path: ['plannedEnd'], message: 'must be after plannedStart', ...whenValid('plannedStart', 'plannedEnd') })
  .refine((b) => b.type !== 'standard' || !!b.templateId, { path: ['templateId'], message: 'a standard change must name its pre-approved template', ...whenValid('type', 'templateId') })
  .refine((b) => b.type === 'standard' || !b.templateId, { path: ['templateId'], message: 'only standard changes use a template', ...whenValid('type', 'templateId') })
  // Only when absent: an empty plan already has its own error, one per field.
  .refine((b) => b.type === 'standard' || b.implementationPlan !== undefined, { path: ['implementationPlan'], message: 'required for a normal or emergency change', ...whenValid('type', 'implementationPlan') })
  .refine((b) => b.type === 'standard' || b.backoutPlan !== undefined, { path: ['backoutPlan'], message: 'required for a normal or emergency change', ...whenValid('type', 'backoutPlan') });
export type CreateChangeBody = z.infer<typeof CreateChangeBody>;

const Window = z
  .object({ plannedStart: IsoTimestamp, plannedEnd: IsoTimestamp })
  .strict()
  .refine((b) => !notAfter(b.plannedStart, b.plannedEnd), { message: 'must be after plannedStart', path: ['plannedEnd'], ...whenValid('plannedStart', 'plannedEnd') });

/** One schema per command body; each is also the payload of the workflow Update of that name. */
export const ChangeCommandBodies = {
  start: z.object({ notes: z.string().maxChars(5000).optional() }).strict(),
  complete: z.object({ outcome: z.enum(['success', 'failed']), notes: z.string().maxChars(20_000).optional() }).strict(),
  review: z.object({ notes: Text(20_000) }).strict(),
  close: z.object({ notes: z.string().maxChars(5000).optional() }).strict(),
  cancel: z.object({ reason: Text(5000) }).strict(),
  reschedule: Window,
} as const;
export type ChangeCommandName = keyof typeof ChangeCommandBodies;
export type ChangeCommandBody<K extends ChangeCommandName> = z.infer<(typeof ChangeCommandBodies)[K]>;
/** Every command's body by name (what each command's Update carries). */
export type ChangeCommandBodyMap = { [K in ChangeCommandName]: ChangeCommandBody<K> };
export const CHANGE_COMMANDS = Object.keys(ChangeCommandBodies) as ChangeCommandName[];

export const VoteBody = z.object({ decision: DecisionEnum, comment: z.string().maxChars(5000).optional() }).strict();
export type VoteBody = z.infer<typeof VoteBody>;

/** A CMDB update as the change stores and shows it (what CiUpdateSchema accepted). */
export const StoredCiUpdate = z.object({ ciId: z.string(), attributes: z.record(z.string(), z.unknown()).optional(), status: z.string().optional() });

export const RiskAssessmentSchema = z.object({
  score: z.number(),
  level: RiskLevelEnum,
  factors: z.array(z.object({ factor: z.enum(['type', 'services', 'failed_changes', 'open_incidents', 'business_hours']), points: z.number(), detail: z.string() })),
});

const ImpactCi = z.object({ id: z.string(), number: z.string(), name: z.string(), class: z.string() });
export const ChangeImpactSchema = z.object({
  cis: z.array(ImpactCi),
  /** The nearest affected CIs (at most 500, by distance then number). */
  affected: z.array(ImpactCi.extend({ distance: z.number(), path: z.array(z.string()) })),
  /** Every affected CI, counted (absent on changes assessed before the list was capped). */
  affectedTotal: z.number().int().optional(),
  services: z.array(ImpactCi.extend({ criticality: z.string(), ownerGroup: z.string().nullable() })),
});
const Iso = z.string();

/**
 * The fields a change's stored snapshot (change-snapshot.ts) and its API record share; they
 * differ only in how times are written (epoch ms stored, ISO-8601 shown) and in the CAB.
 */
export function changeFields<T extends z.ZodType>(Time: T) {
  return {
    id: z.string(),
    number: z.string(),
    type: ChangeTypeEnum,
    title: z.string(),
    description: z.string().nullable(),
    state: ChangeStateEnum,
    ciIds: z.array(z.string()),
    plannedStart: Time,
    plannedEnd: Time,
    implementationPlan: z.string(),
    backoutPlan: z.string(),
    problemId: z.string().nullable(),
    /** Absent from changes stored before problem management: read as null. */
    problemNumber: z.string().nullable().default(null),
    /** Absent from changes stored before release management: read as null. */
    releaseId: z.string().nullable().default(null),
    releaseNumber: z.string().nullable().default(null),
    templateId: z.string().nullable(),
    ciUpdates: z.array(StoredCiUpdate),
    risk: RiskAssessmentSchema.nullable().describe('null until the assessment has run'),
    impact: ChangeImpactSchema.nullable(),
    decision: z.object({ outcome: z.enum(['approved', 'rejected']), reason: z.string(), at: Time, by: z.string() }).nullable(),
    changeManager: z.string().nullable(),
    holdReason: z.string().nullable(),
    freezeId: z.string().nullable(),
    heldUntil: Time.nullable(),
    windowOpenedAt: Time.nullable(),
    startedAt: Time.nullable(),
    completedAt: Time.nullable(),
    outcome: z.enum(['success', 'failed']).nullable(),
    completionNotes: z.string().nullable(),
    backout: z.object({ plan: z.string(), executedAt: Time, executedBy: z.string() }).nullable(),
    overranAt: Time.nullable(),
    review: z.object({ notes: z.string(), by: z.string(), at: Time }).nullable(),
    cancelReason: z.string().nullable(),
    closedAt: Time.nullable(),
    createdBy: z.string(),
    submittedAt: Time,
    workflowId: z.string(),
    updatedAt: Time,
  };
}

/** A name beside a reference: null when it has none or no longer resolves. */
const RefName = z.string().nullable();

export const ChangeRecord = z.object({
  ...changeFields(Iso),
  /** Each reference by number or name too (api/routes/changes.ts presentChanges). */
  ciNumbers: z.array(RefName).describe('the number of each of ciIds, in the same order'),
  ciUpdates: z.array(StoredCiUpdate.extend({ ciNumber: RefName })),
  templateName: RefName,
  freezeName: RefName.describe('the freeze holding the change'),
  changeManagerName: RefName,
  cab: z
    .object({
      board: BoardEnum,
      required: z.array(z.string()).describe('user ids and group:<name> entries; any member of a group answers for it'),
      approvers: z.array(
        z.object({ approver: z.string(), approverName: RefName.describe("the user's name, or the group's for a group:<name> entry"), role: ApproverRoleEnum, decision: DecisionEnum.nullable() }),
      ),
      votes: z.array(
        z.object({
          member: z.string(),
          memberName: RefName,
          decision: DecisionEnum,
          at: Iso,
          comment: z.string().nullable(),
          counted: z.boolean(),
          countsFor: z.array(z.string()),
          ignoredReason: z.string().nullable(),
        }),
      ),
      quorum: z.number().int(),
      changeManagerRequired: z.boolean(),
      approvals: z.number().int(),
      rejections: z.number().int(),
      deadline: Iso,
      timeoutAt: Iso,
      remindedAt: Iso.nullable(),
      escalatedAt: Iso.nullable(),
    })
    .nullable(),
});

export const ChangeListQuery = z.object({
  state: ChangeStateEnum.optional(),
  type: ChangeTypeEnum.optional(),
  risk: RiskLevelEnum.optional(),
  /** The problem's id or number. */
  problemId: z.string().optional(),
});

export const CalendarQuery = z
  .object({ from: IsoTimestamp, to: IsoTimestamp })
  .strict()
  .refine((q) => !notAfter(q.from, q.to), { message: 'must be after from', path: ['to'] })
  .refine((q) => !(Date.parse(q.to) - Date.parse(q.from) > 366 * 86_400_000), { message: 'the range may span at most 366 days', path: ['to'] });

export const CreateFreezeBody = z
  .object({ name: Text(200), start: IsoTimestamp, end: IsoTimestamp, reason: Text(5000) })
  .strict()
  .refine((b) => !notAfter(b.start, b.end), { message: 'must be after start', path: ['end'] });
export type CreateFreezeBody = z.infer<typeof CreateFreezeBody>;

export const FreezeRecord = z.object({ id: z.string(), name: z.string(), start: Iso, end: Iso, reason: z.string(), createdBy: z.string(), createdAt: Iso });

export const CalendarResponse = z.object({
  from: Iso,
  to: Iso,
  changes: z.array(
    z.object({
      id: z.string(),
      number: z.string(),
      title: z.string(),
      type: ChangeTypeEnum,
      state: ChangeStateEnum,
      risk: RiskLevelEnum.nullable(),
      plannedStart: Iso,
      plannedEnd: Iso,
      ciIds: z.array(z.string()),
      ciNumbers: z.array(RefName).describe('the number of each of ciIds, in the same order'),
      conflicts: z.array(z.object({ with: z.string(), ciIds: z.array(z.string()) })).describe('other changes whose windows overlap this one on a common CI'),
    }),
  ),
  freezes: z.array(FreezeRecord),
});

export const CreateTemplateBody = z
  .object({
    name: Text(200),
    description: z.string().maxChars(20_000).optional(),
    implementationPlan: Text(20_000),
    backoutPlan: Text(20_000),
    /** CI classes the template may be applied to; empty: any. */
    ciClasses: z.array(z.string().min(1).maxChars(50)).max(50).default([]),
    /** The longest window the pre-approval covers. */
    maxDuration: IsoDuration.optional(),
    active: z.boolean().default(true),
  })
  .strict();
export type CreateTemplateBody = z.infer<typeof CreateTemplateBody>;

export const TemplateRecord = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  implementationPlan: z.string(),
  backoutPlan: z.string(),
  ciClasses: z.array(z.string()),
  maxDuration: z.string().nullable(),
  active: z.boolean(),
  createdBy: z.string(),
  createdAt: Iso,
});

const BoardRuleSchema = z
  .object({
    include: z.array(ApproverRoleEnum).min(1),
    quorum: z.union([z.literal('majority'), z.number().int().min(1)]),
    changeManagerRequiredAt: z.array(RiskLevelEnum),
    deadline: IsoDuration,
    grace: IsoDuration,
  })
  .partial()
  .strict();

/** CHANGE_POLICY: a partial override of the default policy (domain/change/policy.ts). */
export const ChangePolicyOverride = z
  .object({
    cabGroup: z.string().min(1),
    boards: z.object({ cab: BoardRuleSchema, ecab: BoardRuleSchema }).partial().strict(),
    risk: z
      .object({
        thresholds: z.object({ medium: z.number().min(0).max(100), high: z.number().min(0).max(100) }).strict(),
        lookbackDays: z.number().int().min(1).max(3650),
        businessHoursOverlap: z.number().min(0).max(100),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();
export type ChangePolicyOverride = z.infer<typeof ChangePolicyOverride>;
