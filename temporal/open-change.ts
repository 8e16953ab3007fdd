/**
 * Submitting an RFC: allocates the number, then Update-with-Start of the change workflow,
 * whose `create` Update persists the change in its first step: the change and its workflow
 * both exist, or neither does.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Env } from '../config/env';
import type { Db } from '../db/client';
import { changePolicyWith } from '../domain/change/policy';
import type { ChangeView } from '../domain/change/snapshot';
import { newId } from '../infra/ids';
import { nextNumber } from '../db/numbers';
import { CHANGE_WORKFLOW, changeWorkflowId, createChangeUpdate, type ChangeWorkflowConfig, type ChangeWorkflowInput, type SubmitChange } from '../workflows/contracts/change';
import * as SA from '../workflows/contracts/search-attributes';

export type ChangeConfigEnv = Pick<Env, 'CONTINUE_AS_NEW_AFTER_EVENTS'> & Partial<Pick<Env, 'CHANGE_POLICY'>>;

export function changeConfigFromEnv(env: ChangeConfigEnv, searchAttributes = true): ChangeWorkflowConfig {
  return {
    continueAsNewAfterEvents: env.CONTINUE_AS_NEW_AFTER_EVENTS,
    createTimeoutMs: 60_000,
    searchAttributes,
    policy: changePolicyWith(env.CHANGE_POLICY),
  };
}

export interface SubmitChangeDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  config: ChangeWorkflowConfig;
}

/** A change's identity, allocated before its workflow starts. */
export interface ChangeReservation {
  id: string;
  number: string;
}

export interface SubmitChangeOptions {
  /** Allocated earlier (by a workflow's activity, so a retry opens the same change). */
  reservation?: ChangeReservation;
  /** Attach to the running workflow of `reservation` instead of failing (a retried activity). */
  reuseRunning?: boolean;
}

export async function submitChange(deps: SubmitChangeDeps, actor: string, body: SubmitChange, options: SubmitChangeOptions = {}): Promise<ChangeView> {
  const { id, number } = options.reservation ?? { number: await nextNumber(deps.db, 'change'), id: newId('chg') };
  const startWorkflowOperation = new WithStartWorkflowOperation(CHANGE_WORKFLOW, {
    workflowId: changeWorkflowId(number),
    taskQueue: deps.taskQueue,
    args: [{ id, number, config: deps.config } satisfies ChangeWorkflowInput],
    ...(options.reuseRunning ? { workflowIdConflictPolicy: 'USE_EXISTING' as const, workflowIdReusePolicy: 'REJECT_DUPLICATE' as const } : { workflowIdConflictPolicy: 'FAIL' as const }),
    memo: { title: body.title },
    staticSummary: `${number}: ${body.title}`.slice(0, 200),
    staticDetails: [`**${number}** ${body.type} change: ${body.title}`, `window ${body.plannedStart} to ${body.plannedEnd}`, `CIs ${body.ciIds.join(', ')}`, `submitted by ${actor}`].join('\n\n'),
    ...(deps.config.searchAttributes === false
      ? {}
      : {
          typedSearchAttributes: [
            { key: SA.RecordType, value: 'change' },
            { key: SA.RecordNumber, value: number },
            { key: SA.ChangeType, value: body.type },
          ],
        }),
  });
  return deps.temporal.workflow.executeUpdateWithStart(createChangeUpdate, { args: [{ actor, body }], startWorkflowOperation });
}
