/**
 * Opening an incident: the one creation path, used by `POST /api/v1/incidents` and by
 * workflows that raise incidents themselves (CMDB verification). Allocates the number,
 * then Update-with-Start of the incident workflow, whose `create` Update persists the
 * record in its first step: the record and its workflow both exist, or neither does.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Env } from '../config/env';
import type { Db } from '../db/client';
import { parseIsoDuration } from '../domain/duration';
import type { IncidentView } from '../domain/incident/snapshot';
import type { CreateIncidentBody } from '../domain/schemas/incident';
import { newId } from '../infra/ids';
import { nextNumber } from '../db/numbers';
import { INCIDENT_WORKFLOW, createIncidentUpdate, incidentWorkflowId, type IncidentWorkflowConfig, type IncidentWorkflowInput } from '../workflows/contracts/incident';
import * as SA from '../workflows/contracts/search-attributes';
import { observationMsFromEnv, problemConfigFromEnv } from './open-problem';

export type IncidentConfigEnv = Pick<Env, 'AUTO_CLOSE_AFTER' | 'CONTINUE_AS_NEW_AFTER_EVENTS'> & Partial<Pick<Env, 'PRIORITY_MATRIX' | 'PROBLEM_FOR_MAJOR_INCIDENTS' | 'PROBLEM_OBSERVATION_PERIOD'>>;

/** How every new incident workflow is configured, from the process's settings. */
export function incidentConfigFromEnv(env: IncidentConfigEnv, searchAttributes = true): IncidentWorkflowConfig {
  return {
    autoCloseMs: parseIsoDuration(env.AUTO_CLOSE_AFTER),
    continueAsNewAfterEvents: env.CONTINUE_AS_NEW_AFTER_EVENTS,
    createTimeoutMs: 60_000,
    searchAttributes,
    ...(env.PRIORITY_MATRIX ? { priorityMatrix: env.PRIORITY_MATRIX } : {}),
    ...(env.PROBLEM_FOR_MAJOR_INCIDENTS !== false
      ? {
          majorIncidentProblem: { observationMs: observationMsFromEnv(env), config: problemConfigFromEnv(env, searchAttributes) },
        }
      : {}),
  };
}

export interface OpenIncidentDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  config: IncidentWorkflowConfig;
}

/** An incident's identity, allocated before its workflow starts. */
export interface IncidentReservation {
  id: string;
  number: string;
}

export async function reserveIncident(db: Db): Promise<IncidentReservation> {
  return { number: await nextNumber(db, 'incident'), id: newId('inc') };
}

export interface OpenIncidentOptions {
  /**
   * Opening a reservation that may already have been opened (a retried activity): attach
   * to the running workflow instead of failing; its `create` Update answers with the
   * incident as it is. Throws WorkflowExecutionAlreadyStartedError if that workflow has
   * already closed. Default false: a workflow id clash is an error, as for the API.
   */
  reuseRunning?: boolean;
}

/**
 * Starts the incident workflow for `reservation` and creates the incident through it.
 * `body` references (serviceId, ciId) must already be resolved to CI ids.
 */
export async function openIncident(deps: OpenIncidentDeps, reservation: IncidentReservation, actor: string, body: CreateIncidentBody, options: OpenIncidentOptions = {}): Promise<IncidentView> {
  const { id, number } = reservation;
  const startWorkflowOperation = new WithStartWorkflowOperation(INCIDENT_WORKFLOW, {
    workflowId: incidentWorkflowId(number),
    taskQueue: deps.taskQueue,
    args: [{ id, number, config: deps.config } satisfies IncidentWorkflowInput],
    ...(options.reuseRunning ? { workflowIdConflictPolicy: 'USE_EXISTING' as const, workflowIdReusePolicy: 'REJECT_DUPLICATE' as const } : { workflowIdConflictPolicy: 'FAIL' as const }),
    memo: { title: body.title },
    staticSummary: `${number}: ${body.title}`.slice(0, 200),
    staticDetails: [`**${number}** ${body.title}`, `impact ${body.impact}, urgency ${body.urgency}`, body.serviceId ? `service ${body.serviceId}` : null, `opened by ${actor}`]
      .filter(Boolean)
      .join('\n\n'),
    ...(deps.config.searchAttributes === false
      ? {}
      : { typedSearchAttributes: [{ key: SA.RecordType, value: 'incident' }, { key: SA.RecordNumber, value: number }] }),
  });
  return deps.temporal.workflow.executeUpdateWithStart(createIncidentUpdate, {
    args: [{ actor, body }],
    startWorkflowOperation,
  });
}
