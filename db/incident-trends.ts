import { Prisma } from '../generated/prisma-sqlite/client';
import {
  TREND_DEFAULTS,
  detectionRuns,
  parseTrendKey,
  rankGroups,
  stillDue,
  trendDescription,
  trendTitle,
  type TrendGroup,
  type TrendKind,
  type TrendSubject,
} from '../domain/problem/trends';
import { providerOf, type Db } from './client';

/**
 * Trend detection in the database: incidents are counted by group in SQL (the same statement
 * on SQLite and PostgreSQL), never loaded; only a group that is due is read, at most
 * `linkLimit` of its incidents. The rules (which group first, when one is due) are in
 * domain/problem/trends.ts.
 *
 * An incident counts when it opened in the window and is not linked to an open problem,
 * through either side of the link: the problem's `ProblemIncident` row (written with the
 * problem's creation, so it holds by the time `openProblem` answers) or the incident's own
 * `problemId` (written later, by the incident's workflow).
 *
 * CI groups: an incident on CI Y counts for Y and for each CI that Y depends on within
 * `depth` hops (`Y <type> X` means Y depends on X, as in db/impact.ts). Counting walks up
 * from the CIs that have incidents in the window (few) through the relationships' unique
 * (sourceId, …) index; reading one group walks down from X through the targetId index and
 * reads incidents through (ciId, openedAt). Both walks keep (CI, distance) pairs with UNION
 * and stop at `depth`, so a cycle cannot loop; and since "X within depth hops above Y" is
 * "Y within depth hops below X", count and read agree.
 */

const OPEN_PROBLEM = Prisma.sql`NOT IN ('closed', 'cancelled')`;

export interface TrendWindow {
  from: Date;
  to: Date;
  /** Incidents a dry run already gave to the problems it would have opened. */
  exclude?: readonly string[];
}

function eligible(db: Db, w: TrendWindow): Prisma.Sql {
  const parts = [
    Prisma.sql`i."openedAt" >= ${w.from} AND i."openedAt" < ${w.to}`,
    Prisma.sql`NOT EXISTS (SELECT 1 FROM "ProblemIncident" pi CROSS JOIN "Problem" p WHERE pi."incidentId" = i."id" AND p."id" = pi."problemId" AND p."state" ${OPEN_PROBLEM})`,
    Prisma.sql`(i."problemId" IS NULL OR NOT EXISTS (SELECT 1 FROM "Problem" p2 WHERE p2."id" = i."problemId" AND p2."state" ${OPEN_PROBLEM}))`,
  ];
  if (w.exclude?.length) {
    // One JSON parameter rather than one per id: the list can hold thousands.
    const ids = JSON.stringify(w.exclude);
    parts.push(
      providerOf(db) === 'sqlite'
        ? Prisma.sql`i."id" NOT IN (SELECT value FROM json_each(${ids}))`
        : Prisma.sql`i."id" NOT IN (SELECT jsonb_array_elements_text(CAST(${ids} AS jsonb)))`,
    );
  }
  return Prisma.join(parts, ' AND ');
}

const CATEGORY = Prisma.sql`LOWER(TRIM(i."category"))`;

/** Every group at or above `threshold` in the window, with the open problem already holding its key. */
export async function trendGroups(db: Db, w: TrendWindow, opts: { threshold: number; depth: number }): Promise<TrendGroup[]> {
  if (!Number.isInteger(opts.depth) || opts.depth < 0) throw new RangeError('depth must be a non-negative integer');
  const rows = await db.$queryRaw<Array<{ key: string; kind: string; ref: string; incidents: number | bigint; direct: number | bigint; openProblem: string | null }>>`
    WITH RECURSIVE
    win AS MATERIALIZED (
      SELECT i."id" AS id, i."ciId" AS ci, i."serviceId" AS service, ${CATEGORY} AS category
      FROM "Incident" i WHERE ${eligible(db, w)}
    ),
    cis AS MATERIALIZED (SELECT DISTINCT ci FROM win WHERE ci IS NOT NULL),
    up(ci, anc, d) AS (
      SELECT ci, ci, CAST(0 AS INTEGER) FROM cis
      UNION
      SELECT up.ci, r."targetId", up.d + 1
      FROM up CROSS JOIN "CiRelationship" r
      WHERE r."sourceId" = up.anc AND up.d < ${opts.depth}
    ),
    anc AS MATERIALIZED (SELECT DISTINCT ci, anc FROM up),
    groups(key, kind, ref, incidents, direct) AS (
      SELECT 'ci:' || a.anc, 'ci', a.anc, COUNT(*), SUM(CASE WHEN w.ci = a.anc THEN 1 ELSE 0 END)
      FROM win w CROSS JOIN anc a WHERE a.ci = w.ci
      GROUP BY a.anc HAVING COUNT(*) >= ${opts.threshold}
      UNION ALL
      SELECT 'service:' || service, 'service', service, COUNT(*), COUNT(*)
      FROM win WHERE service IS NOT NULL
      GROUP BY service HAVING COUNT(*) >= ${opts.threshold}
      UNION ALL
      SELECT 'category:' || category, 'category', category, COUNT(*), COUNT(*)
      FROM win WHERE category IS NOT NULL AND category <> ''
      GROUP BY category HAVING COUNT(*) >= ${opts.threshold}
    )
    SELECT g.key AS "key", g.kind AS "kind", g.ref AS "ref", g.incidents AS "incidents", g.direct AS "direct",
      (SELECT MIN(p."number") FROM "Problem" p WHERE p."trendKey" = g.key AND p."state" ${OPEN_PROBLEM}) AS "openProblem"
    FROM groups g`;
  return rows.map((r) => ({ key: r.key, kind: r.kind as TrendKind, ref: r.ref, incidents: Number(r.incidents), direct: Number(r.direct), openProblem: r.openProblem }));
}

export interface GroupIncidents {
  total: number;
  /** The earliest `limit`, in opening order. */
  incidents: { id: string; number: string }[];
}

/** One group's incidents now (the check right before opening), the earliest `limit` of them. */
export async function trendGroupIncidents(db: Db, key: string, w: TrendWindow, opts: { depth: number; limit: number }): Promise<GroupIncidents> {
  const { kind, ref } = parseTrendKey(key);
  const where = eligible(db, w);
  const order = Prisma.sql`ORDER BY i."openedAt", i."id" LIMIT ${opts.limit}`;
  type Row = { id: string; number: string; total: number | bigint };
  let rows: Row[];
  if (kind === 'ci') {
    rows = await db.$queryRaw<Row[]>`
      WITH RECURSIVE
      down(ci, d) AS (
        SELECT CAST(${ref} AS TEXT), CAST(0 AS INTEGER)
        UNION
        SELECT r."sourceId", down.d + 1 FROM down CROSS JOIN "CiRelationship" r WHERE r."targetId" = down.ci AND down.d < ${opts.depth}
      ),
      members AS MATERIALIZED (SELECT DISTINCT ci FROM down)
      SELECT i."id" AS "id", i."number" AS "number", COUNT(*) OVER () AS "total"
      FROM members m CROSS JOIN "Incident" i WHERE i."ciId" = m.ci AND ${where} ${order}`;
  } else if (kind === 'service') {
    rows = await db.$queryRaw<Row[]>`SELECT i."id" AS "id", i."number" AS "number", COUNT(*) OVER () AS "total" FROM "Incident" i WHERE i."serviceId" = ${ref} AND ${where} ${order}`;
  } else {
    rows = await db.$queryRaw<Row[]>`SELECT i."id" AS "id", i."number" AS "number", COUNT(*) OVER () AS "total" FROM "Incident" i WHERE ${CATEGORY} = ${ref} AND ${where} ${order}`;
  }
  return { total: rows.length ? Number(rows[0].total) : 0, incidents: rows.map((r) => ({ id: r.id, number: r.number })) };
}

/** How a group is named in titles and reports: a CI's or service's number and name, a category as it is. */
export async function trendSubjects(db: Db, groups: readonly Pick<TrendGroup, 'kind' | 'ref'>[]): Promise<Map<string, TrendSubject>> {
  const ids = [...new Set(groups.filter((g) => g.kind !== 'category').map((g) => g.ref))];
  const cis = ids.length ? await db.configurationItem.findMany({ where: { id: { in: ids } }, select: { id: true, number: true, name: true } }) : [];
  const byId = new Map(cis.map((c) => [c.id, `${c.number} ${c.name}`]));
  return new Map(groups.map((g) => [`${g.kind}:${g.ref}`, { kind: g.kind, label: g.kind === 'category' ? g.ref : (byId.get(g.ref) ?? g.ref) }]));
}

// ---- A detection: one run per window, each group tried in order ----

export interface TrendParams {
  from: number;
  to: number;
  windowMs: number;
  threshold: number;
  depth?: number;
  maxProblems?: number;
  linkLimit?: number;
  stepMs?: number;
}

/** A group that is due, as the run hands it over to be opened (or, in a dry run, counted). */
export interface DueGroup {
  key: string;
  kind: TrendKind;
  ref: string;
  subject: TrendSubject;
  window: { from: number; to: number };
}

export interface Opening {
  /** The group's incidents now; called after the opener holds the key, so nothing else takes them meanwhile. */
  recount(): Promise<GroupIncidents>;
  title(count: number): string;
  description(g: GroupIncidents): string;
}

export interface Found {
  status: 'opened' | 'would_open';
  problem: string | null;
  total: number;
  linked: { id: string; number: string }[];
}
export type OpenResult = Found | { status: 'skipped'; reason: string };

export interface TrendFinding {
  key: string;
  kind: TrendKind;
  label: string;
  title: string;
  status: 'opened' | 'would_open';
  problem: string | null;
  incidents: number;
  linked: number;
  /** The first few linked incident numbers. */
  sample: string[];
  window: { from: string; to: string };
}

export interface TrendReport {
  from: string;
  to: string;
  windowMs: number;
  threshold: number;
  runs: number;
  problems: TrendFinding[];
  /** Due groups whose key already had an open problem (the last time each was seen). */
  existing: { key: string; label: string; incidents: number; problem: string }[];
  /** Due groups not opened: fell below the threshold once earlier groups took their incidents, or another run held the key. */
  skipped: { key: string; reason: string }[];
  /** Due groups left for a later run by `maxProblems`. */
  deferred: number;
}

const SAMPLE = 10;

/**
 * Runs detection over [from, to): the runs of `detectionRuns`, each counting groups and
 * trying the due ones in `rankGroups` order through `open`. A group opened (or, in a dry run,
 * one that would have been) keeps its key and its incidents for the rest of the detection,
 * as an open problem would: later groups and later runs do not count them again.
 */
export async function runTrendDetection(
  db: Db,
  p: TrendParams,
  open: (g: DueGroup, o: Opening) => Promise<OpenResult>,
  hooks: {
    progress?: (d: { run: number; runs: number; opened: number }) => void;
    /** A group whose key has an open problem: this detection's own (an earlier attempt opened it), or null. */
    ownHeld?: (g: TrendGroup) => Promise<Found | null>;
  } = {},
): Promise<TrendReport> {
  const depth = p.depth ?? TREND_DEFAULTS.dependencyDepth;
  const maxProblems = p.maxProblems ?? TREND_DEFAULTS.maxProblems;
  const linkLimit = p.linkLimit ?? TREND_DEFAULTS.linkLimit;
  const runs = detectionRuns(p.from, p.to, p.windowMs, p.stepMs);
  const claimed: string[] = [];
  const taken = new Map<string, string | null>();
  const problems: TrendFinding[] = [];
  const existing = new Map<string, TrendReport['existing'][number]>();
  const skipped = new Map<string, string>();
  let deferred = 0;

  for (const [n, run] of runs.entries()) {
    hooks.progress?.({ run: n, runs: runs.length, opened: problems.length });
    const window = { from: new Date(run.from), to: new Date(run.to), exclude: claimed };
    const groups = (await trendGroups(db, window, { threshold: p.threshold, depth })).map((g) => (taken.has(g.key) && !g.openProblem ? { ...g, openProblem: taken.get(g.key) ?? 'dry-run' } : g));
    const { candidates, existing: held } = rankGroups(groups, p.threshold);
    const subjects = await trendSubjects(db, [...candidates.slice(0, maxProblems), ...held]);
    const record = (g: TrendGroup, subject: TrendSubject, r: Found) => {
      taken.set(g.key, r.problem);
      existing.delete(g.key);
      skipped.delete(g.key);
      claimed.push(...r.linked.map((i) => i.id));
      problems.push({
        key: g.key,
        kind: g.kind,
        label: subject.label,
        title: trendTitle(subject, r.total, p.windowMs),
        status: r.status,
        problem: r.problem,
        incidents: r.total,
        linked: r.linked.length,
        sample: r.linked.slice(0, SAMPLE).map((i) => i.number),
        window: { from: new Date(run.from).toISOString(), to: new Date(run.to).toISOString() },
      });
    };
    for (const g of held) {
      if (taken.has(g.key)) continue;
      const subject = subjects.get(g.key)!;
      const own = await hooks.ownHeld?.(g);
      if (own) record(g, subject, own);
      else existing.set(g.key, { key: g.key, label: subject.label, incidents: g.incidents, problem: g.openProblem! });
    }
    deferred = Math.max(0, candidates.length - maxProblems);
    for (const g of candidates.slice(0, maxProblems)) {
      const subject = subjects.get(g.key)!;
      const opening: Opening = {
        recount: () => trendGroupIncidents(db, g.key, window, { depth, limit: linkLimit }),
        title: (count) => trendTitle(subject, count, p.windowMs),
        description: (gi) => trendDescription(subject, { total: gi.total, linked: gi.incidents.map((i) => i.number), from: run.from, to: run.to, threshold: p.threshold }),
      };
      const due: DueGroup = { key: g.key, kind: g.kind, ref: g.ref, subject, window: run };
      const r = await open(due, {
        ...opening,
        // The check right before opening: a group smaller now than when counted is not opened.
        recount: async () => {
          const gi = await opening.recount();
          return stillDue(gi.total, p.threshold) ? gi : { total: gi.total, incidents: [] };
        },
      });
      if (r.status === 'skipped') skipped.set(g.key, r.reason);
      else record(g, subject, r);
    }
  }
  return {
    from: new Date(p.from).toISOString(),
    to: new Date(p.to).toISOString(),
    windowMs: p.windowMs,
    threshold: p.threshold,
    runs: runs.length,
    problems,
    existing: [...existing.values()],
    skipped: [...skipped].map(([key, reason]) => ({ key, reason })),
    deferred,
  };
}

/** The dry run's opener: counts what is still due and opens nothing. */
export async function wouldOpen(_g: DueGroup, o: Opening): Promise<OpenResult> {
  const gi = await o.recount();
  if (gi.incidents.length === 0) return { status: 'skipped', reason: `${gi.total} incidents left once earlier groups took theirs` };
  return { status: 'would_open', problem: null, total: gi.total, linked: gi.incidents };
}
