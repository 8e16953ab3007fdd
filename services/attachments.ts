import { PassThrough, type Readable } from 'node:stream';
import type { Db } from '../db/client';
import type { Env } from '../config/env';
import { EnvSchema } from '../config/env';
import { newId } from '../infra/ids';
import { ArtifactTooLarge, FsArtifactStore, type ArtifactStore } from '../infra/artifact-store';
import { mediaTypeOf, safeFileName, typeAllowed } from '../domain/attachment/rules';
import { visibleToUser, type Principal } from '../domain/access';
import type { AttachmentRecord, Visibility } from '../domain/schemas/attachment';
import { TooLarge, TypeNotAccepted, ValidationFailed } from './errors';

/** Where attachments go and what they may be (ATTACHMENT_DIR, ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES). */
export interface AttachmentSettings {
  store: ArtifactStore;
  maxBytes: number;
  types: readonly string[];
}

export type AttachmentEnv = Partial<Pick<Env, 'ATTACHMENT_DIR' | 'ATTACHMENT_MAX_BYTES' | 'ATTACHMENT_TYPES'>>;

const stores = new Map<string, ArtifactStore>();
export function attachmentSettings(env: AttachmentEnv): AttachmentSettings {
  const d = EnvSchema.pick({ ATTACHMENT_DIR: true, ATTACHMENT_MAX_BYTES: true, ATTACHMENT_TYPES: true }).parse({});
  const dir = env.ATTACHMENT_DIR ?? d.ATTACHMENT_DIR;
  let store = stores.get(dir);
  if (!store) stores.set(dir, (store = new FsArtifactStore(dir)));
  return { store, maxBytes: env.ATTACHMENT_MAX_BYTES ?? d.ATTACHMENT_MAX_BYTES, types: env.ATTACHMENT_TYPES ?? d.ATTACHMENT_TYPES };
}

export interface NewAttachment {
  recordType: string;
  recordId: string;
  /** The record's path in the API (`incidents`), for the download link. */
  recordPath: string;
  fileName: string | undefined;
  visibility: Visibility;
  via: 'api' | 'email';
  createdBy: string;
}

type Row = { id: string; recordType: string; recordId: string; fileName: string; contentType: string; size: number; sha256: string; visibility: string; via: string; createdBy: string; createdAt: Date };

export function attachmentView(row: Row, recordPath: string): AttachmentRecord {
  return {
    id: row.id,
    recordType: row.recordType,
    recordId: row.recordId,
    fileName: row.fileName,
    contentType: row.contentType,
    size: row.size,
    sha256: row.sha256,
    visibility: row.visibility === 'public' ? 'public' : 'internal',
    via: row.via === 'email' ? 'email' : 'api',
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    url: `/api/v1/${recordPath}/${row.recordId}/attachments/${row.id}`,
  };
}

export interface StoredFile {
  sha256: string;
  size: number;
  contentType: string;
}

/**
 * Keeps a file's bytes. The type is checked before a byte is kept and the size while the bytes
 * stream in; either refusal leaves nothing stored, and the rest of the incoming stream is
 * drained so the request (or mail) it belongs to can still be answered.
 */
export async function putAttachmentBytes(settings: AttachmentSettings, file: { contentType: string; content: Readable; field: string }): Promise<StoredFile> {
  const contentType = mediaTypeOf(file.contentType || 'application/octet-stream');
  if (!typeAllowed(contentType, settings.types)) {
    file.content.resume();
    throw new TypeNotAccepted(`${file.field}: files of type ${contentType} are not accepted`, [{ path: file.field, message: `type ${contentType} is not accepted (ATTACHMENT_TYPES: ${settings.types.join(', ')})` }]);
  }
  // Through a pass-through, so a refused put does not destroy the source mid-stream.
  const pass = new PassThrough();
  // A source that fails (a multipart body cut short) fails the put; pipe() alone would not say.
  // The put attaches to `pass` only after its own awaits: until then nobody else listens.
  file.content.on('error', (e) => pass.destroy(e));
  pass.on('error', () => undefined);
  file.content.pipe(pass);
  try {
    const stored = await settings.store.put(pass, { maxBytes: settings.maxBytes });
    return { ...stored, contentType };
  } catch (e) {
    file.content.unpipe(pass);
    file.content.resume();
    if (e instanceof ArtifactTooLarge) {
      throw new TooLarge(`${file.field} is larger than the limit of ${settings.maxBytes} bytes`, [{ path: file.field, message: `larger than ${settings.maxBytes} bytes (ATTACHMENT_MAX_BYTES)` }]);
    }
    throw e;
  }
}

/** Records stored bytes as an attachment of a record (bytes without a row are never shown). */
export async function recordAttachment(db: Db, a: NewAttachment, file: StoredFile): Promise<AttachmentRecord> {
  const row = await db.attachment.create({
    data: {
      id: newId('att'),
      recordType: a.recordType,
      recordId: a.recordId,
      fileName: safeFileName(a.fileName),
      contentType: file.contentType,
      size: file.size,
      sha256: file.sha256,
      visibility: a.visibility,
      via: a.via,
      createdBy: a.createdBy,
    },
  });
  return attachmentView(row, a.recordPath);
}

/** A record's attachments the caller may see, oldest first. */
export async function attachmentsOf(db: Db, recordId: string, recordPath: string, user: Pick<Principal, 'id' | 'role'>): Promise<AttachmentRecord[]> {
  const rows = await db.attachment.findMany({ where: { recordId, ...visibleToUser(user) }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: 1000 });
  return rows.map((r) => attachmentView(r, recordPath));
}

/** One attachment of a record, if the caller may see it. */
export async function findAttachment(db: Db, recordId: string, attachmentId: string, user: Pick<Principal, 'id' | 'role'>) {
  return db.attachment.findFirst({ where: { id: attachmentId, recordId, ...visibleToUser(user) } });
}

/**
 * A note names files already attached to the same record (and visible to its author): checked
 * before the note is recorded, so a history entry never points at nothing.
 */
export async function checkAttachmentIds(db: Db, recordId: string, ids: readonly string[], user: Pick<Principal, 'id' | 'role'>): Promise<string[]> {
  const unique = [...new Set(ids)];
  const found = new Set((await db.attachment.findMany({ where: { id: { in: unique }, recordId, ...visibleToUser(user) }, select: { id: true } })).map((r) => r.id));
  const errors = ids.flatMap((id, i) => (found.has(id) ? [] : [{ path: `attachmentIds.${i}`, message: `no attachment ${id} on this record` }]));
  if (errors.length) throw new ValidationFailed('attachmentIds names files not attached to this record', errors);
  return unique;
}
