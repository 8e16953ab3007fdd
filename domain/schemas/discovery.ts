import { z, type Agree } from './zod';
import { CI_CLASSES, CiClass } from './ci';
import { IsoTimestamp, ListQuery, NOT_BLANK } from './common';
import { CI_ATTRIBUTE_SCHEMAS, naturalKeyOf } from '../cmdb/classes';
import { DISCREPANCY_KINDS, type Discrepancy as DiscrepancyData } from '../cmdb/verification';

const ItemName = z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK });

/**
 * One observed CI: its class decides which attributes are valid (the CMDB's own per-class
 * schema), so a typo or a value the CMDB could never hold is a 400 naming the field
 * (`items.3.attributes.ip`), not a phantom drift later.
 */
const attributesOf = (c: (typeof CI_CLASSES)[number]): z.ZodType<Record<string, unknown>> => CI_ATTRIBUTE_SCHEMAS[c];
const [firstVariant, ...otherVariants] = CI_CLASSES.map((c) => z.object({ class: z.literal(c), name: ItemName, attributes: attributesOf(c).default({}) }).strict());
export const DiscoveredItem = z.discriminatedUnion('class', [firstVariant, ...otherVariants], {
  error: (issue) => (issue.code === 'invalid_union' ? `must be a CI class: ${CI_CLASSES.join(', ')}` : undefined),
});
export type DiscoveredItem = { class: (typeof CI_CLASSES)[number]; name: string; attributes: Record<string, unknown> };

export const MAX_SNAPSHOT_ITEMS = 100_000;

export const CreateSnapshotBody = z
  .object({
    source: z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK }),
    /** When the discovery ran; defaults to when the API received it. */
    takenAt: IsoTimestamp.optional(),
    items: z.array(DiscoveredItem).min(1).max(MAX_SNAPSHOT_ITEMS),
  })
  .strict()
  .superRefine((body, ctx) => {
    // One identity observed twice is ambiguous (which attributes are real?): name both.
    const first = new Map<string, number>();
    (body.items as DiscoveredItem[]).forEach((item, i) => {
      const key = naturalKeyOf(item);
      const seen = first.get(key);
      if (seen === undefined) first.set(key, i);
      else ctx.addIssue({ code: 'custom', path: ['items', i], message: `same natural key (${key}) as items.${seen}` });
    });
  });
export type CreateSnapshotBody = { source: string; takenAt?: string; items: DiscoveredItem[] };

export const SnapshotRecord = z.object({
  id: z.string(),
  source: z.string(),
  takenAt: z.string(),
  itemCount: z.number().int(),
  classes: z.array(CiClass),
  createdAt: z.string(),
});
export type SnapshotRecord = z.infer<typeof SnapshotRecord>;

export const SnapshotItem = z.object({
  class: CiClass,
  name: z.string(),
  naturalKey: z.string(),
  attributes: z.record(z.string(), z.unknown()),
});
export const SnapshotDetail = SnapshotRecord.extend({ items: z.array(SnapshotItem) });

export const VERIFICATION_STATUSES = ['running', 'completed', 'failed'] as const;

export const RunVerificationBody = z
  .object({
    /** Verify this snapshot instead of the latest one. */
    snapshotId: z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK }).optional(),
  })
  .strict();
export type RunVerificationBody = z.infer<typeof RunVerificationBody>;

export const Discrepancy = z.object({
  kind: z.enum(DISCREPANCY_KINDS),
  naturalKey: z.string(),
  class: z.string(),
  name: z.string(),
  ciId: z.string().nullable(),
  ciNumber: z.string().nullable(),
  ciStatus: z.string().nullable(),
  fields: z.array(z.object({ field: z.string(), recorded: z.unknown(), observed: z.unknown() })).optional(),
  observed: z.record(z.string(), z.unknown()).optional(),
  note: z.string().optional(),
  incident: z.object({ id: z.string(), number: z.string(), status: z.enum(['reserved', 'opened', 'existing']) }).optional(),
});
true satisfies Agree<DiscrepancyData, typeof Discrepancy>;

export const VerificationSummary = z
  .object({
    snapshotId: z.string().nullable(),
    source: z.string().optional(),
    takenAt: z.string().optional(),
    /** schedule | api */
    trigger: z.string().optional(),
    requestedBy: z.string().nullable().optional(),
    classes: z.array(z.string()).optional(),
    comparedAt: z.string().optional(),
    observed: z.number().int().optional(),
    recorded: z.number().int().optional(),
    matched: z.number().int().optional(),
    missingInCmdb: z.number().int().optional(),
    missingInReality: z.number().int().optional(),
    attributeDrift: z.number().int().optional(),
    driftedFields: z.number().int().optional(),
    incidentsOpened: z.number().int().optional(),
    incidentsExisting: z.number().int().optional(),
    note: z.string().optional(),
    error: z.string().optional(),
  })
  .partial();
/** The summary as a run's row stores it: it always names the snapshot it ran against (or null). */
export const StoredVerificationSummary = VerificationSummary.required({ snapshotId: true });

export const VerificationRecord = z.object({
  id: z.string(),
  workflowId: z.string(),
  snapshotId: z.string().nullable(),
  status: z.enum(VERIFICATION_STATUSES),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  summary: VerificationSummary,
});
export type VerificationRecord = z.infer<typeof VerificationRecord>;
export const VerificationReport = VerificationRecord.extend({ discrepancies: z.array(Discrepancy) });

export const VerificationListQuery = ListQuery.extend({ status: z.enum(VERIFICATION_STATUSES).optional() });
export const VerificationReportQuery = z.object({ kind: z.enum(DISCREPANCY_KINDS).optional() });
