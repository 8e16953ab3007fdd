import { Prisma } from '../generated/prisma-sqlite/client';
import type { Db, Tx } from './client';

/**
 * Impact analysis over the CMDB graph, in the database: one statement with recursive CTEs,
 * the same SQL on SQLite and PostgreSQL, never loading the graph into memory.
 *
 * `A <type> B` means A depends on B. Downstream (the default) follows relationships from
 * target to source: everything that depends on the CI, transitively (what a failure of it
 * impacts). Upstream follows them from source to target: everything the CI depends on.
 *
 * How it stays bounded: `reach` walks (CI, distance) pairs with UNION, which discards a pair
 * already produced, and stops at `depth`; so a cycle in the data cannot loop (at most depth
 * rounds), and a diamond-shaped graph does not multiply into one row per route, as walking
 * whole paths would (the number of routes through a layered CMDB grows exponentially with
 * depth; the number of (CI, distance) pairs at most linearly). `best` keeps each CI's
 * shortest distance; `node` adds the CI's columns and its parent, one neighbour one hop
 * closer (the smallest id, so the answer is stable); `tree` then builds the path of CI numbers
 * from the analysed CI along those parent links, which form a tree, so every CI gets exactly
 * one path.
 *
 * Plan notes (measured on 100k CIs / 300k relationships, see bench/cmdb-impact.ts):
 * `best` and `node` are MATERIALIZED (SQLite ≥ 3.35, PostgreSQL ≥ 12), else SQLite re-runs
 * them on every step of `tree`. CROSS JOIN fixes SQLite's join order (working set first, then
 * index lookups) and is a plain inner join to PostgreSQL's planner. `node` finds parents with
 * joins, not a correlated subquery (PostgreSQL cannot index a CTE: that was quadratic there),
 * and `tree` reaches children through the relationship index rather than by `node.parent`
 * (SQLite builds no index on that and would scan `node` once per step: quadratic too).
 * UNION in `tree` drops the duplicate a second relationship type between the same two CIs
 * would produce.
 *
 * Retired CIs are reported (their relationships are kept, and a dependency recorded in the
 * CMDB should not silently vanish from an impact assessment) and traversed; callers flag them.
 */
export type ImpactDirection = 'downstream' | 'upstream';

export interface ImpactRow {
  id: string;
  number: string;
  name: string;
  class: string;
  status: string;
  distance: number;
  /** CI numbers from the analysed CI to this one, both ends included. */
  path: string[];
}

/** Column names are chosen here, never from input: `from` is the end we stand on, `to` the end we walk to. */
const ENDS: Record<ImpactDirection, { from: Prisma.Sql; to: Prisma.Sql }> = {
  downstream: { from: Prisma.raw('"targetId"'), to: Prisma.raw('"sourceId"') },
  upstream: { from: Prisma.raw('"sourceId"'), to: Prisma.raw('"targetId"') },
};

export function impactSql(ciId: string, opts: { depth: number; direction: ImpactDirection }): Prisma.Sql {
  if (!Number.isInteger(opts.depth) || opts.depth < 1) throw new RangeError('depth must be a positive integer');
  const { from, to } = ENDS[opts.direction];
  return Prisma.sql`
    WITH RECURSIVE
    reach(ci, distance) AS (
      SELECT CAST(${ciId} AS TEXT), CAST(0 AS INTEGER)
      UNION
      SELECT r.${to}, reach.distance + 1
      FROM reach CROSS JOIN "CiRelationship" r
      WHERE r.${from} = reach.ci AND reach.distance < ${opts.depth}
    ),
    best(ci, distance) AS MATERIALIZED (
      SELECT ci, MIN(distance) FROM reach GROUP BY ci
    ),
    node(ci, distance, parent, number, name, class, status) AS MATERIALIZED (
      SELECT b.ci, b.distance, MIN(p.ci), c."number", c."name", c."class", c."status"
      FROM best b
      CROSS JOIN "ConfigurationItem" c
      LEFT JOIN "CiRelationship" r ON r.${to} = b.ci
      LEFT JOIN best p ON p.ci = r.${from} AND p.distance = b.distance - 1
      WHERE c."id" = b.ci
      GROUP BY b.ci, b.distance, c."number", c."name", c."class", c."status"
    ),
    tree(ci, distance, number, name, class, status, path) AS (
      SELECT ci, distance, number, name, class, status, CAST(number AS TEXT) FROM node WHERE distance = 0
      UNION
      SELECT n.ci, n.distance, n.number, n.name, n.class, n.status, tree.path || '/' || n.number
      FROM tree CROSS JOIN "CiRelationship" r CROSS JOIN node n
      WHERE r.${from} = tree.ci AND n.ci = r.${to} AND n.parent = tree.ci
    )
    SELECT ci AS "id", number AS "number", name AS "name", class AS "class", status AS "status", distance AS "distance", path AS "path"
    FROM tree
    WHERE distance > 0
    ORDER BY distance, number`;
}

/** Every CI within `depth` hops of `ciId` in `direction`, with its shortest distance and one shortest path. */
export async function impactOf(db: Db | Tx, ciId: string, opts: { depth: number; direction: ImpactDirection }): Promise<ImpactRow[]> {
  const rows = await db.$queryRaw<Array<Omit<ImpactRow, 'path' | 'distance'> & { distance: number | bigint; path: string }>>(impactSql(ciId, opts));
  return rows.map((r) => ({ id: r.id, number: r.number, name: r.name, class: r.class, status: r.status, distance: Number(r.distance), path: r.path.split('/') }));
}
