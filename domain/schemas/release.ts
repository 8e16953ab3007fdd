import { z } from './zod';
import { RELEASE_STATES } from '../release/state-machine';
import { Cursor, IsoDuration, NOT_BLANK, RecordRef } from './common';

export const ReleaseStateEnum = z.enum(RELEASE_STATES);
export const ReleaseTypeEnum = z.enum(['delta', 'full', 'package']);
export const StageStatusEnum = z.enum(['running', 'succeeded', 'failed', 'timed_out', 'skipped', 'cancelled']);
export const GateStateEnum = z.enum(['awaiting', 'allowed', 'prevented', 'invalid']);

const Text = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });
const ENVIRONMENT_NAME = /^[a-z][a-z0-9_-]{0,30}$/;
export const EnvironmentName = z
  .string()
  .regex(ENVIRONMENT_NAME, 'must be a lowercase environment name such as staging (letters, digits, - and _)');
export const DEFAULT_ENVIRONMENTS = ['test', 'staging', 'production'] as const;
/** `build`, `test`, or `deploy|verify|rollback:<environment>`. */
export const StageName = z
  .string()
  .regex(/^(build|test|(deploy|verify|rollback):[a-z][a-z0-9_-]{0,30})$/, 'must be build, test, deploy:<environment>, verify:<environment> or rollback:<environment>');

export const CreateReleaseBody = z
  .object({
    name: Text(200),
    version: Text(100),
    description: z.string().maxChars(20_000).optional(),
    type: ReleaseTypeEnum,
    /** The release unit: a service or application CI whose software components the release carries. */
    unitId: RecordRef.optional(),
    /** The software CIs deployed (default for a full release: every component of the unit). */
    ciIds: z.array(RecordRef).min(1).max(500).optional(),
    changeIds: z.array(RecordRef).min(1).max(50),
    artifactIds: z.array(RecordRef).min(1).max(100),
    /** Spare items from the definitive hardware store the release puts into service (status in_store). */
    dhsItemIds: z.array(RecordRef).max(100).optional(),
    environments: z.array(EnvironmentName).min(1).max(10).optional(),
    /** False for prebuilt artifacts: the release goes straight to testing. */
    buildRequired: z.boolean().optional(),
    /** A health URL per environment, polled after its deployment; environments without one wait for a reported verify:<environment> result. */
    healthChecks: z
      .record(EnvironmentName, z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).openapi({ pattern: '^https?://[^\\u0000]+$' }))
      // The generated document drops a record's key schema: stated here.
      .openapi({ propertyNames: { pattern: ENVIRONMENT_NAME.source } } as object)
      .optional(),
    /** Per-stage limits for this release (defaults from RELEASE_*_TIMEOUT). */
    stageTimeouts: z.object({ build: IsoDuration.optional(), test: IsoDuration.optional(), deploy: IsoDuration.optional(), verify: IsoDuration.optional() }).strict().optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const envs = b.environments ?? [...DEFAULT_ENVIRONMENTS];
    const seen = new Set<string>();
    envs.forEach((e, i) => {
      if (seen.has(e)) ctx.addIssue({ code: 'custom', path: ['environments', i], message: `'${e}' is listed twice` });
      seen.add(e);
    });
    for (const env of Object.keys(b.healthChecks ?? {})) {
      if (!seen.has(env)) ctx.addIssue({ code: 'custom', path: ['healthChecks', env], message: `'${env}' is not one of the release's environments (${envs.join(', ')})` });
    }
    if ((b.type === 'full' || b.type === 'delta') && !b.unitId) ctx.addIssue({ code: 'custom', path: ['unitId'], message: `a ${b.type} release needs its release unit` });
    if (b.type === 'package' && !b.ciIds) ctx.addIssue({ code: 'custom', path: ['ciIds'], message: 'a package release lists the components it groups' });
  });
export type CreateReleaseBody = z.infer<typeof CreateReleaseBody>;

export const StageResultBody = z
  .object({
    status: z.enum(['succeeded', 'failed']),
    details: z.string().maxChars(20_000).optional(),
    /** What a build produced: each digest must be one of the release's artifacts. */
    artifacts: z.array(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits') }).strict()).max(100).optional(),
  })
  .strict();
export type StageResultBody = z.infer<typeof StageResultBody>;

export const ReleaseCommandBodies = {
  approve: z.object({ comment: z.string().maxChars(5000).optional() }).strict(),
  cancel: z.object({ reason: Text(5000) }).strict(),
} as const;
export type ReleaseCommandName = keyof typeof ReleaseCommandBodies;
export type ReleaseCommandBody<K extends ReleaseCommandName> = z.infer<(typeof ReleaseCommandBodies)[K]>;

export const GateQuery = z.object({ environment: EnvironmentName });
export const GateAnswer = z.object({ state: GateStateEnum, reasons: z.array(z.string()) });
export type GateAnswer = z.infer<typeof GateAnswer>;

export const ReleaseListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: Cursor.optional(),
  state: ReleaseStateEnum.optional(),
  unitId: RecordRef.optional(),
});

// ---- The stored snapshot (times are epoch milliseconds) and the public record ----

const Epoch = z.number();
export const ReleaseArtifact = z.object({ id: z.string(), name: z.string(), version: z.string(), sha256: z.string(), url: z.string() });
export type ReleaseArtifact = z.infer<typeof ReleaseArtifact>;
const CiRef = z.object({ id: z.string(), number: z.string(), name: z.string(), class: z.string() });
const Ref = z.object({ id: z.string(), number: z.string() });

function releaseFields<T extends z.ZodType>(Time: T) {
  const Stage = z.object({
    stage: z.string(),
    status: StageStatusEnum,
    startedAt: Time,
    endedAt: Time.nullable(),
    details: z.string().nullable(),
    reportedBy: z.string().nullable(),
  });
  return {
    id: z.string(),
    number: z.string(),
    name: z.string(),
    version: z.string(),
    description: z.string().nullable(),
    type: ReleaseTypeEnum,
    state: ReleaseStateEnum,
    unit: CiRef.nullable(),
    cis: z.array(CiRef),
    changes: z.array(Ref),
    artifacts: z.array(ReleaseArtifact),
    /** DHS items the release puts into service; absent from releases planned before they were recorded. */
    dhsItems: z.array(CiRef).default([]),
    environments: z.array(z.string()),
    buildRequired: z.boolean(),
    healthChecks: z.record(z.string(), z.string()),
    stages: z.array(Stage),
    /** Environments deployed and verified, in order. */
    deployed: z.array(z.string()),
    /** The deployment or rollback in flight (a child workflow). */
    current: z.object({ environment: z.string(), action: z.enum(['deploy', 'rollback']), workflowId: z.string() }).nullable(),
    gate: z.object({ environment: z.string(), state: GateStateEnum, reasons: z.array(z.string()), checkedAt: Time }).nullable(),
    approval: z.object({ by: z.string(), at: Time, comment: z.string().nullable() }).nullable(),
    rollback: z.object({ reason: z.string(), queue: z.array(z.string()), done: z.array(z.string()), failed: z.array(z.string()) }).nullable(),
    /** Set once production deployment began and the linked changes were started. */
    changesStartedAt: Time.nullable(),
    failure: z.object({ stage: z.string(), reason: z.string() }).nullable(),
    cancelReason: z.string().nullable(),
    createdBy: z.string(),
    createdAt: Time,
    deployedAt: Time.nullable(),
    endedAt: Time.nullable(),
    workflowId: z.string(),
    updatedAt: Time,
  };
}

export const ReleaseSnapshotSchema = z.object({
  ...releaseFields(Epoch),
  title: z.string(),
  timeouts: z.object({ build: z.number(), test: z.number(), deploy: z.number(), verify: z.number() }),
});
export type ReleaseSnapshot = z.infer<typeof ReleaseSnapshotSchema>;
export type ReleaseStage = ReleaseSnapshot['stages'][number];

const Iso = z.string();
export const ReleaseRecord = z.object({
    ...releaseFields(Iso),
    unitId: z.string().nullable(),
    unitNumber: z.string().nullable(),
    ciIds: z.array(z.string()),
    changeIds: z.array(z.string()),
    artifactIds: z.array(z.string()),
    stageTimeouts: z.object({ build: z.string(), test: z.string(), deploy: z.string(), verify: z.string() }),
  });
export type ReleaseRecord = z.infer<typeof ReleaseRecord>;
