import { overdueEventKey, testDueAt } from '../domain/continuity/lifecycle';
import { planClock, plansByLapse, startRefusal } from '../db/continuity-store';
import { openPlanRun } from '../temporal/open-continuity-run';
import type { ContinuityScheduledTestInput } from '../workflows/contracts/continuity-run';
import { onIncidentWorkflow } from '../temporal/incident-commands';
import { incidentCommandUpdates } from '../workflows/contracts/incident';
import { toJson } from '../db/json';
import { isUniqueViolation } from '../db/people-store';
import { dispatchEvents } from '../temporal/outbox-relay';
import type { ContinuityCheckResult } from '../workflows/contracts/continuity-check';
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
    /**
     * The major incident's side of an invocation's link: a work note naming the run. An incident
     * ended meanwhile, or whose state refuses notes, is left as it is (the run holds the link).
     */
    async noteContinuityOnIncident(input: { incidentId: string; text: string }): Promise<string> {
      const incident = await deps.db.incident.findUnique({ where: { id: input.incidentId }, select: { workflowId: true } });
      if (!incident) return 'ended';
      return onIncidentWorkflow(deps, incident.workflowId, (h) => h.executeUpdate(incidentCommandUpdates.notes, { args: [{ actor: 'system', body: { text: input.text, visibility: 'internal' } }] }));
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
    /**
     * Opens a DR test from the plan as it is now: none for a plan retired or unscheduled since,
     * or while a test runs (also what a retry finds after an attempt that opened one).
     */
    async startScheduledContinuityTest(input: ContinuityScheduledTestInput): Promise<string | null> {
      const p = await deps.db.continuityPlan.findUnique({ where: { id: input.planId } });
      if (!p || !p.testCron || (await startRefusal(deps.db, p, 'test'))) return null;
      const run = await openPlanRun({ db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, config: input.config }, 'system', p, 'test', null);
      return run.number;
    },
    /**
     * The daily check: each live plan lapsed at `at` gets one continuity.plan.test_overdue event
     * per lapse, its id the lapse's key (lifecycle.ts), so a rerun or retry raises nothing twice;
     * every lapsed plan's event is handed on again, for an attempt that died before relaying it.
     */
    async raiseContinuityTestsOverdue(input: { at: number }): Promise<ContinuityCheckResult> {
      const plans = await plansByLapse(deps.db, { retiredAt: null }, true, input.at, undefined, Number.POSITIVE_INFINITY);
      const raised: string[] = [];
      const ids: string[] = [];
      for (const p of plans) {
        const clock = planClock(p);
        const id = overdueEventKey(clock, input.at)!;
        ids.push(id);
        const data = {
          planId: p.id, planNumber: p.number, name: p.name, serviceId: p.serviceId, ownerGroup: p.ownerGroup, testIntervalDays: p.testIntervalDays,
          testDueAt: new Date(testDueAt(clock)).toISOString(), lastTestedAt: p.lastTestedAt?.toISOString() ?? null, lastTestResult: p.lastTestResult,
        };
        try {
          await deps.db.outboxEvent.create({ data: { id, type: 'continuity.plan.test_overdue', recordType: 'continuity_plan', recordId: p.id, occurredAt: new Date(input.at), data: toJson(data) } });
          raised.push(p.number);
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
        }
      }
      await dispatchEvents(deps, ids);
      if (raised.length) deps.log.info('continuity plans not tested within their interval', { raised });
      return { raised };
    },
  };
}
export type ContinuityActivities = ReturnType<typeof createContinuityActivities>;
