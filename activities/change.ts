import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import { businessTimeBetween } from '../domain/calendar';
import type { RequiredApprover } from '../domain/change/cab';
import type { ApproverRole, ChangeType } from '../domain/change/policy';
import { criticalityOf, type RiskFacts } from '../domain/change/risk';
import type { Freeze } from '../domain/change/schedule';
import type { ChangeImpact, CiUpdate } from '../domain/change/snapshot';
import { INCIDENT_STATES, isTerminal as isTerminalIncident } from '../domain/incident/state-machine';
import { CiNotFoundError, CiValidationError, patchCiTx } from '../db/ci-store';
import { walkImpact, type Reached } from '../db/impact';
import { changeOutcomeSignal, problemWorkflowId, type ChangeOutcome } from '../workflows/contracts/problem';
import type { ActivityDeps } from './deps';
import { ciAttributesOf, ownerGroupOf, slaCalendarOf } from '../db/columns';

const DAY = 86_400_000;
/** How deep the assessment follows dependencies: deep enough for service → app → vm → host → storage chains. */
const IMPACT_DEPTH = 6;
/** Affected CIs stored on a change (nearest first); the total is kept beside them. A core switch reaches thousands, more than a workflow payload should carry. */
export const AFFECTED_SHOWN = 500;

export interface AssessInput {
  changeId: string;
  type: ChangeType;
  ciIds: string[];
  plannedStart: number;
  plannedEnd: number;
  lookbackDays: number;
  /** Assessment time: "recent" failed changes are counted back from here. */
  at: number;
}

export interface Assessment {
  impact: ChangeImpact;
  facts: RiskFacts;
}

export function createChangeActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /** Read-only, so safe to retry: the CMDB picture of the change and its risk facts. */
    async assessChange(input: AssessInput): Promise<Assessment> {
      const cis = await db.configurationItem.findMany({ where: { id: { in: input.ciIds } }, orderBy: { number: 'asc' } });
      const reachedById = new Map<string, Reached>();
      for (const ci of cis) {
        for (const row of (await walkImpact(db, ci.id, { depth: IMPACT_DEPTH, direction: 'downstream' })).all()) {
          const seen = reachedById.get(row.id);
          if (input.ciIds.includes(row.id) || (seen && seen.distance <= row.distance)) continue;
          reachedById.set(row.id, row);
        }
      }
      const reached = [...reachedById.values()].sort((a, b) => a.distance - b.distance || a.number.localeCompare(b.number));
      const affected = reached.slice(0, AFFECTED_SHOWN).map((r) => ({ id: r.id, number: r.number, name: r.name, class: r.class, distance: r.distance, path: r.path }));
      const serviceIds = [...cis.filter((c) => c.class === 'service').map((c) => c.id), ...reached.filter((a) => a.class === 'service').map((a) => a.id)];
      const serviceRows = await db.configurationItem.findMany({ where: { id: { in: serviceIds } }, orderBy: { number: 'asc' } });
      const services = serviceRows.map((s) => {
        return { id: s.id, number: s.number, name: s.name, class: s.class, criticality: criticalityOf(ciAttributesOf(s).criticality), ownerGroup: ownerGroupOf(s) };
      });

      const since = new Date(input.at - input.lookbackDays * DAY);
      const failed = await db.change.findMany({
        where: { id: { not: input.changeId }, outcome: 'failed', updatedAt: { gte: since } },
        select: { id: true, number: true },
      });
      const touching = new Set(
        (await db.changeCi.findMany({ where: { changeId: { in: failed.map((f) => f.id) }, ciId: { in: input.ciIds } }, select: { changeId: true } })).map((r) => r.changeId),
      );
      const recentFailedChanges = failed.filter((f) => touching.has(f.id)).map((f) => f.number).sort();

      const watched = [...input.ciIds, ...reached.map((a) => a.id)];
      const incidents = await db.incident.findMany({
        where: { state: { notIn: INCIDENT_STATES.filter(isTerminalIncident) }, OR: [{ ciId: { in: watched } }, { serviceId: { in: watched } }] },
        select: { number: true },
        orderBy: { number: 'asc' },
      });

      const businessHoursOverlap: RiskFacts['businessHoursOverlap'] = [];
      for (const s of services) {
        const sla = await db.sla.findFirst({ where: { serviceId: s.id, kind: 'SLA', retiredAt: null }, orderBy: { createdAt: 'desc' } });
        if (!sla) continue;
        if (businessTimeBetween(input.plannedStart, input.plannedEnd, slaCalendarOf(sla)) > 0) businessHoursOverlap.push({ service: s.number, sla: sla.name });
      }

      return {
        impact: { cis: cis.map((c) => ({ id: c.id, number: c.number, name: c.name, class: c.class })), affected, affectedTotal: reached.length, services },
        facts: {
          type: input.type,
          services: services.map((s) => ({ number: s.number, name: s.name, criticality: s.criticality })),
          recentFailedChanges,
          openIncidents: incidents.map((i) => i.number),
          businessHoursOverlap,
        },
      };
    },

    /**
     * The change manager (the CAB group's manager, else the first change_manager user) and,
     * per the board's rule, the required approvers. Recorded on the change at CAB start.
     */
    async resolveCabApprovers(input: { cabGroup: string; include: ApproverRole[]; serviceOwnerGroups: string[] }): Promise<{ changeManager: string | null; required: RequiredApprover[] }> {
      const group = await db.group.findUnique({ where: { name: input.cabGroup } });
      const changeManager =
        group?.managerId ?? (await db.user.findFirst({ where: { role: 'change_manager' }, orderBy: { id: 'asc' }, select: { id: true } }))?.id ?? null;
      const required: RequiredApprover[] = [];
      const add = (approver: string, role: ApproverRole) => {
        if (!required.some((r) => r.approver === approver)) required.push({ approver, role });
      };
      if (input.include.includes('change_manager') && changeManager) add(changeManager, 'change_manager');
      if (input.include.includes('service_owner')) for (const g of [...new Set(input.serviceOwnerGroups)].sort()) add(`group:${g}`, 'service_owner');
      if (input.include.includes('cab_member')) {
        const members = group ? await db.groupMember.findMany({ where: { groupId: group.id }, select: { userId: true } }) : [];
        const active = await db.user.findMany({ where: { id: { in: members.map((m) => m.userId) }, active: true }, orderBy: { id: 'asc' }, select: { id: true } });
        for (const u of active) add(u.id, 'cab_member');
      }
      return { changeManager, required };
    },

    /** Freezes overlapping [start, end). */
    async findFreezes(input: { start: number; end: number }): Promise<Freeze[]> {
      const rows = await db.changeFreeze.findMany({ where: { start: { lt: new Date(input.end) }, end: { gt: new Date(input.start) } }, orderBy: { start: 'asc' } });
      return rows.map((f) => ({ id: f.id, name: f.name, reason: f.reason, start: f.start.getTime(), end: f.end.getTime() }));
    },

    /**
     * Applies a successful change's CMDB updates in one transaction, each recorded in the
     * CI's history with the change number. Idempotent: a CI that already has a version made
     * through this change is skipped. A CI that is gone or an update its class refuses fails
     * the whole set (non-retryable), and nothing is written.
     */
    async applyChangeCiUpdates(input: { changeNumber: string; actor: string; at: number; updates: CiUpdate[] }): Promise<{ ciId: string; number: string; version: number }[]> {
      try {
        return await db.$transaction(async (tx) => {
          const applied: { ciId: string; number: string; version: number }[] = [];
          for (const u of input.updates) {
            const done = await tx.ciVersion.findFirst({ where: { ciId: u.ciId, via: input.changeNumber }, orderBy: { version: 'desc' } });
            if (done) {
              const ci = await tx.configurationItem.findUniqueOrThrow({ where: { id: u.ciId }, select: { number: true } });
              applied.push({ ciId: u.ciId, number: ci.number, version: done.version });
              continue;
            }
            const row = await patchCiTx(tx, u.ciId, { ...(u.attributes ? { attributes: u.attributes } : {}), ...(u.status ? { status: u.status } : {}) }, { actor: input.actor, via: input.changeNumber, at: new Date(input.at) });
            applied.push({ ciId: row.id, number: row.number, version: row.version });
          }
          return applied;
        });
      } catch (e) {
        if (e instanceof CiValidationError) throw ApplicationFailure.nonRetryable(`the CMDB refused the update: ${e.errors.map((x) => `${x.path}: ${x.message}`).join('; ')}`, 'CmdbUpdateRejected');
        if (e instanceof CiNotFoundError) throw ApplicationFailure.nonRetryable(e.message, 'CmdbUpdateRejected');
        throw e;
      }
    },

    /** Tells the problem workflow the change's outcome; a problem without a running workflow is reported, not retried forever. */
    async signalProblem(input: { problemId: string; problemNumber?: string; changeNumber: string; outcome: ChangeOutcome['outcome']; reason?: string | null }): Promise<'signalled' | 'no_running_problem'> {
      // Changes submitted before problem management carried the reference as typed (id or number).
      const number =
        input.problemNumber ??
        (await db.problem.findFirst({ where: { OR: [{ id: input.problemId }, { number: input.problemId }] }, select: { number: true } }))?.number;
      if (!number) return 'no_running_problem';
      try {
        await deps.temporal.workflow.getHandle(problemWorkflowId(number)).signal(changeOutcomeSignal, { changeNumber: input.changeNumber, outcome: input.outcome, reason: input.reason ?? null });
        return 'signalled';
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) return 'no_running_problem';
        throw e;
      }
    },
  };
}
export type ChangeActivities = ReturnType<typeof createChangeActivities>;
