import { ListQuery, listOf } from '../../domain/schemas/common';
import { AlertRecord, EventAccepted, MonitoringEventBody, type MonitoringEvent } from '../../domain/schemas/monitoring';
import { dedupKeyOf } from '../../domain/monitoring/alert';
import { alertIdOf, alertView } from '../../db/alert-store';
import type { Db } from '../../db/client';
import { readReferences } from '../../db/references';
import { z } from '../../domain/schemas/zod';
import { notFound } from '../errors';
import { listPage } from '../pagination';
import { resolveCiField } from '../refs';
import { route, type RouteDef } from '../route';
import { sendToAlert } from '../../services/monitoring-intake';
import { commandError } from '../temporal-errors';

/** Monitoring systems post events; the desk reads the alerts they became. */
const SENDERS = ['automation', 'admin'] as const;
const READERS = ['agent', 'problem_manager', 'automation', 'admin'] as const;

/** Alerts as the API shows them: the CI as id and number, one read for a whole page. */
async function presentAlerts(db: Db, views: Omit<AlertRecord, 'ciNumber'>[]): Promise<AlertRecord[]> {
  const ref = await readReferences(db, views, (a) => ({ ci: [a.ciId] }));
  return views.map((a) => ({ ...a, ciNumber: ref('ci', a.ciId) }));
}

const AlertListQuery = ListQuery.extend({ state: z.enum(['open', 'resolved']).optional() });

export function eventRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/events',
      summary: 'A monitoring event: a new alert key opens an incident on the CI, repeats add to it, `resolved` resolves it if nobody acknowledged it',
      tag: 'Monitoring',
      roles: SENDERS,
      body: MonitoringEventBody,
      response: EventAccepted,
      status: 202,
      async handler({ body, deps }) {
        const ciId = (await resolveCiField(deps.db, body.ciId, 'ciId')) ?? null;
        const dedupKey = dedupKeyOf(body);
        const alertId = alertIdOf(dedupKey);
        const event: MonitoringEvent = { dedupKey, source: body.source, node: body.node, check: body.check, severity: body.severity, message: body.message, ciId, receivedAt: Date.now() };
        try {
          // Answered once the event is in the alert's history: 202 means it will be acted on.
          await sendToAlert(deps, alertId, event);
        } catch (e) {
          throw commandError(e, `alert ${dedupKey}`);
        }
        return { dedupKey, alertId };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/alerts',
      summary: 'Monitoring alerts (in a stable order, by id), each with its event count and the incident it opened; ?state=open for the live ones',
      tag: 'Monitoring',
      roles: READERS,
      query: AlertListQuery,
      response: listOf(AlertRecord),
      async handler({ query, deps }) {
        const page = await listPage(query, query.state ? { state: query.state } : {}, (args) => deps.db.monitoringAlert.findMany(args), alertView);
        return { ...page, items: await presentAlerts(deps.db, page.items) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/alerts/:id',
      summary: 'One monitoring alert',
      tag: 'Monitoring',
      roles: READERS,
      response: AlertRecord,
      async handler({ params, deps }) {
        const row = await deps.db.monitoringAlert.findUnique({ where: { id: params.id } });
        if (!row) throw notFound(`alert ${params.id}`);
        return (await presentAlerts(deps.db, [alertView(row)]))[0];
      },
    }),
  ];
}
