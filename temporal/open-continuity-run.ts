import type { ContinuityPlan } from '../generated/prisma-sqlite/client';
import type { ContinuityRunRecord } from '../domain/schemas/continuity';
import { planSteps } from '../db/continuity-store';
import { CONTINUITY_RUN_WORKFLOW, continuityRunWorkflowId, createContinuityRunUpdate, type CreateContinuityRunInput } from '../workflows/contracts/continuity-run';
import { openRecord, type OpenRecordDeps } from './open-record';

/** Starting a DR test or an invocation of a plan: its workflow tracks the steps and their deadlines from now. */
export const openContinuityRun = (deps: OpenRecordDeps, actor: string, body: CreateContinuityRunInput['body']): Promise<ContinuityRunRecord> =>
  openRecord(deps, {
    recordType: 'continuity_run',
    workflowType: CONTINUITY_RUN_WORKFLOW,
    workflowId: continuityRunWorkflowId,
    idPrefix: 'drt',
    create: createContinuityRunUpdate,
    input: { actor, body } satisfies CreateContinuityRunInput,
    summary: (n) => `${n}: ${body.kind === 'test' ? 'DR test' : 'invocation'} of ${body.plan.number} ${body.plan.name}`,
    details: (n) =>
      `**${n}** ${body.kind === 'test' ? 'DR test' : 'invocation'} of ${body.plan.number} (${body.plan.name}) for ${body.service.number} ${body.service.name}: ` +
      `${body.plan.steps.length} step(s), RTO ${body.plan.rtoMinutes} min${body.incident ? `, incident ${body.incident.number}` : ''}, started by ${actor}`,
  });

/** A run of a plan with its steps as they are now, on its service (the caller checked `startRefusal`). */
export async function openPlanRun(deps: OpenRecordDeps, actor: string, p: ContinuityPlan, kind: 'test' | 'invocation', incident: { id: string; number: string } | null): Promise<ContinuityRunRecord> {
  const service = await deps.db.configurationItem.findUniqueOrThrow({ where: { id: p.serviceId }, select: { id: true, number: true, name: true } });
  return openContinuityRun(deps, actor, {
    kind, incident, service,
    plan: { id: p.id, number: p.number, name: p.name, rtoMinutes: p.rtoMinutes, ownerGroup: p.ownerGroup, steps: planSteps(p) },
  });
}
