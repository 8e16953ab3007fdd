import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from '../domain/schemas/zod';
import { NO_NUL, NOT_BLANK, NOT_BLANK_NO_NUL, Problem } from '../domain/schemas/common';
import type { RouteDef } from './route';

/** OpenAPI 3.1, generated from the same route declarations and zod schemas that validate requests. */
export function buildOpenApi(routes: RouteDef[]) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  const problem = { description: 'problem+json', content: { 'application/problem+json': { schema: Problem } } };
  for (const r of routes) {
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
    registry.registerPath({
      method: r.method,
      path: r.path.replace(/:(\w+)/g, '{$1}'),
      summary: r.summary,
      tags: [r.tag],
      security: r.public ? [] : [{ bearer: [] }],
      description: r.public ? 'No bearer: the path carries the credential.' : r.roles === 'any' ? 'Any authenticated role.' : `Roles: ${r.roles.join(', ')}.`,
      request: {
        ...(params.length ? { params: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) } : {}),
        ...(r.query ? { query: r.query as z.ZodObject } : {}),
        // A request without a body is read as `{}` (api/app.ts): the body is required exactly when `{}` is refused.
        ...(r.body ? { body: { required: !r.body.safeParse({}).success, content: { 'application/json': { schema: r.body } } } } : {}),
        ...(r.bodyContent ? { body: { required: true, content: Object.fromEntries(Object.entries(r.bodyContent).map(([type, schema]) => [type, { schema }])) } } : {}),
        ...(r.creates ? { headers: z.object({ 'Idempotency-Key': z.string().max(200).optional() }) } : {}),
      },
      responses: {
        [r.status ?? 200]: {
          description: 'OK',
          ...(r.produces
            ? { content: { [r.produces]: { schema: z.string().openapi({ format: 'binary' }) } } }
            : r.response
              ? { content: { 'application/json': { schema: r.response }, ...Object.fromEntries((r.alsoProduces ?? []).map((t) => [t, { schema: z.string() }])) } }
              : {}),
        },
        ...Object.fromEntries((r.errors ?? []).map((status) => [status, problem])),
        400: problem,
        401: problem,
        429: { ...problem, description: 'too many failed authentications from this address or for this token (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW); see Retry-After' },
        403: problem,
        ...(params.length ? { 404: problem } : {}),
        // Every change may be refused by the state of what it changes (a retired CI or supplier, a
        // closed action, a record whose state does not allow the command), and a creation whose
        // Idempotency-Key is still in progress or whose identity exists; a read only where it says so (errors).
        ...(r.method !== 'get' ? { 409: { ...problem, description: 'refused by the current state of what it would change; nothing was changed' } } : {}),
        ...(r.body || r.bodyContent ? { 413: { ...problem, description: 'the body exceeds MAX_BODY_BYTES' }, 415: { ...problem, description: 'not application/json in UTF-8, or an unsupported content encoding' } } : {}),
        ...(r.creates ? { 422: { ...problem, description: 'the Idempotency-Key was used for a different request' } } : {}),
        503: { ...problem, description: 'the workflow engine or the database is unreachable; retry later (nothing was recorded)' },
      },
    });
  }
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'ITSM on Temporal', version: '1.0.0', description: 'Every ITIL / ISO 20000 process as durable workflows. Contract: shared/api.md.' },
    servers: [{ url: '/' }],
  });
  eachSchema(doc, nullInNullableEnums);
  for (const methods of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(methods as Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>)) {
      for (const media of Object.values(op?.requestBody?.content ?? {})) eachSchema(media.schema, documentNoNul);
    }
  }
  // A body given as a named component (MetricBatch, CreateCapacityThreshold) is a $ref: the
  // components it reaches are request schemas too.
  const components = (doc.components?.schemas ?? {}) as Record<string, unknown>;
  for (const name of requestComponents(doc.paths ?? {}, components)) eachSchema(components[name], documentNoNul);
  return doc;
}

/**
 * Every JSON body is refused with 400 when any text in it holds NUL or an unpaired surrogate
 * (api/app.ts, before the route's schema): say so on each string of a request body that has no
 * pattern of its own, and on the not-blank one (the other patterns the schemas set are anchored
 * and exclude NUL already). Query strings are not checked for it, so they are left alone. JSON
 * Schema strings are Unicode text, so unpaired surrogates are outside them anyway.
 */
function documentNoNul(schema: Record<string, unknown>): void {
  const isString = schema.type === 'string' || (Array.isArray(schema.type) && schema.type.includes('string'));
  if (isString && schema.pattern === undefined && schema.enum === undefined && schema.const === undefined) schema.pattern = NO_NUL;
  if (isString && schema.pattern === NOT_BLANK) schema.pattern = NOT_BLANK_NO_NUL;
}

/** The components a request body reaches through $refs, also through other components. */
function requestComponents(paths: object, components: Record<string, unknown>): Set<string> {
  const found = new Set<string>();
  const follow = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(follow);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const name = key === '$ref' && typeof value === 'string' ? value.replace('#/components/schemas/', '') : null;
      if (name !== null && name in components && !found.has(name)) {
        found.add(name);
        follow(components[name]);
      } else follow(value);
    }
  };
  for (const methods of Object.values(paths)) for (const op of Object.values(methods as Record<string, { requestBody?: unknown }>)) follow(op?.requestBody);
  return found;
}

/**
 * zod-to-openapi renders a nullable enum as `type: [string, null]` with the enum's values only,
 * and JSON Schema requires a value to be one of `enum` as well: null, which the schema accepts
 * (e.g. PATCH /cis/:id `securityClass: null` clears it) and responses carry, joins the list.
 */
function nullInNullableEnums(schema: Record<string, unknown>): void {
  if (Array.isArray(schema.enum) && Array.isArray(schema.type) && schema.type.includes('null') && !schema.enum.includes(null)) schema.enum.push(null);
}

/** Calls `visit` on every schema object under `node`, not descending into values (enum, const, default, example). */
function eachSchema(node: unknown, visit: (schema: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => eachSchema(n, visit));
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  visit(schema);
  for (const [key, value] of Object.entries(schema)) if (key !== 'enum' && key !== 'const' && key !== 'default' && key !== 'example') eachSchema(value, visit);
}
