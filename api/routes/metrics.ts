import type { Role } from '../../domain/access';
import { listOf } from '../../domain/schemas/common';
import {
  CapacityReport,
  CapacityReportQuery,
  CreateThresholdBody,
  MetricBatchBody,
  MAX_METRIC_POINTS,
  MetricsIngested,
  PROMETHEUS_PATH,
  PrometheusIngested,
  PrometheusQuery,
  PrometheusText,
  ThresholdLevelsCheck,
  ThresholdQuery,
  ThresholdRecord,
  UpdateThresholdBody,
} from '../../domain/schemas/capacity';
import { dailyMeans, forecastListing, sameThreshold, seriesKey, thresholdView, type ThresholdRow } from '../../db/capacity-store';
import { DAY_MS, daysToExhaustion } from '../../domain/capacity/forecast';
import { sparkline } from '../../domain/capacity/sparkline';
import { parseExposition, repeatedSeries, type PromIssue } from '../../domain/capacity/prometheus';
import type { Db } from '../../db/client';
import { nextNumber } from '../../db/numbers';
import { readReferences } from '../../db/references';
import { ingestMetrics } from '../../services/capacity-ingest';
import { newId } from '../../infra/ids';
import { badRequest, conflict, notFound } from '../errors';
import { listPage } from '../pagination';
import { resolveCiField } from '../refs';
import { route, type RouteDef } from '../route';

/** Monitoring agents send metrics, as they send events. */
const SENDERS: readonly Role[] = ['automation', 'admin'];
/** Thresholds are set by admins and read by the desk and the managers who plan capacity. */
const READERS: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'release_manager', 'automation', 'admin'];
const WRITERS: readonly Role[] = ['admin'];

async function present(db: Db, rows: ThresholdRow[]): Promise<ThresholdRecord[]> {
  const ref = await readReferences(db, rows, (r) => ({ ci: r.ciId ? [r.ciId] : [] }));
  return rows.map((r) => thresholdView(r, r.ciId ? ref('ci', r.ciId) : null));
}

async function live(db: Db, id: string): Promise<ThresholdRow> {
  const row = await db.capacityThreshold.findFirst({ where: { OR: [{ id }, { number: id }], deletedAt: null } });
  if (!row) throw notFound(`capacity threshold ${id}`);
  return row;
}

/** The sparkline's span: a month of daily means. */
const SPARKLINE_DAYS = 30;

/** A body naming many faults reports the first few, by line. */
const MAX_REPORTED = 20;
const byLine = (issues: PromIssue[]) => issues.slice(0, MAX_REPORTED).map((i) => ({ path: `lines.${i.line}`, message: i.message }));

const duplicate = (t: { ciId: string | null; ciClass: string | null; metric: string }, number: string) =>
  conflict(`${number} already sets ${t.metric} for ${t.ciId ? `CI ${t.ciId}` : `class ${t.ciClass}`}; change it instead`);

export function metricRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/metrics',
      summary:
        'A batch of metric points ({ciId, metric, at, value}, the CI by id or number), stored in one insert (a repeated point is kept once) and checked against the capacity thresholds',
      tag: 'Capacity',
      roles: SENDERS,
      body: MetricBatchBody,
      response: MetricsIngested,
      handler: ({ body, deps }) => ingestMetrics(deps, body),
    }),
    route({
      method: 'post',
      path: PROMETHEUS_PATH,
      summary:
        'Metric points in the Prometheus text exposition format (text/plain, as an exporter or pushing agent writes it): the CI from each sample\'s ci label or ?ciId, the time from its timestamp or now; stored and judged as POST /metrics does',
      tag: 'Capacity',
      roles: SENDERS,
      query: PrometheusQuery,
      bodyContent: { 'text/plain': PrometheusText },
      response: PrometheusIngested,
      async handler({ req, query, deps }) {
        if (typeof req.body !== 'string') throw badRequest('the body must be text/plain in the Prometheus exposition format', [{ path: '(body)', message: 'not text/plain' }]);
        const { samples, issues, skipped } = parseExposition(req.body);
        if (issues.length) throw badRequest('the exposition has lines that are not samples', byLine(issues));
        if (samples.length > MAX_METRIC_POINTS) throw badRequest(`at most ${MAX_METRIC_POINTS} samples per request`, [{ path: 'lines', message: `${samples.length} samples` }]);
        const unnamed = samples.filter((x) => x.ci === null && query.ciId === undefined);
        if (unnamed.length) throw badRequest('samples need a CI: a ci label, or ?ciId for all of them', byLine(unnamed.map((x) => ({ line: x.line, message: 'no ci label and no ?ciId' }))));
        const now = Date.now();
        const located = samples.map((x) => ({ ...x, ci: x.ci ?? query.ciId!, at: x.at ?? now }));
        const repeats = repeatedSeries(located);
        if (repeats.length) throw badRequest('two samples name the same series at the same instant', byLine(repeats));
        if (located.length === 0) return { received: 0, stored: 0, events: 0, alerts: 0, skipped };
        const points = located.map((x) => ({ ciId: x.ci, metric: x.metric, at: new Date(x.at).toISOString(), value: x.value }));
        const ingested = await ingestMetrics(deps, { points }, { now, pathOf: (i) => `lines.${located[i].line}` });
        return { ...ingested, skipped };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/reports/capacity',
      summary: 'Capacity: each CI and metric with a limit, soonest exhaustion first (from the latest forecast run), with its trend, its capacity problem and an SVG sparkline',
      tag: 'Capacity',
      roles: READERS,
      query: CapacityReportQuery,
      response: CapacityReport,
      async handler({ query, deps }) {
        const now = Date.now();
        const rows = await forecastListing(deps.db, { ...query, ...(query.horizonDays !== undefined ? { exhaustBefore: new Date(now + query.horizonDays * DAY_MS) } : {}) });
        const means = await dailyMeans(deps.db, rows, new Date(now - SPARKLINE_DAYS * DAY_MS));
        return {
          asOf: new Date(now).toISOString(),
          items: rows.map((r) => ({
            ...r,
            exhaustAt: r.exhaustAt?.toISOString() ?? null,
            daysToExhaustion: daysToExhaustion(r.exhaustAt?.getTime() ?? null, now),
            computedAt: r.computedAt.toISOString(),
            sparkline: sparkline(means.get(seriesKey(r.ciId, r.metric)) ?? [], { limit: r.limit }),
          })),
        };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/capacity-thresholds',
      summary: 'Set warning and critical levels and a capacity limit for a metric of one CI or a CI class (one per target and metric; a CI\'s own wins over its class\'s)',
      tag: 'Capacity',
      roles: WRITERS,
      body: CreateThresholdBody,
      response: ThresholdRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const target = { ciId: (await resolveCiField(deps.db, body.ciId, 'ciId')) ?? null, ciClass: body.ciClass ?? null, metric: body.metric };
        const same = await sameThreshold(deps.db, target);
        if (same) throw duplicate(target, same.number);
        const row = await deps.db.capacityThreshold.create({
          data: {
            id: newId('cap'),
            number: await nextNumber(deps.db, 'capacity_threshold'),
            ...target,
            warning: body.warning ?? null,
            critical: body.critical ?? null,
            limit: body.limit ?? null,
            direction: body.direction ?? 'above',
            sustainSeconds: body.sustainSeconds ?? 300,
            createdBy: user.id,
          },
        });
        return (await present(deps.db, [row]))[0];
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/capacity-thresholds',
      summary: 'Capacity thresholds (in a stable order), by CI, class or metric',
      tag: 'Capacity',
      roles: READERS,
      query: ThresholdQuery,
      response: listOf(ThresholdRecord),
      async handler({ query, deps }) {
        const ciId = await resolveCiField(deps.db, query.ciId, 'ciId');
        const where = { deletedAt: null, ...(ciId ? { ciId } : {}), ...(query.ciClass ? { ciClass: query.ciClass } : {}), ...(query.metric ? { metric: query.metric } : {}) };
        const page = await listPage(query, where, (args) => deps.db.capacityThreshold.findMany(args), (r) => r);
        return { ...page, items: await present(deps.db, page.items) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/capacity-thresholds/:id',
      summary: 'A capacity threshold (by id or number)',
      tag: 'Capacity',
      roles: READERS,
      response: ThresholdRecord,
      handler: async ({ params, deps }) => (await present(deps.db, [await live(deps.db, params.id)]))[0],
    }),
    route({
      method: 'patch',
      path: '/api/v1/capacity-thresholds/:id',
      summary: "Change a threshold's levels, limit, direction or sustain time (null clears a level); the series it governs are judged by it from their next reading",
      tag: 'Capacity',
      roles: WRITERS,
      body: UpdateThresholdBody,
      response: ThresholdRecord,
      async handler({ params, body, deps }) {
        const row = await live(deps.db, params.id);
        const merged = {
          warning: body.warning === undefined ? row.warning : body.warning,
          critical: body.critical === undefined ? row.critical : body.critical,
          limit: body.limit === undefined ? row.limit : body.limit,
          direction: body.direction ?? (row.direction as 'above' | 'below'),
        };
        const check = ThresholdLevelsCheck.safeParse(merged);
        if (!check.success) throw badRequest('the threshold would not make sense', check.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
        const updated = await deps.db.capacityThreshold.update({ where: { id: row.id }, data: { ...merged, ...(body.sustainSeconds !== undefined ? { sustainSeconds: body.sustainSeconds } : {}) } });
        return (await present(deps.db, [updated]))[0];
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/capacity-thresholds/:id',
      summary: 'Remove a threshold: its series stop being judged by it (an alert it raised stays with the desk)',
      tag: 'Capacity',
      roles: WRITERS,
      status: 204,
      async handler({ params, deps }) {
        const row = await live(deps.db, params.id);
        await deps.db.$transaction([
          deps.db.capacityThreshold.update({ where: { id: row.id }, data: { deletedAt: new Date() } }),
          deps.db.capacityState.deleteMany({ where: { thresholdId: row.id } }),
        ]);
        return undefined;
      },
    }),
  ];
}
