import { z } from './zod';
import { PROBLEM_STATES } from '../problem/state-machine';
import { IsoDuration, IsoTimestamp, NOT_BLANK, RecordRef } from './common';
import { CreateChangeBody } from './change';

export const ProblemStateEnum = z.enum(PROBLEM_STATES);
export const RcaMethodEnum = z.enum(['five_whys', 'fishbone']);
/** Ishikawa categories: the usual six Ms as a service organisation names them. */
export const FishboneCategoryEnum = z.enum(['people', 'process', 'technology', 'supplier', 'environment', 'measurement', 'information']);
export const ResolutionCodeEnum = z.enum(['fix_applied', 'risk_accepted', 'duplicate', 'cannot_reproduce']);
export const ChangeOutcomeEnum = z.enum(['success', 'failed', 'rejected', 'cancelled']);

const Text = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });
const IncidentRefs = z.array(RecordRef).min(1).max(200);

export const CreateProblemBody = z
  .object({
    title: Text(300),
    description: z.string().maxChars(20_000).optional(),
    serviceId: RecordRef.optional(),
    ciId: RecordRef.optional(),
    category: z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK }).optional(),
    incidentIds: z.array(RecordRef).max(200).optional(),
    /** How long a resolved problem watches for recurrence before it closes (default P14D). */
    observationPeriod: IsoDuration.optional(),
  })
  .strict();
export type CreateProblemBody = z.infer<typeof CreateProblemBody>;

export const RaiseProblemBody = z.object({ title: Text(300).optional(), description: z.string().maxChars(20_000).optional() }).strict();

/** One piece of root-cause evidence: a why and its answer, or a cause under a fishbone category. */
export const RcaEntryBody = z
  .object({
    why: Text(2000).optional(),
    answer: Text(5000).optional(),
    category: FishboneCategoryEnum.optional(),
    cause: Text(5000).optional(),
  })
  .strict();

export const RcaBody = z
  .object({ method: RcaMethodEnum, entries: z.array(RcaEntryBody).min(1).max(50) })
  .strict()
  .superRefine((b, ctx) => {
    b.entries.forEach((e, i) => {
      const needs = b.method === 'five_whys' ? (['why', 'answer'] as const) : (['category', 'cause'] as const);
      for (const f of needs) if (e[f] === undefined) ctx.addIssue({ code: 'custom', path: ['entries', i, f], message: `required for ${b.method}` });
      const foreign = b.method === 'five_whys' ? (['category', 'cause'] as const) : (['why', 'answer'] as const);
      for (const f of foreign) if (e[f] !== undefined) ctx.addIssue({ code: 'custom', path: ['entries', i, f], message: `not part of ${b.method}` });
    });
  });

/** The HTTP bodies of the problem commands (`POST /api/v1/problems/:id/<command>`). */
export const ProblemCommandBodies = {
  'link-incidents': z.object({ incidentIds: IncidentRefs }).strict(),
  investigate: z.object({ note: z.string().maxChars(5000).optional() }).strict(),
  rca: RcaBody,
  'known-error': z
    .object({
      rootCause: Text(20_000),
      workaround: Text(20_000),
      symptoms: Text(20_000).optional(),
      /** Publishing without recorded analysis needs a reason. */
      rcaWaived: Text(5000).optional(),
      validUntil: IsoTimestamp.optional(),
    })
    .strict(),
  communicate: z.object({ text: Text(20_000) }).strict(),
  'request-change': CreateChangeBody,
  'accept-risk': z.object({ reason: Text(5000) }).strict(),
  'mark-duplicate': z.object({ of: RecordRef }).strict(),
  resolve: z.object({ code: z.enum(['fix_applied', 'cannot_reproduce']), notes: Text(20_000) }).strict(),
  close: z.object({ note: z.string().maxChars(5000).optional() }).strict(),
  cancel: z.object({ reason: Text(5000) }).strict(),
} as const;
export type ProblemCommandName = keyof typeof ProblemCommandBodies;
export type ProblemCommandBody<K extends ProblemCommandName> = z.infer<(typeof ProblemCommandBodies)[K]>;
export const PROBLEM_COMMANDS = Object.keys(ProblemCommandBodies) as ProblemCommandName[];

// ---- The stored snapshot (db/problem-store.ts `detail`); times are epoch milliseconds ----

const Epoch = z.number();
const Ref = z.object({ id: z.string(), number: z.string() });
const NamedCi = z.object({ id: z.string(), number: z.string(), name: z.string() });

export const LinkedIncidentSchema = z.object({ id: z.string(), number: z.string(), serviceId: z.string().nullable(), ciId: z.string().nullable(), linkedAt: Epoch });
export const RcaEntrySchema = z.object({
  method: RcaMethodEnum,
  why: z.string().nullable(),
  answer: z.string().nullable(),
  category: FishboneCategoryEnum.nullable(),
  cause: z.string().nullable(),
  author: z.string(),
  at: Epoch,
});
export const KnownErrorStateSchema = z.object({
  id: z.string(),
  number: z.string(),
  title: z.string(),
  symptoms: z.string(),
  rootCause: z.string(),
  workaround: z.string(),
  category: z.string().nullable(),
  ciIds: z.array(z.string()),
  serviceIds: z.array(z.string()),
  status: z.enum(['active', 'retired']),
  validUntil: Epoch.nullable(),
  publishedAt: Epoch,
  retiredAt: Epoch.nullable(),
});
export const ProblemChangeSchema = z.object({ id: z.string(), number: z.string(), requestedAt: Epoch, outcome: ChangeOutcomeEnum.nullable(), reason: z.string().nullable(), reportedAt: Epoch.nullable() });

/** The impact a problem holds: services and CIs, numbered and named. */
const ProblemImpactSchema = z.object({ services: z.array(NamedCi), cis: z.array(NamedCi) });
/** What the stored snapshot and the API record share, as they are. */
const problemIdentity = {
  id: z.string(),
  number: z.string(),
  workflowId: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  state: ProblemStateEnum,
  serviceId: z.string().nullable(),
  ciId: z.string().nullable(),
  category: z.string().nullable(),
};

export const ProblemSnapshotSchema = z.object({
  ...problemIdentity,
  incidents: z.array(LinkedIncidentSchema),
  impact: ProblemImpactSchema,
  rca: z.array(RcaEntrySchema),
  rcaWaived: z.string().nullable(),
  knownError: KnownErrorStateSchema.nullable(),
  changes: z.array(ProblemChangeSchema),
  resolutionCode: ResolutionCodeEnum.nullable(),
  resolutionNotes: z.string().nullable(),
  duplicateOf: Ref.nullable(),
  observationMs: z.number().int().nonnegative(),
  observationUntil: Epoch.nullable(),
  reopenCount: z.number().int().nonnegative(),
  trendKey: z.string().nullable(),
  openedAt: Epoch,
  resolvedAt: Epoch.nullable(),
  closedAt: Epoch.nullable(),
  createdBy: z.string(),
  updatedAt: Epoch,
});
export type ProblemSnapshot = z.infer<typeof ProblemSnapshotSchema>;
export type KnownErrorState = z.infer<typeof KnownErrorStateSchema>;
export type LinkedIncident = z.infer<typeof LinkedIncidentSchema>;
export type RcaEntry = z.infer<typeof RcaEntrySchema>;
export type ProblemChange = z.infer<typeof ProblemChangeSchema>;
export type ChangeOutcomeKind = z.infer<typeof ChangeOutcomeEnum>;

// ---- What the API shows ----

const Iso = z.string();
/** A known error as stored in its problem's snapshot, with times as ISO-8601 (the problem view's `knownError`). */
const KnownErrorShown = KnownErrorStateSchema.omit({ validUntil: true, publishedAt: true, retiredAt: true }).extend({ validUntil: Iso.nullable(), publishedAt: Iso, retiredAt: Iso.nullable() });
/** A known error as its row reads (db/problem-store.ts knownErrorView): references by id. */
export const KnownErrorView = KnownErrorShown.extend({
  problemId: z.string(),
  problemNumber: z.string(),
  /** Incidents that applied this workaround. */
  workaroundApplied: z.number().int().optional(),
  /** Full-text rank for a `q` search (higher is better). */
  rank: z.number().optional(),
});
export type KnownErrorView = z.infer<typeof KnownErrorView>;
/** A known error's CIs and services by number too (null for one that no longer resolves). */
const KnownErrorReferences = {
  ciNumbers: z.array(z.string().nullable()).describe('the number of each of ciIds, in the same order'),
  serviceNumbers: z.array(z.string().nullable()).describe('the number of each of serviceIds, in the same order'),
};
/** A known error as the API shows it: each reference as id and number (api/routes/problems.ts). */
export const KnownErrorRecord = KnownErrorView.extend(KnownErrorReferences);
export type KnownErrorRecord = z.infer<typeof KnownErrorRecord>;

/** A problem as its workflow answers (domain/problem/snapshot.ts problemView): references by id. */
export const ProblemView = z.object({
  ...problemIdentity,
  incidentIds: z.array(z.string()),
  incidents: z.array(z.object({ id: z.string(), number: z.string(), linkedAt: Iso })),
  impact: ProblemImpactSchema.describe('the union of its incidents’ services and CIs, services reached through the CMDB'),
  rca: z.object({ method: RcaMethodEnum.nullable(), entries: z.array(RcaEntrySchema.extend({ at: Iso })), waived: z.string().nullable() }),
  knownErrorId: z.string().nullable(),
  knownErrorNumber: z.string().nullable(),
  knownError: KnownErrorShown.nullable(),
  changeIds: z.array(z.string()),
  changes: z.array(ProblemChangeSchema.extend({ requestedAt: Iso, reportedAt: Iso.nullable() })),
  resolutionCode: ResolutionCodeEnum.nullable(),
  resolutionNotes: z.string().nullable(),
  duplicateOf: Ref.nullable(),
  observationPeriod: z.string(),
  observationUntil: Iso.nullable(),
  reopenCount: z.number().int(),
  openedAt: Iso,
  resolvedAt: Iso.nullable(),
  closedAt: Iso.nullable(),
  createdBy: z.string(),
  updatedAt: Iso,
});
export type ProblemView = z.infer<typeof ProblemView>;
/** A problem as the API shows it: each reference as id and number (api/routes/problems.ts presentProblems). */
export const ProblemRecord = ProblemView.extend({
  serviceNumber: z.string().nullable(),
  ciNumber: z.string().nullable(),
  knownError: KnownErrorShown.extend(KnownErrorReferences).nullable(),
});
export type ProblemRecord = z.infer<typeof ProblemRecord>;

export const ProblemListQuery = z.object({ state: ProblemStateEnum.optional(), serviceId: z.string().optional(), ciId: z.string().optional() });
/** Known-error search pages by rank position: its cursor is `o:<offset>`, not an id. */
export const OFFSET_CURSOR_PATTERN = /^o:(\d{1,9})$/;
export const KnownErrorQuery = z.object({
  cursor: z.string().regex(OFFSET_CURSOR_PATTERN, 'not a cursor returned by this API').optional().describe('nextCursor from the previous page'),
  q: z.string().trim().min(1).maxChars(500).openapi({ pattern: NOT_BLANK }).optional(),
  ciId: RecordRef.optional(),
  serviceId: RecordRef.optional(),
  category: z.string().maxChars(100).optional(),
  status: z.enum(['active', 'retired', 'all']).default('active'),
});

export const ApplyWorkaroundBody = z.object({ knownErrorId: RecordRef }).strict();
