import type { Db } from './client';
import { currentGraph, graphAt } from './ci-graph';
import type { ImpactDirection, Reached, Walk } from '../domain/cmdb/impact-graph';

/**
 * Impact analysis over the CMDB graph: a walk over the in-memory graph (db/ci-graph.ts keeps it
 * current from the change log, domain/cmdb/impact-graph.ts walks it), then the names and
 * statuses of the CIs a caller shows, read fresh from the database.
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

export interface ImpactRow extends Reached {
  name: string;
  status: string;
}

export async function walkImpact(db: Db, ciId: string, opts: ImpactOptions): Promise<Walk> {
  const graph = opts.at ? await graphAt(db, opts.at) : await currentGraph(db);
  return graph.walk(ciId, opts);
}

const BATCH = 500;

/** Adds each CI's current name and status, keeping the order. */
export async function describe(db: Db, reached: Reached[]): Promise<ImpactRow[]> {
  const byId = new Map<string, { name: string; status: string }>();
  for (let i = 0; i < reached.length; i += BATCH) {
    const ids = reached.slice(i, i + BATCH).map((r) => r.id);
    for (const c of await db.configurationItem.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, status: true } })) byId.set(c.id, c);
  }
  return reached.flatMap((r) => {
    const c = byId.get(r.id);
    return c ? [{ ...r, name: c.name, status: c.status }] : [];
  });
}

/** Every CI within `depth` hops of `ciId` in `direction`, nearest first, with one shortest path each. */
export async function impactOf(db: Db, ciId: string, opts: ImpactOptions): Promise<ImpactRow[]> {
  return describe(db, (await walkImpact(db, ciId, opts)).all());
}

/** The reached CIs of these classes, nearest first, described. */
export async function impactOfClasses(db: Db, ciId: string, opts: ImpactOptions, classes: readonly string[]): Promise<ImpactRow[]> {
  return describe(db, (await walkImpact(db, ciId, opts)).ofClass(new Set(classes)));
}
