import { createHash } from 'node:crypto';
import type { Db } from '../db/client';
import { HttpError } from './errors';
import type { Reserve } from './route';

export interface StoredResponse {
  status: number;
  body: unknown;
  replayed: boolean;
}

const IN_PROGRESS = 0;

const inProgress = (retryAfterS: number) =>
  new HttpError(409, 'Conflict', 'a request with this Idempotency-Key is still in progress; retry shortly', undefined, { 'retry-after': String(Math.max(1, retryAfterS)) });

/** Outside an Idempotency-Key every create is new. */
export const freshReserve: Reserve = async (make) => ({ value: await make(), resumed: false });

/**
 * Runs a create at most once per (caller, Idempotency-Key). A repeat returns the first
 * response; the same key with a different request is refused (422) rather than guessed at.
 *
 * The claim on a key is a lease (`leaseMs`): an API process killed mid-request leaves the key
 * in progress, and once the lease lapses a retry takes it over. What makes the takeover safe is
 * the reservation: a create that reserves its identity before starting its workflow stores it
 * with the key, and the retry reopens that same record (the workflow attaches to the one already
 * running) instead of making a second. An attempt that ends unsure (a 5xx: the engine may still
 * apply it) keeps its reservation and releases the lease at once; one refused outright (4xx)
 * made nothing and frees the key.
 */
export async function withIdempotency(
  db: Db,
  principal: string,
  key: string,
  request: { method: string; path: string; body: unknown },
  leaseMs: number,
  run: (reserve: Reserve) => Promise<{ status: number; body: unknown }>,
): Promise<StoredResponse> {
  if (key.length > 200) throw new HttpError(400, 'Invalid request', 'Idempotency-Key is too long', [{ path: 'header.Idempotency-Key', message: 'at most 200 characters' }]);
  const fingerprint = `${request.method} ${request.path} ${createHash('sha256').update(JSON.stringify(request.body ?? null)).digest('hex')}`;
  const where = { principal_key: { principal, key } };
  let reservation: string | null = null;
  try {
    await db.idempotencyKey.create({ data: { principal, key, route: fingerprint, status: IN_PROGRESS, body: '', leaseUntil: new Date(Date.now() + leaseMs) } });
  } catch {
    const existing = await db.idempotencyKey.findUnique({ where });
    if (!existing) throw inProgress(1);
    if (existing.route !== fingerprint) {
      throw new HttpError(422, 'Idempotency key reused', 'this Idempotency-Key was used for a different request');
    }
    if (existing.status !== IN_PROGRESS) return { status: existing.status, body: JSON.parse(existing.body), replayed: true };
    const now = Date.now();
    if (existing.leaseUntil.getTime() > now) throw inProgress(Math.ceil((existing.leaseUntil.getTime() - now) / 1000));
    // The holder is gone (or gave up unsure): take over, unless another retry just did.
    const taken = await db.idempotencyKey.updateMany({
      where: { principal, key, status: IN_PROGRESS, leaseUntil: existing.leaseUntil },
      data: { leaseUntil: new Date(now + leaseMs) },
    });
    if (taken.count === 0) throw inProgress(1);
    reservation = existing.reservation;
  }
  const reserve: Reserve = async (make) => {
    if (reservation !== null) return { value: JSON.parse(reservation), resumed: true };
    const value = await make();
    reservation = JSON.stringify(value);
    await db.idempotencyKey.update({ where, data: { reservation } });
    return { value, resumed: false };
  };
  try {
    const result = await run(reserve);
    await db.idempotencyKey.update({ where, data: { status: result.status, body: JSON.stringify(result.body) } });
    return { ...result, replayed: false };
  } catch (e) {
    const refused = e instanceof HttpError && e.status < 500;
    if (refused || reservation === null) await db.idempotencyKey.delete({ where }).catch(() => undefined);
    else await db.idempotencyKey.update({ where, data: { leaseUntil: new Date() } }).catch(() => undefined);
    throw e;
  }
}
