import type { Request } from 'express';
import type { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Env } from '../config/env';
import type { Logger } from '../infra/logger';
import type { Principal, Role } from '../domain/access';

export interface ApiDeps {
  db: Db;
  temporal: Client;
  env: Pick<Env, 'TEMPORAL_TASK_QUEUE' | 'AUTO_CLOSE_AFTER' | 'CONTINUE_AS_NEW_AFTER_EVENTS' | 'MAX_BODY_BYTES'> &
    Partial<Pick<Env, 'PRIORITY_MATRIX' | 'CHANGE_POLICY' | 'WEBHOOK_ALLOW_PRIVATE' | 'SECRETS_KEY' | 'PROBLEM_OBSERVATION_PERIOD' | 'PROBLEM_TREND_WINDOW' | 'PROBLEM_TREND_THRESHOLD' | 'CMDB_VERIFICATION_OPEN_INCIDENTS' | 'CMDB_VERIFICATION_INCIDENT_STATUSES' | 'PUBLIC_URL' | 'PORT' | 'RELEASE_BUILD_TIMEOUT' | 'RELEASE_TEST_TIMEOUT' | 'RELEASE_DEPLOY_TIMEOUT' | 'RELEASE_VERIFY_TIMEOUT' | 'ATTACHMENT_DIR' | 'ATTACHMENT_MAX_BYTES' | 'ATTACHMENT_TYPES' | 'DSL_DIR' | 'DSL_FILE_ROOT' | 'DSL_MAX_BYTES' | 'DSL_FETCH_TIMEOUT' | 'NODE_ENV' | 'TOKEN_HASH_KEY' | 'AUTH_FAILURE_LIMIT' | 'AUTH_FAILURE_WINDOW' | 'TRUST_PROXY' | 'OIDC_ISSUER' | 'OIDC_AUDIENCE' | 'OIDC_JWKS_URI' | 'OIDC_ROLE_CLAIM' | 'OIDC_ROLE_MAP' | 'OIDC_DEFAULT_ROLE' | 'OIDC_GROUPS_CLAIM' | 'OIDC_GROUP_MAP' | 'MONITORING_NOTE_INTERVAL' | 'API_ENGINE_TIMEOUT' | 'CONTRACT_REMINDER_DAYS'>>;
  log: Logger;
  /** False only where the Temporal server cannot index custom search attributes. */
  searchAttributes?: boolean;
}

export interface HandlerContext<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  user: Principal;
  deps: ApiDeps;
  req: Request;
  /**
   * A create's identity (number, id) chosen before its workflow starts. Under an Idempotency-Key
   * it is kept with the key, so a retry after a crash or an unsure 503 reopens the same record
   * (`resumed`) instead of making a second one.
   */
  reserve: Reserve;
}

export type Reserve = <T>(make: () => Promise<T>) => Promise<{ value: T; resumed: boolean }>;

/**
 * One declaration per endpoint: Express routing, validation, auth and the OpenAPI
 * document are all generated from it, so the three cannot drift apart.
 */
export interface RouteDef<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string; // Express style: /api/v1/incidents/:id
  summary: string;
  tag: string;
  roles: readonly Role[] | 'any';
  /** Answered without a bearer: the path itself carries the credential (a survey's one-time token). The handler gets an anonymous requester. */
  public?: true;
  body?: B;
  query?: Q;
  response?: z.ZodType;
  status?: number;
  /** Creates a record: honours Idempotency-Key. */
  creates?: boolean;
  /** The media type of a success body the handler streams itself (e.g. a download); default JSON. */
  produces?: string;
  /** Media types the handler may answer instead of the JSON `response` (e.g. a report as text/csv or image/svg+xml), written by the handler itself. */
  alsoProduces?: string[];
  /**
   * A body the handler reads itself, in more than one media type (the CMDB import takes JSON or
   * CSV): documented per media type, required, and not parsed by the generic `body` step.
   */
  bodyContent?: Record<string, z.ZodType>;
  /** Problem statuses this route answers beyond the ones every route documents (e.g. 409 on a GET). */
  errors?: number[];
  /**
   * Declared as a method, so a route with typed schemas is also a plain RouteDef (the list that
   * app.ts mounts and openapi.ts documents): the app calls it only with what `body` and `query`
   * parsed, which is what its parameter type says.
   */
  handler(ctx: HandlerContext<z.infer<B>, z.infer<Q>>): Promise<unknown>;
}

/** Types the handler's body and query from the route's own schemas. */
export function route<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType>(def: RouteDef<B, Q>): RouteDef {
  return def;
}
