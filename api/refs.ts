import type { Db } from '../db/client';
import { badRequest, notFound } from './errors';

import { findCi } from '../db/ci-store';

export { findCi };

export async function requireCi(db: Db, ref: string) {
  const ci = await findCi(db, ref);
  if (!ci) throw notFound(`configuration item ${ref}`);
  return ci;
}

/** A CI reference (id or number) inside a body, as its row: unknown → 400 naming the field (the request is wrong, not the URL). */
export async function resolveCi(db: Db, ref: string, field: string, opts: { class?: string } = {}) {
  const ci = await findCi(db, ref);
  if (!ci) throw badRequest(`${field} does not exist`, [{ path: field, message: `no configuration item ${ref}` }]);
  if (opts.class && ci.class !== opts.class) {
    throw badRequest(`${field} must be a ${opts.class}`, [{ path: field, message: `${ref} is a ${ci.class}, not a ${opts.class}` }]);
  }
  return ci;
}

/** An optional CI reference inside a body, as its id (resolveCi). */
export async function resolveCiField(db: Db, ref: string | undefined, field: string, opts: { class?: string } = {}): Promise<string | undefined> {
  return ref === undefined ? undefined : (await resolveCi(db, ref, field, opts)).id;
}
