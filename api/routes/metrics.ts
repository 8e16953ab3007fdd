import type { Role } from '../../domain/access';
import { MetricBatchBody, MetricsAccepted } from '../../domain/schemas/capacity';
import { cisByRef, insertMetricPoints } from '../../db/capacity-store';
import { badRequest } from '../errors';
import { route, type RouteDef } from '../route';

/** Monitoring agents send metrics, as they send events. */
const SENDERS: readonly Role[] = ['automation', 'admin'];
/** A batch naming many unknown CIs reports the first few: enough to find the fault, not a second copy of the batch. */
const MAX_REPORTED = 20;

export function metricRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/metrics',
      summary: 'A batch of metric points ({ciId, metric, at, value}, the CI by id or number), stored in one insert; a repeated point is kept once',
      tag: 'Capacity',
      roles: SENDERS,
      body: MetricBatchBody,
      response: MetricsAccepted,
      async handler({ body, deps }) {
        const cis = await cisByRef(deps.db, body.points.map((p) => p.ciId));
        const unknown = body.points.flatMap((p, i) => (cis.has(p.ciId) ? [] : [{ path: `points.${i}.ciId`, message: `no configuration item ${p.ciId}` }]));
        if (unknown.length) throw badRequest('points name configuration items that do not exist', unknown.slice(0, MAX_REPORTED));
        const stored = await insertMetricPoints(
          deps.db,
          body.points.map((p) => ({ ciId: cis.get(p.ciId)!.id, metric: p.metric, at: new Date(p.at), value: p.value })),
        );
        return { received: body.points.length, stored };
      },
    }),
  ];
}
