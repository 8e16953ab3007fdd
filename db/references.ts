import { driverOf, type Db } from './client';
import { inChunks, placeholders } from './sql';

type Pairs = Promise<(readonly [string, string])[]>;

/**
 * What each kind of reference a record holds reads as beside its key: a CI's number, a user's
 * or group's name, a group's id for the group name an incident holds, a template's or freeze's name.
 */
const pairs = async (db: Db, table: string, key: string, value: string, keys: string[]): Pairs =>
  (await inChunks(keys, (chunk) => driverOf(db).query<{ k: string; v: string }>(`SELECT "${key}" AS "k", "${value}" AS "v" FROM "${table}" WHERE "${key}" IN (${placeholders(chunk)})`, chunk))).map((r) => [r.k, r.v] as const);
// Every record the API shows reads its references: on the driver (db/sql.ts), not through Prisma's query compiler.
const LOOKUPS = {
  ci: (db: Db, ids: string[]): Pairs => pairs(db, 'ConfigurationItem', 'id', 'number', ids),
  user: (db: Db, ids: string[]): Pairs => pairs(db, 'User', 'id', 'name', ids),
  groupIdByName: (db: Db, names: string[]): Pairs => pairs(db, 'Group', 'name', 'id', names),
  template: (db: Db, ids: string[]): Pairs => pairs(db, 'ChangeTemplate', 'id', 'name', ids),
  freeze: (db: Db, ids: string[]): Pairs => pairs(db, 'ChangeFreeze', 'id', 'name', ids),
};
export type ReferenceKind = keyof typeof LOOKUPS;

type Key = string | null | undefined;
/** A reference read back: its number or name, null when it has none or no longer resolves. */
export type ReadReference = (kind: ReferenceKind, key: Key) => string | null;

/**
 * Every reference these views hold, as `refs` lists them per kind, read in one query per kind
 * for any number of views (a page of a list costs the same as one record; kinds nothing
 * refers to cost nothing). The answer reads each back, null beside a key that does not resolve.
 */
export async function readReferences<V>(db: Db, views: readonly V[], refs: (view: V) => Partial<Record<ReferenceKind, readonly Key[]>>): Promise<ReadReference> {
  const wanted = new Map<ReferenceKind, Set<string>>();
  for (const view of views) {
    for (const [kind, keys] of Object.entries(refs(view)) as [ReferenceKind, readonly Key[]][]) {
      const set = wanted.get(kind) ?? wanted.set(kind, new Set()).get(kind)!;
      for (const k of keys) if (k) set.add(k);
    }
  }
  const read = await Promise.all(
    [...wanted].filter(([, keys]) => keys.size > 0).map(async ([kind, keys]) => [kind, new Map(await LOOKUPS[kind](db, [...keys]))] as const),
  );
  const found = new Map(read);
  return (kind, key) => (key ? (found.get(kind)?.get(key) ?? null) : null);
}
