/**
 * Opening a problem: the one creation path, used by `POST /api/v1/problems`, by raising one
 * from an incident, and by trend detection. Allocates the number, then Update-with-Start of
 * the problem workflow, whose `create` Update persists the problem before it answers.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Env } from '../config/env';
import type { Db } from '../db/client';
import { nextNumber } from '../db/numbers';
import { parseIsoDuration } from '../domain/duration';
import type { ProblemSubmission } from '../domain/problem/lifecycle';
import type { ProblemView } from '../domain/problem/snapshot';
import { newId } from '../infra/ids';
import { PROBLEM_WORKFLOW, createProblemUpdate, problemWorkflowId, type ProblemWorkflowConfig, type ProblemWorkflowInput } from '../workflows/contracts/problem';
import * as SA from '../workflows/contracts/search-attributes';

export function problemConfigFromEnv(env: Pick<Env, 'CONTINUE_AS_NEW_AFTER_EVENTS'>, searchAttributes = true): ProblemWorkflowConfig {
  return { continueAsNewAfterEvents: env.CONTINUE_AS_NEW_AFTER_EVENTS, createTimeoutMs: 60_000, searchAttributes };
}

/** A problem's observation period: its own, else the process setting (default P14D). */
export function observationMsFromEnv(env: Partial<Pick<Env, 'PROBLEM_OBSERVATION_PERIOD'>>, given?: string): number {
  return parseIsoDuration(given ?? env.PROBLEM_OBSERVATION_PERIOD ?? 'P14D');
}

export interface OpenProblemDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  config: ProblemWorkflowConfig;
}

/** A problem's identity allocated before its workflow starts (by a workflow's activity, so a retry opens the same problem). */
export interface ProblemReservation {
  id: string;
  number: string;
}

export const reserveProblem = async (db: Db): Promise<ProblemReservation> => ({ id: newId('prb'), number: await nextNumber(db, 'problem') });

/** With a reservation, a retried call attaches to the problem workflow it already started instead of failing. */
export async function openProblem(deps: OpenProblemDeps, actor: string, body: ProblemSubmission, reservation?: ProblemReservation): Promise<ProblemView> {
  const { id, number } = reservation ?? (await reserveProblem(deps.db));
  const startWorkflowOperation = new WithStartWorkflowOperation(PROBLEM_WORKFLOW, {
    workflowId: problemWorkflowId(number),
    taskQueue: deps.taskQueue,
    args: [{ id, number, config: deps.config } satisfies ProblemWorkflowInput],
    ...(reservation ? { workflowIdConflictPolicy: 'USE_EXISTING' as const, workflowIdReusePolicy: 'REJECT_DUPLICATE' as const } : { workflowIdConflictPolicy: 'FAIL' as const }),
    memo: { title: body.title },
    staticSummary: `${number}: ${body.title}`.slice(0, 200),
    staticDetails: [
      `**${number}** problem: ${body.title}`,
      body.incidentIds?.length ? `${body.incidentIds.length} incident(s) linked at creation` : null,
      body.trendKey ? `opened by trend detection for ${body.trendKey}` : null,
      `opened by ${actor}`,
    ]
      .filter(Boolean)
      .join('\n\n'),
    ...(deps.config.searchAttributes === false
      ? {}
      : { typedSearchAttributes: [{ key: SA.RecordType, value: 'problem' }, { key: SA.RecordNumber, value: number }] }),
  });
  return deps.temporal.workflow.executeUpdateWithStart(createProblemUpdate, { args: [{ actor, body }], startWorkflowOperation });
}
