import { z } from 'zod';
import { ChangePolicyOverride } from '../domain/schemas/change';
import { CI_STATUSES } from '../domain/schemas/ci';
import { IsoDuration, Level, PriorityEnum } from '../domain/schemas/common';
import { ROLES } from '../domain/access';
import { getHeapStatistics } from 'node:v8';

/**
 * Every setting the processes read, validated once at start-up so a typo stops the
 * process with the variable's name instead of surfacing later as a confusing failure.
 * The same schema is checked against docker-compose.yml by a test.
 */
const json = z.string().transform((s, ctx) => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON' });
    return z.NEVER;
  }
});
/**
 * JSON impact → urgency → priority, e.g. {"high":{"high":"P1","medium":"P2","low":"P3"},…}: the
 * domain's levels and priorities; a record keyed by an enum needs every level and refuses others.
 */
const priorityMatrix = json.pipe(z.record(Level, z.record(Level, PriorityEnum)));

/** A five-field cron expression (or @daily, @hourly, …) as Temporal Schedules read it, or `off`. */
const cronSpec = z
  .string()
  .trim()
  .refine((s) => s === 'off' || /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(s) || /^\S+( \S+){4}$/.test(s.replace(/\s+/g, ' ')), {
    message: "must be a cron expression such as '0 2 * * *' (minute hour day-of-month month day-of-week), @daily, or off",
  })
  .transform((s) => s.replace(/\s+/g, ' '));

const timezone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA timezone such as UTC or Europe/London' },
);

/** CI statuses whose attribute drift opens an incident (comma-separated). */
const ciStatusList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.enum(CI_STATUSES, { message: `each status must be one of ${CI_STATUSES.join(', ')}` })).min(1));

const boolFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/**
 * Memory budgeted per cached record workflow: about twice the 40–64 KiB of resident memory that
 * `bench/cache-memory.ts` measures for an incident workflow, and what a heap snapshot of the
 * workflow threads finds live per incident (about 130 KiB, `bench/workflow-heap.ts`). Its bundle
 * must stay small: in the reusable V8 context every workflow instantiates the modules it requires
 * anew, so zod alone doubled the figure (122 KiB of RSS) and a worker holding 8,000 such
 * incidents ran out of heap; the bundle's entry loads each process lazily for the same reason.
 */
export const CACHED_WORKFLOW_BUDGET_BYTES = 128 * 1024;

/**
 * Record workflows a worker keeps in memory between their tasks: half the heap at the budget
 * above, at most 20,000 (16,500 on a 4 GB heap). The SDK's default (600 per GB of heap, about
 * 2,300 on a 4 GB heap) is sized for workflows of well over a megabyte; a worker with more open
 * records than its cache replays a record's whole history for each of its tasks (a timer firing,
 * a command) once it was evicted: with 10,000 open incidents that made the worker, not the
 * engine, the cause of late SLA breaches.
 */
export function defaultMaxCachedWorkflows(heapLimitBytes = getHeapStatistics().heap_size_limit): number {
  return Math.max(600, Math.min(20_000, Math.floor((heapLimitBytes * 0.5) / CACHED_WORKFLOW_BUDGET_BYTES)));
}

export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with file: (SQLite) or postgres:// / postgresql:// (PostgreSQL)')
    .default('file:./.data/itsm.db'),
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port').default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('itsm'),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** How long a resolved incident waits for a reopen before it closes by itself. */
  AUTO_CLOSE_AFTER: IsoDuration.default('P3D'),
  /** How long a resolved problem watches for recurrence before it closes (each problem may set its own). */
  PROBLEM_OBSERVATION_PERIOD: IsoDuration.default('P14D'),
  /**
   * How long the API waits on the workflow engine for one request before answering 503 with
   * Retry-After (an outage, or a command whose write is still retrying): no request hangs.
   * An Idempotency-Key's claim lasts twice this, so a retry after a crash can take it over.
   */
  API_ENGINE_TIMEOUT: IsoDuration.default('PT20S'),
  /**
   * A prebuilt workflow bundle (`npm run build` writes dist/workflow-bundle.js; the image sets
   * it): the worker starts without bundling. Unset: the workflows are bundled at start.
   */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /** Repeated monitoring events are noted on their incident at most this often (the alert counts every one). */
  MONITORING_NOTE_INTERVAL: IsoDuration.default('PT1M'),
  /** Days before a supplier contract's notice deadline its owner is reminded (comma-separated), for contracts created from now on. */
  CONTRACT_REMINDER_DAYS: z
    .string()
    .default('30,7')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean).map(Number))
    .pipe(z.array(z.number().int().min(0).max(3650)).min(1).max(10)),
  /** When capacity upkeep runs (cron, UTC): rollups, retention, forecast; `off` pauses its Schedule. */
  CAPACITY_CRON: cronSpec.default('10 * * * *'),
  /** Days raw metric points are kept (their hourly and daily rollups stay longer). */
  CAPACITY_RAW_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Days hourly rollups are kept (daily ones are kept for good). */
  CAPACITY_HOURLY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  /** Days of hourly rollups the capacity trend is fitted over. */
  CAPACITY_FORECAST_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** A series forecast to reach its limit within this many days raises a capacity problem. */
  CAPACITY_PLANNING_HORIZON_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Complete hours before each run rolled up again, so late points are counted. */
  CAPACITY_ROLLUP_LOOKBACK_HOURS: z.coerce.number().int().min(1).max(168).default(3),
  /** When the continuity check runs (cron, UTC): plans not tested within their interval raise continuity.plan.test_overdue; `off` pauses its Schedule. */
  CONTINUITY_CHECK_CRON: cronSpec.default('0 6 * * *'),
  /** When trend detection runs (cron, UTC); `off` pauses its Schedule. */
  PROBLEM_TREND_CRON: cronSpec.default('0 * * * *'),
  /** The sliding window trend detection counts incidents in. */
  PROBLEM_TREND_WINDOW: IsoDuration.default('P7D'),
  /** Incidents (not linked to an open problem) that make a group a problem. */
  PROBLEM_TREND_THRESHOLD: z.coerce.number().int().min(2).default(5),
  /** A P1 incident resolved without a linked problem raises one (major incident review). */
  PROBLEM_FOR_MAJOR_INCIDENTS: boolFlag.default(true),
  /** Workflow history length after which long-lived records continue-as-new. */
  /** Overrides the impact × urgency matrix for incidents opened from now on. */
  PRIORITY_MATRIX: priorityMatrix.optional(),
  /** JSON, a partial override of the change policy (CAB composition, quorum, deadlines, risk thresholds); see README. */
  CHANGE_POLICY: json.pipe(ChangePolicyOverride).optional(),
  CONTINUE_AS_NEW_AFTER_EVENTS: z.coerce.number().int().min(100).default(5000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Let webhooks reach loopback, private and link-local addresses: the dev stack and tests only. */
  WEBHOOK_ALLOW_PRIVATE: boolFlag.default(false),
  /** 32 bytes, base64: encrypts webhook secrets at rest (AES-256-GCM). Unset: stored as given. */
  SECRETS_KEY: z.string().optional(),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** Dev stack only: seed demo data and the dev-<role> tokens. Never in production. */
  SEED_DEMO_DATA: boolFlag.default(false),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(50),
  /** Webhook delivery attempts in flight at once: slots of their own, on a queue of their own (temporal/worker.ts). */
  WORKER_MAX_CONCURRENT_DELIVERIES: z.coerce.number().int().positive().default(50),
  /** Record workflows kept in the worker's memory between tasks (see temporal/worker.ts). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(() => defaultMaxCachedWorkflows()),
  /**
   * Threads that run workflow code (each its own heap and share of the cache). Two halve each
   * heap the garbage collector walks: with 10,000 open incidents, SLA breach lateness p99 went
   * from 7.7 s on one thread to 2.9 s.
   */
  WORKER_WORKFLOW_THREADS: z.coerce.number().int().min(1).max(16).default(2),
  /** When the CMDB verification Schedule runs (cron, in CMDB_VERIFICATION_TIMEZONE); `off` pauses it. */
  CMDB_VERIFICATION_CRON: cronSpec.default('0 2 * * *'),
  CMDB_VERIFICATION_TIMEZONE: timezone.default('UTC'),
  /** Open an incident for each attribute drift found on a CI in one of CMDB_VERIFICATION_INCIDENT_STATUSES. */
  CMDB_VERIFICATION_OPEN_INCIDENTS: boolFlag.default(true),
  CMDB_VERIFICATION_INCIDENT_STATUSES: ciStatusList.default(['live']),
  /** Where the definitive software library keeps verified artifacts, by content (sha256). */
  DSL_DIR: z.string().min(1).default('.data/dsl'),
  /** The only folder `file:` artifact URIs may be read from (so registering cannot read the server's own files). */
  DSL_FILE_ROOT: z.string().min(1).default('.data/dsl-inbox'),
  /** Largest artifact the library fetches (bytes). */
  DSL_MAX_BYTES: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  /** How long the library keeps retrying an unreachable artifact source before rejecting the artifact. */
  DSL_FETCH_TIMEOUT: IsoDuration.default('PT10M'),
  /** How deployment systems and people reach this API: the base of the artifact URLs in release.deploy_requested and of the links in e-mails. */
  PUBLIC_URL: z.url().optional(),
  /** Where notification e-mails go out (`smtp://user:pass@host:587`, `smtps://…`); unset: notifications are in-app only. */
  SMTP_URL: z.url().optional(),
  /** The sender of notification e-mails. */
  MAIL_FROM: z.string().min(3).default('ITSM <itsm@localhost>'),
  /** Where attachments are kept, by content (sha256): the same file attached twice is stored once. */
  ATTACHMENT_DIR: z.string().min(1).default('.data/attachments'),
  /** Largest attachment (bytes), through the API and in e-mails. */
  ATTACHMENT_MAX_BYTES: z.coerce.number().int().positive().max(2 ** 31 - 1).default(10 * 1024 * 1024),
  /** Media types an attachment may have (comma-separated, `type/*` allowed). Nothing that runs in a browser (HTML, SVG, scripts) by default. */
  ATTACHMENT_TYPES: z
    .string()
    .default('image/png,image/jpeg,image/gif,image/webp,text/plain,text/csv,application/pdf,application/json,application/zip,application/gzip,application/x-gzip,message/rfc822,application/octet-stream,application/msword,application/vnd.ms-excel,application/vnd.openxmlformats-officedocument.*,application/vnd.oasis.opendocument.*')
    .transform((s) => s.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean)),
  /** The SMTP port the service desk's inbound e-mail listener takes (unset: no listener). Messages become incidents, replies notes. */
  MAIL_IN_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Largest message the inbound listener takes (bytes; larger ones are refused with 552, so the sender is told). */
  MAIL_IN_MAX_BYTES: z.coerce.number().int().positive().default(25 * 1024 * 1024),
  /** The address interface of the inbound listener. */
  MAIL_IN_HOST: z.string().min(1).default('127.0.0.1'),
  /** The service desk's address(es): mail to any other recipient is refused (comma-separated; unset: any recipient). */
  MAIL_IN_ADDRESSES: z.string().optional().transform((s) => (s ? s.split(',').map((a) => a.trim().toLowerCase()).filter(Boolean) : [])),
  /** How long an external system may take to report each release stage before the release fails (or rolls back). */
  RELEASE_BUILD_TIMEOUT: IsoDuration.default('PT2H'),
  RELEASE_TEST_TIMEOUT: IsoDuration.default('PT4H'),
  RELEASE_DEPLOY_TIMEOUT: IsoDuration.default('PT1H'),
  RELEASE_VERIFY_TIMEOUT: IsoDuration.default('PT30M'),
  /** Base64, at least 32 bytes: the key API tokens are hashed under (HMAC-SHA256). Required in production; the API and `npm run admin` must share it. */
  TOKEN_HASH_KEY: z.string().refine((s) => Buffer.from(s, 'base64').length >= 32, { message: 'must be at least 32 bytes, base64-encoded (openssl rand -base64 32)' }).optional(),
  /** Failed authentications allowed per client address and per token prefix in each AUTH_FAILURE_WINDOW; then 429. */
  AUTH_FAILURE_LIMIT: z.coerce.number().int().positive().default(20),
  AUTH_FAILURE_WINDOW: IsoDuration.default('PT1M'),
  /** Express `trust proxy`: which X-Forwarded-For hops to believe for the client address (e.g. `loopback`, `1`, a CIDR list). Unset: none. */
  TRUST_PROXY: z.string().optional(),
  /** Single sign-on: bearer JWTs from this OpenID Connect issuer (its JWKS from discovery, or OIDC_JWKS_URI). */
  OIDC_ISSUER: z.url().optional(),
  OIDC_AUDIENCE: z.string().min(1).optional(),
  OIDC_JWKS_URI: z.url().optional(),
  /** Claim (a dotted path such as realm_access.roles) whose value(s) give the role; OIDC_ROLE_MAP (JSON {value: role}) translates, else values are role names. */
  OIDC_ROLE_CLAIM: z.string().min(1).optional(),
  OIDC_ROLE_MAP: json.pipe(z.record(z.string(), z.enum(ROLES))).optional(),
  /** Role of a user first seen through SSO when the role claim gives none. */
  OIDC_DEFAULT_ROLE: z.enum(ROLES).default('requester'),
  /** Claim whose values name the user's groups (OIDC_GROUP_MAP, JSON {value: group name}, translates). */
  OIDC_GROUPS_CLAIM: z.string().min(1).optional(),
  OIDC_GROUP_MAP: json.pipe(z.record(z.string(), z.string().min(1))).optional(),
  /** Container bootstrap: while no active admin exists, the API creates this admin at start (idempotent). */
  BOOTSTRAP_ADMIN_EMAIL: z.email().optional(),
  BOOTSTRAP_ADMIN_NAME: z.string().min(1).max(200).optional(),
  /** The bootstrap admin's token (at least 32 characters); unset: one is generated and printed once. */
  BOOTSTRAP_ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').max(500).optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = EnvSchema.safeParse(
    Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (result.data.NODE_ENV === 'production' && result.data.SEED_DEMO_DATA) {
    throw new ConfigError('Invalid configuration:\n  SEED_DEMO_DATA: demo tokens are never seeded in production');
  }
  if (result.data.OIDC_ISSUER && !result.data.OIDC_AUDIENCE) {
    throw new ConfigError('Invalid configuration:\n  OIDC_AUDIENCE: required with OIDC_ISSUER (the audience the issuer puts in tokens for this API)');
  }
  return result.data;
}

/** Entry points call this: a bad value exits with the variable named, not a stack trace. */
export function loadEnvOrExit(source: NodeJS.ProcessEnv = process.env): Env {
  try {
    return loadEnv(source);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
}
