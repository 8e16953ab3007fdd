import type { Db } from './client';
import { currentGraph, graphAt } from './ci-graph';
import type { ImpactDirection, Reached, Walk } from '../domain/cmdb/impact-graph';

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

/** A reached CI as callers see it (name and status are current: the graph follows the log). */
export type ImpactRow = Reached;

export async function walkImpact(db: Db, ciId: string, opts: ImpactOptions): Promise<Walk> {
  const graph = opts.at ? await graphAt(db, opts.at) : await currentGraph(db);
  return graph.walk(ciId, opts);
}

/** Every CI within `depth` hops of `ciId` in `direction`, nearest first, with one shortest path each. */
export async function impactOf(db: Db, ciId: string, opts: ImpactOptions): Promise<ImpactRow[]> {
  return (await walkImpact(db, ciId, opts)).all();
}

/** The reached CIs of these classes, nearest first. */
export async function impactOfClasses(db: Db, ciId: string, opts: ImpactOptions, classes: readonly string[]): Promise<ImpactRow[]> {
  return (await walkImpact(db, ciId, opts)).ofClass(new Set(classes));
}
