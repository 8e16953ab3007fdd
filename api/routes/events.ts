import { ListQuery, listOf } from '../../domain/schemas/common';
import { AlertRecord, EventAccepted, MonitoringEventBody, type MonitoringEvent } from '../../domain/schemas/monitoring';
import { dedupKeyOf } from '../../domain/monitoring/alert';
import { alertIdOf, alertView } from '../../db/alert-store';
import type { Db } from '../../db/client';
import { readReferences } from '../../db/references';
import { parseIsoDuration } from '../../domain/duration';
import { incidentConfigFromEnv } from '../../temporal/open-incident';
import { MONITORING_ALERT_WORKFLOW, monitoringEventsSignal, type MonitoringAlertInput } from '../../workflows/contracts/monitoring-alert';
import * as SA from '../../workflows/contracts/search-attributes';
import { z } from '../../domain/schemas/zod';
import { notFound } from '../errors';
import { KeyedBatcher } from '../keyed-batcher';
import { listPage } from '../pagination';
import { resolveCiField } from '../refs';
import { route, type ApiDeps, type RouteDef } from '../route';
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

function alertInput(deps: ApiDeps, alertId: string, dedupKey: string): MonitoringAlertInput {
  return {
    alertId,
    dedupKey,
    config: {
      incident: incidentConfigFromEnv(deps.env, deps.searchAttributes !== false),
      idleMs: parseIsoDuration('P1D'),
      noteIntervalMs: parseIsoDuration(deps.env.MONITORING_NOTE_INTERVAL ?? 'PT1M'),
      batchesPerRun: 500,
    },
  };
}

/**
 * One workflow per key: Temporal queues a burst for one key on one alert, so it opens one
 * incident. Each key's events that arrive together go in one signal-with-start (a burst of
 * ten thousand events is a few hundred signals, not ten thousand). One inbox per API.
 */
const inboxes = new WeakMap<ApiDeps, KeyedBatcher<MonitoringEvent>>();
function inboxOf(deps: ApiDeps): KeyedBatcher<MonitoringEvent> {
  let inbox = inboxes.get(deps);
  if (!inbox) {
    inbox = new KeyedBatcher<MonitoringEvent>(async (alertId, events) => {
      const dedupKey = events[0].dedupKey;
      await deps.temporal.workflow.signalWithStart(MONITORING_ALERT_WORKFLOW, {
        workflowId: alertId,
        taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
        args: [alertInput(deps, alertId, dedupKey)],
        signal: monitoringEventsSignal,
        signalArgs: [events],
        staticSummary: `alert ${dedupKey}`.slice(0, 200),
        ...(deps.searchAttributes === false ? {} : { typedSearchAttributes: [{ key: SA.RecordType, value: 'alert' }] }),
      });
    });
    inboxes.set(deps, inbox);
  }
  return inbox;
}

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
          await inboxOf(deps).add(alertId, event);
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
