import { z } from './zod';
import { NOT_BLANK } from './common';

/** The definitive software library (DSL): artifacts registered by digest, fetched and verified. */
export const DSL_STATUSES = ['pending', 'verified', 'rejected'] as const;
export const DslStatus = z.enum(DSL_STATUSES);
export type DslStatus = z.infer<typeof DslStatus>;

export const DSL_URI_SCHEMES = ['http:', 'https:', 'file:'] as const;

/** A SHA-256 digest as 64 hex digits (either case); kept in lowercase. */
export const Sha256Hex = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 digest: 64 hexadecimal digits')
  .transform((s) => s.toLowerCase());

// The control characters (Unicode category Cc) as code-point ranges, with no regex flag: the OpenAPI
// generator publishes a pattern's source and drops flags badly (`/u` ended up inside the pattern).
const NoControl = /^[^\u0000-\u001f\u007f-\u009f]+$/;

/** `POST /api/v1/dsl/artifacts`. */
export const RegisterArtifactBody = z
  .object({
    name: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }).regex(NoControl, 'must not contain control characters'),
    version: z.string().trim().min(1).maxChars(100).regex(NoControl, 'must not contain control characters'),
    uri: z
      .string()
      .trim()
      .min(1)
      .maxChars(2048)
      .refine((s) => URL.canParse(s), { message: 'must be an absolute http:, https: or file: URI' })
      .refine((s) => !URL.canParse(s) || (DSL_URI_SCHEMES as readonly string[]).includes(new URL(s).protocol), { message: 'must be an http:, https: or file: URI' })
      .describe('Where the library fetches the artifact from: http(s) (no redirects are followed) or a file: URI inside DSL_FILE_ROOT. Credentials in it are sealed, never stored or shown.'),
    sha256: Sha256Hex.describe('The SHA-256 of the artifact; the fetched bytes must match it'),
  })
  .strict();
export type RegisterArtifactBody = z.infer<typeof RegisterArtifactBody>;

export const DslListQuery = z.object({
  status: DslStatus.optional(),
  name: z.string().trim().min(1).maxChars(200).optional(),
});

export const DslArtifactRecord = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  uri: z.string().describe('credentials, if any, shown as ***'),
  sha256: z.string().describe('the declared digest'),
  actualSha256: z.string().nullable().describe('the digest of what was fetched'),
  status: DslStatus,
  sizeBytes: z.number().int().nullable(),
  error: z.string().nullable().describe('why the artifact was rejected'),
  deployedIn: z.array(z.string()).describe('release numbers that deployed it'),
  deployedAt: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  verifiedAt: z.string().nullable(),
  contentUrl: z.string().describe('GET it for the bytes once verified'),
});
export type DslArtifactView = z.infer<typeof DslArtifactRecord>;

/** Stored JSON: the release numbers an artifact was deployed in. */
export const DeployedIn = z.array(z.string().min(1));
