import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MonitoringActivities } from '../activities/monitoring';
import { repeatNote, stepsOf } from '../domain/monitoring/alert';
import type { MonitoringEvent } from '../domain/schemas/monitoring';
import type { AlertRow } from '../db/alert-store';
import { monitoringEventsSignal, type AlertState, type MonitoringAlertInput } from './contracts/monitoring-alert';

/** Database and engine calls: retried without limit (an outage passes), each bounded in time. */
const acts = proxyActivities<MonitoringActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

const SAVE_INTERVAL_MS = 1000;

/**
 * One monitoring alert: every event with one dedup key, in arrival order. The first problem
 * event opens an incident on the CI; repeats while it is open are counted at once and noted on
 * the incident at most once per note interval (a burst of a thousand events is a note or two,
 * each with the count so far, not a thousand); a recovery notes what is pending, then resolves
 * the incident if nobody has acknowledged it, else notes the recovery. Once the incident has
 * ended and nothing is pending the run ends; the next event for the key starts a new one.
 */
export async function monitoringAlertWorkflow(input: MonitoringAlertInput): Promise<void> {
  const { config } = input;
  const pending: MonitoringEvent[] = [...(input.pending ?? [])];
  setHandler(monitoringEventsSignal, (events) => {
    pending.push(...events);
  });

  let state: AlertState = input.state ?? (await acts.loadAlert({ alertId: input.alertId }));
  /** Repeats counted on the alert but not yet noted on the incident. */
  let unnoted: MonitoringEvent[] = [...(input.unnoted ?? [])];
  let nextNoteAt = 0;
  let last: MonitoringEvent | null = null;
  /** The alert row lags the workflow by at most SAVE_INTERVAL_MS (one write per second, not one per event). */
  let dirty = false;
  let nextSaveAt = 0;

  for (let batches = 0; ; batches++) {
    if (batches >= config.batchesPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await saveIfDirty(true);
      return continueAsNew<typeof monitoringAlertWorkflow>({ ...input, state, pending: pending.splice(0), unnoted });
    }
    const due = [...(unnoted.length > 0 ? [nextNoteAt] : []), ...(dirty ? [nextSaveAt] : [])];
    // At least 1 ms: a zero timeout would not be a timer.
    const wait = due.length > 0 ? Math.max(1, Math.min(...due) - Date.now()) : config.idleMs;
    if (!(await condition(() => pending.length > 0, wait))) {
      if (due.length > 0) {
        if (unnoted.length > 0 && Date.now() >= nextNoteAt) {
          const before = state.incident?.id;
          await noteRepeats();
          // Noting may have found the incident resolved and opened the next one: the alert shows it at once.
          await saveIfDirty(state.incident?.id !== before);
        }
        await saveIfDirty(false);
        continue;
      }
      if (!state.incident) return;
      // Quiet for long: is the incident still open? (Agents resolve and close without telling the alert.)
      if (await acts.alertIncidentOpen({ incident: state.incident })) continue;
      state = { ...state, incident: null, count: 0, openedAt: null };
      dirty = true;
      await saveIfDirty(true);
      return;
    }
    const batch = pending.splice(0);
    const before = state.incident?.id;
    for (const step of stepsOf(batch)) await apply(step);
    if (unnoted.length > 0 && Date.now() >= nextNoteAt) await noteRepeats();
    last = batch[batch.length - 1];
    dirty = true;
    // An incident opened or ended is shown at once; counts may wait for the next write.
    await saveIfDirty(state.incident?.id !== before);
    if (!state.incident && pending.length === 0) {
      await saveIfDirty(true);
      return;
    }
  }

  async function saveIfDirty(now: boolean): Promise<void> {
    if (!dirty || !last || (!now && Date.now() < nextSaveAt)) return;
    dirty = false;
    nextSaveAt = Date.now() + SAVE_INTERVAL_MS;
    await save(last);
  }

  async function apply(step: ReturnType<typeof stepsOf>[number]): Promise<void> {
    if (step.kind === 'recovered') {
      if (!state.incident) {
        state = { ...state, ignored: state.ignored + 1 };
        return;
      }
      await noteRepeats();
      const { open } = await acts.recoverAlertIncident({ incident: state.incident, event: step.event });
      state = open ? { ...state, count: state.count + 1 } : { ...state, incident: null, count: 0, openedAt: null };
      return;
    }
    let events = step.events;
    if (!state.incident) {
      const [first, ...rest] = events;
      state = { ...state, incident: await openIncidentFor(first), count: 1, openedAt: first.receivedAt };
      // The next repeats are noted after an interval: the incident's description already says it all.
      nextNoteAt = Date.now() + config.noteIntervalMs;
      events = rest;
    }
    unnoted.push(...events);
    state = { ...state, count: state.count + events.length };
  }

  /** Notes the counted repeats; if the incident no longer takes notes (someone resolved it), they open a new one. */
  async function noteRepeats(): Promise<void> {
    if (unnoted.length === 0 || !state.incident) return;
    const repeats = unnoted;
    unnoted = [];
    nextNoteAt = Date.now() + config.noteIntervalMs;
    if (await acts.noteAlertIncident({ incident: state.incident, text: repeatNote(repeats, state.count) })) return;
    state = { ...state, incident: null, count: 0, openedAt: null };
    await apply({ kind: 'problem', events: repeats });
  }

  async function openIncidentFor(event: MonitoringEvent) {
    for (;;) {
      const reservation = await acts.reserveAlertIncident();
      const opened = await acts.openAlertIncident({ reservation, event, config: config.incident });
      if (opened) return opened;
    }
  }

  async function save(e: MonitoringEvent): Promise<void> {
    const row: AlertRow = {
      id: input.alertId,
      dedupKey: input.dedupKey,
      source: e.source,
      node: e.node,
      check: e.check,
      ciId: e.ciId,
      state: state.incident ? 'open' : 'resolved',
      severity: e.severity,
      lastMessage: e.message,
      count: state.count,
      ignored: state.ignored,
      incidentId: state.incident?.id ?? null,
      incidentNumber: state.incident?.number ?? null,
      firstAt: state.openedAt ?? e.receivedAt,
      lastAt: e.receivedAt,
    };
    await acts.saveAlert(row);
  }
}
