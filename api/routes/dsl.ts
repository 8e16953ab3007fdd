import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ROLES, type Role } from '../../domain/access';
import { ListQuery, listOf } from '../../domain/schemas/common';
import { DslArtifactRecord, DslListQuery, RegisterArtifactBody } from '../../domain/schemas/dsl';
import { dslSettings } from '../../config/dsl';
import { artifactView, findArtifact } from '../../db/dsl-store';
import { resolveFileSource } from '../../infra/artifact-source';
import { ArtifactMissing, FsArtifactStore } from '../../infra/artifact-store';
import { newId } from '../../infra/ids';
import { redactUrl, refusedWebhookTarget } from '../../infra/network-policy';
import { parseSecretsKey, sealSecret } from '../../infra/secret-box';
import { DSL_VERIFICATION_WORKFLOW, dslVerificationWorkflowId, type DslVerificationInput } from '../../workflows/contracts/dsl-verification';
import * as SA from '../../workflows/contracts/search-attributes';
import { HttpError, badRequest, conflict, notFound } from '../errors';
import { listPage } from '../pagination';
import { route, type ApiDeps, type RouteDef } from '../route';
import { commandError } from '../temporal-errors';

/** Who adds to the library: release managers, deployment automation, admins. Everyone but requesters reads it. */
const REGISTRARS: readonly Role[] = ['release_manager', 'automation', 'admin'];
const READERS: readonly Role[] = ROLES.filter((r) => r !== 'requester');

const isUniqueViolation = (e: unknown) => (e as { code?: unknown } | null)?.code === 'P2002';
const uriError = (message: string) => badRequest(`uri ${message}`, [{ path: 'uri', message }]);

async function requireArtifact(deps: ApiDeps, id: string) {
  const row = await findArtifact(deps.db, id);
  if (!row) throw notFound(`DSL artifact ${id}`);
  return row;
}

/**
 * What the workflow will fetch, judged before anything is recorded: http(s) targets against
 * the same policy as webhooks, file: paths against DSL_FILE_ROOT; credentials sealed.
 */
async function checkSource(deps: ApiDeps, raw: string): Promise<{ stored: string; sealedCredentials?: string }> {
  const url = new URL(raw);
  if (url.protocol === 'file:') {
    if (url.username || url.password) throw uriError('must not carry credentials');
    const src = await resolveFileSource(url, dslSettings(deps.env).fileRoot, false);
    if (!src.ok) throw uriError(src.reason);
    return { stored: url.href };
  }
  if (!deps.env.WEBHOOK_ALLOW_PRIVATE) {
    const why = refusedWebhookTarget(url);
    if (why) throw uriError(`may not point at ${why}`);
  }
  if (!url.username && !url.password) return { stored: url.href };
  const key = parseSecretsKey(deps.env.SECRETS_KEY);
  if (!key) throw uriError('carries credentials, which are accepted only when SECRETS_KEY is set (they are kept sealed, never in the clear)');
  return { stored: redactUrl(url.href), sealedCredentials: sealSecret(`${url.username}:${url.password}`, key) };
}

/** `attachment; filename=…` from the source's last path segment, else name-version. */
function contentDisposition(uri: string, name: string, version: string): string {
  let base = '';
  try {
    base = decodeURIComponent(path.posix.basename(new URL(uri).pathname));
  } catch {
    // keep the fallback
  }
  const wanted = base || `${name}-${version}`;
  const ascii = wanted.replace(/[^\x20-\x7e]|["\\;]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(wanted)}`;
}

export function dslRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/dsl/artifacts',
      summary: 'Register an artifact in the definitive software library: it is fetched, its SHA-256 checked, and it becomes verified or rejected',
      tag: 'Releases',
      roles: REGISTRARS,
      body: RegisterArtifactBody,
      response: DslArtifactRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const source = await checkSource(deps, body.uri);
        const existing = await deps.db.dslArtifact.findUnique({ where: { name_version: { name: body.name, version: body.version } } });
        if (existing) throw conflict(`${body.name} ${body.version} is already in the library as ${existing.id} (${existing.status})`);
        const id = newId('art');
        let row;
        try {
          row = await deps.db.dslArtifact.create({
            data: { id, name: body.name, version: body.version, uri: source.stored, sha256: body.sha256, status: 'pending', createdBy: user.id },
          });
        } catch (e) {
          if (isUniqueViolation(e)) throw conflict(`${body.name} ${body.version} is already in the library`);
          throw e;
        }
        const searchAttributes = deps.searchAttributes !== false;
        const input: DslVerificationInput = {
          artifactId: id,
          ...(source.sealedCredentials !== undefined ? { sealedCredentials: source.sealedCredentials } : {}),
          fetchTimeoutMs: dslSettings(deps.env).fetchTimeoutMs,
          searchAttributes,
        };
        try {
          await deps.temporal.workflow.start(DSL_VERIFICATION_WORKFLOW, {
            workflowId: dslVerificationWorkflowId(id),
            taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
            args: [input],
            memo: { title: `${body.name} ${body.version}` },
            staticSummary: `DSL: verify ${body.name} ${body.version}`.slice(0, 200),
            ...(searchAttributes
              ? { typedSearchAttributes: [{ key: SA.RecordType, value: 'dsl_artifact' }, { key: SA.RecordNumber, value: `${body.name}@${body.version}`.slice(0, 200) }, { key: SA.RecordState, value: 'pending' }] }
              : {}),
          });
        } catch (e) {
          // All or nothing: no row is left pending without a workflow to settle it.
          await deps.db.dslArtifact.deleteMany({ where: { id } });
          throw commandError(e, `${body.name} ${body.version}`);
        }
        return artifactView(row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/dsl',
      summary: 'List the artifacts of the definitive software library (newest first)',
      tag: 'Releases',
      roles: READERS,
      query: ListQuery.extend(DslListQuery.shape),
      response: listOf(DslArtifactRecord),
      async handler({ query, deps }) {
        const where = { ...(query.status ? { status: query.status } : {}), ...(query.name ? { name: query.name } : {}) };
        return listPage(query, where, (args) => deps.db.dslArtifact.findMany(args), artifactView);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/dsl/artifacts/:id',
      summary: 'Get an artifact of the definitive software library',
      tag: 'Releases',
      roles: READERS,
      response: DslArtifactRecord,
      handler: async ({ params, deps }) => artifactView(await requireArtifact(deps, params.id)),
    }),
    route({
      method: 'get',
      path: '/api/v1/dsl/artifacts/:id/content',
      summary: "A verified artifact's bytes, with its digest in ETag, Digest and Repr-Digest (409 until verified)",
      tag: 'Releases',
      roles: READERS,
      produces: 'application/octet-stream',
      errors: [409],
      async handler({ params, deps, req }) {
        const row = await requireArtifact(deps, params.id);
        if (row.status !== 'verified' || !row.actualSha256) {
          throw conflict(`${row.name} ${row.version} is ${row.status}${row.status === 'rejected' ? `: ${row.error ?? 'rejected'}` : ', not verified yet'}; only verified artifacts can be downloaded`);
        }
        const store = new FsArtifactStore(dslSettings(deps.env).dir);
        let content;
        try {
          content = await store.open(row.actualSha256);
        } catch (e) {
          if (!(e instanceof ArtifactMissing)) throw e;
          deps.log.error('dsl content missing', { artifactId: row.id, sha256: row.actualSha256 });
          throw new HttpError(500, 'Content missing', `${row.name} ${row.version} is verified but its content is missing from the library (DSL_DIR); a server-side fault`);
        }
        const b64 = Buffer.from(row.actualSha256, 'hex').toString('base64');
        const res = req.res!;
        res.status(200);
        res.setHeader('content-type', 'application/octet-stream');
        if (row.sizeBytes !== null) res.setHeader('content-length', String(row.sizeBytes));
        res.setHeader('etag', `"${row.actualSha256}"`);
        res.setHeader('digest', `sha-256=${b64}`);
        res.setHeader('repr-digest', `sha-256=:${b64}:`);
        res.setHeader('cache-control', 'private, max-age=31536000, immutable');
        res.setHeader('content-disposition', contentDisposition(row.uri, row.name, row.version));
        try {
          await pipeline(content, res);
        } catch (e) {
          // Too late for a problem response: the connection is cut so a short download cannot pass for complete.
          if (!res.destroyed) res.destroy(e as Error);
          if ((e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.log.error('dsl download failed mid-stream', { artifactId: row.id, error: String(e) });
        }
        return undefined;
      },
    }),
  ];
}
