import { badRequest } from './errors';

/** Keyset pagination over time-ordered ids, newest first: stable under concurrent inserts. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[0-9a-z]{26}$/.test(id)) throw badRequest('invalid cursor', [{ path: 'query.cursor', message: 'not a cursor returned by this API' }]);
  return id;
}

export function page<T extends { id: string }>(rows: T[], limit: number): { rows: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return { rows: slice, nextCursor: more ? Buffer.from(slice[slice.length - 1].id, 'utf8').toString('base64url') : null };
}

/** Prisma arguments for one page: fetch one extra row to know whether another page exists. */
export function pageArgs(limit: number, cursor: string | undefined) {
  const after = decodeCursor(cursor);
  return { where: after ? { id: { lt: after } } : {}, orderBy: { id: 'desc' as const }, take: limit + 1 };
}

/** One page of any collection: keyset arguments in, `{items, nextCursor}` out. */
export async function listPage<Row extends { id: string }, View>(
  query: { limit: number; cursor?: string },
  where: Record<string, unknown>,
  find: (args: { where: Record<string, unknown>; orderBy: { id: 'desc' }; take: number }) => Promise<Row[]>,
  view: (row: Row) => View,
): Promise<{ items: View[]; nextCursor: string | null }> {
  const args = pageArgs(query.limit, query.cursor);
  const p = page(await find({ ...args, where: { ...args.where, ...where } }), query.limit);
  return { items: p.rows.map(view), nextCursor: p.nextCursor };
}
