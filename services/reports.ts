/**
 * The reports' computations over the CMDB: the report routes (api/routes/reports.ts) and scheduled
 * runs (services/report-registry.ts) both call these, so a stored run and the live report agree
 * figure for figure. `scope` is the caller's visibility (`incidentScope`), {} for every incident.
 */
import type { Db } from '../db/client';
import { slaTallies } from '../db/sla-aggregates';
import type { incidentScope } from '../domain/access';
import { parseIsoDuration } from '../domain/duration';
import { AGE_BUCKETS, ageBucket, groupByRefusal, OPEN_STATES, slaReport, slaRows, type ReportKind, type SlaFact } from '../domain/reports/sla-report';
import type { BacklogReport, SlaReport, SlaReportQuery } from '../domain/schemas/reports';
import { ValidationFailed } from './errors';

export type IncidentFilter = ReturnType<typeof incidentScope>;

/** What the SLA report takes: its route's query without the output format (a run omits the chart's target); `kind` defaults to SLA. */
export type SlaReportParams = Pick<SlaReportQuery, 'from' | 'to' | 'atRisk' | 'groupBy' | 'drill'> & { kind?: ReportKind };

/** The period and at-risk window as instants, checked: a bad one is ValidationFailed (400 in the API, a failed run in a schedule). */
function slaPeriod(query: Pick<SlaReportQuery, 'from' | 'to' | 'atRisk'>) {
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  if (!(to > from)) throw new ValidationFailed('to must be after from', [{ path: 'to', message: 'must be after from' }]);
  if (to - from > 366 * 86_400_000) throw new ValidationFailed('the range may span at most 366 days', [{ path: 'to', message: 'the range may span at most 366 days' }]);
  return { from, to, atRiskMs: Math.min(parseIsoDuration(query.atRisk), 366 * 86_400_000) };
}

function checkGroupBy(kind: ReportKind, groupBy: SlaReportQuery['groupBy']) {
  const refusal = groupByRefusal(kind, groupBy);
  if (refusal) throw new ValidationFailed(`groupBy ${groupBy} ${refusal}`, [{ path: 'groupBy', message: refusal }]);
}

/**
 * The SLA report (GET /reports/sla in JSON), as of `now`, over the incidents `scope` lets the caller
 * see ({} for every incident): the one entry point the route and scheduled runs call. The figures
 * are counted by the database (db/sla-aggregates.ts); a drill-down, which lists every record behind
 * them, reads the clocks and counts them with the pure code instead, which gives the same figures.
 */
export async function computeSlaReport(db: Db, scope: IncidentFilter, query: SlaReportParams, now: number): Promise<SlaReport> {
  const kind = query.kind ?? 'SLA';
  checkGroupBy(kind, query.groupBy);
  if (query.drill === 'true') return slaReportBody(await slaFacts(db, scope, { ...query, kind }, now), { ...query, kind }, now);
  const { from, to, atRiskMs } = slaPeriod(query);
  const tallies = await slaTallies(db, scope, { kind, groupBy: query.groupBy, from, to, now, atRiskMs });
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), groupBy: query.groupBy, kind, generatedAt: new Date(now).toISOString(), rows: slaRows(tallies) };
}

/** The SLA report's input read row by row: its period checked and the clock facts of `kind` (default SLA) read; `now` is the instant the report is "as of". */
export async function slaFacts(db: Db, scope: IncidentFilter, query: Pick<SlaReportQuery, 'from' | 'to' | 'atRisk'> & { kind?: ReportKind }, now: number) {
  const { from, to, atRiskMs } = slaPeriod(query);
  const kind = query.kind ?? 'SLA';
  const span = { gte: new Date(from), lt: new Date(to) };
  const atRisk = { gte: new Date(now), lte: new Date(now + atRiskMs) };
  const facts = kind === 'SLA' ? await incidentFacts(db, scope, span, atRisk) : await agreementClockFacts(db, scope, kind, span, atRisk);
  return { from, to, atRiskMs, facts };
}

type Span = { gte: Date; lt?: Date; lte?: Date };

async function incidentFacts(db: Db, scope: IncidentFilter, span: Span, atRisk: Span): Promise<SlaFact[]> {
  const rows = await db.incident.findMany({
    // Only what the figures need.
    select: {
      number: true,
      serviceId: true,
      priority: true,
      assignmentGroup: true,
      state: true,
      openedAt: true,
      resolvedAt: true,
      slaId: true,
      responseDueAt: true,
      respondedAt: true,
      resolutionDueAt: true,
      slaPausedMs: true,
      responseBusinessMs: true,
      resolutionBusinessMs: true,
    },
    where: {
      AND: [scope, { OR: [{ responseDueAt: span }, { resolutionDueAt: span }, { state: { in: [...OPEN_STATES] }, resolutionDueAt: atRisk }] }],
    },
  });
  // Rows the back-fill could not fill (a corrupt stored clock) have no due times: not counted.
  return rows.flatMap((row) =>
    row.responseDueAt === null
      ? []
      : [
          {
            number: row.number,
            serviceId: row.serviceId,
            priority: row.priority,
            group: row.assignmentGroup,
            slaId: row.slaId ?? '',
            open: (OPEN_STATES as readonly string[]).includes(row.state),
            openedAt: row.openedAt.getTime(),
            responseDueAt: row.responseDueAt.getTime(),
            respondedAt: row.respondedAt?.getTime() ?? null,
            resolutionDueAt: row.resolutionDueAt?.getTime() ?? null,
            // Met when resolved; a reopened incident's resolution is open again.
            resolvedAt: row.resolutionBusinessMs === null ? null : (row.resolvedAt?.getTime() ?? null),
            pausedMs: row.slaPausedMs,
            responseBusinessMs: row.responseBusinessMs,
            resolutionBusinessMs: row.resolutionBusinessMs,
          },
        ],
  );
}

/** OLA or UC clocks (IncidentClock rows) as facts: the incident gives its number and service, and its visibility decides. */
async function agreementClockFacts(db: Db, scope: IncidentFilter, kind: Exclude<ReportKind, 'SLA'>, span: Span, atRisk: Span): Promise<SlaFact[]> {
  const clocks = await db.incidentClock.findMany({ where: { kind, OR: [{ responseDueAt: span }, { dueAt: span }, { stoppedAt: null, dueAt: atRisk }] } });
  const incidents = new Map<string, { number: string; serviceId: string | null }>();
  const ids = [...new Set(clocks.map((c) => c.incidentId))];
  // In slices: a database takes only so many parameters in one statement.
  for (let i = 0; i < ids.length; i += 5_000) {
    const rows = await db.incident.findMany({ where: { AND: [scope, { id: { in: ids.slice(i, i + 5_000) } }] }, select: { id: true, number: true, serviceId: true } });
    for (const r of rows) incidents.set(r.id, r);
  }
  return clocks.flatMap((c) => {
    const inc = incidents.get(c.incidentId);
    if (!inc) return [];
    return [
      {
        number: inc.number,
        serviceId: inc.serviceId,
        priority: c.priority,
        group: kind === 'OLA' ? c.team : c.supplier,
        supplier: c.supplier,
        slaId: c.agreementId,
        open: c.stoppedAt === null,
        openedAt: c.startedAt.getTime(),
        responseDueAt: c.responseDueAt?.getTime() ?? null,
        respondedAt: c.respondedAt?.getTime() ?? null,
        resolutionDueAt: c.dueAt?.getTime() ?? null,
        resolvedAt: c.metAt?.getTime() ?? null,
        pausedMs: c.pausedMs,
        // The row keeps no business time for the response.
        responseBusinessMs: null,
        resolutionBusinessMs: c.businessMs,
      },
    ];
  });
}

/** The SLA report as GET /reports/sla answers it in JSON, from facts read row by row (computeSlaReport is the way in). */
export function slaReportBody(input: { from: number; to: number; atRiskMs: number; facts: SlaFact[] }, query: Pick<SlaReportQuery, 'groupBy' | 'drill'> & { kind?: ReportKind }, now: number): SlaReport {
  const rows = slaReport(input.facts, { from: input.from, to: input.to, now, groupBy: query.groupBy, atRiskMs: input.atRiskMs, drill: query.drill === 'true' });
  return { from: new Date(input.from).toISOString(), to: new Date(input.to).toISOString(), groupBy: query.groupBy, kind: query.kind ?? 'SLA', generatedAt: new Date(now).toISOString(), rows };
}

/**
 * The open backlog as GET /reports/backlog answers it in JSON, aged as of `now`.
 */
export async function backlogReport(db: Db, scope: IncidentFilter, now: number): Promise<BacklogReport> {
  const open = await db.incident.findMany({ where: { AND: [scope, { state: { in: [...OPEN_STATES] } }] }, select: { openedAt: true, priority: true, assignmentGroup: true } });
  const cells = new Map<string, { group: string | null; priority: string; age: string; count: number }>();
  for (const i of open) {
    const age = ageBucket(i.openedAt.getTime(), now);
    const k = JSON.stringify([i.assignmentGroup, i.priority, age]);
    const c = cells.get(k) ?? { group: i.assignmentGroup, priority: i.priority, age, count: 0 };
    c.count++;
    cells.set(k, c);
  }
  const rows = [...cells.values()].sort((a, b) => (a.group ?? '~').localeCompare(b.group ?? '~') || a.priority.localeCompare(b.priority) || AGE_BUCKETS.findIndex((x) => x.label === a.age) - AGE_BUCKETS.findIndex((x) => x.label === b.age));
  const sum = (pick: (r: (typeof rows)[number]) => string | null) => {
    const m = new Map<string | null, number>();
    for (const r of rows) m.set(pick(r), (m.get(pick(r)) ?? 0) + r.count);
    return m;
  };
  return {
    generatedAt: new Date(now).toISOString(),
    total: open.length,
    byAge: AGE_BUCKETS.map((b) => ({ age: b.label, count: rows.filter((r) => r.age === b.label).reduce((n, r) => n + r.count, 0) })),
    byPriority: Object.fromEntries([...sum((r) => r.priority).entries()].sort()),
    byGroup: [...sum((r) => r.group).entries()].map(([group, count]) => ({ group, count })),
    rows,
  };
}
