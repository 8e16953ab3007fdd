import { TooLarge, TypeNotAccepted, ValidationFailed } from '../services/errors';
import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { CorruptRecordError } from '../db/record-store';
import { isDatabaseUnreachable } from '../db/failures';
import { isTransientEngineError } from '../temporal/engine-failures';

export interface FieldError {
  path: string;
  message: string;
}

/** An error with an HTTP meaning, rendered as RFC 9457 problem+json. */
export class HttpError extends Error {
  constructor(
    public readonly status: number,
    public readonly title: string,
    public readonly detail?: string,
    public readonly errors?: FieldError[],
    /** Response headers the status calls for (WWW-Authenticate on 401). */
    public readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new HttpError(400, 'Invalid request', detail, errors);
export const notFound = (what: string) => new HttpError(404, 'Not found', `${what} not found`);
export const conflict = (detail: string) => new HttpError(409, 'Conflict', detail);
export const forbidden = (detail: string) => new HttpError(403, 'Forbidden', detail);
/** RFC 6750: a 401 names the scheme, and says when a token was presented but is not valid. */
export const unauthorized = (detail: string, tokenGiven = false) =>
  new HttpError(401, 'Unauthorized', detail, undefined, { 'www-authenticate': tokenGiven ? 'Bearer realm="itsm", error="invalid_token"' : 'Bearer realm="itsm"' });
/** An outage: nothing was recorded (or a command may still land); Retry-After says when to try again. */
export const unavailable = (detail: string, retryAfterS = 5) => new HttpError(503, 'Service unavailable', detail, undefined, { 'retry-after': String(retryAfterS) });

export function zodFieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || prefix || '(root)',
    message: i.message,
  }));
}

/** Parses with the schema or throws a 400 listing every offending field. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'params', prefix?: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = zodFieldErrors(result.error, prefix ?? (where === 'body' ? '' : where));
    throw badRequest(`${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => e.path).join(', ')}`, errors);
  }
  return result.data;
}

export function sendProblem(res: Response, e: HttpError): void {
  for (const [name, value] of Object.entries(e.headers)) res.setHeader(name, value);
  res
    .status(e.status)
    .type('application/problem+json')
    .json({
      type: `https://itsm.example/problems/${e.title.toLowerCase().replace(/[^a-z]+/g, '-')}`,
      title: e.title,
      status: e.status,
      ...(e.detail ? { detail: e.detail } : {}),
      ...(e.errors ? { errors: e.errors } : {}),
    });
}

/** Body-parser failures arrive as errors with a `type`; map them to their 4xx meaning. */
function fromParserError(err: { type?: string; status?: number; message?: string }): HttpError | null {
  switch (err.type) {
    case 'entity.parse.failed':
      return badRequest('request body is not valid JSON', [{ path: '(body)', message: 'invalid JSON' }]);
    case 'entity.too.large':
      return new HttpError(413, 'Payload too large', 'request body exceeds the size limit');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'Unsupported media type', err.message);
    default:
      return err.status && err.status >= 400 && err.status < 500 ? new HttpError(err.status, 'Bad request', err.message) : null;
  }
}

export function errorHandler(log: { error(msg: string, f?: Record<string, unknown>): void }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = err instanceof HttpError ? err : fromParserError(err);
    if (known) return sendProblem(res, known);
    if (err instanceof ValidationFailed) return sendProblem(res, badRequest(err.message, err.errors));
    if (err instanceof TooLarge) return sendProblem(res, new HttpError(413, 'Payload too large', err.message, err.errors));
    if (err instanceof TypeNotAccepted) return sendProblem(res, new HttpError(415, 'Unsupported media type', err.message, err.errors));
    if (isTransientEngineError(err)) return sendProblem(res, unavailable('the workflow engine is unreachable or did not answer in time; retry later'));
    if (isDatabaseUnreachable(err)) {
      log.error('database unreachable', { requestId: (req as { id?: string }).id, error: String((err as Error)?.message ?? err).slice(0, 500) });
      return sendProblem(res, unavailable('the database is unreachable; retry later (nothing was recorded)'));
    }
    if (err instanceof CorruptRecordError) {
      // Our data, not the caller's request: a 500 that says which record and field, logged for ops.
      log.error('corrupt record', { requestId: (req as { id?: string }).id, recordType: err.recordType, recordId: err.recordId, field: err.field, error: err.message });
      return sendProblem(res, new HttpError(500, 'Corrupt record', `${err.message} (a server-side data fault, not a problem with the request)`));
    }
    log.error('unhandled error', { requestId: (req as { id?: string }).id, error: String(err?.stack ?? err) });
    sendProblem(res, new HttpError(500, 'Internal error', 'unexpected error; see the server log with this request id'));
  };
}
