import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { incidentBodyOf, highestCriticality, recoveredNote, resolvableByMonitoring } from '../domain/monitoring/alert';
import type { MonitoringEvent } from '../domain/schemas/monitoring';
import { isTerminal, type IncidentState } from '../domain/incident/state-machine';
import { saveAlert, type AlertRow } from '../db/alert-store';
import { impactOfClasses } from '../db/impact';
import { onIncidentWorkflow } from '../temporal/incident-commands';
import { openIncident, reserveIncident, type IncidentReservation } from '../temporal/open-incident';
import { incidentCommandUpdates, type IncidentWorkflowConfig } from '../workflows/contracts/incident';
import type { AlertIncident, AlertState } from '../workflows/contracts/monitoring-alert';
import type { ActivityDeps } from './deps';

/** How far a CI's dependants are followed to find the business services it supports. */
const SERVICE_DEPTH = 6;
const ACTOR = 'monitoring';
/** An incident the alert's events still belong to: not resolved, closed or cancelled. */
const isOpen = (state: string) => state !== 'resolved' && !isTerminal(state as IncidentState);

export function createMonitoringActivities(deps: ActivityDeps) {
  const { db } = deps;

  /** The service an incident on this CI is about, and how critical the most critical one it supports is. */
  async function servicesOf(ciId: string | null): Promise<{ serviceId: string | null; serviceCriticality: string | null }> {
    if (!ciId) return { serviceId: null, serviceCriticality: null };
    const self = await db.configurationItem.findUnique({ where: { id: ciId }, select: { id: true, class: true, attributes: true } });
    if (!self) return { serviceId: null, serviceCriticality: null };
    const reached = self.class === 'service' ? [] : await impactOfClasses(db, ciId, { depth: SERVICE_DEPTH, direction: 'downstream' }, ['service']);
    const services = self.class === 'service' ? [self] : await db.configurationItem.findMany({ where: { id: { in: reached.map((r) => r.id) } }, select: { id: true, class: true, attributes: true } });
    const criticalityOf = (attributes: string) => {
      const parsed = JSON.parse(attributes) as { criticality?: unknown } | null;
      return typeof parsed?.criticality === 'string' ? parsed.criticality : null;
    };
    const criticalities = services.map((s) => criticalityOf(s.attributes));
    const best = highestCriticality(criticalities);
    // The nearest service names the incident (impact rows come nearest first).
    const nearest = self.class === 'service' ? self.id : (reached[0]?.id ?? null);
    return { serviceId: nearest, serviceCriticality: best };
  }

  return {
    /** What an alert's earlier runs left: the incident still open for its key, and its counts. */
    async loadAlert(input: { alertId: string }): Promise<AlertState> {
      const row = await db.monitoringAlert.findUnique({ where: { id: input.alertId } });
      const none: AlertState = { incident: null, count: 0, ignored: row?.ignored ?? 0, openedAt: null };
      if (!row || !row.incidentId || row.state !== 'open') return none;
      const incident = await db.incident.findUnique({ where: { id: row.incidentId }, select: { id: true, number: true, state: true } });
      if (!incident || !isOpen(incident.state)) return none;
      return { incident: { id: incident.id, number: incident.number }, count: row.count, ignored: row.ignored, openedAt: row.firstAt.getTime() };
    },

    /** Whether the alert's incident is still open (agents resolve and close without telling the alert). */
    async alertIncidentOpen(input: { incident: AlertIncident }): Promise<boolean> {
      const row = await db.incident.findUnique({ where: { id: input.incident.id }, select: { state: true } });
      return !!row && isOpen(row.state);
    },

    /** An incident's identity, allocated in its own step so that a retried opening reuses it. */
    async reserveAlertIncident(): Promise<IncidentReservation> {
      return reserveIncident(db);
    },

    /**
     * Opens the incident for the alert's first event; a retry attaches to the incident it
     * opened. Null when that reservation's workflow has closed without the incident (a void
     * reservation): the alert reserves anew.
     */
    async openAlertIncident(input: { reservation: IncidentReservation; event: MonitoringEvent; config: IncidentWorkflowConfig }): Promise<AlertIncident | null> {
      const body = incidentBodyOf(input.event, await servicesOf(input.event.ciId));
      try {
        const view = await openIncident({ db, temporal: deps.temporal, taskQueue: deps.taskQueue, config: input.config }, input.reservation, ACTOR, body, { reuseRunning: true });
        return { id: view.id, number: view.number };
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
        const row = await db.incident.findUnique({ where: { id: input.reservation.id }, select: { id: true, number: true } });
        return row ? { id: row.id, number: row.number } : null;
      }
    },

    /** A note on the alert's incident; false when it is no longer open (resolved, closed, cancelled) and took none. */
    async noteAlertIncident(input: { incident: AlertIncident; text: string }): Promise<boolean> {
      const row = await db.incident.findUnique({ where: { id: input.incident.id }, select: { state: true, workflowId: true } });
      if (!row || !isOpen(row.state)) return false;
      const outcome = await onIncidentWorkflow(deps, row.workflowId, (h) => h.executeUpdate(incidentCommandUpdates.notes, { args: [{ actor: ACTOR, body: { text: input.text } }] }));
      return outcome === 'applied';
    },

    /**
     * The check recovered: resolves the incident if nobody has taken it on yet, else notes the
     * recovery for its assignee. `open: false` when the alert has no open incident any more.
     */
    async recoverAlertIncident(input: { incident: AlertIncident; event: MonitoringEvent }): Promise<{ open: boolean }> {
      const row = await db.incident.findUnique({ where: { id: input.incident.id }, select: { state: true, workflowId: true } });
      if (!row || !isOpen(row.state)) return { open: false };
      if (resolvableByMonitoring(row.state)) {
        const body = { code: 'resolved_by_monitoring', notes: recoveredNote(input.event, true) };
        const outcome = await onIncidentWorkflow(deps, row.workflowId, (h) => h.executeUpdate(incidentCommandUpdates.resolve, { args: [{ actor: ACTOR, body }] }));
        // Refused: someone acknowledged it in the meantime; it stays theirs, with the recovery noted.
        if (outcome !== 'refused') return { open: false };
      }
      const noted = await onIncidentWorkflow(deps, row.workflowId, (h) => h.executeUpdate(incidentCommandUpdates.notes, { args: [{ actor: ACTOR, body: { text: recoveredNote(input.event, false) } }] }));
      return { open: noted === 'applied' };
    },

    async saveAlert(input: AlertRow): Promise<void> {
      await saveAlert(db, input);
    },
  };
}
export type MonitoringActivities = ReturnType<typeof createMonitoringActivities>;
