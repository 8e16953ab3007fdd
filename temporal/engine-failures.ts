import { isGrpcServiceError } from '@temporalio/client';

/** gRPC status codes that mean "the engine is not reachable or overloaded right now". */
const TRANSIENT_GRPC = new Set([4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);

/** The engine is unreachable, overloaded, or did not answer before the request's deadline: a 503, not a 500. */
export function isTransientEngineError(e: unknown): boolean {
  for (let cur: unknown = e; cur; cur = (cur as { cause?: unknown }).cause) {
    if (isGrpcServiceError(cur) && TRANSIENT_GRPC.has(cur.code)) return true;
    if ((cur as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  }
  return false;
}

