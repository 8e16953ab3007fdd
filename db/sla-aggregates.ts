import { Prisma } from '../generated/prisma-sqlite/client';
import type { incidentScope } from '../domain/access';
import { emptyTally, OPEN_STATES, type ReportKind, type SlaGroupBy, type SlaTally } from '../domain/reports/sla-report';
import { providerOf, type Db } from './client';
import { incidentScopeSql } from './incident-scope-sql';

/**
 * The SLA report's tallies counted by the database: one statement, one row back per group and
 * clock (response, resolution, at risk), instead of every incident of the period read into the
 * process (a year is 100,000 rows). The rules are domain/reports/sla-report.ts's `slaReport`
 * written as SQL, term by term; `slaRows` turns these tallies into the report as it turns the
 * pure code's, and test/integration/sla-aggregates.test.ts checks both give the same figures on
 * both databases.
 *
 * Instants are compared as the columns hold them (SQLite: Prisma's ISO text in one fixed format,
 * which orders as the instants do; PostgreSQL: timestamps), durations are whole milliseconds, and
 * business and paused times are sums of whole milliseconds held in doubles, so exact either way.
 */
export interface SlaAggregateQuery {
  kind: ReportKind;
  groupBy: SlaGroupBy;
  from: number;
  to: number;
  now: number;
  atRiskMs: number;
}

/** The per-database spellings: the month (UTC) of an instant, and whole milliseconds between two. */
function dialect(db: Db) {
  if (providerOf(db) === 'postgres') {
    return {
      month: (t: Prisma.Sql) => Prisma.sql`to_char(${t}, 'YYYY-MM')`,
      msBetween: (later: Prisma.Sql, earlier: Prisma.Sql) => Prisma.sql`CAST(ROUND(EXTRACT(EPOCH FROM (${later} - ${earlier})) * 1000) AS BIGINT)`,
      bigint: Prisma.raw('BIGINT'),
      // Keeps the subquery a subquery (its expressions computed once per row).
      fence: Prisma.sql`OFFSET 0`,
    };
  }
  return {
    month: (t: Prisma.Sql) => Prisma.sql`strftime('%Y-%m', ${t})`,
    // julianday keeps milliseconds exactly (an integer count inside SQLite); rounding removes the division's noise.
    msBetween: (later: Prisma.Sql, earlier: Prisma.Sql) => Prisma.sql`CAST(ROUND((julianday(${later}) - julianday(${earlier})) * 86400000.0) AS INTEGER)`,
    bigint: Prisma.raw('INTEGER'),
    // A LIMIT stops SQLite flattening the subquery into the aggregate, which would compute its expressions once per use.
    fence: Prisma.sql`LIMIT -1`,
  };
}

/** One kind of clock as uniform columns over its table: what the pure code's `SlaFact` holds, field by field. */
interface ClockSource {
  from: Prisma.Sql;
  where: Prisma.Sql;
  start: Prisma.Sql;
  responseDue: Prisma.Sql;
  responded: Prisma.Sql;
  responseBusiness: Prisma.Sql;
  resolutionDue: Prisma.Sql;
  resolved: Prisma.Sql;
  resolutionBusiness: Prisma.Sql;
  paused: Prisma.Sql;
  open: Prisma.Sql;
  key: Record<Exclude<SlaGroupBy, 'month'>, Prisma.Sql>;
}

/** services/reports.ts `slaFacts` reads the same columns into facts; these are its rules in SQL. */
function source(kind: ReportKind, scope: ReturnType<typeof incidentScope>): ClockSource {
  const visible = incidentScopeSql(scope, 'i');
  if (kind === 'SLA') {
    return {
      from: Prisma.sql`"Incident" i`,
      // A row the back-fill could not fill (a corrupt stored clock) has no due times: not counted.
      where: Prisma.sql`i."responseDueAt" IS NOT NULL AND ${visible}`,
      start: Prisma.sql`i."openedAt"`,
      responseDue: Prisma.sql`i."responseDueAt"`,
      responded: Prisma.sql`i."respondedAt"`,
      responseBusiness: Prisma.sql`i."responseBusinessMs"`,
      resolutionDue: Prisma.sql`i."resolutionDueAt"`,
      // Met when resolved; a reopened incident's resolution is open again (its business time is cleared).
      resolved: Prisma.sql`(CASE WHEN i."resolutionBusinessMs" IS NULL THEN NULL ELSE i."resolvedAt" END)`,
      resolutionBusiness: Prisma.sql`i."resolutionBusinessMs"`,
      paused: Prisma.sql`i."slaPausedMs"`,
      open: Prisma.sql`i."state" IN (${Prisma.join([...OPEN_STATES])})`,
      key: { service: Prisma.sql`i."serviceId"`, priority: Prisma.sql`i."priority"`, group: Prisma.sql`i."assignmentGroup"`, agreement: Prisma.sql`COALESCE(i."slaId", '')`, supplier: Prisma.sql`CAST(NULL AS TEXT)` },
    };
  }
  return {
    from: Prisma.sql`"IncidentClock" c JOIN "Incident" i ON i."id" = c."incidentId"`,
    where: Prisma.sql`c."kind" = ${kind} AND ${visible}`,
    start: Prisma.sql`c."startedAt"`,
    responseDue: Prisma.sql`c."responseDueAt"`,
    responded: Prisma.sql`c."respondedAt"`,
    // The row keeps no business time for the response.
    responseBusiness: Prisma.sql`CAST(NULL AS DOUBLE PRECISION)`,
    resolutionDue: Prisma.sql`c."dueAt"`,
    resolved: Prisma.sql`c."metAt"`,
    resolutionBusiness: Prisma.sql`c."businessMs"`,
    paused: Prisma.sql`c."pausedMs"`,
    open: Prisma.sql`c."stoppedAt" IS NULL`,
    key: {
      service: Prisma.sql`i."serviceId"`,
      // The priority the clock ran under (a clock stopped before a re-prioritisation keeps its own).
      priority: Prisma.sql`c."priority"`,
      group: kind === 'OLA' ? Prisma.sql`c."team"` : Prisma.sql`c."supplier"`,
      agreement: Prisma.sql`c."agreementId"`,
      supplier: Prisma.sql`c."supplier"`,
    },
  };
}

/** A clock's outcome in the period, as a small number to group by: not due in it, met, breached (late), pending, breached (unanswered). */
const OUTCOME = { none: 0, met: 1, late: 2, pending: 3, overdue: 4 } as const;

interface Row {
  rk: string | null;
  dk: string | null;
  ro: number | bigint;
  do: number | bigint;
  risk: number | bigint;
  [figure: string]: number | bigint | string | null;
}

const num = (x: unknown) => (x === null || x === undefined ? 0 : Number(x));

/**
 * Each group's tallies for the period (clocks due in [from, to)) and at risk as of `now`, in one
 * pass over the rows. Each row is first reduced to its keys, its two clocks' outcomes and its
 * durations (behind a fence, so no expression is computed twice); the rows are then counted per
 * (response's key, resolution's key, outcomes, at risk), which keeps the aggregates few: the two
 * keys differ only by month (a response due in March, its resolution in April), and the counts
 * are added up per key here.
 */
export async function slaTallies(db: Db, scope: ReturnType<typeof incidentScope>, q: SlaAggregateQuery): Promise<Map<string | null, SlaTally>> {
  const d = dialect(db);
  const s = source(q.kind, scope);
  const keyOf = (due: Prisma.Sql) => (q.groupBy === 'month' ? d.month(due) : s.key[q.groupBy]);
  const [from, to, now, riskEnd] = [new Date(q.from), new Date(q.to), new Date(q.now), new Date(q.now + q.atRiskMs)];
  const inPeriod = (due: Prisma.Sql) => Prisma.sql`(${due} >= ${from} AND ${due} < ${to})`;
  const atRisk = Prisma.sql`(${s.open} AND ${s.resolutionDue} >= ${now} AND ${s.resolutionDue} <= ${riskEnd})`;
  // Met when answered by its due time; breached when answered late or unanswered after it; pending when unanswered and not yet due.
  const outcome = (due: Prisma.Sql, answered: Prisma.Sql) => Prisma.sql`CASE WHEN ${inPeriod(due)} THEN (CASE WHEN ${answered} IS NOT NULL THEN (CASE WHEN ${answered} <= ${due} THEN ${OUTCOME.met} ELSE ${OUTCOME.late} END) WHEN ${due} >= ${now} THEN ${OUTCOME.pending} ELSE ${OUTCOME.overdue} END) ELSE ${OUTCOME.none} END`;
  const ifAnswered = (due: Prisma.Sql, answered: Prisma.Sql, value: Prisma.Sql) => Prisma.sql`CASE WHEN ${inPeriod(due)} AND ${answered} IS NOT NULL THEN ${value} END`;
  const statement = Prisma.sql`
    SELECT x."rk" AS "rk", x."dk" AS "dk", x."ro" AS "ro", x."do" AS "do", x."risk" AS "risk", COUNT(*) AS "count",
      CAST(SUM(x."rw") AS ${d.bigint}) AS "rWall", SUM(x."rb") AS "rBusiness", COUNT(x."rb") AS "rBusinessN",
      CAST(SUM(x."dw") AS ${d.bigint}) AS "dWall", SUM(x."db") AS "dBusiness", COUNT(x."db") AS "dBusinessN",
      SUM(x."paused") AS "paused"
    FROM (
      SELECT ${keyOf(s.responseDue)} AS "rk", ${keyOf(s.resolutionDue)} AS "dk",
        ${outcome(s.responseDue, s.responded)} AS "ro",
        ${outcome(s.resolutionDue, s.resolved)} AS "do",
        CASE WHEN ${atRisk} THEN 1 ELSE 0 END AS "risk",
        ${ifAnswered(s.responseDue, s.responded, d.msBetween(s.responded, s.start))} AS "rw",
        ${ifAnswered(s.responseDue, s.responded, s.responseBusiness)} AS "rb",
        ${ifAnswered(s.resolutionDue, s.resolved, d.msBetween(s.resolved, s.start))} AS "dw",
        ${ifAnswered(s.resolutionDue, s.resolved, s.resolutionBusiness)} AS "db",
        CASE WHEN ${inPeriod(s.resolutionDue)} THEN ${s.paused} END AS "paused"
      FROM ${s.from}
      WHERE ${s.where} AND (${inPeriod(s.responseDue)} OR ${inPeriod(s.resolutionDue)} OR ${atRisk})
      ${d.fence}
    ) x
    GROUP BY x."rk", x."dk", x."ro", x."do", x."risk"`;
  const rows: Row[] =
    providerOf(db) === 'postgres'
      ? // PostgreSQL would spend longer compiling this one statement (JIT, ~0.7 s at 100,000 rows) than running it.
        (await db.$transaction([db.$executeRaw`SET LOCAL jit = off`, db.$queryRaw<Row[]>(statement)]))[1]
      : await db.$queryRaw<Row[]>(statement);
  const tallies = new Map<string | null, SlaTally>();
  const tally = (k: string | null) => {
    let t = tallies.get(k);
    if (!t) tallies.set(k, (t = emptyTally()));
    return t;
  };
  for (const r of rows) {
    const count = num(r.count);
    for (const [p, k, o, part, mean] of [['r', r.rk, num(r.ro), 'response', 'mtta'], ['d', r.dk, num(r.do), 'resolution', 'mttr']] as const) {
      if (o === OUTCOME.none) continue;
      const t = tally(k);
      const c = t[part];
      const answered = o === OUTCOME.met || o === OUTCOME.late;
      t[part] = { due: c.due + count, met: c.met + (o === OUTCOME.met ? count : 0), breached: c.breached + (o === OUTCOME.late || o === OUTCOME.overdue ? count : 0), pending: c.pending + (o === OUTCOME.pending ? count : 0) };
      const m = t[mean];
      t[mean] = { n: m.n + (answered ? count : 0), wall: m.wall + num(r[`${p}Wall`]), business: m.business + num(r[`${p}Business`]), businessN: m.businessN + num(r[`${p}BusinessN`]) };
      if (p === 'd') t.pausedMs += num(r.paused);
    }
    if (num(r.risk) === 1) tally(r.dk).atRiskNow += count;
  }
  return tallies;
}
