import { stringify } from 'csv-stringify/sync';
import type { Request } from 'express';
import { incidentScope, type Role } from '../../domain/access';
import { AGE_BUCKETS, ageBucket, SLA_GROUP_BY, slaReport, type SlaFact, type SlaReportRow } from '../../domain/reports/sla-report';
import { IsoDuration, IsoTimestamp } from '../../domain/schemas/common';
import { parseIsoDuration } from '../../domain/duration';
import { z } from '../../domain/schemas/zod';
import { badRequest } from '../errors';
import type { Db } from '../../db/client';
import { route, type RouteDef } from '../route';
import { attainmentChart, backlogChart } from '../../domain/reports/svg';

const READERS: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'admin'];
const OPEN_STATES = ['new', 'assigned', 'in_progress', 'on_hold'];
const Format = z.enum(['json', 'csv', 'svg']).optional().describe('json (default), csv (`Accept: text/csv` too) or svg (a chart: attainment per month with the target line; backlog by age)');

export const SlaReportQuery = z.object({
  from: IsoTimestamp.describe('start of the period (clocks due from this instant)'),
  to: IsoTimestamp.describe('end of the period (clocks due before this instant)'),
  groupBy: z.enum(SLA_GROUP_BY).default('service'),
  atRisk: IsoDuration.default('PT1H').describe('the at-risk window: open clocks due within it count as at risk now'),
  drill: z.enum(['true', 'false']).optional().describe('true: each row lists the records behind it'),
  target: z.coerce.number().min(0).max(100).default(95).describe('the attainment target (%) the SVG chart draws as a line'),
  format: Format,
});

const Clock = z.object({ due: z.number().int(), met: z.number().int(), breached: z.number().int(), pending: z.number().int(), attainmentPct: z.number().nullable() });
const Mean = z.object({ wallMs: z.number().int(), businessMs: z.number().int() }).nullable();
export const SlaReport = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(SLA_GROUP_BY),
  generatedAt: z.string(),
  rows: z.array(
    z.object({
      key: z.string().nullable(),
      response: Clock,
      resolution: Clock,
      atRiskNow: z.number().int(),
      mtta: Mean,
      mttr: Mean,
      pausedMs: z.number().int(),
      records: z.array(z.object({ number: z.string(), clock: z.enum(['response', 'resolution']), dueAt: z.string(), outcome: z.enum(['met', 'breached', 'pending']) })).optional(),
    }),
  ),
});

export const BacklogReportQuery = z.object({ format: Format });

export const BacklogReport = z.object({
  generatedAt: z.string(),
  total: z.number().int(),
  byAge: z.array(z.object({ age: z.string(), count: z.number().int() })),
  byPriority: z.record(z.string(), z.number().int()),
  byGroup: z.array(z.object({ group: z.string().nullable(), count: z.number().int() })),
  rows: z.array(z.object({ group: z.string().nullable(), priority: z.string(), age: z.string(), count: z.number().int() })),
});

/** The incidents in `scope`, as `incidentScope` filters them ({} for all: scheduled runs, computed as the system). */
export type IncidentFilter = ReturnType<typeof incidentScope>;

/**
 * The SLA report's input: its period checked and the clock facts read. The route and scheduled
 * runs (services/report-registry.ts) both go through here and `slaReportBody`, so a stored run
 * and the live report agree figure for figure; `now` is the instant the report is "as of".
 */
export async function slaFacts(db: Db, scope: IncidentFilter, query: Pick<z.infer<typeof SlaReportQuery>, 'from' | 'to' | 'atRisk'>, now: number) {
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  if (!(to > from)) throw badRequest('to must be after from', [{ path: 'to', message: 'must be after from' }]);
  if (to - from > 366 * 86_400_000) throw badRequest('the range may span at most 366 days', [{ path: 'to', message: 'the range may span at most 366 days' }]);
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
export function slaReportBody(input: { from: number; to: number; atRiskMs: number; facts: SlaFact[] }, query: Pick<z.infer<typeof SlaReportQuery>, 'groupBy' | 'drill'>, now: number): z.infer<typeof SlaReport> {
  const rows = slaReport(input.facts, { from: input.from, to: input.to, now, groupBy: query.groupBy, atRiskMs: input.atRiskMs, drill: query.drill === 'true' });
  return { from: new Date(input.from).toISOString(), to: new Date(input.to).toISOString(), groupBy: query.groupBy, generatedAt: new Date(now).toISOString(), rows };
}

/**
 * The open backlog as GET /reports/backlog answers it in JSON, aged as of `now`: the route and
 * scheduled runs (services/report-registry.ts) both compute it here.
 */
export async function backlogReport(db: Db, scope: IncidentFilter, now: number): Promise<z.infer<typeof BacklogReport>> {
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

/** CSV when asked for by `format=csv`, or by an Accept header that prefers it to JSON. */
const wantsCsv = (req: Request, format: string | undefined) => format === 'csv' || (format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');

/** A chart: standalone SVG with nothing active in it, and a policy that keeps it so. */
function sendSvg(req: Request, svg: string) {
  const res = req.res!;
  res.status(200).type('image/svg+xml; charset=utf-8').setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
  res.end(svg);
}

function sendCsv(req: Request, name: string, records: (string | number | null)[][]) {
  const res = req.res!;
  res.status(200).type('text/csv; charset=utf-8').setHeader('content-disposition', `attachment; filename="${name}.csv"`);
  res.end(stringify(records));
}

const slaCsv = (rows: SlaReportRow[]) => [
  ['key', 'response_due', 'response_met', 'response_breached', 'response_pending', 'response_attainment_pct', 'resolution_due', 'resolution_met', 'resolution_breached', 'resolution_pending', 'resolution_attainment_pct', 'at_risk_now', 'mtta_wall_ms', 'mtta_business_ms', 'mttr_wall_ms', 'mttr_business_ms', 'paused_ms'],
  ...rows.map((r) => [
    r.key ?? '',
    r.response.due, r.response.met, r.response.breached, r.response.pending, r.response.attainmentPct,
    r.resolution.due, r.resolution.met, r.resolution.breached, r.resolution.pending, r.resolution.attainmentPct,
    r.atRiskNow, r.mtta?.wallMs ?? null, r.mtta?.businessMs ?? null, r.mttr?.wallMs ?? null, r.mttr?.businessMs ?? null, r.pausedMs,
  ]),
];

/** Service reporting: SLA attainment per period and the open backlog, as JSON or CSV, within what the caller may see. */
export function reportRoutes(): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/v1/reports/sla',
      summary: 'SLA attainment in a period (response and resolution: due, met, breached, pending, attainment %), at risk now, MTTA and MTTR in wall and business time, paused time; grouped',
      tag: 'Reports',
      roles: READERS,
      query: SlaReportQuery,
      response: SlaReport,
      alsoProduces: ['text/csv', 'image/svg+xml'],
      async handler({ req, query, user, deps }) {
        const now = Date.now();
        const { from, to, atRiskMs, facts } = await slaFacts(deps.db, incidentScope(user), query, now);
        if (query.format === 'svg') {
          // The chart is always per month: attainment of resolution against the target.
          const months = slaReport(facts, { from, to, now, groupBy: 'month', atRiskMs });
          sendSvg(req, attainmentChart(months.map((m) => ({ month: m.key ?? '', attainmentPct: m.resolution.attainmentPct })), query.target, `${query.from.slice(0, 10)} – ${query.to.slice(0, 10)}`));
          return undefined;
        }
        const report = slaReportBody({ from, to, atRiskMs, facts }, query, now);
        if (wantsCsv(req, query.format)) {
          sendCsv(req, `sla-${query.groupBy}`, slaCsv(report.rows));
          return undefined;
        }
        return report;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/backlog',
      summary: 'Open incidents by age bucket, priority and group',
      tag: 'Reports',
      roles: READERS,
      query: BacklogReportQuery,
      response: BacklogReport,
      alsoProduces: ['text/csv', 'image/svg+xml'],
      async handler({ req, query, user, deps }) {
        const report = await backlogReport(deps.db, incidentScope(user), Date.now());
        if (wantsCsv(req, query.format)) {
          sendCsv(req, 'backlog', [['group', 'priority', 'age', 'count'], ...report.rows.map((r) => [r.group ?? '', r.priority, r.age, r.count])]);
          return undefined;
        }
        if (query.format === 'svg') {
          sendSvg(req, backlogChart(report.byAge));
          return undefined;
        }
        return report;
      },
    }),
  ];
}
