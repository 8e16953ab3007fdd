import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { randomUUID } from 'node:crypto';
import { authorize, createAuthenticator, type Authenticator } from './auth';
import { HttpError, errorHandler, parseOr400, sendProblem } from './errors';
import { freshReserve, withIdempotency } from './idempotency';
import { parseIsoDuration } from '../domain/duration';
import type { Principal } from '../domain/access';
import { buildOpenApi } from './openapi';
import type { ApiDeps, Reserve, RouteDef } from './route';
import { allRoutes } from './routes';
import { IMPORT_MAX_BYTES, IMPORT_PATH } from '../domain/schemas/ci-import';
import { PROMETHEUS_MAX_BYTES, PROMETHEUS_PATH } from '../domain/schemas/capacity';
import { healthRoutes } from './routes/health';
import { describeTextProblem, unstorableTextAt } from '../domain/storable-text';

/** Express turns `async` throws into next(err) only for handlers it awaits; keep it explicit. */
const wrap = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

function requestContext(deps: ApiDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const id = (req.header('x-request-id') ?? '').slice(0, 100) || randomUUID();
    (req as Request & { id: string }).id = id;
    res.setHeader('x-request-id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      deps.log.info('request', {
        requestId: id,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        user: (req as Request & { userId?: string }).userId,
      });
    });
    next();
  };
}

const isImportPath = (p: string) => p.replace(/\/+$/, '').toLowerCase() === IMPORT_PATH;
const isPrometheusPath = (p: string) => p.replace(/\/+$/, '').toLowerCase() === PROMETHEUS_PATH;

/** Writes must be JSON (the CMDB import also takes text/csv, metrics the Prometheus text format): anything else is a 415, not a confusing validation error. */
function requireJson(req: Request, _res: Response, next: NextFunction) {
  const hasBody = Number(req.header('content-length') ?? 0) > 0 || req.header('transfer-encoding') !== undefined;
  const charset = /;\s*charset="?([^";\s]+)/i.exec(req.header('content-type') ?? '')?.[1];
  if (hasBody && charset && !/^utf-?8$/i.test(charset)) return next(new HttpError(415, 'Unsupported media type', `request bodies must be UTF-8, not ${charset}`));
  const encoding = (req.header('content-encoding') ?? 'identity').toLowerCase();
  if (hasBody && !['identity', 'gzip', 'deflate'].includes(encoding)) return next(new HttpError(415, 'Unsupported media type', `content-encoding ${encoding} is not supported (gzip, deflate or none)`));
  const csvImport = req.method === 'POST' && isImportPath(req.path) && req.is('text/csv');
  const exposition = req.method === 'POST' && isPrometheusPath(req.path) && req.is('text/plain');
  // Files are uploaded as multipart/form-data (the attachment routes read the stream themselves).
  const upload = /\/attachments\/?$/i.test(req.path) && req.is('multipart/form-data');
  if (['POST', 'PATCH', 'PUT'].includes(req.method) && hasBody && !csvImport && !exposition && !upload && !req.is('application/json') && !req.is('application/*+json')) {
    return next(new HttpError(415, 'Unsupported media type', 'request bodies must be application/json'));
  }
  next();
}

/**
 * Every JSON body, before any route sees it (and before an Idempotency-Key fingerprints it):
 * text the database cannot store, or hostile nesting, is the caller's 400, naming the field.
 */
function guardBody(req: Request, _res: Response, next: NextFunction) {
  if (req.body === undefined) return next();
  const bad = unstorableTextAt(req.body);
  if (!bad) return next();
  next(new HttpError(400, 'Invalid request', `${bad.path} ${describeTextProblem(bad)}`, [{ path: bad.path, message: describeTextProblem(bad) }]));
}

/** Who calls a public route: no one the database knows, holding no group. */
const ANONYMOUS: Principal = { id: 'anonymous', name: 'anonymous', role: 'requester', groups: [] };

function mount(app: express.Express, r: RouteDef, deps: ApiDeps, auth: Authenticator) {
  const engineTimeoutMs = parseIsoDuration(deps.env.API_ENGINE_TIMEOUT ?? 'PT20S');
  app[r.method](
    r.path,
    wrap(async (req, res) => {
      const user = r.public ? ANONYMOUS : await auth.authenticate(req);
      (req as Request & { userId?: string }).userId = user.id;
      authorize(user, r.roles, `${r.method.toUpperCase()} ${r.path}`);
      // No body at all reads as `{}`; a body of JSON `null` is a body, validated like any other.
      const body = r.body ? parseOr400(r.body, req.body === undefined ? {} : req.body, 'body') : undefined;
      const query = r.query ? parseOr400(r.query, req.query, 'query') : undefined;
      const params = req.params as Record<string, string>;
      // Every engine call the handler makes shares one deadline: past it the call fails as
      // unavailable (503), so an outage or a write still retrying never holds the request.
      const run = (reserve: Reserve) => {
        const handle = async () => ({ status: r.status ?? 200, body: await r.handler({ body, query, params, user, deps, req, reserve }) });
        // An app built without an engine (tests of routes that never reach one) runs as it is.
        return deps.temporal ? deps.temporal.connection.withDeadline(Date.now() + engineTimeoutMs, handle) : handle();
      };
      const key = req.header('idempotency-key');
      const result = r.creates && key ? await withIdempotency(deps.db, user.id, key, { method: req.method, path: req.path, body: req.body }, 2 * engineTimeoutMs, run) : await run(freshReserve);
      if (res.headersSent) return; // the handler answered itself through req.res (e.g. a CSV download)
      if ('replayed' in result && result.replayed) res.setHeader('idempotent-replayed', 'true');
      if (result.status === 204) res.status(204).end();
      else res.status(result.status).json(result.body);
    }),
  );
}

/**
 * A path the API has, asked with a method it does not have: 405 with the methods it does. The
 * path is the one the OpenAPI document gives the request, where a concrete path wins over a
 * templated one (`/cis/export` over `/cis/{id}`): so `PATCH /cis/export` is a 405 whose Allow says
 * GET, not a PATCH of a CI called "export". Runs before the body is looked at, and before the routes.
 */
function methodNotAllowed(routes: RouteDef[]) {
  const byPath = new Map<string, { re: RegExp; params: number; methods: Set<string> }>();
  for (const r of routes) {
    const entry = byPath.get(r.path) ?? {
      re: new RegExp(`^${r.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`, 'i'),
      params: (r.path.match(/:[A-Za-z]+/g) ?? []).length,
      methods: new Set<string>(),
    };
    entry.methods.add(r.method.toUpperCase());
    byPath.set(r.path, entry);
  }
  const paths = [...byPath.values()];
  return (req: Request, res: Response, next: NextFunction) => {
    const matching = paths.filter((p) => p.re.test(req.path));
    if (matching.length === 0) return next();
    const fewest = Math.min(...matching.map((p) => p.params));
    const allowed = new Set(matching.filter((p) => p.params === fewest).flatMap((p) => [...p.methods]));
    if (allowed.has(req.method === 'HEAD' ? 'GET' : req.method)) return next();
    const allow = [...allowed].sort().join(', ');
    res.setHeader('allow', allow);
    sendProblem(res, new HttpError(405, 'Method not allowed', `${req.method} is not allowed on ${req.path} (allowed: ${allow})`));
  };
}

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Security headers from a maintained middleware. The API answers JSON; the CSP is left to
  // the proxy in front, since /docs (Swagger UI) needs inline styles.
  app.use(helmet({ contentSecurityPolicy: false }));
  app.set('query parser', 'simple');
  // The client address the failed-authentication limit counts by: behind a proxy, TRUST_PROXY says which X-Forwarded-For hops to believe.
  const trust = deps.env.TRUST_PROXY;
  if (trust && trust !== 'false') app.set('trust proxy', trust === 'true' ? true : /^\d+$/.test(trust) ? Number(trust) : trust);
  app.use(requestContext(deps));
  const routes = allRoutes();
  // The method before the body: a method a path does not have is its 405 whatever the body's
  // type (a PUT of Prometheus text to the metrics path is not a 415 about JSON).
  app.use(methodNotAllowed(routes));
  app.use(requireJson);
  // Bulk import bodies are large by nature: their own limit, and CSV as text.
  const importLimit = Math.max(deps.env.MAX_BODY_BYTES, IMPORT_MAX_BYTES);
  app.use(IMPORT_PATH, express.text({ type: 'text/csv', limit: importLimit }), express.json({ limit: importLimit, type: ['application/json', 'application/*+json'], strict: false }));
  app.use(PROMETHEUS_PATH, express.text({ type: 'text/plain', limit: Math.max(deps.env.MAX_BODY_BYTES, PROMETHEUS_MAX_BYTES) }));
  app.use(express.json({ limit: deps.env.MAX_BODY_BYTES, type: ['application/json', 'application/*+json'], strict: false }));
  app.use(guardBody);

  healthRoutes(app, deps);
  // Built on its first request, not at start-up: zod-to-openapi takes over a second for it, and
  // an API replica (or a test's stack) should not wait for a document it may never serve.
  let openapi: ReturnType<typeof buildOpenApi> | undefined;
  app.get('/openapi.json', (_req, res) => {
    res.json((openapi ??= buildOpenApi(routes)));
  });
  // Swagger UI reads the same document from its path (relative, so a path prefix in front still works).
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(undefined, { customSiteTitle: 'ITSM API', swaggerUrl: '../openapi.json' }));
  const auth = createAuthenticator(deps);
  for (const r of routes) mount(app, r, deps, auth);

  app.use((req, res) => sendProblem(res, new HttpError(404, 'Not found', `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.log));
  return app;
}
