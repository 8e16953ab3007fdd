import type { Db } from './client';
import { currentGraphVersion, graphAt } from './ci-graph';
import type { ImpactDirection, Reached, Walk } from '../domain/cmdb/impact-graph';
import { SECURITY_CLASSES } from '../domain/schemas/ci';

type SecurityClass = (typeof SECURITY_CLASSES)[number];

/**
 * Impact analysis over the CMDB graph: a walk over the in-memory graph (db/ci-graph.ts keeps it
 * current from the change log, domain/cmdb/impact-graph.ts walks it). No query per reached CI:
 * the graph carries each CI's number, name, class and status, current as of the log.
 *
 * Retired CIs are reported (their relationships are kept, and a dependency recorded in the CMDB
 * should not silently vanish from an impact assessment) and traversed; callers flag them.
 */
export type { ImpactDirection, Reached } from '../domain/cmdb/impact-graph';

export interface ImpactOptions {
  depth: number;
  direction: ImpactDirection;
  /** Walk the relationships as they were at this moment instead of now. */
  at?: Date;
}

/**
 * Recent walks of the current graph, per database client, keyed by the graph's version: paging
 * through a large impact set walks once, not once per page. A write moves the version on, so a
 * cached walk is never stale; it is used synchronously right after it is handed out (the graph
 * only changes between awaits).
 */
const WALKS_KEPT = 16;
const walks = new WeakMap<object, Map<string, Walk>>();

export async function walkImpact(db: Db, ciId: string, opts: ImpactOptions): Promise<Walk> {
  if (opts.at) return (await graphAt(db, opts.at)).walk(ciId, opts);
  const { graph, version } = await currentGraphVersion(db);
  let kept = walks.get(db);
  if (!kept) walks.set(db, (kept = new Map()));
  const key = `${version}|${ciId}|${opts.direction}|${opts.depth}`;
  const hit = kept.get(key);
  if (hit) {
    kept.delete(key);
    kept.set(key, hit); // most recently used last
    return hit;
  }
  const walk = graph.walk(ciId, opts);
  kept.set(key, walk);
  if (kept.size > WALKS_KEPT) kept.delete(kept.keys().next().value!);
  return walk;
}

/** Up to this many CIs reached, their classes are read by id; beyond, the classified CIs are read and checked against the walk. */
const BY_ID_UP_TO = 2_000;

/**
 * The most sensitive data class among the CI and what its walk reached: what a failure (or a
 * breach) of it can expose. The class is not in the graph (its change log carries class, name
 * and status only), so it is read: by id for a small walk (primary-key lookups), else every
 * classified CI at once (one scan, ~10-15 ms at 100,000 CIs), whichever reads less.
 */
export async function highestSecurityClassReached(db: Db, ciId: string, walk: Walk, byIdUpTo = BY_ID_UP_TO): Promise<SecurityClass | null> {
  const classified: { id: string; securityClass: string | null }[] = [];
  if (walk.counts().total < byIdUpTo) {
    const ids = [ciId, ...walk.reachedIds()];
    for (let i = 0; i < ids.length; i += 500) classified.push(...(await db.configurationItem.findMany({ where: { id: { in: ids.slice(i, i + 500) }, securityClass: { not: null } }, select: { id: true, securityClass: true } })));
  } else classified.push(...(await db.configurationItem.findMany({ where: { securityClass: { not: null } }, select: { id: true, securityClass: true } })));
  let best = -1;
  for (const c of classified) {
    const rank = SECURITY_CLASSES.indexOf(c.securityClass as SecurityClass);
    if (rank > best && (c.id === ciId || walk.reaches(c.id))) best = rank;
  }
  return best < 0 ? null : SECURITY_CLASSES[best];
}

/** Every CI within `depth` hops of `ciId` in `direction`, nearest first, with one shortest path each. */
export async function impactOf(db: Db, ciId: string, opts: ImpactOptions): Promise<Reached[]> {
  return (await walkImpact(db, ciId, opts)).all();
}

/** The reached CIs of these classes, nearest first. */
export async function impactOfClasses(db: Db, ciId: string, opts: ImpactOptions, classes: readonly string[]): Promise<Reached[]> {
  return (await walkImpact(db, ciId, opts)).ofClass(new Set(classes));
}
