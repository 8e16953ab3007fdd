import { stringify } from 'csv-stringify/sync';
import type { Request } from 'express';
import { incidentScope, type Role } from '../../domain/access';
import type { SlaReportRow } from '../../domain/reports/sla-report';
import { BacklogReport, BacklogReportQuery, SlaReport, SlaReportQuery } from '../../domain/schemas/reports';
import { backlogReport, computeSlaReport } from '../../services/reports';
import { route, type RouteDef } from '../route';
import { attainmentChart, backlogChart } from '../../domain/reports/svg';
import { AvailabilityQuery, AvailabilityReport } from '../../domain/schemas/availability';
import { availabilityReport } from '../../services/availability';

const READERS: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'admin'];

/** CSV when asked for by `format=csv`, or by an Accept header that prefers it to JSON. */
export const wantsCsv = (req: Request, format: string | undefined) => format === 'csv' || (format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');

/** A chart: standalone SVG with nothing active in it, and a policy that keeps it so. */
function sendSvg(req: Request, svg: string) {
  const res = req.res!;
  res.status(200).type('image/svg+xml; charset=utf-8').setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
  res.end(svg);
}

export function sendCsv(req: Request, name: string, records: (string | number | null)[][]) {
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
      summary: 'Attainment of the SLA (or of the OLA or UC clocks: kind) in a period (response and resolution: due, met, breached, pending, attainment %), at risk now, MTTA and MTTR in wall and business time, paused time; grouped',
      tag: 'Reports',
      roles: READERS,
      query: SlaReportQuery,
      response: SlaReport,
      alsoProduces: ['text/csv', 'image/svg+xml'],
      async handler({ req, query, user, deps }) {
        const now = Date.now();
        if (query.format === 'svg') {
          // The chart is always per month: attainment of resolution against the target.
          const months = (await computeSlaReport(deps.db, incidentScope(user), { ...query, groupBy: 'month', drill: undefined }, now)).rows;
          sendSvg(req, attainmentChart(months.map((m) => ({ month: m.key ?? '', attainmentPct: m.resolution.attainmentPct })), query.target, `${query.from.slice(0, 10)} – ${query.to.slice(0, 10)}`));
          return undefined;
        }
        const report = await computeSlaReport(deps.db, incidentScope(user), query, now);
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
    route({
      method: 'get',
      path: '/api/v1/reports/availability',
      summary: "A service's availability in a period against its SLA's target: agreed service time, unplanned and planned downtime in the service hours, outages, MTBF, MTRS, MTBSI",
      tag: 'Reports',
      roles: READERS,
      query: AvailabilityQuery,
      response: AvailabilityReport,
      alsoProduces: ['text/csv'],
      async handler({ req, query, user, deps }) {
        const report = await availabilityReport(deps.db, query, Date.now(), incidentScope(user));
        if (wantsCsv(req, query.format)) {
          sendCsv(req, `availability-${report.serviceNumber}`, availabilityCsv(report));
          return undefined;
        }
        return report;
      },
    }),
  ];
}

/** One row: the figures, named as in the JSON but in the SLA report's snake_case. */
const AVAILABILITY_COLUMNS = ['serviceNumber', 'from', 'to', 'asOf', 'availability', 'projectedAvailability', 'target', 'meetsTarget', 'agreedMs', 'downtimeMs', 'downtimeMinutes', 'plannedDowntimeMs', 'plannedDowntimeMinutes', 'outages', 'mtbfMs', 'mtrsMs', 'mtbsiMs'] as const;
const availabilityCsv = (r: AvailabilityReport) => [AVAILABILITY_COLUMNS.map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)), AVAILABILITY_COLUMNS.map((k) => (typeof r[k] === 'boolean' ? String(r[k]) : r[k]))];
