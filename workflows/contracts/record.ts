/**
 * What every record process's contract shares: the settings the kernel needs, the shape
 * of a command's input, and the failure types a workflow answers with. The API maps each
 * failure type to an HTTP status (api/temporal-errors.ts) by type, never by message.
 */
export interface RecordConfig {
  /** History length at which the record's workflow continues-as-new. */
  continueAsNewAfterEvents: number;
  /** How long a started workflow waits for its `create` update before giving up. */
  createTimeoutMs: number;
  /** Off only on the time-skipping test server, which cannot register custom attributes. */
  searchAttributes: boolean;
}

/** Every command carries who sent it and its validated body. */
export interface CommandInput<B> {
  actor: string;
  body: B;
  /** Minutes of work the sender logs with the command; the kernel writes them on the command's first transition. */
  timeSpent?: number;
}

export const FAILURE = {
  /** The command is not allowed in the record's current state (HTTP 409). */
  invalidTransition: 'InvalidTransition',
  /** The record's workflow exists but the record was never created (HTTP 404). */
  notFound: 'NotFound',
  /** The body passed the schema but not a rule that needs the record's state (HTTP 400). */
  invalidInput: 'InvalidInput',
  /** The same member already has a counted vote on this change (HTTP 409). */
  duplicateVote: 'DuplicateVote',
  /**
   * The input cannot be stored, on any retry (text the database refuses, a value it rejects):
   * the command fails with nothing recorded (HTTP 400), where an outage would be retried.
   */
  unstorableData: 'UnstorableData',
  /** The CMDB refused a change's CI updates (HTTP 409, nothing changed). */
  cmdbUpdateRejected: 'CmdbUpdateRejected',
} as const;
export type FailureType = (typeof FAILURE)[keyof typeof FAILURE];
