import { z } from './zod';
import { ROLES } from '../access';
import { Cursor, ISO_DURATION_PATTERN, NOT_BLANK, RecordRef } from './common';
import { isIsoDuration, parseIsoDuration } from '../duration';

/** People, groups, memberships and API tokens: request bodies and views. */

export const RoleEnum = z.enum(ROLES);
const Name = z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK });
// zod's own e-mail pattern in the document: `format: email` alone allows addresses zod refuses (a one-letter top-level domain).
/**
 * zod's e-mail rule with RFC 5321/1035 limits added (local part at most 64, labels 1-63 that
 * neither start nor end with '-', domain at most 253): what standard e-mail validators (and the
 * `format: email` checks of clients) accept, so the document's pattern and the server agree.
 */
const EMAIL = /^(?=[^@]{1,64}@)(?!\.)(?!.*\.\.)[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+-]@(?=[^@]{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
export const Email = z
  .email({ message: 'must be an e-mail address', pattern: EMAIL })
  .max(320)
  .openapi({ pattern: EMAIL.source })
  .transform((s) => s.trim().toLowerCase());
/** Group names are identities that records hold (assignment group, owner group): short, no spaces. */
export const GroupName = z
  .string()
  .trim()
  .min(1)
  .maxChars(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore, starting with a letter or digit');
/** A user by id or e-mail address; a group by id or name. */
const UserRef = RecordRef.describe('user id or e-mail address');
const GroupRef = RecordRef.describe('group id or name');
const refList = (ref: z.ZodString, max: number) =>
  z
    .array(ref)
    .max(max)
    .refine((a) => new Set(a).size === a.length, { message: 'must not repeat an entry' })
    .openapi({ uniqueItems: true });

export const CreateUserBody = z
  .object({
    name: Name,
    email: Email.optional(),
    role: RoleEnum,
    groups: refList(GroupRef, 100).optional().describe('groups (id or name) the user is a member of'),
  })
  .strict();
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .object({
    name: Name.optional(),
    email: Email.nullable().optional(),
    role: RoleEnum.optional(),
    /** false deactivates: the user's history stays, their tokens are revoked, they can no longer sign in. */
    active: z.boolean().optional(),
    groups: refList(GroupRef, 100).optional().describe('the complete list of groups (replaces the current memberships)'),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' })
  .openapi({ minProperties: 1 });
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');
export const UserListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: Cursor.optional(),
  role: RoleEnum.optional(),
  group: GroupRef.optional(),
  active: boolParam.optional(),
  q: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }).optional().describe('part of the name or e-mail address'),
});

const Ref = z.object({ id: z.string(), name: z.string() });

export const UserRecord = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: RoleEnum,
  active: z.boolean(),
  groups: z.array(Ref),
  /** Signed in through single sign-on (created or linked on first sight). */
  sso: z.boolean(),
  deactivatedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type UserRecord = z.infer<typeof UserRecord>;

export const MeRecord = UserRecord.extend({
  authenticatedBy: z.enum(['token', 'oidc']),
  /** The API token this request came with (never its secret). */
  token: z.object({ id: z.string(), name: z.string(), prefix: z.string(), expiresAt: z.string().nullable() }).nullable(),
});
export type MeRecord = z.infer<typeof MeRecord>;

export const CreateGroupBody = z
  .object({
    name: GroupName,
    description: z.string().trim().maxChars(2000).optional(),
    manager: UserRef.optional(),
    parent: GroupRef.optional().describe('the next group in the escalation chain (the next support tier)'),
    tier: z.number().int().min(0).max(9).optional().describe('support tier (1 = first line); 0 for groups outside the support chain (CAB, problem management)'),
    members: refList(UserRef, 1000).optional(),
    services: refList(RecordRef, 1000).optional().describe('service CIs (id or number) the group owns'),
  })
  .strict();
export type CreateGroupBody = z.infer<typeof CreateGroupBody>;

export const UpdateGroupBody = z
  .object({
    description: z.string().trim().maxChars(2000).nullable().optional(),
    manager: UserRef.nullable().optional(),
    parent: GroupRef.nullable().optional(),
    tier: z.number().int().min(0).max(9).optional(),
    members: refList(UserRef, 1000).optional().describe('the complete member list (replaces the current one)'),
    services: refList(RecordRef, 1000).optional().describe('the complete list of owned services (replaces the current one)'),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change (a group keeps its name: records refer to it)' })
  .openapi({ minProperties: 1 });
export type UpdateGroupBody = z.infer<typeof UpdateGroupBody>;

export const GroupListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: Cursor.optional(),
  q: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }).optional().describe('part of the name'),
});

export const GroupSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  tier: z.number().int(),
  manager: Ref.nullable(),
  parent: Ref.nullable(),
  memberCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const GroupRecord = GroupSummary.extend({
  members: z.array(z.object({ id: z.string(), name: z.string(), email: z.string().nullable(), active: z.boolean(), source: z.enum(['api', 'oidc']) })),
  services: z.array(z.object({ id: z.string(), number: z.string(), name: z.string() })),
  /** This group, then its parent, its parent's parent, …: where functional escalation goes. */
  escalationChain: z.array(z.string()),
});
export type GroupSummary = z.infer<typeof GroupSummary>;
export type GroupRecord = z.infer<typeof GroupRecord>;

/** At most ten years: a token that never expires is made by leaving expiresIn out. */
const MAX_TOKEN_LIFETIME_MS = 10 * 366 * 86_400_000;
export const CreateTokenBody = z
  .object({
    name: z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK }).describe('what the token is for (e.g. "CI pipeline")'),
    expiresIn: z
      .string()
      .regex(ISO_DURATION_PATTERN, { message: 'must be a positive ISO-8601 duration of at most ten years, e.g. P90D', abort: true })
      .refine((d) => isIsoDuration(d) && parseIsoDuration(d) > 0 && parseIsoDuration(d) <= MAX_TOKEN_LIFETIME_MS, { message: 'must be a positive ISO-8601 duration of at most ten years, e.g. P90D' })
      .optional()
      .describe('ISO-8601 duration until the token expires; omitted: it does not expire'),
  })
  .strict();
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

export const TokenRecord = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  userId: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** active, expired or revoked. */
  status: z.enum(['active', 'expired', 'revoked']),
});
export type TokenRecord = z.infer<typeof TokenRecord>;

export const CreatedToken = TokenRecord.extend({
  /** The secret, shown this once: only its keyed hash is stored. */
  token: z.string(),
});
