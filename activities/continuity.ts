import { observationMsFromEnv, openProblem, reserveProblem, type ProblemReservation } from '../temporal/open-problem';
import type { RecordConfig } from '../workflows/contracts/record';
import type { ActivityDeps } from './deps';

/** What a continuity run's workflow reads and starts: the group manager when a step is escalated, the problem a failed or overrun test raises. */
export function createContinuityActivities(deps: ActivityDeps) {
  return {
    /** Read when the escalation fires, so a new manager is the one told. */
    async continuityGroupManager(input: { group: string }): Promise<string | null> {
      return (await deps.db.group.findUnique({ where: { name: input.group }, select: { managerId: true } }))?.managerId ?? null;
    },
    /** The problem's number is taken first and kept in the run's history, so a retried opening attaches to the same problem. */
    async reserveContinuityProblem(): Promise<ProblemReservation> {
      return reserveProblem(deps.db);
    },
    async raiseContinuityProblem(input: { reservation: ProblemReservation; title: string; description: string; serviceId: string; config: RecordConfig }): Promise<{ id: string; number: string }> {
      const view = await openProblem({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, config: input.config }, 'system', {
        title: input.title, description: input.description, serviceId: input.serviceId, category: 'continuity', observationMs: observationMsFromEnv({}),
      }, input.reservation);
      return { id: view.id, number: view.number };
    },
  };
}
export type ContinuityActivities = ReturnType<typeof createContinuityActivities>;
