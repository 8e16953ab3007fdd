/** Continuity plans as the API shows them: row ↔ view, the recovery steps checked on read. */
import { z } from 'zod';
import type { ContinuityPlan, ContinuityRun } from '../generated/prisma-sqlite/client';
import { isOverdue, testDueAt, type PlanStep } from '../domain/continuity/lifecycle';
import { PlanStep as PlanStepSchema } from '../domain/schemas/continuity';
import { ContinuityRunSnapshotSchema, type ContinuityPlanRecord, type ContinuityRunSnapshot } from '../domain/schemas/continuity';
import type { Db, Tx } from './client';
import { parseJson, parseStored, toJson } from './json';
import { writeIfNewer, type RecordStore } from './record-store';

export const findPlan = (db: Db | Tx, ref: string) => db.continuityPlan.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });

const LastTestResult = z.enum(['passed', 'failed', 'overrun']).nullable();

/** What the lapse rules of domain/continuity/lifecycle.ts read of a plan row. */
export const planClock = (p: ContinuityPlan) => ({ id: p.id, lastTestedAt: p.lastTestedAt?.getTime() ?? null, createdAt: p.createdAt.getTime(), testIntervalDays: p.testIntervalDays });

/** The steps are the plan: a row whose steps do not parse is corrupt (CorruptRecordError), never an empty plan. */
export const planSteps = (p: ContinuityPlan): PlanStep[] => parseJson(z.array(PlanStepSchema).min(1), p.steps, { recordType: 'continuity_plan', recordId: p.id, field: 'steps' });

export function planView(p: ContinuityPlan, now: number): ContinuityPlanRecord {
  const clock = planClock(p);
  return {
    id: p.id,
    number: p.number,
    serviceId: p.serviceId,
    name: p.name,
    rtoMinutes: p.rtoMinutes,
    rpoMinutes: p.rpoMinutes,
    steps: planSteps(p),
    ownerGroup: p.ownerGroup,
    testIntervalDays: p.testIntervalDays,
    testCron: p.testCron,
    lastTestedAt: p.lastTestedAt?.toISOString() ?? null,
    lastTestResult: parseStored(LastTestResult, p.lastTestResult, { recordType: 'continuity_plan', recordId: p.id, field: 'lastTestResult' }),
    testDueAt: new Date(testDueAt(clock)).toISOString(),
    overdue: isOverdue(clock, now),
    version: p.version,
    retiredAt: p.retiredAt?.toISOString() ?? null,
    createdBy: p.createdBy,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

const SCAN = 500;

/**
 * Plans newest first matching `where`, whose lapse (a date computed from two columns and the
 * interval) is `overdue` now: read in id order in batches and filtered here, so the keyset cursor
 * stays the last id returned. There are a few plans per service, not millions.
 */
export async function plansByLapse(db: Db, where: Record<string, unknown>, overdue: boolean, now: number, after: string | undefined, take: number): Promise<ContinuityPlan[]> {
  const out: ContinuityPlan[] = [];
  for (;;) {
    const batch = await db.continuityPlan.findMany({ where: { ...where, ...(after ? { id: { lt: after } } : {}) }, orderBy: { id: 'desc' }, take: SCAN });
    for (const p of batch) if (isOverdue(planClock(p), now) === overdue && out.push(p) >= take) return out;
    if (batch.length < SCAN) return out;
    after = batch[batch.length - 1].id;
  }
}

/**
 * Continuity runs: the columns the API filters on, the steps with their evidence as JSON in
 * `detail`. A finished DR test is the plan's last test, written in the same transaction as the
 * run's transition (the newer test wins, so a replayed older one never moves it back).
 */
export const continuityRunStore: RecordStore<ContinuityRunSnapshot> = {
  recordType: 'continuity_run',
  async write(tx: Tx, s: ContinuityRunSnapshot, seq: number, replace = false) {
    await writeIfNewer(tx.continuityRun, s.id, seq, {
      number: s.number,
      workflowId: s.workflowId,
      planId: s.planId,
      serviceId: s.serviceId,
      kind: s.kind,
      state: s.state,
      incidentId: s.incidentId,
      problemId: s.problemId,
      startedAt: new Date(s.startedAt),
      finishedAt: s.finishedAt === null ? null : new Date(s.finishedAt),
      recoveryMs: s.recoveryMs,
      outcome: s.outcome,
      detail: toJson(s),
      createdBy: s.createdBy,
      createdAt: new Date(s.createdAt),
      version: seq,
    }, replace);
    if (s.kind === 'test' && s.finishedAt !== null && s.outcome) {
      const at = new Date(s.finishedAt);
      await tx.continuityPlan.updateMany({ where: { id: s.planId, OR: [{ lastTestedAt: null }, { lastTestedAt: { lte: at } }] }, data: { lastTestedAt: at, lastTestResult: s.outcome } });
    }
  },
};

/** The row's snapshot, checked: a mismatch is a CorruptRecordError naming the field. */
export const continuityRunFromRow = (row: ContinuityRun): ContinuityRunSnapshot =>
  parseJson(ContinuityRunSnapshotSchema, row.detail, { recordType: 'continuity_run', recordId: row.id, field: 'detail' });

/**
 * Why a run of `kind` cannot start on this plan now, or null. One DR test at a time per plan (two
 * would measure each other), and one invocation at a time (a service is recovered once); a
 * disaster may be declared while a test runs.
 */
export async function startRefusal(db: Db | Tx, p: ContinuityPlan, kind: 'test' | 'invocation'): Promise<string | null> {
  if (p.retiredAt) return `continuity plan ${p.number} is retired`;
  const running = await db.continuityRun.findFirst({ where: { planId: p.id, state: 'running', ...(kind === 'invocation' ? { kind } : {}) }, select: { number: true, kind: true } });
  return running ? `continuity plan ${p.number} has a running ${running.kind}: ${running.number}` : null;
}

export const findRun = (db: Db | Tx, ref: string) => db.continuityRun.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
