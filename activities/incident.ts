import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { incidentLinkedSignal, problemWorkflowId } from '../workflows/contracts/problem';
import type { RecordConfig } from '../workflows/contracts/record';
import { openProblem } from '../temporal/open-problem';
import type { ActivityDeps } from './deps';
import { slaPolicyOf } from '../db/columns';
import type { SlaPolicy } from '../domain/sla/policy';
import { incidentLookups } from '../services/incident-lookups';

export { BUILT_IN_SLA, type GroupInfo, type KnownErrorMatches } from '../services/incident-lookups';

export function createIncidentActivities(deps: ActivityDeps) {
  return {
    // The lookups every new incident and every assignment makes (services/incident-lookups.ts),
    // read on the driver; it is opened when a lookup first runs.
    ...incidentLookups(deps.db),

    /**
     * An incident's own SLA as it stands now (its latest version), for a re-prioritisation: the
     * incident moves to the current terms then and only then. Retired agreements included: the
     * incidents that have one keep it. Unknown (the built-in default): null.
     */
    async loadSlaPolicyById(input: { slaId: string }): Promise<SlaPolicy | null> {
      const sla = await deps.db.sla.findUnique({ where: { id: input.slaId } });
      return sla ? slaPolicyOf(sla) : null;
    },

    /** Tells a problem that this incident linked itself to it; a problem that has ended is left alone. */
    async tellProblemOfIncident(input: { problemNumber: string; incidentId: string; actor: string; recurrence: boolean }): Promise<void> {
      try {
        await deps.temporal.workflow.getHandle(problemWorkflowId(input.problemNumber)).signal(incidentLinkedSignal, { incidentId: input.incidentId, actor: input.actor, recurrence: input.recurrence });
      } catch (e) {
        if (!(e instanceof WorkflowNotFoundError)) throw e;
      }
    },

    /**
     * Opens the problem a major incident calls for, linking the incident. Keyed by the incident
     * (the problem's trend key), so a retried activity finds the problem it opened.
     */
    async raiseProblemForMajorIncident(input: { incidentId: string; actor: string; observationMs: number; config: RecordConfig }): Promise<{ number: string }> {
      const trendKey = `major:${input.incidentId}`;
      const existing = await deps.db.problem.findFirst({ where: { trendKey }, select: { number: true } });
      if (existing) return existing;
      const inc = await deps.db.incident.findUniqueOrThrow({ where: { id: input.incidentId } });
      const view = await openProblem({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, config: input.config }, input.actor, {
        // A security incident's title is the security group's to read, not every problem manager's.
        title: (inc.type === 'security' ? `Major incident review: security incident ${inc.number}` : `Major incident review: ${inc.title}`).slice(0, 300),
        description: `Raised when P1 incident ${inc.number} was resolved without a linked problem.`,
        ...(inc.serviceId ? { serviceId: inc.serviceId } : {}),
        ...(inc.ciId ? { ciId: inc.ciId } : {}),
        ...(inc.category ? { category: inc.category } : {}),
        incidentIds: [inc.id],
        observationMs: input.observationMs,
        trendKey,
      }).catch((e: unknown) => {
        // The problem's create Update refused this problem: the same one would be refused again.
        if (e instanceof WorkflowUpdateFailedError) throw ApplicationFailure.nonRetryable(`the review problem of ${inc.number} was refused: ${e.cause?.message ?? e.message}`, 'ProblemRefused');
        throw e;
      });
      return { number: view.number };
    },
  };
}

export function assertExists<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw ApplicationFailure.nonRetryable(`${what} not found`, 'NotFound');
  return value;
}
export type IncidentActivities = ReturnType<typeof createIncidentActivities>;
