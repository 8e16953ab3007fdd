import { createHash } from 'node:crypto';
import type { Db } from '../db/client';
import { HttpError } from './errors';

export interface StoredResponse {
  status: number;
  body: unknown;
  replayed: boolean;
}

const IN_PROGRESS = 0;

/**
 * Runs a create at most once per (caller, Idempotency-Key). A repeat returns the first
 * response; the same key with a different request is refused (422) rather than guessed at.
 */
export async function withIdempotency(
  db: Db,
  principal: string,
  key: string,
  request: { method: string; path: string; body: unknown },
  run: () => Promise<{ status: number; body: unknown }>,
): Promise<StoredResponse> {
  if (key.length > 200) throw new HttpError(400, 'Invalid request', 'Idempotency-Key is too long', [{ path: 'header.Idempotency-Key', message: 'at most 200 characters' }]);
  const fingerprint = `${request.method} ${request.path} ${createHash('sha256').update(JSON.stringify(request.body ?? null)).digest('hex')}`;
  const where = { principal_key: { principal, key } };
  try {
    await db.idempotencyKey.create({ data: { principal, key, route: fingerprint, status: IN_PROGRESS, body: '' } });
  } catch {
    const existing = await db.idempotencyKey.findUnique({ where });
    if (!existing) throw new HttpError(409, 'Conflict', 'Idempotency-Key is being processed; retry shortly');
    if (existing.route !== fingerprint) {
      throw new HttpError(422, 'Idempotency key reused', 'this Idempotency-Key was used for a different request');
    }
    if (existing.status === IN_PROGRESS) throw new HttpError(409, 'Conflict', 'a request with this Idempotency-Key is still in progress; retry shortly');
    return { status: existing.status, body: JSON.parse(existing.body), replayed: true };
  }
  try {
    const result = await run();
    await db.idempotencyKey.update({ where, data: { status: result.status, body: JSON.stringify(result.body) } });
    return { ...result, replayed: false };
  } catch (e) {
    // A failed attempt created nothing: free the key so a corrected retry can use it.
    await db.idempotencyKey.delete({ where }).catch(() => undefined);
    throw e;
  }
}
