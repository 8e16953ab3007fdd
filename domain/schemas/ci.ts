import { z } from './zod';
import { IsoTimestamp, NOT_BLANK, RecordRef } from './common';

export const CI_CLASSES = [
  'service', 'application', 'software', 'server', 'virtual_machine', 'database', 'network_device', 'storage',
  'desktop', 'mobile_device', 'document', 'environment', 'hardware', 'telecom_service', 'protocol', 'supplier',
] as const;
export const CI_STATUSES = ['planned', 'ordered', 'in_build', 'live', 'maintenance', 'in_store', 'retired'] as const;
/** `A <type> B` means A depends on B: impact flows from B (the target) to A (the source). */
export const RELATIONSHIP_TYPES = ['depends_on', 'runs_on', 'hosted_on', 'connects_to', 'part_of', 'uses', 'backed_up_by', 'deployed_in', 'supplied_by'] as const;

export const CiClass = z.enum(CI_CLASSES);
export const CiStatus = z.enum(CI_STATUSES);
export const RelationshipType = z.enum(RELATIONSHIP_TYPES);

const Name = z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK });
const Environment = z.string().maxChars(50);
const OwnerGroup = z.string().maxChars(100);
export const SECURITY_CLASSES = ['public', 'internal', 'confidential', 'secret'] as const;
export const SecurityClass = z.enum(SECURITY_CLASSES);
const CostCentre = z.string().trim().min(1).maxChars(50).openapi({ pattern: NOT_BLANK });
const DataOwner = z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK });

export const CreateCiBody = z
  .object({
    name: Name,
    class: CiClass,
    status: CiStatus.default('live'),
    environment: Environment.optional(),
    ownerGroup: OwnerGroup.optional(),
    attributes: z.record(z.string(), z.unknown()).default({}),
    costCentre: CostCentre.optional(),
    securityClass: SecurityClass.optional(),
    dataOwner: DataOwner.optional(),
  })
  .strict();
export type CreateCiBody = z.infer<typeof CreateCiBody>;

/**
 * PATCH: only the fields present change. `attributes` is merged per key (null removes a key)
 * and the result is validated against the class's schema. Retirement is `DELETE` (it checks
 * open references), so `status: retired` is refused here; a retired CI can be reinstated by
 * patching it to another status. Asset and DHS fields have their own endpoints.
 */
export const UpdateCiBody = z
  .object({
    name: Name.optional(),
    status: CiStatus.exclude(['retired'], { message: 'use DELETE /api/v1/cis/:id to retire a CI' }).optional(),
    environment: Environment.nullable().optional(),
    ownerGroup: OwnerGroup.nullable().optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
    costCentre: CostCentre.nullable().optional(),
    securityClass: SecurityClass.nullable().optional(),
    dataOwner: DataOwner.nullable().optional(),
  })
  .strict();
export type UpdateCiBody = z.infer<typeof UpdateCiBody>;

export const CiListQuery = z.object({
  class: CiClass.optional(),
  status: CiStatus.optional(),
  environment: z.string().maxChars(50).optional(),
  q: z.string().maxChars(200).optional(),
  securityClass: SecurityClass.optional().describe('CIs holding data of this class'),
});

export const CiGetQuery = z.object({
  /** The CI as it was at this instant (from its version snapshots). */
  at: IsoTimestamp.optional(),
});

/** Every column of a CI (the asset and DHS fields included, so every CMDB module can reuse the view). */
export const CiRecord = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  class: CiClass,
  status: CiStatus,
  environment: z.string().nullable(),
  ownerGroup: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  naturalKey: z.string().nullable(),
  version: z.number().int(),
  retiredAt: z.string().nullable(),
  purchaseDate: z.string().nullable(),
  cost: z.number().nullable(),
  currency: z.string().nullable(),
  depreciationMethod: z.string().nullable(),
  depreciationYears: z.number().int().nullable(),
  salvageValue: z.number().nullable(),
  location: z.string().nullable(),
  supplier: z.string().nullable(),
  checkedOutTo: z.string().nullable(),
  checkedOutAt: z.string().nullable(),
  costCentre: z.string().nullable(),
  securityClass: SecurityClass.nullable(),
  dataOwner: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CiRecord = z.infer<typeof CiRecord>;

/** One versioned change of a CI (history is oldest first, like every other /history). */
export const CiHistoryEntry = z.object({
  version: z.number().int(),
  at: z.string(),
  actor: z.string(),
  /** The change or release number the change came through, or null. */
  via: z.string().nullable(),
  /** create | update | retire | relationship_added | relationship_removed | … (checkout, return, import from other modules) */
  action: z.string(),
  /** Field-level before/after; attributes as `attributes.<key>`, relationships as `relationships.<type>.<targetId>`. */
  changes: z.record(z.string(), z.object({ before: z.unknown(), after: z.unknown() })),
});
export type CiHistoryEntry = z.infer<typeof CiHistoryEntry>;

export const CreateRelationshipBody = z
  .object({
    type: RelationshipType,
    /** The target CI's id or number. */
    targetId: RecordRef,
  })
  .strict();

export const RelationshipRecord = z.object({
  id: z.string(),
  sourceId: z.string(),
  sourceNumber: z.string(),
  type: RelationshipType,
  targetId: z.string(),
  targetNumber: z.string(),
  createdAt: z.string(),
});
export type RelationshipRecord = z.infer<typeof RelationshipRecord>;

export const CiSummary = z.object({ id: z.string(), number: z.string(), name: z.string(), class: CiClass, status: CiStatus });

export const CiRelationships = z.object({
  /** This CI <type> target: what it depends on. */
  outgoing: z.array(RelationshipRecord.extend({ target: CiSummary })),
  /** source <type> this CI: what depends on it. */
  incoming: z.array(RelationshipRecord.extend({ source: CiSummary })),
});

export const IMPACT_MAX_DEPTH = 50;
/**
 * An impact page position: `hop-<distance>-<CI number in lower case>` of the last CI of the
 * previous page (pages run in (distance, number) order, so a position stays valid while the graph changes).
 */
export const IMPACT_CURSOR = /^hop-([1-9][0-9]{0,2})-([a-z]{1,10}[0-9]{1,20})$/;
export const ImpactQuery = z.object({
  depth: z.coerce.number().int().min(1).max(IMPACT_MAX_DEPTH).default(10),
  /** downstream: what depends on the CI (is impacted when it fails); upstream: what it depends on. */
  direction: z.enum(['downstream', 'upstream']).default('downstream'),
  /** Walk the relationships as they were at this instant. */
  at: IsoTimestamp.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(IMPACT_CURSOR, 'not a cursor returned by this API').optional().describe('nextCursor from the previous page'),
  /** Page only the reached CIs of this class (`service` pages through every business service). */
  class: CiClass.optional(),
});
/** Services listed in an impact answer, nearest first; `servicesTotal` says how many there are, `?class=service` pages through all. */
export const IMPACT_SERVICES_SHOWN = 100;

export const RelationshipsQuery = z.object({
  /** The relationships as they were at this instant (from the graph's change log). */
  at: IsoTimestamp.optional(),
});

export const AffectedCi = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  class: CiClass,
  status: CiStatus,
  /** Retired CIs are still reported (their relationships are kept) but flagged. */
  retired: z.boolean(),
  /** Hops on the shortest route from the CI. */
  distance: z.number().int(),
  /** CI numbers from the analysed CI to this one along a shortest route (both ends included). */
  path: z.array(z.string()),
});
export type AffectedCi = z.infer<typeof AffectedCi>;

export const ImpactResult = z.object({
  ci: CiRecord,
  direction: z.enum(['downstream', 'upstream']),
  depth: z.number().int(),
  /** The instant the graph was taken at (`?at=`), or null for now. */
  at: z.string().nullable(),
  /** Every CI reached (the analysed one excluded), by class and by distance ("1", "2", …). */
  counts: z.object({ total: z.number().int(), byClass: z.record(z.string(), z.number().int()), byDistance: z.record(z.string(), z.number().int()) }),
  /** One page of the reached CIs in (distance, number) order; `nextCursor` continues it. */
  affected: z.array(AffectedCi),
  nextCursor: z.string().nullable(),
  /** How many business services are reached; `services` lists the nearest 100 of them. */
  servicesTotal: z.number().int(),
  /** The nearest reached CIs of class `service` (at most 100), each with its distance and one path. */
  services: z.array(AffectedCi),
  highestSecurityClass: SecurityClass.nullable().describe('the most sensitive data class of the CI and the CIs reached: the data a failure or breach of it can expose'),
});
