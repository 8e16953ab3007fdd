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
    };
  }
  return {
    month: (t: Prisma.Sql) => Prisma.sql`strftime('%Y-%m', ${t})`,
    // julianday keeps milliseconds exactly (an integer count inside SQLite); rounding removes the division's noise.
    msBetween: (later: Prisma.Sql, earlier: Prisma.Sql) => Prisma.sql`CAST(ROUND((julianday(${later}) - julianday(${earlier})) * 86400000.0) AS INTEGER)`,
    bigint: Prisma.raw('INTEGER'),
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

type Part = 'response' | 'resolution' | 'risk';
interface Row {
  part: Part;
  k: string | null;
  due: number | bigint;
  met: number | bigint | null;
  pending: number | bigint | null;
  n: number | bigint;
  wall: number | bigint | null;
  business: number | null;
  businessN: number | bigint;
  paused: number | null;
}

const num = (x: number | bigint | null) => (x === null ? 0 : Number(x));

/** Each group's tallies for the period (clocks due in [from, to)) and at risk as of `now`. */
export async function slaTallies(db: Db, scope: ReturnType<typeof incidentScope>, q: SlaAggregateQuery): Promise<Map<string | null, SlaTally>> {
  const d = dialect(db);
  const s = source(q.kind, scope);
  const keyOf = (due: Prisma.Sql) => (q.groupBy === 'month' ? d.month(due) : s.key[q.groupBy]);
  const [from, to, now, riskEnd] = [new Date(q.from), new Date(q.to), new Date(q.now), new Date(q.now + q.atRiskMs)];
  // One clock's counts in the period: met when answered by its due time; pending when unanswered and not yet due; breached otherwise.
  const clock = (part: Part, due: Prisma.Sql, answered: Prisma.Sql, business: Prisma.Sql, paused: Prisma.Sql) => Prisma.sql`
    SELECT ${Prisma.raw(`'${part}'`)} AS "part", ${keyOf(due)} AS "k", COUNT(*) AS "due",
      SUM(CASE WHEN ${answered} IS NOT NULL AND ${answered} <= ${due} THEN 1 ELSE 0 END) AS "met",
      SUM(CASE WHEN ${answered} IS NULL AND ${due} >= ${now} THEN 1 ELSE 0 END) AS "pending",
      COUNT(${answered}) AS "n",
      CAST(SUM(CASE WHEN ${answered} IS NOT NULL THEN ${d.msBetween(answered, s.start)} END) AS ${d.bigint}) AS "wall",
      SUM(CASE WHEN ${answered} IS NOT NULL THEN ${business} END) AS "business",
      COUNT(CASE WHEN ${answered} IS NOT NULL THEN ${business} END) AS "businessN",
      ${paused} AS "paused"
    FROM ${s.from} WHERE ${s.where} AND ${due} >= ${from} AND ${due} < ${to}
    GROUP BY ${keyOf(due)}`;
  const rows = await db.$queryRaw<Row[]>(Prisma.sql`
    ${clock('response', s.responseDue, s.responded, s.responseBusiness, Prisma.sql`CAST(NULL AS DOUBLE PRECISION)`)}
    UNION ALL
    ${clock('resolution', s.resolutionDue, s.resolved, s.resolutionBusiness, Prisma.sql`SUM(${s.paused})`)}
    UNION ALL
    SELECT 'risk' AS "part", ${keyOf(s.resolutionDue)} AS "k", COUNT(*) AS "due", NULL, NULL, 0, NULL, NULL, 0, NULL
    FROM ${s.from} WHERE ${s.where} AND ${s.open} AND ${s.resolutionDue} >= ${now} AND ${s.resolutionDue} <= ${riskEnd}
    GROUP BY ${keyOf(s.resolutionDue)}`);
  const tallies = new Map<string | null, SlaTally>();
  for (const r of rows) {
    let t = tallies.get(r.k);
    if (!t) tallies.set(r.k, (t = emptyTally()));
    if (r.part === 'risk') {
      t.atRiskNow = num(r.due);
      continue;
    }
    const [due, met, pending] = [num(r.due), num(r.met), num(r.pending)];
    t[r.part] = { due, met, breached: due - met - pending, pending };
    t[r.part === 'response' ? 'mtta' : 'mttr'] = { n: num(r.n), wall: num(r.wall), business: num(r.business), businessN: num(r.businessN) };
    if (r.part === 'resolution') t.pausedMs = num(r.paused);
  }
  return tallies;
}
