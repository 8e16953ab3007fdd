/** The DSL's verification contract: one short workflow per registered artifact, started by the API. */
export const DSL_VERIFICATION_WORKFLOW = 'dslVerificationWorkflow';
export const dslVerificationWorkflowId = (artifactId: string) => `dsl-${artifactId}`;

export interface DslVerificationInput {
  artifactId: string;
  /**
   * `user:password` of the source URI, sealed with SECRETS_KEY: the stored URI is redacted,
   * so this is the only place the credentials live (and history holds them encrypted).
   */
  sealedCredentials?: string;
  /** How long an unreachable source is retried before the artifact is rejected (DSL_FETCH_TIMEOUT). */
  fetchTimeoutMs: number;
  /** Off only on the time-skipping test server, which cannot register custom attributes. */
  searchAttributes: boolean;
}

export type DslOutcome =
  | { status: 'verified'; actualSha256: string; sizeBytes: number }
  | { status: 'rejected'; error: string; actualSha256?: string; sizeBytes?: number };

/**
 * Failure types of the fetch activity. Permanent ones reject the artifact at once; a source
 * that is down or not there yet (`unavailable`) is retried until the fetch's deadline.
 */
export const DSL_FAILURE = {
  mismatch: 'DslDigestMismatch',
  tooLarge: 'DslTooLarge',
  refused: 'DslSourceRefused',
  unavailable: 'DslSourceUnavailable',
  notFound: 'DslArtifactNotFound',
} as const;
export const DSL_PERMANENT_FAILURES: string[] = [DSL_FAILURE.mismatch, DSL_FAILURE.tooLarge, DSL_FAILURE.refused, DSL_FAILURE.notFound];

/** Details of a DslDigestMismatch failure. */
export interface DslMismatchDetails {
  actualSha256: string;
  sizeBytes: number;
}
