import { badRequest } from './errors';
import { CURSOR_PATTERN } from '../domain/schemas/common';

/**
 * Keyset pagination over time-ordered ids, newest first: stable under concurrent inserts. The
 * cursor is the last id of the previous page, so its documented pattern (domain/schemas/common.ts)
 * is the whole rule: every value of that shape is a position. (It was the id in base64url, whose
 * valid values no schema could state, and which refused the seeded non-ULID ids.)
 */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  if (!CURSOR_PATTERN.test(cursor)) throw badRequest('invalid cursor', [{ path: 'query.cursor', message: 'not a cursor returned by this API' }]);
  return cursor;
}

export function page<T extends { id: string }>(rows: T[], limit: number): { rows: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return { rows: slice, nextCursor: more ? slice[slice.length - 1].id : null };
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

/**
 * One page of rows whose ids carry no time order (deterministic ids such as deliveries'),
 * newest first by (createdAt, id). The cursor is still the last id: its row gives the time.
 */
export async function listPageByTime<Row extends { id: string; createdAt: Date }, View>(
  query: { limit: number; cursor?: string },
  where: Record<string, unknown>,
  timeOf: (id: string) => Promise<Date | null>,
  find: (args: { where: Record<string, unknown>; orderBy: [{ createdAt: 'desc' }, { id: 'desc' }]; take: number }) => Promise<Row[]>,
  view: (row: Row) => View,
): Promise<{ items: View[]; nextCursor: string | null }> {
  const after = decodeCursor(query.cursor);
  let position: Record<string, unknown> = {};
  if (after !== undefined) {
    const at = await timeOf(after);
    if (!at) throw badRequest('invalid cursor', [{ path: 'query.cursor', message: 'no record in this listing has that id' }]);
    position = { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: after } }] };
  }
  const rows = await find({ where: { ...where, ...position }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: query.limit + 1 });
  const p = page(rows, query.limit);
  return { items: p.rows.map(view), nextCursor: p.nextCursor };
}
