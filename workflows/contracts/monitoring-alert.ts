/** Monitoring alerts' contract: workflow type, ids, signal and input, for the API and the worker. */
import { defineSignal } from '@temporalio/workflow';
import type { MonitoringEvent } from '../../domain/schemas/monitoring';
import type { IncidentWorkflowConfig } from './incident';

export const MONITORING_ALERT_WORKFLOW = 'monitoringAlertWorkflow';
/**
 * One workflow per alert key, its id the alert's id (db/alert-store.ts: a digest of the key, since
 * keys are free text of any length), so Temporal itself serialises a burst of events for one key:
 * signal-with-start either starts the alert or queues the event on the running one.
 */
/** Events for the alert, in arrival order: the API sends each key's concurrent events as one signal (infra/keyed-batcher.ts). */
export const monitoringEventsSignal = defineSignal<[MonitoringEvent[]]>('monitoringEvents');

export interface AlertIncident {
  id: string;
  number: string;
}

/** What an alert remembers across continue-as-new and across its runs (also stored in MonitoringAlert). */
export interface AlertState {
  incident: AlertIncident | null;
  count: number;
  ignored: number;
  /** When the open incident's first event arrived. */
  openedAt: number | null;
}

export interface MonitoringAlertConfig {
  incident: IncidentWorkflowConfig;
  /** Without events this long, an alert with an open incident checks that the incident is still open; one without ends. */
  idleMs: number;
  /** Repeats are noted on the incident at most this often: a noisy check is a few notes, each with the count so far. */
  noteIntervalMs: number;
  /** Batches handled before continue-as-new (a noisy check never grows one history without bound). */
  batchesPerRun: number;
}

export interface MonitoringAlertInput {
  alertId: string;
  dedupKey: string;
  config: MonitoringAlertConfig;
  /** Carried over by continue-as-new. */
  state?: AlertState;
  pending?: MonitoringEvent[];
  /** Repeats counted but not yet noted on the incident. */
  unnoted?: MonitoringEvent[];
}
