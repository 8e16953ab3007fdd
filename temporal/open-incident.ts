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
import { driverOf, hasDriver } from '../db/client';
import { incidentFromRow, incidentStore } from '../db/incident-store';
import { insertRecordStart, type RecordStartPlan } from '../db/record-starts';
import { isSqlDataError, type SqlBody } from '../db/sql';
import { eventId, notificationId, transitionSql, type TransitionWrite } from '../db/transition-sql';
import { openingClocks, openingOf } from '../domain/incident/opening';
import { incidentView, type IncidentSnapshot } from '../domain/incident/snapshot';
import { describeTextProblem, unstorableTextAt } from '../domain/storable-text';
import type { Logger } from '../infra/logger';
import { incidentLookups } from '../services/incident-lookups';
import { startIfPending, startRecord } from './record-starts';
import { INCIDENT_WORKFLOW, createIncidentUpdate, incidentSearchAttributes, incidentWorkflowId, type IncidentWorkflowConfig, type IncidentWorkflowInput } from '../workflows/contracts/incident';
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

/** Input no database can store (a value too long for its column): the caller's 400, nothing written. */
export class UnstorableIncident extends Error {}

export interface RecordIncidentDeps extends OpenIncidentDeps {
  log: Logger;
}

/**
 * Opens an incident without waiting for the engine: its lookups on the database, then the
 * incident row, its first audit entry, its events and notifications and a RecordStart row in
 * one transaction, answered at once. Its workflow is started right after (not awaited here),
 * from the stored first transition, which it adopts (the kernel's RecordInput.adopted); a
 * worker's sweep or a command that reaches it first start it if that start is lost. A resumed
 * reservation (one an earlier attempt may have written) answers with the incident as stored.
 *
 * null: this incident opens through the engine (`openIncident`). That is an incident whose row
 * only Prisma writes (one restricted to named groups or people, a security incident), or a
 * database client without the driver.
 */
export async function recordIncident(deps: RecordIncidentDeps, reservation: IncidentReservation, actor: string, body: CreateIncidentBody, options: { resumed?: boolean } = {}): Promise<IncidentView | null> {
  if (!hasDriver(deps.db)) return null;
  // A reservation taken over from an earlier attempt (Idempotency-Key) may already be written.
  const stored = options.resumed ? await storedIncident(deps, reservation.id) : null;
  if (stored) return stored;
  const { id, number } = reservation;
  const workflowId = incidentWorkflowId(number);
  const look = incidentLookups(deps.db);
  const opening = await openingOf({ id, number, workflowId }, actor, body, deps.config.priorityMatrix, {
    slaPolicy: look.loadSlaPolicy,
    knownErrors: look.matchKnownErrors,
    securityContext: look.securityContext,
    route: look.routeIncident,
    clocked: (before, after) => openingClocks(before, after, Date.now, look.loadAgreements),
    now: Date.now,
  });
  const at = Date.now();
  const snapshot = { ...opening.first.snapshot, updatedAt: at };
  const storeWrite = incidentStore.sqlWrite?.(snapshot, 1, false);
  if (!storeWrite) return null;
  const view = incidentView(snapshot, at);
  const w: TransitionWrite<IncidentSnapshot> = {
    recordType: 'incident',
    recordId: id,
    seq: 1,
    at,
    actor,
    action: 'create',
    from: null,
    to: snapshot.state,
    data: opening.data,
    snapshot,
    events: opening.events.map((type) => ({ type, data: { incident: view, ...opening.data } })),
    notifications: opening.notifications,
  };
  const bad = unstorableTextAt({ snapshot, data: w.data, actor, events: w.events, notifications: w.notifications });
  if (bad) throw new UnstorableIncident(`${bad.path} ${describeTextProblem(bad)}`);
  const eventIds = w.events.map((_, i) => eventId(id, 1, i));
  /** What starts the workflow, once the write knows which events some subscription still wants. */
  const planOf = (toDeliver: string[]): RecordStartPlan => ({
    workflowType: INCIDENT_WORKFLOW,
    workflowId,
    taskQueue: deps.taskQueue,
    input: {
      id,
      number,
      config: deps.config,
      carried: { ...opening.first, snapshot, seq: 1 },
      adopted: { eventIds: toDeliver, notificationIds: w.notifications.map((_, i) => notificationId(w, i)) },
    } satisfies IncidentWorkflowInput,
    ...startDescription(number, actor, body),
    searchAttributes: deps.config.searchAttributes === false ? [] : incidentSearchAttributes(snapshot, at).map(({ key, value }) => ({ name: key.name, type: key.type, value })),
  });
  let plan: RecordStartPlan | null;
  try {
    plan = await driverOf(deps.db).transaction(function* () {
      const outcome = yield* transitionSql(w, storeWrite as (s: unknown, seq: number) => SqlBody<void>, eventIds);
      if (typeof outcome === 'string') return null; // written already: a repeat of this reservation racing the first
      const planned = planOf(outcome);
      yield* insertRecordStart('incident', id, planned, new Date(at));
      return planned;
    });
  } catch (e) {
    if (isSqlDataError(e)) throw new UnstorableIncident(`the database refused the data (${String((e as { code?: unknown }).code ?? 'invalid value')})`);
    throw e;
  }
  if (!plan) return (await storedIncident(deps, id)) ?? view;
  void startRecord(deps, plan).catch((e: unknown) =>
    deps.log.warn("could not start a new incident's workflow; the first command or a worker's sweep starts it", { incident: number, error: String(e) }),
  );
  return view;
}

/** The incident as stored by an earlier attempt at this reservation, its workflow started if it is still waiting. */
async function storedIncident(deps: RecordIncidentDeps, id: string): Promise<IncidentView | null> {
  const row = await deps.db.incident.findUnique({ where: { id } });
  if (!row) return null;
  await startIfPending(deps, row.workflowId);
  return incidentView(incidentFromRow(row), Date.now());
}

/** What the Temporal UI shows of an incident's workflow from its start. */
function startDescription(number: string, actor: string, body: CreateIncidentBody) {
  return {
    memo: { title: body.title },
    staticSummary: `${number}: ${body.title}`.slice(0, 200),
    staticDetails: [`**${number}** ${body.title}`, `impact ${body.impact}, urgency ${body.urgency}`, body.serviceId ? `service ${body.serviceId}` : null, `opened by ${actor}`].filter(Boolean).join('\n\n'),
  };
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
    ...startDescription(number, actor, body),
    ...(deps.config.searchAttributes === false
      ? {}
      : { typedSearchAttributes: [{ key: SA.RecordType, value: 'incident' }, { key: SA.RecordNumber, value: number }] }),
  });
  return deps.temporal.workflow.executeUpdateWithStart(createIncidentUpdate, {
    args: [{ actor, body }],
    startWorkflowOperation,
  });
}
