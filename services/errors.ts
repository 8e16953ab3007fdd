/**
 * What a use case says when the request cannot be carried out: typed, so the API maps each
 * to its status once (api/errors.ts) and services never speak HTTP.
 */
export interface FieldIssue {
  path: string;
  message: string;
}

/** The request is well-formed but names things that do not exist or do not fit (HTTP 400). */
export class ValidationFailed extends Error {
  constructor(
    message: string,
    readonly errors: FieldIssue[],
  ) {
    super(message);
    this.name = 'ValidationFailed';
  }
}

/** A file larger than the configured limit (HTTP 413); nothing was stored. */
export class TooLarge extends Error {
  constructor(
    message: string,
    readonly errors: FieldIssue[],
  ) {
    super(message);
    this.name = 'TooLarge';
  }
}

/** A file of a media type the configuration does not accept (HTTP 415); nothing was stored. */
export class TypeNotAccepted extends Error {
  constructor(
    message: string,
    readonly errors: FieldIssue[],
  ) {
    super(message);
    this.name = 'TypeNotAccepted';
  }
}
