import { z, type Agree } from './zod';
import type { IncidentSnapshot } from '../incident/snapshot';
import { INCIDENT_STATES } from '../incident/state-machine';
import { IsoDuration, IsoTimestamp, Level, NOT_BLANK, PriorityEnum, RecordRef } from './common';
import { AgreementClockSchema, HoldReasonEnum, SlaClockSchema } from './sla';
import { Email } from './people';
import { CIA_LEVELS, DATA_CLASSES } from '../incident/security';

export const MatchedKnownErrorSchema = z.object({ id: z.string(), number: z.string(), title: z.string(), workaround: z.string() });

export const IncidentStateEnum = z.enum(INCIDENT_STATES);
export const IncidentType = z.enum(['incident', 'service_request', 'security']);
const CiaLevel = z.enum(CIA_LEVELS);
/** A security incident's impact on confidentiality, integrity and availability (required with type `security`, refused otherwise). */
export const SecurityClassification = z.object({ confidentiality: CiaLevel, integrity: CiaLevel, availability: CiaLevel }).strict();

const Text = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });
const GroupName = z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK });
const PersonRef = z.string().trim().min(1).maxChars(254).openapi({ pattern: NOT_BLANK }).describe('a user: id or e-mail address');

export const CreateIncidentBody = z
  .object({
    title: Text(300),
    description: z.string().maxChars(20_000).optional(),
    type: IncidentType.default('incident'),
    impact: Level,
    urgency: Level,
    serviceId: RecordRef.optional(),
    ciId: RecordRef.optional(),
    category: z.string().maxChars(100).optional(),
    callerId: z.string().maxChars(100).optional(),
    /** A caller who is not a user, known by address (the desk logging a call or an e-mail). */
    callerEmail: Email.optional(),
    /**
     * Restricted to these groups (e.g. a security incident): besides them only its assignment
     * group, assignee, caller, opener and admins see it. The desk's choice, not a requester's.
     */
    restrictedTo: z.array(GroupName).min(1).max(20).optional(),
    /** People besides those groups who may see it (restricts it as `restrictedTo` does). The desk's choice. */
    namedPeople: z.array(PersonRef).min(1).max(20).optional(),
    classification: SecurityClassification.optional().describe("type security: its impact on confidentiality, integrity and availability (none|low|medium|high); the incident is restricted to the security group"),
  })
  .strict()
  .refine((b) => b.type !== 'security' || b.classification !== undefined, { message: "required with type 'security'", path: ['classification'] })
  .refine((b) => b.type === 'security' || b.classification === undefined, { message: "only with type 'security'", path: ['classification'] });
export type CreateIncidentBody = z.infer<typeof CreateIncidentBody>;

/** One schema per command body; each is also the payload of the workflow Update of that name. */
export const IncidentCommandBodies = {
  assign: z
    .object({ group: GroupName.optional(), assignee: z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK }).optional() })
    .strict()
    .refine((b) => b.group !== undefined || b.assignee !== undefined, { message: 'group or assignee is required', path: ['group'] })
    .openapi({ anyOf: [{ required: ['group'] }, { required: ['assignee'] }] }),
  acknowledge: z.object({ note: z.string().maxChars(5000).optional() }).strict(),
  hold: z
    .object({
      reason: HoldReasonEnum,
      note: z.string().maxChars(5000).optional(),
      supplier: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }).optional().describe("with reason awaiting_supplier: the supplier waited on; its underpinning contract's clock runs meanwhile"),
    })
    .strict()
    .refine((b) => b.supplier === undefined || b.reason === 'awaiting_supplier', { message: 'only with reason awaiting_supplier: the supplier an incident waits on', path: ['supplier'] }),
  resume: z.object({ note: z.string().maxChars(5000).optional() }).strict(),
  resolve: z.object({ code: Text(100), notes: Text(20_000) }).strict(),
  reopen: z.object({ reason: Text(5000) }).strict(),
  close: z.object({ note: z.string().maxChars(5000).optional() }).strict(),
  cancel: z.object({ reason: Text(5000) }).strict(),
  escalate: z.object({ reason: Text(5000) }).strict(),
  notes: z
    .object({
      text: Text(20_000),
      /** `internal` (a work note, the default for the desk) is never shown or sent to requesters; a requester's own notes are `public`. */
      visibility: z.enum(['public', 'internal']).optional(),
      /** Files already attached to this incident (POST …/attachments) that the note refers to. */
      attachmentIds: z.array(z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK })).min(1).max(20).optional(),
      /** Users to notify (`mention`), by id or e-mail address; `@id` and `@address` in the text count too. */
      mentions: z.array(z.string().trim().min(1).maxChars(254).openapi({ pattern: NOT_BLANK })).min(1).max(20).optional(),
    })
    .strict(),
  /** Limits the incident to these groups (as `restrictedTo` at creation); an empty list lifts the restriction. */
  restrict: z.object({ groups: z.array(GroupName).max(20), people: z.array(PersonRef).max(20).optional().describe('the people named on it besides the groups (replaces them; left out: kept)') }).strict(),
  /** The service outage behind the incident (domain/incident/outage.ts has the rules); a later call corrects it, fields left out keep their value. */
  outage: z
    .object({
      serviceId: RecordRef.optional().describe("the service that was down (id or number); default: the outage's recorded service, else the incident's"),
      start: IsoTimestamp.optional().describe('when the service went down; required the first time, not in the future, at most 7 days before the incident was opened'),
      end: IsoTimestamp.nullable().optional().describe('when service was restored (after start, not in the future); null: still down'),
    })
    .strict()
    .refine((b) => b.start === undefined || !b.end || Date.parse(b.end) > Date.parse(b.start), { message: 'must be after start', path: ['end'] }),
  /** A security incident's post-incident review (required before it can be closed); a later one replaces it. */
  review: z
    .object({
      findings: Text(20_000),
      rootCause: Text(5000),
      actions: z.array(Text(2000)).min(1).max(50).describe('what will be done so it does not happen again'),
      reviewer: z.string().trim().min(1).maxChars(254).openapi({ pattern: NOT_BLANK }).describe('the user who reviewed it: id or e-mail address'),
    })
    .strict(),
  impact: z
    .object({ impact: Level.optional(), urgency: Level.optional() })
    .strict()
    .refine((b) => b.impact !== undefined || b.urgency !== undefined, { message: 'impact or urgency is required', path: ['impact'] })
    .openapi({ anyOf: [{ required: ['impact'] }, { required: ['urgency'] }] }),
} as const;

export type IncidentCommandName = keyof typeof IncidentCommandBodies;
export type IncidentCommandBody<K extends IncidentCommandName> = z.infer<(typeof IncidentCommandBodies)[K]>;
/** Every command's body by name (what each command's Update carries). */
export type IncidentCommandBodyMap = { [K in IncidentCommandName]: IncidentCommandBody<K> };
export const INCIDENT_COMMANDS = Object.keys(IncidentCommandBodies) as IncidentCommandName[];

export const SlaViewSchema = z.object({
  slaId: z.string(),
  response: z.object({ dueAt: z.string(), metAt: z.string().nullable(), breached: z.boolean() }),
  resolution: z.object({ dueAt: z.string(), metAt: z.string().nullable(), breached: z.boolean(), pausedMs: z.number() }),
  paused: z.boolean(),
});

const ClockTimes = z.object({ dueAt: z.string(), metAt: z.string().nullable(), breached: z.boolean() });
/** One clock in an incident's `clocks` list: the SLA first, then every OLA and UC in the order they started. */
export const IncidentClockView = z.object({
  kind: z.enum(['SLA', 'OLA', 'UC']),
  agreementId: z.string(),
  agreementVersion: z.number().int(),
  name: z.string().nullable(),
  group: z.string().nullable().describe('OLA: the support group it measures'),
  supplier: z.string().nullable().describe('UC: the supplier it measures'),
  priority: PriorityEnum,
  start: z.string(),
  stop: z.string().nullable(),
  stopReason: z.enum(['handed_on', 'resolved', 'supplier_answered', 'cancelled']).nullable(),
  dueAt: z.string().describe('resolution due (for a UC: the supplier\'s answer due)'),
  metAt: z.string().nullable(),
  breached: z.boolean(),
  paused: z.boolean(),
  pausedMs: z.number(),
  response: ClockTimes.nullable().describe('the time to acknowledge (SLA and OLA)'),
});

export const IncidentRecord = z.object({
  id: z.string(),
  number: z.string(),
  type: IncidentType,
  title: z.string(),
  description: z.string().nullable(),
  impact: Level,
  urgency: Level,
  priority: PriorityEnum,
  state: IncidentStateEnum,
  serviceId: z.string().nullable(),
  serviceNumber: z.string().nullable(),
  ciId: z.string().nullable(),
  ciNumber: z.string().nullable(),
  category: z.string().nullable(),
  callerId: z.string().nullable(),
  callerEmail: z.string().nullable(),
  restricted: z.boolean(),
  restrictedTo: z.array(z.string()).describe('the groups a restricted incident is limited to'),
  namedPeople: z.array(z.string()).describe('the people (user ids) named on a restricted incident, who see it besides its groups'),
  callerName: z.string().nullable(),
  assignmentGroup: z.string().nullable().describe("the group's name"),
  assignmentGroupId: z.string().nullable(),
  assignee: z.string().nullable().describe("the user's id"),
  assigneeName: z.string().nullable(),
  escalationLevel: z.number().int(),
  holdReason: HoldReasonEnum.nullable(),
  resolutionCode: z.string().nullable(),
  resolutionNotes: z.string().nullable(),
  problemId: z.string().nullable(),
  problemNumber: z.string().nullable(),
  knownErrors: z.array(MatchedKnownErrorSchema).describe('active known errors matching its CI (or a CI it depends on), service or category, best first'),
  knownErrorId: z.string().nullable().describe('the known error whose workaround was applied'),
  sla: SlaViewSchema,
  slaVersion: z.number().int().describe('the version of the SLA the clock runs on (kept from opening unless re-prioritised)'),
  clocks: z.array(IncidentClockView),
  outage: z.object({ serviceId: z.string(), start: z.string(), end: z.string().nullable() }).nullable().describe('the service outage recorded on the incident (POST …/outage)'),
  outageRequested: z.boolean().describe('a P1 on a service without a recorded outage: the desk is asked to record it'),
  holdSupplier: z.string().nullable(),
  security: z
    .object({
      classification: SecurityClassification,
      dataClass: z.enum(DATA_CLASSES).nullable().describe("the security class of the incident's CI when opened (confidential or secret: at least P2)"),
      review: z.object({ findings: z.string(), rootCause: z.string(), actions: z.array(z.string()), reviewer: z.string(), recordedAt: z.string() }).nullable(),
    })
    .nullable()
    .describe('security incidents: classification and post-incident review'),
  openedAt: z.string(),
  resolvedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  createdBy: z.string(),
  workflowId: z.string(),
  updatedAt: z.string(),
});
export type IncidentRecord = z.infer<typeof IncidentRecord>;

export const IncidentListQuery = z.object({
  state: IncidentStateEnum.optional(),
  priority: PriorityEnum.optional(),
  group: z.string().optional(),
  assignee: z.string().optional(),
  breached: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  serviceId: z.string().optional(),
  type: IncidentType.optional(),
  /** Open incidents whose resolution clock runs and falls due within this window (not yet breached). */
  atRisk: IsoDuration.optional().describe('e.g. PT1H: open incidents with a running clock (the SLA resolution, an OLA or a UC) due within the window, not breached'),
});

export const AuditEntry = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
  timeSpent: z.number().int().optional().describe('minutes of work logged with this entry'),
});

/**
 * What an incident row stores beyond plain text and times (db/incident-store.ts): the enum
 * columns, and the `sla` JSON column with the SLA's id and the clocks. Read back, each is
 * checked, never cast.
 */
export const IncidentEnumColumns = z.object({
  type: IncidentType,
  impact: Level,
  urgency: Level,
  priority: PriorityEnum,
  state: IncidentStateEnum,
  holdReason: HoldReasonEnum.nullable(),
});
export const IncidentSlaColumn = z.object({ slaId: z.string(), slaVersion: z.number().int().optional(), clock: SlaClockSchema, clocks: z.array(AgreementClockSchema).optional(), holdSupplier: z.string().optional() });
true satisfies Agree<Pick<IncidentSnapshot, keyof z.output<typeof IncidentEnumColumns>>, typeof IncidentEnumColumns>;
true satisfies Agree<Pick<IncidentSnapshot, 'slaId' | 'slaVersion' | 'clock' | 'clocks'>, ReturnType<typeof IncidentSlaColumn.omit<{ holdSupplier: true }>>>;
/** The `knownErrors` JSON column (absent on incidents opened before problem management). */
export const IncidentKnownErrorsColumn = z.array(MatchedKnownErrorSchema);
/** The `security` JSON column (security incidents only), checked on read. */
export const IncidentSecurityColumn = z.object({
  classification: SecurityClassification,
  dataClass: z.enum(DATA_CLASSES).nullable(),
  review: z.object({ findings: z.string(), rootCause: z.string(), actions: z.array(z.string()), reviewer: z.string(), recordedAt: z.number() }).nullable(),
});
true satisfies Agree<NonNullable<IncidentSnapshot['security']>, typeof IncidentSecurityColumn>;
