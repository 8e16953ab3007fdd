import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { isTerminal as isTerminalIncident, type IncidentState } from '../domain/incident/state-machine';
import type { ProblemImpact } from '../domain/problem/lifecycle';
import type { LinkedIncident } from '../domain/schemas/problem';
import { impactOfClasses } from '../db/impact';
import { incidentFromRow, incidentStore } from '../db/incident-store';
import { nextNumber } from '../db/numbers';
import { newId } from '../infra/ids';
import { onIncidentWorkflow } from '../temporal/incident-commands';
import { submitChange, type ChangeReservation } from '../temporal/open-change';
import type { ChangeWorkflowConfig, SubmitChange } from '../workflows/contracts/change';
import { incidentCommandUpdates, linkProblemUpdate } from '../workflows/contracts/incident';
import { FAILURE } from '../workflows/contracts/record';
import { problemCommandUpdates, problemWorkflowId } from '../workflows/contracts/problem';
import type { ActivityDeps } from './deps';
import { beat } from './heartbeat';
import { createTransitionActivities } from './record-transition';

/** How far a problem's impact follows dependencies to the services its CIs support. */
const IMPACT_DEPTH = 6;

export interface ProblemLink {
  problemId: string;
  problemNumber: string;
}

export function createProblemActivities(deps: ActivityDeps) {
  const { db } = deps;
  const incidentWrites = createTransitionActivities(deps, [incidentStore]);

  /** Runs an Update on an incident's workflow; false when the incident's workflow has ended (closed or cancelled). */
  const onRunningIncident = async (workflowId: string, run: (h: WorkflowHandle) => Promise<unknown>): Promise<boolean> =>
    // A command refused by the incident's state (it closed meanwhile, or it is already resolved) is not ours to force.
    (await onIncidentWorkflow(deps, workflowId, run)) !== 'ended';

  return {
    /** The incidents as a problem links them (ids already resolved by the API; unknown ones are skipped). */
    async loadProblemIncidents(input: { incidentIds: string[]; at: number }): Promise<LinkedIncident[]> {
      const rows = await db.incident.findMany({ where: { id: { in: input.incidentIds } }, select: { id: true, number: true, serviceId: true, ciId: true } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return input.incidentIds.flatMap((id) => {
        const r = byId.get(id);
        return r ? [{ id: r.id, number: r.number, serviceId: r.serviceId, ciId: r.ciId, linkedAt: input.at }] : [];
      });
    },

    /** The union of the services and CIs, with every service the CIs support found through the CMDB. */
    async problemImpact(input: { serviceIds: string[]; ciIds: string[] }): Promise<ProblemImpact> {
      const ciIds = [...new Set(input.ciIds)];
      const cis = await db.configurationItem.findMany({ where: { id: { in: ciIds } }, select: { id: true, number: true, name: true } });
      const services = new Map<string, { id: string; number: string; name: string }>();
      const direct = await db.configurationItem.findMany({ where: { id: { in: [...new Set(input.serviceIds)] } }, select: { id: true, number: true, name: true } });
      for (const s of direct) services.set(s.id, s);
      for (const id of ciIds) {
        for (const row of await impactOfClasses(db, id, { depth: IMPACT_DEPTH, direction: 'downstream' }, ['service'])) services.set(row.id, { id: row.id, number: row.number, name: row.name });
      }
      const byNumber = (a: { number: string }, b: { number: string }) => a.number.localeCompare(b.number);
      return { services: [...services.values()].sort(byNumber), cis: cis.sort(byNumber) };
    },

    /**
     * Records the link on each incident's own audit trail: through its workflow while it
     * runs, or as a transition written directly once it has ended (closed incidents keep
     * their history; nothing else would write them again).
     */
    async linkIncidentsToProblem(input: ProblemLink & { incidentIds: string[]; actor: string }): Promise<void> {
      for (const [i, id] of input.incidentIds.entries()) {
        beat({ linked: i });
        const row = await db.incident.findUnique({ where: { id } });
        if (!row) continue;
        if (row.problemId === input.problemId) continue;
        const body = { problemId: input.problemId, problemNumber: input.problemNumber };
        const running = !isTerminalIncident(row.state as IncidentState) && (await onRunningIncident(row.workflowId, (h) => h.executeUpdate(linkProblemUpdate, { args: [{ actor: input.actor, body }] })));
        if (running) continue;
        const fresh = await db.incident.findUniqueOrThrow({ where: { id } });
        const s = incidentFromRow(fresh);
        await incidentWrites.recordTransition({
          recordType: 'incident',
          recordId: id,
          seq: fresh.version + 1,
          at: Date.now(),
          actor: input.actor,
          action: 'problem_linked',
          from: s.state,
          to: s.state,
          data: { ...body, previousProblemId: s.problemId },
          snapshot: { ...s, ...body, updatedAt: Date.now() },
          events: [],
          notifications: [],
        });
      }
    },

    /** A note on every open linked incident (one audit event each). Returns how many were written. */
    async noteIncidents(input: { incidentIds: string[]; text: string; actor: string }): Promise<number> {
      let written = 0;
      const rows = await db.incident.findMany({ where: { id: { in: input.incidentIds } }, select: { id: true, state: true, workflowId: true } });
      for (const r of rows) {
        beat({ noted: written });
        if (isTerminalIncident(r.state as IncidentState)) continue;
        if (await onRunningIncident(r.workflowId, (h) => h.executeUpdate(incidentCommandUpdates.notes, { args: [{ actor: input.actor, body: { text: input.text } }] }))) written++;
      }
      return written;
    },

    /** Resolves every linked incident still open, including those on hold. Returns how many were resolved. */
    async resolveIncidents(input: { incidentIds: string[]; notes: string; actor: string }): Promise<number> {
      let resolved = 0;
      const rows = await db.incident.findMany({ where: { id: { in: input.incidentIds }, state: { in: ['new', 'assigned', 'in_progress', 'on_hold'] } }, select: { id: true, workflowId: true } });
      for (const r of rows) {
        beat({ resolved });
        const body = { code: 'fix_applied', notes: input.notes };
        if (await onRunningIncident(r.workflowId, (h) => h.executeUpdate(incidentCommandUpdates.resolve, { args: [{ actor: input.actor, body }] }))) resolved++;
      }
      return resolved;
    },

    /** A known error's identity, allocated when the problem publishes it. */
    async allocateKnownError(): Promise<{ id: string; number: string }> {
      return { id: newId('ke'), number: await nextNumber(db, 'known_error') };
    },

    async reserveChange(): Promise<ChangeReservation> {
      return { id: newId('chg'), number: await nextNumber(db, 'change') };
    },

    /** Opens the RFC the problem asked for; a retry attaches to the change it already opened. */
    async openChangeForProblem(input: { reservation: ChangeReservation; actor: string; change: SubmitChange; config: ChangeWorkflowConfig }): Promise<{ id: string; number: string }> {
      const view = await submitChange({ db, temporal: deps.temporal, taskQueue: deps.taskQueue, config: input.config }, input.actor, input.change, { reservation: input.reservation, reuseRunning: true });
      return { id: view.id, number: view.number };
    },

    /** Hands a duplicate's incidents to the surviving problem (its own link-incidents command). */
    async moveIncidentsToProblem(input: { to: { id: string; number: string }; incidentIds: string[]; actor: string }): Promise<void> {
      if (input.incidentIds.length === 0) return;
      try {
        await deps.temporal.workflow
          .getHandle(problemWorkflowId(input.to.number))
          .executeUpdate(problemCommandUpdates['link-incidents'], { args: [{ actor: input.actor, body: { incidentIds: input.incidentIds } }] });
      } catch (e) {
        // The survivor closed meanwhile: retrying cannot help, the duplicate stays open.
        if (e instanceof WorkflowNotFoundError) throw ApplicationFailure.nonRetryable(`${input.to.number} is no longer open`, FAILURE.invalidTransition);
        if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) throw ApplicationFailure.nonRetryable(`${input.to.number}: ${e.cause.message}`, FAILURE.invalidTransition);
        throw e;
      }
    },
  };
}
export type ProblemActivities = ReturnType<typeof createProblemActivities>;
