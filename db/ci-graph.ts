import { Prisma } from '../generated/prisma-sqlite/client';
import { CiGraph, type GraphNode } from '../domain/cmdb/impact-graph';
import type { Db, Tx } from './client';
import { insertRows } from './insert-rows';

/**
 * The CMDB graph's change log (`CiGraphChange`) and the in-memory graphs kept current from it.
 *
 * Every writer of relationships (db/ci-store.ts, db/ci-bulk.ts) and of a CI's class, name or
 * status (db/ci-store.ts: what an impact answer shows, so it needs no read of its own) logs the
 * change in its own transaction through `logGraphChanges`, which takes its sequence numbers from
 * the `ci_graph` counter row. Updating that row locks it until commit, so sequence numbers are
 * handed out in commit order on PostgreSQL as on SQLite: a reader that sees the counter at N can
 * read every change up to N and will never later find one below it.
 *
 * Readers hold one graph per database client (each API replica and worker process has its own)
 * and, before each walk, compare the counter with the graph's version (one indexed row) and
 * replay the changes after it. Replays are idempotent (relationships are keyed by id), so a
 * load that raced a writer converges.
 */
export const GRAPH_COUNTER = 'ci_graph';

export type GraphChange =
  | { op: 'add'; relId: string; sourceId: string; targetId: string; type: string }
  | { op: 'remove'; relId: string; sourceId: string; targetId: string; type: string }
  | { op: 'ci'; ciId: string; class: string; name: string; status: string };

/** Appends changes to the log inside the caller's transaction. */
export async function logGraphChanges(tx: Tx, changes: GraphChange[], ctx: { actor: string; at: Date }): Promise<void> {
  if (changes.length === 0) return;
  const rows = await tx.$queryRaw<{ value: number | bigint }[]>(
    Prisma.sql`INSERT INTO "Counter" ("name", "value") VALUES (${GRAPH_COUNTER}, ${changes.length})
               ON CONFLICT ("name") DO UPDATE SET "value" = "Counter"."value" + ${changes.length}
               RETURNING "value"`,
  );
  const first = Number(rows[0].value) - changes.length + 1;
  const logRows = changes.map((c, i) => ({
      seq: first + i,
      op: c.op,
      relId: c.op === 'ci' ? null : c.relId,
      sourceId: c.op === 'ci' ? null : c.sourceId,
      targetId: c.op === 'ci' ? null : c.targetId,
      type: c.op === 'ci' ? null : c.type,
      ciId: c.op === 'ci' ? c.ciId : null,
      class: c.op === 'ci' ? c.class : null,
      name: c.op === 'ci' ? c.name : null,
      status: c.op === 'ci' ? c.status : null,
      at: ctx.at,
      actor: ctx.actor,
  }));
  // Bounded statements: SQLite takes at most 32,766 bound values per statement.
  for (let i = 0; i < logRows.length; i += LOG_BATCH) {
    await insertRows(tx, 'CiGraphChange', ['seq', 'op', 'relId', 'sourceId', 'targetId', 'type', 'ciId', 'class', 'name', 'status', 'at', 'actor'], logRows.slice(i, i + LOG_BATCH));
  }
}
const LOG_BATCH = 2000;

async function graphVersion(db: Db): Promise<number> {
  const rows = await db.$queryRaw<{ value: number | bigint }[]>(Prisma.sql`SELECT "value" FROM "Counter" WHERE "name" = ${GRAPH_COUNTER}`);
  return rows.length ? Number(rows[0].value) : 0;
}

interface Held {
  graph: CiGraph;
  version: number;
  /** Serialises refreshes: concurrent callers share one catch-up. */
  busy: Promise<void>;
}

const held = new WeakMap<object, Promise<Held>>();

const NODE_BATCH = 500;

/** Adds the CIs of these ids that the graph does not know yet (new since it loaded). */
async function addMissingNodes(db: Db, graph: CiGraph, ids: Iterable<string>): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => !graph.has(id));
  for (let i = 0; i < missing.length; i += NODE_BATCH) {
    const rows = await db.configurationItem.findMany({ where: { id: { in: missing.slice(i, i + NODE_BATCH) } }, select: { id: true, number: true, name: true, class: true, status: true } });
    for (const r of rows) graph.putNode(r);
  }
}

async function load(db: Db): Promise<Held> {
  // The version first: whatever the reads below see is at least that, and replaying from it is idempotent.
  const version = await graphVersion(db);
  const graph = new CiGraph();
  for (const c of await db.$queryRaw<GraphNode[]>(Prisma.sql`SELECT "id", "number", "name", "class", "status" FROM "ConfigurationItem"`)) graph.putNode(c);
  const rels = await db.$queryRaw<{ id: string; sourceId: string; targetId: string }[]>(Prisma.sql`SELECT "id", "sourceId", "targetId" FROM "CiRelationship"`);
  await addMissingNodes(db, graph, rels.flatMap((r) => (graph.has(r.sourceId) && graph.has(r.targetId) ? [] : [r.sourceId, r.targetId])));
  for (const r of rels) graph.addEdge(r.id, r.sourceId, r.targetId);
  return { graph, version, busy: Promise.resolve() };
}

type LogRow = { seq: number; op: string; relId: string | null; sourceId: string | null; targetId: string | null; ciId: string | null; class: string | null; name: string | null; status: string | null };

/** Changes read per query while catching up: bounded memory after a large import, and an index range scan (the LIMIT says so to PostgreSQL's planner even before it has statistics). */
const CATCH_UP_BATCH = 5000;

async function catchUp(db: Db, h: Held, to: number): Promise<void> {
  for (;;) {
    const rows = (await db.ciGraphChange.findMany({
      where: { seq: { gt: h.version } },
      orderBy: { seq: 'asc' },
      take: CATCH_UP_BATCH,
      select: { seq: true, op: true, relId: true, sourceId: true, targetId: true, ciId: true, class: true, name: true, status: true },
    })) as LogRow[];
    await addMissingNodes(db, h.graph, rows.flatMap((r) => (r.op === 'add' ? [r.sourceId!, r.targetId!] : r.op === 'ci' ? [r.ciId!] : [])));
    for (const r of rows) {
      if (r.op === 'add') h.graph.addEdge(r.relId!, r.sourceId!, r.targetId!);
      else if (r.op === 'remove') h.graph.removeEdge(r.relId!);
      else if (r.op === 'ci') h.graph.updateNode(r.ciId!, { class: r.class!, name: r.name!, status: r.status! });
    }
    if (rows.length) h.version = rows[rows.length - 1].seq;
    if (rows.length < CATCH_UP_BATCH) break;
  }
  h.version = Math.max(h.version, to);
}

/** The current graph of this database: loaded on first use, then caught up from the log before each use. */
export async function currentGraph(db: Db): Promise<CiGraph> {
  return (await currentGraphVersion(db)).graph;
}

/** The current graph and the log position it reflects (callers may cache what they derive from it under that version). */
export async function currentGraphVersion(db: Db): Promise<{ graph: CiGraph; version: number }> {
  let pending = held.get(db);
  if (!pending) {
    pending = load(db);
    held.set(db, pending);
    pending.catch(() => held.delete(db));
  }
  const h = await pending;
  const version = await graphVersion(db);
  if (version > h.version) {
    const run = h.busy.then(() => (version > h.version ? catchUp(db, h, version) : undefined));
    h.busy = run.catch(() => {});
    await run;
  }
  return { graph: h.graph, version: h.version };
}

/**
 * The graph as it was at `at`: the current CIs, with the relationships the log says existed then
 * (added at or before `at` and not removed by then). Built per call: a history question, not a hot path.
 */
export async function graphAt(db: Db, at: Date): Promise<CiGraph> {
  const graph = (await currentGraph(db)).emptyCopy();
  const rows = await db.ciGraphChange.findMany({
    where: { at: { lte: at }, op: { in: ['add', 'remove'] } },
    orderBy: { seq: 'asc' },
    select: { op: true, relId: true, sourceId: true, targetId: true },
  });
  await addMissingNodes(db, graph, rows.flatMap((r) => [r.sourceId!, r.targetId!]));
  for (const r of rows) {
    if (r.op === 'add') graph.addEdge(r.relId!, r.sourceId!, r.targetId!);
    else graph.removeEdge(r.relId!);
  }
  return graph;
}

export interface RelationshipAt {
  id: string;
  sourceId: string;
  targetId: string;
  type: string;
  createdBy: string;
  createdAt: Date;
}

/** The relationships of one CI (either end) as they were at `at`, from the log. */
export async function relationshipsAt(db: Db, ciId: string, at: Date): Promise<RelationshipAt[]> {
  const rows = await db.ciGraphChange.findMany({
    where: { at: { lte: at }, op: { in: ['add', 'remove'] }, OR: [{ sourceId: ciId }, { targetId: ciId }] },
    orderBy: { seq: 'asc' },
  });
  const live = new Map<string, RelationshipAt>();
  for (const r of rows) {
    if (r.op === 'add') live.set(r.relId!, { id: r.relId!, sourceId: r.sourceId!, targetId: r.targetId!, type: r.type!, createdBy: r.actor, createdAt: r.at });
    else live.delete(r.relId!);
  }
  return [...live.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
