/**
 * The reports' computations over the CMDB: the report routes (api/routes/reports.ts) and scheduled
 * runs (services/report-registry.ts) both call these, so a stored run and the live report agree
 * figure for figure. `scope` is the caller's visibility (`incidentScope`), {} for every incident.
 */
import type { Db } from '../db/client';
import type { incidentScope } from '../domain/access';
import { parseIsoDuration } from '../domain/duration';
import { AGE_BUCKETS, ageBucket, slaReport, type SlaFact } from '../domain/reports/sla-report';
import type { BacklogReport, SlaReport, SlaReportQuery } from '../domain/schemas/reports';
import { ValidationFailed } from './errors';

export type IncidentFilter = ReturnType<typeof incidentScope>;

const OPEN_STATES = ['new', 'assigned', 'in_progress', 'on_hold'];

/** The SLA report's input: its period checked and the clock facts read; `now` is the instant the report is "as of". */
export async function slaFacts(db: Db, scope: IncidentFilter, query: Pick<SlaReportQuery, 'from' | 'to' | 'atRisk'>, now: number) {
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  if (!(to > from)) throw new ValidationFailed('to must be after from', [{ path: 'to', message: 'must be after from' }]);
  if (to - from > 366 * 86_400_000) throw new ValidationFailed('the range may span at most 366 days', [{ path: 'to', message: 'the range may span at most 366 days' }]);
  const atRiskMs = Math.min(parseIsoDuration(query.atRisk), 366 * 86_400_000);
  const span = { gte: new Date(from), lt: new Date(to) };
  const rows = await db.incident.findMany({
    // Only what the figures need: a year of incidents is read in one go.
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
      AND: [
        scope,
        { OR: [{ responseDueAt: span }, { resolutionDueAt: span }, { state: { in: OPEN_STATES }, resolutionDueAt: { gte: new Date(now), lte: new Date(now + atRiskMs) } }] },
      ],
    },
  });
  // Rows the back-fill could not fill (a corrupt stored clock) have no due times: not counted.
  const facts: SlaFact[] = rows.flatMap((row) =>
    row.responseDueAt === null
      ? []
      : [
          {
            number: row.number,
            serviceId: row.serviceId,
            priority: row.priority,
            group: row.assignmentGroup,
            slaId: row.slaId ?? '',
            open: OPEN_STATES.includes(row.state),
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
  return { from, to, atRiskMs, facts };
}

/** The SLA report as GET /reports/sla answers it in JSON. */
export function slaReportBody(input: { from: number; to: number; atRiskMs: number; facts: SlaFact[] }, query: Pick<SlaReportQuery, 'groupBy' | 'drill'>, now: number): SlaReport {
  const rows = slaReport(input.facts, { from: input.from, to: input.to, now, groupBy: query.groupBy, atRiskMs: input.atRiskMs, drill: query.drill === 'true' });
  return { from: new Date(input.from).toISOString(), to: new Date(input.to).toISOString(), groupBy: query.groupBy, generatedAt: new Date(now).toISOString(), rows };
}

/**
 * The open backlog as GET /reports/backlog answers it in JSON, aged as of `now`.
 */
export async function backlogReport(db: Db, scope: IncidentFilter, now: number): Promise<BacklogReport> {
  const open = await db.incident.findMany({ where: { AND: [scope, { state: { in: OPEN_STATES } }] }, select: { openedAt: true, priority: true, assignmentGroup: true } });
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
