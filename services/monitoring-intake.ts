/**
 * Monitoring events into their alert workflows: one workflow per key, so a burst for one key
 * is queued on one alert and opens one incident. Each key's events that arrive together go in
 * one signal-with-start (a burst of ten thousand events is a few hundred signals, not ten
 * thousand). Used by `POST /api/v1/events` and by capacity thresholds at metric ingest, so a
 * sustained capacity breach and a monitoring event of the same thing share one alert.
 */
import type { Client } from '@temporalio/client';
import type { Env } from '../config/env';
import { parseIsoDuration } from '../domain/duration';
import type { MonitoringEvent } from '../domain/schemas/monitoring';
import { KeyedBatcher } from '../infra/keyed-batcher';
import { incidentConfigFromEnv, type IncidentConfigEnv } from '../temporal/open-incident';
import { MONITORING_ALERT_WORKFLOW, monitoringEventsSignal, type MonitoringAlertInput } from '../workflows/contracts/monitoring-alert';
import * as SA from '../workflows/contracts/search-attributes';

export interface IntakeDeps {
  temporal: Client;
  env: IncidentConfigEnv & Pick<Env, 'TEMPORAL_TASK_QUEUE'> & Partial<Pick<Env, 'MONITORING_NOTE_INTERVAL'>>;
  searchAttributes?: boolean;
}

function alertInput(deps: IntakeDeps, alertId: string, dedupKey: string): MonitoringAlertInput {
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

/** One inbox per deps object (one per API). */
const inboxes = new WeakMap<IntakeDeps, KeyedBatcher<MonitoringEvent>>();

/** Resolves once the event is in its alert's history: from then on it will be acted on. */
export function sendToAlert(deps: IntakeDeps, alertId: string, event: MonitoringEvent): Promise<void> {
  let inbox = inboxes.get(deps);
  if (!inbox) {
    inbox = new KeyedBatcher<MonitoringEvent>(async (id, events) => {
      const dedupKey = events[0].dedupKey;
      await deps.temporal.workflow.signalWithStart(MONITORING_ALERT_WORKFLOW, {
        workflowId: id,
        taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
        args: [alertInput(deps, id, dedupKey)],
        signal: monitoringEventsSignal,
        signalArgs: [events],
        staticSummary: `alert ${dedupKey}`.slice(0, 200),
        ...(deps.searchAttributes === false ? {} : { typedSearchAttributes: [{ key: SA.RecordType, value: 'alert' }] }),
      });
    });
    inboxes.set(deps, inbox);
  }
  return inbox.add(alertId, event);
}
