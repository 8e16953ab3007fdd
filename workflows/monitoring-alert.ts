import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MonitoringActivities } from '../activities/monitoring';
import { repeatNote, stepsOf } from '../domain/monitoring/alert';
import type { MonitoringEvent } from '../domain/schemas/monitoring';
import type { AlertRow } from '../db/alert-store';
import { monitoringEventSignal, type AlertState, type MonitoringAlertInput } from './contracts/monitoring';

/** Database and engine calls: retried without limit (an outage passes), each bounded in time. */
const acts = proxyActivities<MonitoringActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * One monitoring alert: every event with one dedup key, in arrival order. The first problem
 * event opens an incident on the CI; repeats while it is open add one note per batch (a burst
 * of a thousand events is a handful of notes, not a thousand); a recovery resolves the incident
 * if nobody has acknowledged it, else notes it. Once the incident has ended and nothing is
 * pending the run ends; the next event for the key starts a new one.
 */
export async function monitoringAlertWorkflow(input: MonitoringAlertInput): Promise<void> {
  const pending: MonitoringEvent[] = [...(input.pending ?? [])];
  setHandler(monitoringEventSignal, (e) => {
    pending.push(e);
  });

  let state: AlertState = input.state ?? (await acts.loadAlert({ alertId: input.alertId }));
  let last: MonitoringEvent | null = null;

  for (let batches = 0; ; batches++) {
    if (batches >= input.config.batchesPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof monitoringAlertWorkflow>({ ...input, state, pending: pending.splice(0) });
    }
    if (!(await condition(() => pending.length > 0, input.config.idleMs))) {
      if (!state.incident) return;
      // Quiet for long: is the incident still open? (Agents resolve and close without telling the alert.)
      if (await acts.alertIncidentOpen({ incident: state.incident })) continue;
      state = { ...state, incident: null, count: 0, openedAt: null };
      if (last) await save(last, state);
      return;
    }
    const batch = pending.splice(0);
    for (const step of stepsOf(batch)) state = await apply(step, state);
    last = batch[batch.length - 1];
    await save(last, state);
    if (!state.incident && pending.length === 0) return;
  }

  async function apply(step: ReturnType<typeof stepsOf>[number], s: AlertState): Promise<AlertState> {
    if (step.kind === 'recovered') {
      if (!s.incident) return { ...s, ignored: s.ignored + 1 };
      const { open } = await acts.recoverAlertIncident({ incident: s.incident, event: step.event });
      return open ? { ...s, count: s.count + 1 } : { ...s, incident: null, count: 0, openedAt: null };
    }
    let repeats = step.events;
    if (s.incident) {
      if (await acts.noteAlertIncident({ incident: s.incident, text: repeatNote(repeats, s.count + repeats.length) })) return { ...s, count: s.count + repeats.length };
      // Its incident was resolved or closed by someone: this is a new occurrence.
      s = { ...s, incident: null, count: 0, openedAt: null };
    }
    const [first, ...rest] = repeats;
    s = { ...s, incident: await openIncidentFor(first), count: 1, openedAt: first.receivedAt };
    repeats = rest;
    if (repeats.length && s.incident && (await acts.noteAlertIncident({ incident: s.incident, text: repeatNote(repeats, 1 + repeats.length) }))) s = { ...s, count: 1 + repeats.length };
    return s;
  }

  async function openIncidentFor(event: MonitoringEvent) {
    for (;;) {
      const reservation = await acts.reserveAlertIncident();
      const opened = await acts.openAlertIncident({ reservation, event, config: input.config.incident });
      if (opened) return opened;
    }
  }

  async function save(e: MonitoringEvent, s: AlertState) {
    const row: AlertRow = {
      id: input.alertId,
      dedupKey: input.dedupKey,
      source: e.source,
      node: e.node,
      check: e.check,
      ciId: e.ciId,
      state: s.incident ? 'open' : 'resolved',
      severity: e.severity,
      lastMessage: e.message,
      count: s.count,
      ignored: s.ignored,
      incidentId: s.incident?.id ?? null,
      incidentNumber: s.incident?.number ?? null,
      firstAt: s.openedAt ?? e.receivedAt,
      lastAt: e.receivedAt,
    };
    await acts.saveAlert(row);
  }
}
