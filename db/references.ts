import type { Db } from './client';

type Pairs = Promise<(readonly [string, string])[]>;

/**
 * What each kind of reference a record holds reads as beside its key: a CI's number, a user's
 * or group's name, a group's id for the group name an incident holds, a template's or freeze's name.
 */
const LOOKUPS = {
  ci: (db: Db, ids: string[]): Pairs =>
    db.configurationItem.findMany({ where: { id: { in: ids } }, select: { id: true, number: true } }).then((rows) => rows.map((r) => [r.id, r.number] as const)),
  user: (db: Db, ids: string[]): Pairs => db.user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }).then((rows) => rows.map((r) => [r.id, r.name] as const)),
  groupIdByName: (db: Db, names: string[]): Pairs =>
    db.group.findMany({ where: { name: { in: names } }, select: { id: true, name: true } }).then((rows) => rows.map((r) => [r.name, r.id] as const)),
  template: (db: Db, ids: string[]): Pairs =>
    db.changeTemplate.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }).then((rows) => rows.map((r) => [r.id, r.name] as const)),
  freeze: (db: Db, ids: string[]): Pairs =>
    db.changeFreeze.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }).then((rows) => rows.map((r) => [r.id, r.name] as const)),
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
