import { pipeline } from 'node:stream/promises';
import type { Db } from '../db/client';
import { visibilityFor, type Principal, type Role } from '../domain/access';
import { contentDisposition } from '../domain/attachment/rules';
import { AttachmentRecord, AttachmentUpload } from '../domain/schemas/attachment';
import { ArtifactMissing } from '../infra/artifact-store';
import { attachmentSettings, attachmentsOf, findAttachment, putAttachmentBytes, recordAttachment } from '../services/attachments';
import { z } from '../domain/schemas/zod';
import { badRequest, HttpError, notFound } from './errors';
import { readFileUpload } from './multipart';
import { route, type RouteDef } from './route';

export interface AttachmentRoutes {
  recordType: string;
  tag: string;
  /** The record's path with its `:id` parameter, e.g. `/api/v1/incidents/:id`. */
  path: string;
  /** Who may attach files (anyone who may see the record may read them). */
  roles: readonly Role[];
  /** The record by id or number, as far as this caller may see it; throws the API's 404 when there is none. */
  find(db: Db, ref: string, user: Principal): Promise<{ id: string }>;
}

/**
 * A record's files: upload (multipart, one file per request, streamed to the attachment store),
 * list and download. The same visibility as notes: a requester's files are public, the desk's
 * internal unless made public, and a requester sees public ones and their own.
 */
export function attachmentRoutes(r: AttachmentRoutes): RouteDef[] {
  const recordPath = r.path.split('/')[3];
  return [
    route({
      method: 'post',
      path: `${r.path}/attachments`,
      summary: `Attach a file to a ${r.recordType} (multipart/form-data, part "file"; size and type limits from ATTACHMENT_MAX_BYTES and ATTACHMENT_TYPES)`,
      tag: r.tag,
      roles: r.roles,
      bodyContent: { 'multipart/form-data': AttachmentUpload },
      response: AttachmentRecord,
      status: 201,
      errors: [413, 415],
      async handler({ req, params, user, deps }) {
        const record = await r.find(deps.db, params.id, user);
        const settings = attachmentSettings(deps.env);
        const { file, fields } = await readFileUpload(
          req,
          async (part) => ({ fileName: part.fileName, stored: await putAttachmentBytes(settings, { contentType: part.contentType, content: part.content, field: 'file' }) }),
          ['visibility'],
        );
        const requested = fields.visibility;
        if (requested !== undefined && requested !== 'public' && requested !== 'internal') throw badRequest('visibility must be public or internal', [{ path: 'visibility', message: 'public or internal' }]);
        const visibility = visibilityFor(user, requested);
        if (!visibility) throw badRequest('visibility must be public', [{ path: 'visibility', message: "required to be public for a requester: internal files are the desk's" }]);
        return recordAttachment(deps.db, { recordType: r.recordType, recordId: record.id, recordPath, fileName: file.fileName, visibility, via: 'api', createdBy: user.id }, file.stored);
      },
    }),
    route({
      method: 'get',
      path: `${r.path}/attachments`,
      summary: `The files attached to a ${r.recordType} (oldest first)`,
      tag: r.tag,
      roles: 'any',
      response: z.array(AttachmentRecord),
      async handler({ params, user, deps }) {
        const record = await r.find(deps.db, params.id, user);
        return attachmentsOf(deps.db, record.id, recordPath, user);
      },
    }),
    route({
      method: 'get',
      path: `${r.path}/attachments/:attachmentId`,
      summary: `Download a file attached to a ${r.recordType} (always as a download: Content-Disposition attachment)`,
      tag: r.tag,
      roles: 'any',
      produces: '*/*',
      async handler({ req, params, user, deps }) {
        const record = await r.find(deps.db, params.id, user);
        const row = await findAttachment(deps.db, record.id, params.attachmentId, user);
        if (!row) throw notFound(`attachment ${params.attachmentId}`);
        let content;
        try {
          content = await attachmentSettings(deps.env).store.open(row.sha256);
        } catch (e) {
          if (e instanceof ArtifactMissing) throw new HttpError(500, 'Content missing', `attachment ${row.id} is recorded but its content is missing from ATTACHMENT_DIR; a server-side fault`);
          throw e;
        }
        const res = req.res!;
        res.status(200);
        res.setHeader('content-type', row.contentType);
        res.setHeader('content-length', String(row.size));
        res.setHeader('content-disposition', contentDisposition(row.fileName));
        res.setHeader('etag', `"${row.sha256}"`);
        res.setHeader('cache-control', 'private, max-age=0');
        await pipeline(content, res);
        return undefined;
      },
    }),
  ];
}
