/**
 * Records workflow histories for the replay test (test/replay/replay.test.ts).
 *
 *   npm run record-histories          (tsx scripts/record-histories.ts)
 *
 * Drives incident, webhook-delivery, CMDB-verification and change workflows through
 * representative paths on the time-skipping test server, with the real worker and activities
 * writing to a throw-away SQLite database, and writes each history to
 * test/replay/histories/<name>.json in the standard JSON format (`historyToJSON`, the same
 * as `temporal workflow show -o json`).
 *
 * Where the script picks the workflow id it uses the file name, which the replay test passes
 * back as the id (the workflows' commands never depend on it).
 * Re-record only deliberately: the committed histories are what running production
 * workflows look like, and the replay test checks that new workflow code still fits them.
 *
 *   npm run record-histories -- cmdb-verification     (only scenarios whose name starts so)
 *   npm run record-histories -- --suffix=-kernel-v2 incident change   (new files beside the old)
 *
 * With names, only those scenarios run and only their files are rewritten: adding a new
 * workflow's histories leaves the existing recordings untouched.
 */
import { DEFAULT_TARGETS } from '../domain/sla/policy';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { createRequire } from 'node:module';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { incidentWorkflow } from '../workflows/incident';
import { webhookDeliveryWorkflowId } from '../workflows/contracts/webhook-delivery';
import { recordIncident } from '../temporal/open-incident';
import { pendingStart } from '../db/record-starts';
import { createLogger } from '../infra/logger';
import { createIncidentUpdate, incidentCommandUpdates, incidentWorkflowId, type IncidentWorkflowConfig, type IncidentWorkflowInput } from '../workflows/contracts/incident';
import { webhookDeliveryWorkflow } from '../workflows/webhook-delivery';
import { notificationEmailWorkflow } from '../workflows/notification-email';
import { cmdbVerificationWorkflow } from '../workflows/cmdb-verification';
import { verificationAcceptedUpdate, type CmdbVerificationConfig } from '../workflows/contracts/cmdb-verification';
import { createCi } from '../db/ci-store';
import { naturalKeyOf } from '../domain/cmdb/classes';
import type { CreateIncidentBody, IncidentCommandName } from '../domain/schemas/incident';
import type { IncidentView } from '../domain/incident/snapshot';
import { demoUsers, seedGroups, upsertUser } from '../db/seed';
import { DEFAULT_CHANGE_POLICY } from '../domain/change/policy';
import type { ChangeView } from '../domain/change/snapshot';
import type { ChangeCommandBody, ChangeCommandName } from '../domain/schemas/change';
import { changeWorkflow } from '../workflows/change';
import {
  changeCommandUpdates,
  createChangeUpdate,
  getChangeQuery,
  voteSignal,
  type ChangeWorkflowConfig,
  type ChangeWorkflowInput,
  type SubmitChange,
} from '../workflows/contracts/change';
import { problemWorkflow } from '../workflows/problem';
import { problemTrendsWorkflow } from '../workflows/problem-trends';
import { capacityMaintenanceWorkflow } from '../workflows/capacity-maintenance';
import { insertMetricPoints } from '../db/capacity-store';
import { dslVerificationWorkflow } from '../workflows/dsl-verification';
import { reportRunWorkflow } from '../workflows/report-run';
import type { ReportRunInput } from '../workflows/contracts/report-run';
import { slaSimulationWorkflow } from '../workflows/sla-simulation';
import { feedbackWorkflow } from '../workflows/feedback';
import { contractWorkflow } from '../workflows/contract';
import { contractCommandUpdates, createContractUpdate, type ContractWorkflowInput } from '../workflows/contracts/contract';
import { securityPolicyWorkflow } from '../workflows/security-policy';
import { createSecurityPolicyUpdate, securityPolicyCommandUpdates, type SecurityPolicyWorkflowInput } from '../workflows/contracts/security-policy';
import { accessReviewWorkflow } from '../workflows/access-review';
import { accessReviewCommandUpdates, createAccessReviewUpdate, type AccessReviewWorkflowInput } from '../workflows/contracts/access-review';
import { accessReviewScheduledWorkflow } from '../workflows/access-review-scheduled';
import { serviceReviewWorkflow } from '../workflows/service-review';
import { continuityRunWorkflow } from '../workflows/continuity-run';
import { continuityCheckWorkflow } from '../workflows/continuity-check';
import { continuityScheduledTestWorkflow } from '../workflows/continuity-scheduled-test';
import { continuityRunCommandUpdates, createContinuityRunUpdate, type ContinuityRunWorkflowInput } from '../workflows/contracts/continuity-run';
import { createFeedbackUpdate, feedbackCommandUpdates, type FeedbackWorkflowInput } from '../workflows/contracts/feedback';
import type { SlaSimulationInput } from '../workflows/contracts/sla-simulation';
import { volvoLifecycle, writeLifecycles } from '../bench/volvo-lifecycle';
import type { VolvoIncident } from '../bench/volvo-log';
import { slaPolicyOf } from '../db/columns';
import { proposedPolicy } from '../services/sla-simulation';
import type { DslVerificationInput } from '../workflows/contracts/dsl-verification';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { changeWorkflowId } from '../workflows/contracts/change';
import { createProblemUpdate, getProblemQuery, problemCommandUpdates, problemWorkflowId, type ProblemCommandPayloads, type ProblemWorkflowInput } from '../workflows/contracts/problem';
import type { ProblemView } from '../domain/problem/snapshot';
import type { ProblemSubmission } from '../domain/problem/lifecycle';
import type { ProblemCommandName } from '../domain/schemas/problem';
import { releaseWorkflow } from '../workflows/release';
import {
  createReleaseUpdate,
  deploymentWorkflowId,
  getReleaseQuery,
  releaseCommandUpdates,
  releaseWorkflowId,
  type ReleaseCommandName,
  type ReleaseCommandPayloads,
  type ReleaseWorkflowInput,
} from '../workflows/contracts/release';
import type { ReleaseSubmission } from '../domain/release/lifecycle';
import type { ReleaseView } from '../domain/release/snapshot';
import { monitoringAlertWorkflow } from '../workflows/monitoring-alert';
import { monitoringEventsSignal, type MonitoringAlertInput } from '../workflows/contracts/monitoring-alert';
import type { MonitoringEvent } from '../domain/schemas/monitoring';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { startTimeSkippingServer, startWorker } from '../test/support/temporal';

const OUT = path.join(__dirname, '..', 'test', 'replay', 'histories');
const TQ = 'record-histories';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const CONFIG: IncidentWorkflowConfig = { autoCloseMs: 3 * DAY, continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false };

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let counter = 0;
const written: string[] = [];

function log(msg: string): void {
  process.stderr.write(`[record-histories] ${msg}\n`);
}

/**
 * `historyToJSON` of @temporalio/common, or the same conversion done with the protobufjs copy
 * that @temporalio/proto's types come from. With this lockfile npm installs three copies of
 * protobufjs 8 (under common, proto and worker: protobufjs 7 from @grpc/proto-loader holds the
 * top level), so common's `protojson.toJson` rejects proto's types ("type must be a Type").
 */
function historyJson(history: History): string {
  try {
    return historyToJSON(history);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    const protojson = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as { toJson(type: unknown, message: unknown): unknown };
    const type = temporal.api.history.v1.History;
    return JSON.stringify(protojson.toJson(type, type.fromObject(history)), null, 2);
  }
}

async function save(name: string, handle: WorkflowHandle, runId?: string): Promise<void> {
  const h = runId ? env.client.workflow.getHandle(handle.workflowId, runId) : handle;
  const history = await h.fetchHistory();
  const json = historyJson(history) + '\n';
  writeFileSync(path.join(OUT, `${name}${SUFFIX}.json`), json);
  written.push(name + SUFFIX);
  log(`${name}${SUFFIX}.json: ${history.events?.length ?? 0} events`);
}

function input(name: string, config: Partial<IncidentWorkflowConfig> = {}): IncidentWorkflowInput {
  const n = ++counter;
  return { id: `inc-replay-${n}`, number: `INC9${String(n).padStart(6, '0')}`, config: { ...CONFIG, ...config } };
}

function body(b: Partial<CreateIncidentBody> = {}): CreateIncidentBody {
  return { title: 'Recorded for replay', type: 'incident', impact: 'high', urgency: 'high', ...b } as CreateIncidentBody;
}

/** Start, then `create` as a separate Update (what a retrying API call sees). */
async function open(name: string, b: Partial<CreateIncidentBody> = {}, config: Partial<IncidentWorkflowConfig> = {}) {
  const handle = await env.client.workflow.start(incidentWorkflow, { taskQueue: TQ, workflowId: name, args: [input(name, config)] });
  const view = await handle.executeUpdate(createIncidentUpdate, { args: [{ actor: 'usr-agent', body: body(b) }] });
  return { handle, view };
}

function command<K extends IncidentCommandName>(handle: WorkflowHandle, name: K, b: object = {}): Promise<IncidentView> {
  return handle.executeUpdate(incidentCommandUpdates[name] as typeof incidentCommandUpdates.assign, { args: [{ actor: 'usr-agent', body: b as never }] });
}

/**
 * Waits, in real time, for the run to complete. Not `handle.result()`: on the time-skipping
 * server that unlocks skipping, and with nothing else pending the server jumps ahead to the
 * next deadline it knows (a 10-year run timeout), which would date later histories decades on.
 */
async function completed(handle: WorkflowHandle, where: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = (await handle.describe()).status.name;
    if (status === 'COMPLETED') return;
    if (status !== 'RUNNING') throw new Error(`${where}: workflow ended ${status}`);
    if (Date.now() > deadline) throw new Error(`${where}: workflow still running`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The workflow completed and its last recorded state is `state`. */
async function expectClosed(handle: WorkflowHandle, recordId: string, state: string, where: string): Promise<void> {
  await completed(handle, where);
  const row = await tdb.db.incident.findUniqueOrThrow({ where: { id: recordId } });
  if (row.state !== state) throw new Error(`${where}: expected state ${state}, got ${row.state}`);
}

async function actions(recordId: string): Promise<string[]> {
  return (await tdb.db.auditEvent.findMany({ where: { recordId }, orderBy: { seq: 'asc' } })).map((a) => a.action);
}

async function expectActions(recordId: string, expected: string[], where: string): Promise<void> {
  const got = await actions(recordId);
  if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${where}: expected audit ${expected.join(',')}, got ${got.join(',')}`);
}

// ---------------------------------------------------------------------------------------

/** P1 unacknowledged: response breach with functional escalation, warning, resolution breach with hierarchical escalation. */
async function p1BreachEscalation() {
  const name = 'incident-p1-breach-escalation';
  const { handle, view } = await open(name);
  await command(handle, 'assign', { group: 'service-desk' });
  await env.sleep(16 * MIN);
  await env.sleep(3 * HOUR - 16 * MIN + MIN);
  await env.sleep(HOUR + MIN);
  await command(handle, 'escalate', { reason: 'customer called the CIO' });
  await command(handle, 'resolve', { code: 'workaround', notes: 'failed over to the standby' });
  await command(handle, 'close', { note: 'confirmed by caller' });
  await expectClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['create', 'assign', 'sla_response_breached', 'sla_warning', 'sla_resolution_breached', 'escalate', 'resolve', 'close'], name);
  await save(name, handle);
}

/** assign → acknowledge → hold → resume → resolve → reopen → resolve → auto-close after P3D. */
async function fullLifecycle() {
  const name = 'incident-full-lifecycle-auto-close';
  const { handle, view } = await open(name, { impact: 'medium', urgency: 'medium', description: 'printer on fire', category: 'hardware' });
  await command(handle, 'assign', { group: 'service-desk', assignee: 'usr-agent' });
  await command(handle, 'acknowledge', { note: 'on it' });
  await command(handle, 'hold', { reason: 'awaiting_caller', note: 'asked for the asset tag' });
  await env.sleep(HOUR);
  await command(handle, 'resume', {});
  await command(handle, 'notes', { text: 'caller sent the asset tag' });
  await command(handle, 'resolve', { code: 'fixed', notes: 'replaced the fuser' });
  await env.sleep(2 * HOUR);
  await command(handle, 'reopen', { reason: 'still smoking' });
  await env.sleep(10 * MIN);
  await command(handle, 'resolve', { code: 'replaced', notes: 'replaced the printer' });
  await env.sleep(3 * DAY + MIN); // the auto-close timer (P3D)
  await expectClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['create', 'assign', 'acknowledge', 'hold', 'resume', 'notes', 'resolve', 'reopen', 'resolve', 'close'], name);
  await save(name, handle);
}

/**
 * A P1 resolved without a problem raises its major-incident review problem, and is closed at
 * once. Recorded before incident-major-problem-held (the run could end with the raise pending)
 * as incident-major-problem.json, after it with `--suffix=-held` (the run ends once the raise has).
 */
async function majorIncidentProblem() {
  const name = 'incident-major-problem';
  const problem = { observationMs: 14 * DAY, config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } };
  const { handle, view } = await open(name, { impact: 'high', urgency: 'high', title: 'Payroll down' }, { majorIncidentProblem: problem });
  await command(handle, 'resolve', { code: 'fixed', notes: 'failed over to the standby' });
  await command(handle, 'close', {});
  await expectClosed(handle, view.id, 'closed', name);
  for (let i = 0; !(await tdb.db.problem.findFirst({ where: { trendKey: `major:${view.id}` } })); i++) {
    if (i > 100) throw new Error(`${name}: no review problem raised`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await save(name, handle);
}

async function cancel() {
  const name = 'incident-cancel';
  const { handle, view } = await open(name, { impact: 'low', urgency: 'low', type: 'service_request' });
  await command(handle, 'assign', { group: 'service-desk' });
  await command(handle, 'cancel', { reason: 'raised twice' });
  await expectClosed(handle, view.id, 'cancelled', name);
  await expectActions(view.id, ['create', 'assign', 'cancel'], name);
  await save(name, handle);
}

/** P4 raised to P1 (timers retargeted, response breach), then lowered to P3. */
async function impactChange() {
  const name = 'incident-impact-reprioritise';
  const { handle, view } = await open(name, { impact: 'medium', urgency: 'low' });
  if (view.priority !== 'P4') throw new Error(`${name}: expected P4, got ${view.priority}`);
  await env.sleep(5 * MIN);
  const raised = await command(handle, 'impact', { impact: 'high', urgency: 'high' });
  if (raised.priority !== 'P1') throw new Error(`${name}: expected P1, got ${raised.priority}`);
  await env.sleep(11 * MIN);
  await command(handle, 'acknowledge', {});
  await command(handle, 'impact', { urgency: 'low' });
  await command(handle, 'resolve', { code: 'fixed', notes: 'patched' });
  await command(handle, 'close', {});
  await expectClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['create', 'impact', 'sla_response_breached', 'acknowledge', 'impact', 'resolve', 'close'], name);
  await save(name, handle);
}

/**
 * OLA and UC clocks: the desk's OLA breached unacknowledged, a supplier hold running the UC
 * (warned, breached) while the desk's OLA pauses, a handoff to l2 starting its OLA, and a
 * re-prioritisation moving the SLA to its new version. Agreements on their own service, so no
 * other scenario gets them.
 */
async function agreementClocks() {
  const name = 'incident-ola-uc-clocks';
  const terms = (response: string, resolution: string) => JSON.stringify(Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response, resolution }])));
  const agreement = (id: string, kind: string, targets: string, extra: object = {}) => ({ id, number: id.toUpperCase(), name: id, kind, serviceId: 'svc-ola', calendar: '"24x7"', targets, ...extra });
  await tdb.db.sla.createMany({
    data: [
      agreement('sla-ola-service', 'SLA', terms('PT1H', 'P1D')),
      agreement('ola-desk', 'OLA', terms('PT10M', 'PT2H'), { team: 'service-desk', pauseOn: JSON.stringify(['awaiting_caller', 'awaiting_supplier']) }),
      agreement('ola-l2', 'OLA', terms('PT30M', 'PT4H'), { team: 'l2-support' }),
      agreement('uc-acme', 'UC', terms('PT1M', 'PT1H'), { supplier: 'acme' }),
    ],
  });
  const { handle, view } = await open(name, { impact: 'medium', urgency: 'medium', serviceId: 'svc-ola' });
  await command(handle, 'assign', { group: 'service-desk' });
  await env.sleep(11 * MIN);
  await command(handle, 'acknowledge', {});
  await command(handle, 'hold', { reason: 'awaiting_supplier', supplier: 'acme' });
  await env.sleep(HOUR + MIN);
  await command(handle, 'resume', {});
  await command(handle, 'assign', { group: 'l2-support' });
  await tdb.db.sla.update({ where: { id: 'sla-ola-service' }, data: { version: 2, targets: terms('PT30M', 'PT12H') } });
  const moved = await command(handle, 'impact', { urgency: 'high' });
  if (moved.slaVersion !== 2) throw new Error(`${name}: expected SLA version 2 after re-prioritising, got ${moved.slaVersion}`);
  await command(handle, 'resolve', { code: 'fixed', notes: 'supplier patched the gateway' });
  await command(handle, 'close', {});
  await expectClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['create', 'assign', 'ola_response_breached', 'acknowledge', 'hold', 'uc_warning', 'uc_resolution_breached', 'resume', 'assign', 'impact', 'resolve', 'close'], name);
  const clocks = await tdb.db.incidentClock.findMany({ where: { incidentId: view.id }, orderBy: { seq: 'asc' } });
  const got = clocks.map((c) => `${c.kind}:${c.team ?? c.supplier}:${c.breached}`).join(',');
  if (got !== 'OLA:service-desk:true,UC:acme:true,OLA:l2-support:false') throw new Error(`${name}: unexpected clocks ${got}`);
  await save(name, handle);
}

/**
 * A P1 on a service with an availability target: the outage recorded (the availability check
 * raises service.availability.at_risk), corrected with its end, reopened, then ended by resolving.
 */
async function outage() {
  const name = 'incident-outage';
  const svc = await createCi(tdb.db, { name: 'Outage shop', class: 'service', status: 'live' }, { actor: 'seed' });
  const terms = JSON.stringify(Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: 'PT1H', resolution: 'P1D' }])));
  await tdb.db.sla.create({ data: { id: 'sla-outage', number: 'SLA-OUTAGE', name: 'Shop', kind: 'SLA', serviceId: svc.id, calendar: '"24x7"', targets: terms, availabilityTarget: 99.9 } });
  const { handle, view } = await open(name, { impact: 'high', urgency: 'high', serviceId: svc.id });
  const now = await env.currentTimeMs();
  await command(handle, 'outage', { start: new Date(now - 2 * HOUR).toISOString() });
  await command(handle, 'outage', { end: new Date(now - HOUR).toISOString() });
  await command(handle, 'outage', { end: null });
  await command(handle, 'resolve', { code: 'fixed', notes: 'failed over' });
  await command(handle, 'close', {});
  await expectClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['create', 'outage', 'outage', 'outage', 'resolve', 'close'], name);
  if ((await tdb.db.outboxEvent.count({ where: { type: 'service.availability.at_risk', recordId: svc.id } })) !== 1) throw new Error(`${name}: expected one at-risk event`);
  await save(name, handle);
}

/**
 * Minutes logged with commands (financial management's labour): a note and the resolution carry
 * `timeSpent` beside their bodies, which the kernel writes on their audit entries; the close none.
 */
async function timeLogged() {
  const name = 'incident-time-logged';
  const { handle, view } = await open(name, { impact: 'low', urgency: 'low' });
  const logged = (n: IncidentCommandName, body: object, timeSpent: number) => handle.executeUpdate(incidentCommandUpdates[n] as typeof incidentCommandUpdates.assign, { args: [{ actor: 'usr-agent', body: body as never, timeSpent }] });
  await logged('notes', { text: 'looked into it' }, 30);
  await logged('resolve', { code: 'fixed', notes: 'restarted the spooler' }, 45);
  await command(handle, 'close', {});
  await expectClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['create', 'notes', 'resolve', 'close'], name);
  const minutes = (await tdb.db.auditEvent.findMany({ where: { recordId: view.id }, orderBy: { seq: 'asc' } })).map((a) => a.timeSpent);
  if (JSON.stringify(minutes) !== '[null,30,45,null]') throw new Error(`${name}: unexpected minutes ${JSON.stringify(minutes)}`);
  await save(name, handle);
}

/**
 * A security incident (a type older histories never had): on a secret CI (raised to P2), routed
 * to the security group, escalated to its manager, resolved; close refused until the
 * post-incident review is recorded, then closed.
 */
async function securityIncident() {
  const name = 'incident-security';
  await tdb.db.group.upsert({ where: { name: 'security' }, create: { id: 'grp-security', name: 'security', tier: 0, managerId: 'usr-admin' }, update: { managerId: 'usr-admin' } });
  const ci = await createCi(tdb.db, { name: 'Payroll database', class: 'database', status: 'live', securityClass: 'secret' }, { actor: 'seed' });
  const { handle, view } = await open(name, { type: 'security', impact: 'low', urgency: 'low', ciId: ci.id, classification: { confidentiality: 'high', integrity: 'medium', availability: 'none' } });
  if (view.priority !== 'P2' || view.assignmentGroup !== 'security' || !view.restrictedTo.includes('security')) throw new Error(`${name}: unexpected ${view.priority} ${view.assignmentGroup} ${view.restrictedTo.join(',')}`);
  await command(handle, 'escalate', { reason: 'data may have left' });
  await command(handle, 'resolve', { code: 'contained', notes: 'credentials rotated' });
  const refused = await command(handle, 'close', {}).then(() => null, (e: unknown) => e);
  if (!refused) throw new Error(`${name}: closed without its review`);
  await command(handle, 'review', { findings: 'a leaked credential', rootCause: 'no rotation', actions: ['rotate quarterly'], reviewer: 'usr-admin' });
  await command(handle, 'close', {});
  await expectClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['create', 'escalate', 'resolve', 'review', 'close'], name);
  await save(name, handle);
}

/** Opened Friday 15:00 London on a business-hours SLA: the clocks run across the weekend. */
async function businessHours() {
  const name = 'incident-business-hours-weekend';
  const now = await env.currentTimeMs();
  const d = new Date(now);
  const daysToFriday = (5 - d.getUTCDay() + 7) % 7 || 7;
  const friday15 = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + daysToFriday, 15, 0, 0);
  await env.sleep(friday15 - now);
  const { handle, view } = await open(name, { serviceId: 'svc-bh', impact: 'high', urgency: 'medium' });
  if (view.priority !== 'P2') throw new Error(`${name}: expected P2, got ${view.priority}`);
  await command(handle, 'assign', { group: 'l2-support' });
  await env.sleep(3 * DAY + HOUR); // → Monday afternoon: response breach, warning, resolution breach, all in business hours
  await command(handle, 'hold', { reason: 'awaiting_caller' });
  await env.sleep(DAY);
  await command(handle, 'resume', {});
  await command(handle, 'resolve', { code: 'fixed', notes: 'payroll rerun' });
  await command(handle, 'close', {});
  await expectClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['create', 'assign', 'sla_response_breached', 'sla_warning', 'sla_resolution_breached', 'hold', 'resume', 'resolve', 'close'], name);
  await save(name, handle);
}

/** 60+ notes with continueAsNewAfterEvents 100: the first run ends in continue-as-new. */
async function continueAsNew() {
  const name = 'incident-continue-as-new';
  const { handle, view } = await open(name, { impact: 'medium', urgency: 'high' }, { continueAsNewAfterEvents: 100 });
  const firstRun = handle.firstExecutionRunId;
  for (let i = 0; i < 65; i++) await command(handle, 'notes', { text: `note ${i + 1}` });
  const latest = env.client.workflow.getHandle(name);
  await command(latest, 'acknowledge', {});
  await command(latest, 'resolve', { code: 'fixed', notes: 'done' });
  await command(latest, 'close', {});
  await expectClosed(latest, view.id, 'closed', name);
  const rows = await actions(view.id);
  if (rows.length !== 69) throw new Error(`${name}: expected 69 audit rows, got ${rows.length}`);
  const first = await env.client.workflow.getHandle(name, firstRun).fetchHistory();
  const last = first.events?.at(-1);
  const secondRun = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  if (!secondRun) throw new Error(`${name}: the first run did not continue-as-new`);
  await save(name, handle, firstRun);
  await save(`${name}-second-run`, handle, secondRun);
}

/** Started but the `create` Update never came: the workflow gives up after createTimeoutMs. */
async function createTimeout() {
  const name = 'incident-create-timeout';
  const handle = await env.client.workflow.start(incidentWorkflow, { taskQueue: TQ, workflowId: name, args: [input(name)] });
  await env.sleep(CONFIG.createTimeoutMs + 1000);
  await completed(handle, name);
  if ((await tdb.db.incident.count({ where: { workflowId: name } })) !== 0) throw new Error(`${name}: wrote an incident`);
  await save(name, handle);
}

/** The API's path: Update-with-Start, so `create` arrives in the workflow's first task. */
async function updateWithStart() {
  const name = 'incident-update-with-start';
  const startWorkflowOperation = new WithStartWorkflowOperation(incidentWorkflow, {
    workflowId: name,
    taskQueue: TQ,
    args: [input(name)],
    workflowIdConflictPolicy: 'FAIL',
    memo: { title: 'Recorded for replay' },
  });
  const view = await env.client.workflow.executeUpdateWithStart(createIncidentUpdate, {
    args: [{ actor: 'usr-agent', body: body({ impact: 'medium', urgency: 'medium' }) }],
    startWorkflowOperation,
  });
  const handle = await startWorkflowOperation.workflowHandle();
  await command(handle, 'resolve', { code: 'fixed', notes: 'first contact' });
  await command(handle, 'close', {});
  await expectClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['create', 'resolve', 'close'], name);
  await save(name, handle);
}

/**
 * An incident the API wrote itself (temporal/open-incident.ts recordIncident): its workflow
 * starts from the stored first transition (adopted), hands that transition on, then runs commands.
 */
async function adopted() {
  const name = 'incident-adopted';
  const n = ++counter;
  const reservation = { id: `inc-replay-${n}`, number: `INC9${String(n).padStart(6, '0')}` };
  // A subscriber to incident.created, so the workflow has the first transition's event to hand on.
  await tdb.db.webhookSubscription.create({ data: { id: 'sub-adopted', url: 'http://127.0.0.1:9/hook', events: JSON.stringify(['incident.created']), secret: 's3cret-adopted', createdBy: 'usr-admin' } });
  const view = await recordIncident({ db: tdb.db, temporal: env.client, taskQueue: TQ, config: CONFIG, log: createLogger('error') }, reservation, 'usr-agent', body({ impact: 'medium', urgency: 'high' }));
  if (!view) throw new Error(`${name}: not recorded outside the engine`);
  const handle = env.client.workflow.getHandle(incidentWorkflowId(reservation.number));
  // The API's own start (not awaited by recordIncident); the same start again if it was refused.
  const pending = await pendingStart(tdb.db, handle.workflowId);
  if (pending) await env.client.workflow.start(incidentWorkflow, { taskQueue: TQ, workflowId: handle.workflowId, args: [pending.input as IncidentWorkflowInput] }).catch(() => undefined);
  await command(handle, 'assign', { group: 'service-desk' });
  await command(handle, 'acknowledge', {});
  await command(handle, 'resolve', { code: 'fixed', notes: 'adopted' });
  await command(handle, 'close', {});
  await expectClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['create', 'assign', 'acknowledge', 'resolve', 'close'], name);
  await save(name, handle);
  // The delivery to nowhere is not this scenario's: stop it and the subscription.
  for (const d of await tdb.db.webhookDelivery.findMany({ where: { subscriptionId: 'sub-adopted' } })) await env.client.workflow.getHandle(webhookDeliveryWorkflowId(d.id)).terminate('not part of the recording');
  await tdb.db.webhookSubscription.update({ where: { id: 'sub-adopted' }, data: { active: false } });
}

/** A real delivery: an incident event matches a subscription; the receiver fails once, then accepts. */
async function webhookDelivery() {
  const name = 'webhook-delivery-retried';
  let calls = 0;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      res.statusCode = calls === 1 ? 503 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await tdb.db.webhookSubscription.create({ data: { id: 'sub-replay', url, events: JSON.stringify(['incident.escalated']), secret: 's3cret', createdBy: 'usr-admin' } });
    const { handle } = await open('incident-for-webhook', { impact: 'low', urgency: 'low' });
    await command(handle, 'escalate', { reason: 'VIP' });
    // Events reach delivery through a separate relay activity: wait for its row.
    let delivery = await tdb.db.webhookDelivery.findFirst({ where: { subscriptionId: 'sub-replay' } });
    for (let i = 0; !delivery && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      delivery = await tdb.db.webhookDelivery.findFirst({ where: { subscriptionId: 'sub-replay' } });
    }
    if (!delivery) throw new Error(`${name}: no webhook delivery was dispatched`);
    // The delivery workflow's id is derived from the delivery; the file is named for the scenario.
    const wf = env.client.workflow.getHandle(`webhook-${delivery.id}`);
    await completed(wf, name);
    const after = await tdb.db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
    if (after.status !== 'delivered' || after.attempts !== 2) throw new Error(`${name}: expected delivered after 2 attempts, got ${after.status}/${after.attempts}`);
    await tdb.db.webhookSubscription.update({ where: { id: 'sub-replay' }, data: { active: false } });
    await save(name, wf);
    await command(handle, 'cancel', { reason: 'test over' });
  } finally {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}

/** A delivery whose row is gone: the activity fails non-retryably and the workflow marks it failed. */
async function webhookDeliveryFailed() {
  const name = 'webhook-delivery-not-found';
  const handle = await env.client.workflow.start(webhookDeliveryWorkflow, { taskQueue: TQ, workflowId: name, args: [{ deliveryId: 'whd-missing' }] });
  await completed(handle, name);
  await save(name, handle);
}

const VERIFICATION_CONFIG: CmdbVerificationConfig = { openIncidents: true, incidentStatuses: ['live'], incident: CONFIG, searchAttributes: false };

async function verificationFixtures(): Promise<string> {
  const at = (cls: string, name: string, attributes: Record<string, unknown>) => ({ class: cls, name, attributes, naturalKey: naturalKeyOf({ class: cls, name, attributes }) });
  await createCi(tdb.db, { name: 'Web 1', class: 'server', status: 'live', attributes: { hostname: 'web01', ip: '10.0.0.1' } }, { actor: 'seed' });
  await createCi(tdb.db, { name: 'App 2', class: 'server', status: 'maintenance', attributes: { hostname: 'app02', os: 'Ubuntu 22.04' } }, { actor: 'seed' });
  await createCi(tdb.db, { name: 'Old 3', class: 'server', status: 'live', attributes: { hostname: 'old03' } }, { actor: 'seed' });
  const snapshotId = 'snp_replay';
  await tdb.db.discoverySnapshot.create({
    data: {
      id: snapshotId,
      source: 'netscan',
      takenAt: new Date(),
      items: JSON.stringify([at('server', 'web01', { hostname: 'web01', ip: '10.0.0.9' }), at('server', 'app02', { hostname: 'app02', os: 'Debian 12' }), at('server', 'new04', { hostname: 'new04' })]),
    },
  });
  return snapshotId;
}

async function verificationSummary(handle: WorkflowHandle, where: string): Promise<Record<string, unknown>> {
  await completed(handle, where);
  const row = await tdb.db.cmdbVerification.findFirstOrThrow({ where: { workflowId: handle.workflowId } });
  if (row.status !== 'completed') throw new Error(`${where}: verification ${row.status}`);
  return JSON.parse(row.summary) as Record<string, unknown>;
}

/** The API's path: Update-with-Start; all three kinds of discrepancy, one incident opened for the live drift. */
async function cmdbVerificationFromApi() {
  const name = 'cmdb-verification-api-incident';
  const snapshotId = await verificationFixtures();
  const startWorkflowOperation = new WithStartWorkflowOperation(cmdbVerificationWorkflow, {
    workflowId: name,
    taskQueue: TQ,
    args: [{ verificationId: 'ver_replay0000000000000000000001', trigger: 'api', requestedBy: 'usr-admin', config: VERIFICATION_CONFIG }],
    workflowIdConflictPolicy: 'FAIL',
    memo: { title: 'Recorded for replay' },
  });
  const accepted = await env.client.workflow.executeUpdateWithStart(verificationAcceptedUpdate, { args: [], startWorkflowOperation });
  if (accepted.snapshotId !== snapshotId) throw new Error(`${name}: verified ${accepted.snapshotId}`);
  const handle = await startWorkflowOperation.workflowHandle();
  const summary = await verificationSummary(handle, name);
  const expected = { missingInCmdb: 1, missingInReality: 1, attributeDrift: 2, incidentsOpened: 1, incidentsExisting: 0 };
  for (const [k, v] of Object.entries(expected)) if (summary[k] !== v) throw new Error(`${name}: ${k} = ${summary[k]}, expected ${v}`);
  await save(name, handle);
}

/** As the Schedule starts it (no id given: derived in the workflow); the drift's incident is still open, so it is linked. */
async function cmdbVerificationScheduled() {
  const name = 'cmdb-verification-scheduled-linked';
  const handle = await env.client.workflow.start(cmdbVerificationWorkflow, { taskQueue: TQ, workflowId: name, args: [{ trigger: 'schedule', config: VERIFICATION_CONFIG }] });
  const summary = await verificationSummary(handle, name);
  if (summary.incidentsExisting !== 1 || summary.incidentsOpened !== 0) throw new Error(`${name}: unexpected incident counts ${JSON.stringify(summary)}`);
  await save(name, handle);
}

// ---- Changes (RFC + CAB) ---------------------------------------------------------------

const CHANGE_CONFIG: ChangeWorkflowConfig = { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false, policy: DEFAULT_CHANGE_POLICY };
const USERS = new Map(demoUsers().map((u) => [u.id, u]));
let changeCounter = 0;
let voteCounter = 0;

function changeInput(): ChangeWorkflowInput {
  const n = ++changeCounter;
  return { id: `chg-replay-${n}`, number: `CHG9${String(n).padStart(6, '0')}`, config: CHANGE_CONFIG };
}

/** The CIs changes touch, made once: a server (4 required approvers with the default CAB) and a business service. */
let changeCis: Promise<{ server: string; service: string }> | undefined;
function changeFixtures(): Promise<{ server: string; service: string }> {
  changeCis ??= (async () => {
    const server = await createCi(tdb.db, { name: 'chg-app-01', class: 'server', status: 'live', environment: 'production', attributes: { hostname: 'chg-app-01', os: 'Debian 12' } }, { actor: 'seed' });
    const service = await createCi(tdb.db, { name: 'Change Portal', class: 'service', status: 'live', ownerGroup: 'service-desk', attributes: { criticality: 'high' } }, { actor: 'seed' });
    return { server: server.id, service: service.id };
  })();
  return changeCis;
}

/** A change body whose window opens `startInMs` from the server's now and lasts `durationMs`. */
async function rfc(type: SubmitChange['type'], startInMs: number, durationMs: number, b: Partial<SubmitChange> = {}): Promise<SubmitChange> {
  const { server } = await changeFixtures();
  const now = await env.currentTimeMs();
  return {
    title: `Recorded for replay (${type})`,
    type,
    ciIds: [server],
    plannedStart: new Date(now + startInMs).toISOString(),
    plannedEnd: new Date(now + startInMs + durationMs).toISOString(),
    implementationPlan: 'apt upgrade, restart the service',
    backoutPlan: 'restore the VM snapshot',
    ciUpdates: [],
    ...b,
  };
}

/** The API's path (Update-with-Start) or a separate `create` after the start (a retrying caller). */
async function openChange(name: string, body: SubmitChange, via: 'update-with-start' | 'start-then-create' = 'update-with-start') {
  if (via === 'start-then-create') {
    const handle = await env.client.workflow.start(changeWorkflow, { taskQueue: TQ, workflowId: name, args: [changeInput()], memo: { title: body.title } });
    const view = await handle.executeUpdate(createChangeUpdate, { args: [{ actor: 'usr-agent', body }] });
    return { handle, view };
  }
  const startWorkflowOperation = new WithStartWorkflowOperation(changeWorkflow, {
    workflowId: name,
    taskQueue: TQ,
    args: [changeInput()],
    workflowIdConflictPolicy: 'FAIL',
    memo: { title: body.title },
  });
  const view = await env.client.workflow.executeUpdateWithStart(createChangeUpdate, { args: [{ actor: 'usr-agent', body }], startWorkflowOperation });
  return { handle: await startWorkflowOperation.workflowHandle(), view };
}

/** Polls the workflow's query (in real time) until `want` holds. */
async function changeUntil(handle: WorkflowHandle, want: (v: ChangeView) => boolean, where: string): Promise<ChangeView> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await handle.query(getChangeQuery);
    if (v && want(v)) return v;
    if (Date.now() > deadline) throw new Error(`${where}: timed out in state ${v?.state ?? '(none)'} after ${(await handle.describe()).historyLength} history events`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const inState = (handle: WorkflowHandle, state: string, where: string) => changeUntil(handle, (v) => v.state === state, `${where} (waiting for ${state})`);

/** A CAB vote as the API sends it (a signal), then waits until the workflow has recorded it. */
async function castVote(handle: WorkflowHandle, changeId: string, member: string, decision: 'approve' | 'reject', comment?: string): Promise<void> {
  const user = USERS.get(member);
  if (!user) throw new Error(`no demo user ${member}`);
  const voteId = `vote-replay-${++voteCounter}`;
  await handle.signal(voteSignal, { voteId, member, groups: user.groups, decision, ...(comment ? { comment } : {}) });
  const deadline = Date.now() + 30_000;
  while (!(await tdb.db.auditEvent.findFirst({ where: { recordId: changeId, action: 'vote', data: { contains: voteId } } }))) {
    if (Date.now() > deadline) throw new Error(`${handle.workflowId}: vote ${voteId} was not recorded`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function changeCommand<K extends ChangeCommandName>(handle: WorkflowHandle, name: K, body: ChangeCommandBody<K>, actor = 'usr-change_manager'): Promise<ChangeView> {
  return handle.executeUpdate(changeCommandUpdates[name] as typeof changeCommandUpdates.start, { args: [{ actor, body: body as never }] });
}

/** Moves the server's clock to `at` (plus a minute), or not at all if it is already past. */
async function sleepUntil(at: string | number): Promise<void> {
  const ms = (typeof at === 'string' ? Date.parse(at) : at) - (await env.currentTimeMs());
  if (ms > 0) await env.sleep(ms + MIN);
}

async function expectChangeClosed(handle: WorkflowHandle, changeId: string, state: string, where: string): Promise<void> {
  await completed(handle, where);
  const row = await tdb.db.change.findUniqueOrThrow({ where: { id: changeId } });
  if (row.state !== state) throw new Error(`${where}: expected state ${state}, got ${row.state}`);
}

/** The three approvals that reach the default CAB's quorum (3 of the 4 required: change manager and three CAB members). */
async function approveByCab(handle: WorkflowHandle, changeId: string): Promise<void> {
  await castVote(handle, changeId, 'usr-cab_member', 'approve');
  await castVote(handle, changeId, 'usr-cab_member2', 'approve');
  await castVote(handle, changeId, 'usr-cab_member3', 'approve', 'fine by me');
}

/** Normal change: assessment, CAB review with a duplicate vote, quorum, window, success with CMDB updates, review, close. */
async function changeNormalApproved() {
  const name = 'change-normal-approved-implemented';
  const { server } = await changeFixtures();
  const { handle, view } = await openChange(name, await rfc('normal', 3 * DAY, 2 * HOUR, { description: 'OS upgrade', ciUpdates: [{ ciId: server, attributes: { os: 'Debian 13' } }] }));
  const review = await inState(handle, 'cab_review', name);
  if (review.cab?.required.length !== 4 || review.cab.quorum !== 3) throw new Error(`${name}: expected quorum 3 of 4, got ${review.cab?.quorum} of ${review.cab?.required.length}`);
  await castVote(handle, view.id, 'usr-cab_member', 'approve', 'looks safe');
  await castVote(handle, view.id, 'usr-cab_member', 'approve', 'voting again'); // a duplicate: recorded, not counted
  await castVote(handle, view.id, 'usr-change_manager', 'approve');
  const pending = await handle.query(getChangeQuery);
  if (pending?.state !== 'cab_review' || pending.cab?.approvals !== 2) throw new Error(`${name}: expected 2 approvals pending, got ${pending?.state} ${pending?.cab?.approvals}`);
  await castVote(handle, view.id, 'usr-cab_member2', 'approve');
  const scheduled = await inState(handle, 'scheduled', name);
  await sleepUntil(scheduled.plannedStart); // the window timer
  await changeUntil(handle, (v) => v.windowOpenedAt !== null, `${name} (window)`);
  await changeCommand(handle, 'start', { notes: 'starting' }, 'usr-agent');
  await env.sleep(HOUR);
  const done = await changeCommand(handle, 'complete', { outcome: 'success', notes: 'upgraded' }, 'usr-agent');
  if (done.state !== 'implemented') throw new Error(`${name}: complete answered ${done.state}`);
  const ci = await tdb.db.configurationItem.findUniqueOrThrow({ where: { id: server } });
  if (!ci.attributes.includes('Debian 13')) throw new Error(`${name}: the CMDB update was not applied`);
  await changeCommand(handle, 'review', { notes: 'went to plan' });
  await changeCommand(handle, 'close', {});
  await expectChangeClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['submit', 'assessing', 'cab_review', 'vote', 'vote', 'vote', 'vote', 'approved', 'scheduled', 'window_opened', 'start', 'implemented', 'review', 'close'], name);
  await save(name, handle);
}

/** Standard change from a template: pre-approved, no CAB, straight to scheduled; then withdrawn. */
async function changeStandardPreapproved() {
  const name = 'change-standard-preapproved';
  const { handle, view } = await openChange(name, await rfc('standard', 2 * DAY, HOUR, { templateId: 'tpl-replay-patching' }), 'start-then-create');
  const scheduled = await inState(handle, 'scheduled', name);
  if (scheduled.cab !== null || scheduled.decision?.by !== 'system') throw new Error(`${name}: expected a pre-approval without CAB`);
  await changeCommand(handle, 'cancel', { reason: 'patch superseded' }, 'usr-agent');
  await expectChangeClosed(handle, view.id, 'cancelled', name);
  await expectActions(view.id, ['submit', 'assessing', 'pre_approved', 'scheduled', 'cancel'], name);
  await save(name, handle);
}

/** One approval, then silence: reminder at half the deadline (P1D), escalation at P2D, rejection as timed out after the grace (P1D). */
async function changeCabTimeout() {
  const name = 'change-cab-timeout';
  const { handle, view } = await openChange(name, await rfc('normal', 7 * DAY, 2 * HOUR));
  const review = await inState(handle, 'cab_review', name);
  await castVote(handle, view.id, 'usr-cab_member', 'approve');
  await sleepUntil(Date.parse(review.cab!.deadline) - DAY);
  await changeUntil(handle, (v) => v.cab?.remindedAt !== null, `${name} (reminder)`);
  await sleepUntil(review.cab!.deadline);
  await changeUntil(handle, (v) => v.cab?.escalatedAt !== null, `${name} (escalation)`);
  await sleepUntil(review.cab!.timeoutAt);
  await expectChangeClosed(handle, view.id, 'rejected', name);
  await expectActions(view.id, ['submit', 'assessing', 'cab_review', 'vote', 'cab_reminder', 'cab_escalated', 'rejected'], name);
  await save(name, handle);
}

/** Approved into a freeze: held; rescheduled out of it; implemented and closed without a review. */
async function changeFreezeHeldRescheduled(name: string) {
  const now = await env.currentTimeMs();
  const freeze = await tdb.db.changeFreeze.create({
    data: { id: 'frz-replay-1', name: 'Year-end', start: new Date(now + 2 * DAY), end: new Date(now + 5 * DAY), reason: 'financial close', createdBy: 'usr-change_manager' },
  });
  try {
    const { handle, view } = await openChange(name, await rfc('normal', 3 * DAY, 2 * HOUR));
    await inState(handle, 'cab_review', name);
    await approveByCab(handle, view.id);
    const held = await inState(handle, 'held', name);
    if (held.freezeId !== freeze.id) throw new Error(`${name}: held by ${held.freezeId}`);
    const start = now + 6 * DAY;
    const moved = await changeCommand(handle, 'reschedule', { plannedStart: new Date(start).toISOString(), plannedEnd: new Date(start + 2 * HOUR).toISOString() }, 'usr-agent');
    if (moved.state !== 'scheduled') throw new Error(`${name}: rescheduled into ${moved.state}`);
    await sleepUntil(start);
    await changeUntil(handle, (v) => v.windowOpenedAt !== null, `${name} (window)`);
    await changeCommand(handle, 'start', {}, 'usr-agent');
    await changeCommand(handle, 'complete', { outcome: 'success' }, 'usr-agent');
    await changeCommand(handle, 'close', { notes: 'no review needed' });
    await expectChangeClosed(handle, view.id, 'closed', name);
    await expectActions(view.id, ['submit', 'assessing', 'cab_review', 'vote', 'vote', 'vote', 'approved', 'held', 'reschedule', 'window_opened', 'start', 'implemented', 'close'], name);
    await save(name, handle);
  } finally {
    await tdb.db.changeFreeze.delete({ where: { id: freeze.id } });
  }
}

/** Held by a freeze that ends inside the window: the freeze-end timer schedules it, the rest of the window opens at once. */
async function changeFreezeEnded() {
  const name = 'change-freeze-ended-scheduled';
  const now = await env.currentTimeMs();
  const freeze = await tdb.db.changeFreeze.create({
    data: { id: 'frz-replay-2', name: 'Release weekend', start: new Date(now + 2 * DAY), end: new Date(now + 4 * DAY), reason: 'release', createdBy: 'usr-change_manager' },
  });
  try {
    const { handle, view } = await openChange(name, await rfc('normal', 4 * DAY - HOUR, 4 * HOUR));
    await inState(handle, 'cab_review', name);
    await approveByCab(handle, view.id);
    const held = await inState(handle, 'held', name);
    await sleepUntil(held.heldUntil!);
    await changeUntil(handle, (v) => v.state === 'scheduled' && v.windowOpenedAt !== null, `${name} (scheduled after the freeze)`);
    await changeCommand(handle, 'start', {}, 'usr-agent');
    await changeCommand(handle, 'complete', { outcome: 'success' }, 'usr-agent');
    await changeCommand(handle, 'close', {});
    await expectChangeClosed(handle, view.id, 'closed', name);
    await expectActions(view.id, ['submit', 'assessing', 'cab_review', 'vote', 'vote', 'vote', 'approved', 'held', 'scheduled', 'window_opened', 'start', 'implemented', 'close'], name);
    await save(name, handle);
  } finally {
    await tdb.db.changeFreeze.delete({ where: { id: freeze.id } });
  }
}

/** Held by a freeze that outlasts the window: at the freeze's end it stays held (the window passed) until rescheduled; then withdrawn. */
async function changeFreezeOutlastedWindow() {
  const name = 'change-freeze-outlasted-window';
  const now = await env.currentTimeMs();
  const freeze = await tdb.db.changeFreeze.create({
    data: { id: 'frz-replay-3', name: 'Audit', start: new Date(now + 2 * DAY), end: new Date(now + 5 * DAY), reason: 'external audit', createdBy: 'usr-change_manager' },
  });
  try {
    const { handle, view } = await openChange(name, await rfc('normal', 3 * DAY, 2 * HOUR));
    await inState(handle, 'cab_review', name);
    await approveByCab(handle, view.id);
    const held = await inState(handle, 'held', name);
    await sleepUntil(held.heldUntil!);
    const passed = await changeUntil(handle, (v) => v.heldUntil === null, `${name} (freeze end)`);
    if (passed.state !== 'held' || !/window passed/.test(passed.holdReason ?? '')) throw new Error(`${name}: after the freeze: ${passed.state} (${passed.holdReason})`);
    const start = (await env.currentTimeMs()) + DAY;
    const moved = await changeCommand(handle, 'reschedule', { plannedStart: new Date(start).toISOString(), plannedEnd: new Date(start + 2 * HOUR).toISOString() }, 'usr-agent');
    if (moved.state !== 'scheduled') throw new Error(`${name}: rescheduled into ${moved.state}`);
    await changeCommand(handle, 'cancel', { reason: 'merged into the next release' });
    await expectChangeClosed(handle, view.id, 'cancelled', name);
    await expectActions(view.id, ['submit', 'assessing', 'cab_review', 'vote', 'vote', 'vote', 'approved', 'held', 'held', 'reschedule', 'cancel'], name);
    await save(name, handle);
  } finally {
    await tdb.db.changeFreeze.delete({ where: { id: freeze.id } });
  }
}

/** Started, still running when the window closes (overrun), failed and backed out, reviewed, closed; its problem is told. */
async function changeFailedOverran() {
  const name = 'change-failed-overran';
  const { handle, view } = await openChange(name, await rfc('normal', 2 * DAY + 12 * HOUR, 2 * HOUR, { problemId: 'prb-replay-missing' }));
  await inState(handle, 'cab_review', name);
  await approveByCab(handle, view.id);
  const scheduled = await inState(handle, 'scheduled', name);
  await sleepUntil(scheduled.plannedStart);
  await changeUntil(handle, (v) => v.windowOpenedAt !== null, `${name} (window)`);
  await changeCommand(handle, 'start', { notes: 'go' }, 'usr-agent');
  await sleepUntil(scheduled.plannedEnd); // the overrun timer
  await changeUntil(handle, (v) => v.overranAt !== null, `${name} (overrun)`);
  const failed = await changeCommand(handle, 'complete', { outcome: 'failed', notes: 'migration script failed' }, 'usr-agent');
  if (failed.state !== 'failed' || !failed.backout) throw new Error(`${name}: complete answered ${failed.state}`);
  await changeCommand(handle, 'review', { notes: 'test the migration on a copy first' });
  await changeCommand(handle, 'close', {});
  await expectChangeClosed(handle, view.id, 'closed', name);
  await expectActions(view.id, ['submit', 'assessing', 'cab_review', 'vote', 'vote', 'vote', 'approved', 'scheduled', 'window_opened', 'start', 'overran', 'failed', 'review', 'close'], name);
  await save(name, handle);
}

/** Emergency change on a business service: the ECAB, one rejection decides. */
async function changeEmergencyRejected() {
  const name = 'change-emergency-rejected';
  const { service } = await changeFixtures();
  const { handle, view } = await openChange(name, await rfc('emergency', HOUR, HOUR, { ciIds: [service] }));
  const review = await inState(handle, 'cab_review', name);
  if (review.cab?.board !== 'ecab') throw new Error(`${name}: board ${review.cab?.board}`);
  await castVote(handle, view.id, 'usr-cab_member2', 'reject', 'no backout tested');
  await expectChangeClosed(handle, view.id, 'rejected', name);
  await expectActions(view.id, ['submit', 'assessing', 'cab_review', 'vote', 'rejected'], name);
  await save(name, handle);
}

/** Started but the `create` Update never came: the workflow gives up after createTimeoutMs. */
async function changeCreateTimeout() {
  const name = 'change-create-timeout';
  const input = changeInput();
  const handle = await env.client.workflow.start(changeWorkflow, { taskQueue: TQ, workflowId: name, args: [input] });
  await env.sleep(CHANGE_CONFIG.createTimeoutMs + 1000);
  await completed(handle, name);
  if ((await tdb.db.change.count({ where: { id: input.id } })) !== 0) throw new Error(`${name}: wrote a change`);
  await save(name, handle);
}


// ---- Problems: the room on the kernel, with real incident and change workflows around it ----

let problemCounter = 0;
async function openProblemRecord(name: string, body: Omit<ProblemSubmission, 'observationMs'> & { observationMs?: number }) {
  const n = ++problemCounter;
  const input: ProblemWorkflowInput = { id: `prb-replay-${n}`, number: `PRB9${String(n).padStart(6, '0')}`, config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } };
  // The real id scheme (not the file name): changes and incidents signal `problem-<number>`.
  const startWorkflowOperation = new WithStartWorkflowOperation(problemWorkflow, { workflowId: problemWorkflowId(input.number), taskQueue: TQ, args: [input], workflowIdConflictPolicy: 'FAIL' });
  const view = await env.client.workflow.executeUpdateWithStart(createProblemUpdate, { args: [{ actor: 'usr-problem_manager', body: { observationMs: 2 * DAY, ...body } }], startWorkflowOperation });
  return { handle: await startWorkflowOperation.workflowHandle(), view };
}

function problemCommand<K extends ProblemCommandName>(handle: WorkflowHandle, name: K, body: ProblemCommandPayloads[K]): Promise<ProblemView> {
  return handle.executeUpdate(problemCommandUpdates[name] as typeof problemCommandUpdates.investigate, { args: [{ actor: 'usr-problem_manager', body: body as never }] });
}

async function problemUntil(handle: WorkflowHandle, want: (v: ProblemView) => boolean, where: string): Promise<ProblemView> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await handle.query(getProblemQuery);
    if (v && want(v)) return v;
    if (Date.now() > deadline) throw new Error(`${where}: timed out in state ${v?.state ?? '(none)'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function incidentRowUntil(id: string, want: (row: { state: string; problemId: string | null }) => boolean, where: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!want(await tdb.db.incident.findUniqueOrThrow({ where: { id } }))) {
    if (Date.now() > deadline) throw new Error(`${where}: incident ${id} never got there`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Incident → problem → RCA → known error → RFC approved and implemented → the incident is
 * resolved by the fix, observation → a new incident matches the known error and reopens the
 * problem → resolved again, closed by the observation timer. Also saves the recurring
 * incident (matched at creation: the matching patch's marker) and the change.
 */
async function problemFixedByChange() {
  const name = 'problem-fixed-by-change';
  const { server } = await changeFixtures();
  const first = await open('problem-linked-incident', { ciId: server, category: 'batch' });
  const { handle, view } = await openProblemRecord(name, { title: 'Nightly batch aborts', ciId: server, category: 'batch', incidentIds: [first.view.id] });
  await incidentRowUntil(first.view.id, (r) => r.problemId === view.id, `${name} (link)`);
  await problemCommand(handle, 'rca', { method: 'five_whys', entries: [{ why: 'Why did it abort?', answer: 'disk full' }, { why: 'Why full?', answer: 'no log rotation' }] });
  await problemCommand(handle, 'known-error', { rootCause: 'no log rotation', workaround: 'truncate the logs', symptoms: 'batch aborts, disk full' });
  const pending = await problemCommand(handle, 'request-change', { change: await rfc('normal', 2 * DAY, 2 * HOUR), config: CHANGE_CONFIG });
  const change = env.client.workflow.getHandle(changeWorkflowId(pending.changes[0].number));
  await inState(change, 'cab_review', name);
  await approveByCab(change, pending.changes[0].id);
  const scheduled = await inState(change, 'scheduled', name);
  await sleepUntil(scheduled.plannedStart);
  await changeUntil(change, (v) => v.windowOpenedAt !== null, `${name} (window)`);
  await changeCommand(change, 'start', {}, 'usr-agent');
  await changeCommand(change, 'complete', { outcome: 'success' }, 'usr-agent');
  await problemUntil(handle, (v) => v.state === 'under_observation', `${name} (observation)`);
  await incidentRowUntil(first.view.id, (r) => r.state === 'resolved', `${name} (incident resolved by the fix)`);
  const again = await open('problem-recurring-incident', { ciId: server, category: 'batch' });
  if (again.view.problemId !== view.id || again.view.knownErrors.length !== 1) throw new Error(`${name}: the recurring incident did not match the known error`);
  await problemUntil(handle, (v) => v.state === 'investigating' && v.reopenCount === 1, `${name} (reopened)`);
  await problemCommand(handle, 'resolve', { code: 'cannot_reproduce', notes: 'not seen again after the reboot' });
  await sleepUntil((await handle.query(getProblemQuery))!.observationUntil!);
  await completed(handle, name);
  await expectActions(view.id, ['create', 'rca', 'rca', 'known_error', 'change_requested', 'resolve', 'observe', 'incidents_linked', 'resolve', 'observe', 'close'], name);
  await save(name, handle);
  await save('incident-known-error-matched', again.handle);
}

/** A known error with a waived RCA, an emergency RFC the ECAB rejects (the change tells the problem: its patch's marker), marked duplicate; the survivor accepts the risk. */
async function problemDuplicateRejected() {
  const name = 'problem-duplicate-rejected';
  const { service } = await changeFixtures();
  const survivor = await openProblemRecord(`${name}-survivor`, { title: 'Portal logins slow', serviceId: service });
  const inc = await open('problem-duplicate-incident', { serviceId: service });
  const dup = await openProblemRecord(name, { title: 'Portal slow at login', serviceId: service, incidentIds: [inc.view.id] });
  await problemCommand(dup.handle, 'investigate', {});
  await problemCommand(dup.handle, 'known-error', { rootCause: 'session store undersized', workaround: 'retry the login', rcaWaived: 'vendor confirmed the defect' });
  const pending = await problemCommand(dup.handle, 'request-change', { change: await rfc('emergency', HOUR, HOUR, { ciIds: [service] }), config: CHANGE_CONFIG });
  const change = env.client.workflow.getHandle(changeWorkflowId(pending.changes[0].number));
  await inState(change, 'cab_review', name);
  await castVote(change, pending.changes[0].id, 'usr-cab_member2', 'reject', 'no backout tested');
  await completed(change, `${name} (change rejected)`);
  await problemUntil(dup.handle, (v) => v.state === 'known_error' && v.changes[0]?.outcome === 'rejected', `${name} (back to known_error)`);
  await problemCommand(dup.handle, 'mark-duplicate', { of: { id: survivor.view.id, number: survivor.view.number } });
  await completed(dup.handle, name);
  await incidentRowUntil(inc.view.id, (r) => r.problemId === survivor.view.id, `${name} (incident moved)`);
  await problemCommand(survivor.handle, 'accept-risk', { reason: 'the portal is replaced next quarter' });
  await completed(survivor.handle, `${name}-survivor`);
  await expectActions(dup.view.id, ['create', 'investigate', 'known_error', 'change_requested', 'change_outcome', 'mark_duplicate'], name);
  await save(name, dup.handle);
  await save(`${name}-survivor`, survivor.handle);
  await save('change-rejected-tells-problem', change);
}

/** Five incidents on one CI in a week: trend detection opens one problem with them linked. */
async function problemTrendsOpened() {
  const name = 'problem-trends-opened';
  const ci = await createCi(tdb.db, { name: 'trend-db-01', class: 'database', status: 'live', attributes: { engine: 'PostgreSQL' } }, { actor: 'seed' });
  const incidents = [];
  for (let i = 0; i < 5; i++) incidents.push((await open(`${name}-incident-${i}`, { ciId: ci.id, impact: 'medium', urgency: 'medium' })).view.id);
  const now = await env.currentTimeMs();
  const handle = await env.client.workflow.start(problemTrendsWorkflow, {
    taskQueue: TQ,
    workflowId: name,
    args: [
      {
        trigger: 'api',
        from: new Date(now - 7 * DAY).toISOString(),
        to: new Date(now + MIN).toISOString(),
        requestedBy: 'usr-problem_manager',
        config: { windowMs: 7 * DAY, threshold: 5, observationMs: 14 * DAY, problem: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false }, searchAttributes: false },
      },
    ],
  });
  await completed(handle, name);
  const opened = await tdb.db.problem.findFirst({ where: { trendKey: `ci:${ci.id}` } });
  if (!opened) throw new Error(`${name}: no problem opened for the trend`);
  const linked = await tdb.db.problemIncident.count({ where: { problemId: opened.id } });
  if (linked !== incidents.length) throw new Error(`${name}: ${linked} incidents linked, expected ${incidents.length}`);
  await save(name, handle);
}

/** Ten days of a volume filling up: the upkeep run rolls them up, forecasts the limit within the horizon and opens one capacity problem. */
async function capacityMaintenanceProblem() {
  const name = 'capacity-maintenance-problem';
  const ci = await createCi(tdb.db, { name: 'capacity-san-01', class: 'storage', status: 'live', attributes: {} }, { actor: 'seed' });
  await tdb.db.capacityThreshold.create({ data: { id: 'cap_replay', number: 'CAP0000001', ciId: ci.id, metric: 'volume_used_percent', limit: 100, createdBy: 'seed' } });
  const now = await env.currentTimeMs();
  const base = Math.floor(now / HOUR) * HOUR - 10 * DAY;
  await insertMetricPoints(tdb.db, Array.from({ length: 240 }, (_, i) => ({ ciId: ci.id, metric: 'volume_used_percent', at: new Date(base + i * HOUR), value: 50 + i * 0.1 })));
  const config = { rollupLookbackHours: 3, rawRetentionDays: 30, hourlyRetentionDays: 180, forecastWindowDays: 30, planningHorizonDays: 90, observationMs: 14 * DAY, problem: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false }, searchAttributes: false };
  const handle = await env.client.workflow.start(capacityMaintenanceWorkflow, { taskQueue: TQ, workflowId: name, args: [{ trigger: 'api', at: new Date(now).toISOString(), from: new Date(base).toISOString(), config }] });
  await completed(handle, name);
  const opened = await tdb.db.problem.count({ where: { ciId: ci.id, trendKey: `capacity:${ci.number}:volume_used_percent` } });
  if (opened !== 1) throw new Error(`${name}: ${opened} capacity problems opened, expected 1`);
  await save(name, handle);
}

/** The software library's folders for this recording: its inbox (DSL_FILE_ROOT) and store (DSL_DIR). */
const DSL_BASE = mkdtempSync(path.join(os.tmpdir(), 'record-dsl-'));
const DSL = { dir: path.join(DSL_BASE, 'dsl'), fileRoot: path.join(DSL_BASE, 'inbox'), maxBytes: 1024 * 1024, fetchTimeoutMs: 10 * MIN };

/** A DSL artifact registered from a file: URI, verified (`ok`) or rejected for a checksum mismatch. */
async function dslVerification(name: string, ok: boolean) {
  mkdirSync(DSL.fileRoot, { recursive: true });
  const file = path.join(DSL.fileRoot, `${name}.tar.gz`);
  writeFileSync(file, `artifact for ${name}`);
  const digest = createHash('sha256').update(ok ? `artifact for ${name}` : 'something else').digest('hex');
  const id = `art_replay${String(++counter).padStart(16, '0')}`;
  await tdb.db.dslArtifact.create({ data: { id, name, version: '1.0.0', uri: pathToFileURL(file).href, sha256: digest, status: 'pending', createdBy: 'usr-release_manager' } });
  const input: DslVerificationInput = { artifactId: id, fetchTimeoutMs: DSL.fetchTimeoutMs, searchAttributes: false };
  const handle = await env.client.workflow.start(dslVerificationWorkflow, { taskQueue: TQ, workflowId: name, args: [input] });
  await completed(handle, name);
  const row = await tdb.db.dslArtifact.findUniqueOrThrow({ where: { id } });
  if (row.status !== (ok ? 'verified' : 'rejected')) throw new Error(`${name}: expected ${ok ? 'verified' : 'rejected'}, got ${row.status} (${row.error})`);
  await save(name, handle);
}

// ---- Monitoring: one alert opening an incident, repeats noted, recovery resolving it ----

async function monitoringAlert(name: string) {
  const ci = await createCi(tdb.db, { name: `${name}-db`, class: 'database', status: 'live', attributes: { engine: 'PostgreSQL' } }, { actor: 'seed' });
  const dedupKey = `${name}/db01/disk`;
  const event = (severity: MonitoringEvent['severity'], message: string): MonitoringEvent => ({ dedupKey, source: 'prometheus', node: 'db01', check: 'disk', severity, message, ciId: ci.id, receivedAt: Date.now() });
  const input: MonitoringAlertInput = { alertId: name, dedupKey, config: { incident: CONFIG, idleMs: DAY, noteIntervalMs: MIN, batchesPerRun: 500 } };
  const handle = await env.client.workflow.signalWithStart(monitoringAlertWorkflow, { taskQueue: TQ, workflowId: name, args: [input], signal: monitoringEventsSignal, signalArgs: [[event('critical', 'disk 97% full')]] });
  await waitFor(async () => (await tdb.db.monitoringAlert.findUnique({ where: { id: name } }))?.incidentId, `${name} (incident opened)`);
  await handle.signal(monitoringEventsSignal, [event('critical', 'disk 98% full'), event('critical', 'disk 99% full')]);
  await waitFor(async () => ((await tdb.db.monitoringAlert.findUnique({ where: { id: name } }))?.count ?? 0) >= 3 || undefined, `${name} (repeats noted)`);
  await handle.signal(monitoringEventsSignal, [event('resolved', 'disk 60% full')]);
  await completed(handle, name);
  const row = await tdb.db.monitoringAlert.findUniqueOrThrow({ where: { id: name } });
  const incident = await tdb.db.incident.findUniqueOrThrow({ where: { id: row.incidentId ?? (await tdb.db.incident.findFirstOrThrow({ where: { ciId: ci.id } })).id } });
  if (row.state !== 'resolved' || incident.state !== 'resolved') throw new Error(`${name}: expected the alert and its incident resolved, got ${row.state} / ${incident.state}`);
  await save(name, handle);
}

// ---- Notification e-mail: one notification to a group, mailed to each member with an address ----

async function notificationEmail(name: string) {
  await tdb.db.user.update({ where: { id: 'usr-agent' }, data: { email: 'agent@demo.itsm.local' } });
  const id = `ntf-${name}`;
  await tdb.db.notification.create({ data: { id, recordType: 'incident', recordId: 'inc-recorded', recipient: 'group:service-desk', kind: 'escalation', message: 'INC0000001 (P1) escalated to level 1: recorded' } });
  const handle = await env.client.workflow.start(notificationEmailWorkflow, { taskQueue: TQ, workflowId: name, args: [{ notificationId: id }] });
  const result = await handle.result();
  if (result.sent !== 1 || result.failed !== 0) throw new Error(`${name}: expected one mail sent, got ${JSON.stringify(result)}`);
  await save(name, handle);
}

/** A scheduled report run by hand (the time-skipping server has no Schedules): as of a fixed instant, so its period is March 2025; or with parameters the report refuses, which fail it without retries. */
async function reportRun(name: string, params: Record<string, unknown>, fails: boolean) {
  await tdb.db.reportSchedule.upsert({ where: { id: 'rps-recorded' }, create: { id: 'rps-recorded', number: 'RPS9000001', report: 'sla', params: JSON.stringify({ ...params, period: 'previous_month' }), cron: '0 0 1 * *', timezone: 'Europe/Berlin', createdBy: 'usr-admin' }, update: {} });
  const input: ReportRunInput = { scheduleId: 'rps-recorded', scheduleNumber: 'RPS9000001', report: 'sla', params, period: 'previous_month', timezone: 'Europe/Berlin', recipients: ['user:usr-admin'], catchupWindowMs: DAY, manualAt: '2025-04-01T06:00:00.000Z', searchAttributes: false };
  const handle = await env.client.workflow.start(reportRunWorkflow, { taskQueue: TQ, workflowId: name, args: [input] });
  const outcome = await handle.result().then(
    (r) => r,
    (e: Error) => e,
  );
  if (fails !== outcome instanceof Error) throw new Error(`${name}: expected ${fails ? 'a failure' : 'a run'}, got ${outcome instanceof Error ? outcome.message : JSON.stringify(outcome)}`);
  await save(name, handle);
}

/**
 * A complaint left unacknowledged past its warning and its target (both alarms fire, each once),
 * then acknowledged, investigated, resolved, reopened, resolved again and closed.
 */
async function feedbackComplaint(name: string) {
  const input: FeedbackWorkflowInput = { id: `fbk-${name}`, number: 'FBK9000001', config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } };
  const op = new WithStartWorkflowOperation(feedbackWorkflow, { workflowId: name, taskQueue: TQ, args: [input], workflowIdConflictPolicy: 'FAIL' });
  await env.client.workflow.executeUpdateWithStart(createFeedbackUpdate, {
    args: [{ actor: 'usr-agent', body: { customerId: 'cus-recorded', accountManager: 'usr-change_manager', kind: 'complaint', title: 'Payslips late', description: null, serviceId: null, group: 'service-desk', acknowledgeMs: DAY, resolveMs: 10 * DAY } }],
    startWorkflowOperation: op,
  });
  const handle = await op.workflowHandle();
  await env.sleep(DAY + HOUR);
  await waitFor(async () => (await actions(input.id)).includes('acknowledge_breach'), `${name}: acknowledgement breach`);
  const step = (verb: keyof typeof feedbackCommandUpdates, body: object = {}) => handle.executeUpdate(feedbackCommandUpdates[verb] as typeof feedbackCommandUpdates.acknowledge, { args: [{ actor: 'usr-agent', body: body as never }] });
  await step('acknowledge', { note: 'called back' });
  await step('investigate');
  await step('resolve', { resolution: 'batch rerun' });
  await step('reopen', { reason: 'still missing one payslip' });
  await step('resolve', { resolution: 'payslip reissued' });
  await step('close');
  await completed(handle, name);
  await expectActions(input.id, ['create', 'acknowledge_warning', 'acknowledge_breach', 'acknowledge', 'investigate', 'resolve', 'reopen', 'resolve', 'close'], name);
  await save(name, handle);
}

/**
 * A supplier contract with a manual renewal left undecided: both renewal reminders, the
 * escalation at the notice deadline (its group manager read by an activity), then renewed late
 * with a new value and terminated before the new term's notice deadline.
 */
async function contractEscalated(name: string) {
  const input: ContractWorkflowInput = { id: `ctr-${name}`, number: 'CTR9000001', config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } };
  const t0 = await env.currentTimeMs();
  const op = new WithStartWorkflowOperation(contractWorkflow, { workflowId: name, taskQueue: TQ, args: [input], workflowIdConflictPolicy: 'FAIL' });
  await env.client.workflow.executeUpdateWithStart(createContractUpdate, {
    args: [{ actor: 'usr-change_manager', body: { supplierId: 'sup-recorded', title: 'WAN', value: 1200, currency: 'EUR', startDate: t0, endDate: t0 + 120 * DAY, noticeDays: 30, renewal: 'manual', ownerGroup: 'l2-support', owner: 'usr-agent', slaId: null, serviceId: null, reminderDays: [30, 7] } }],
    startWorkflowOperation: op,
  });
  const handle = await op.workflowHandle();
  await env.sleep(91 * DAY);
  await waitFor(async () => (await actions(input.id)).includes('escalation'), `${name}: escalation`);
  const step = (verb: keyof typeof contractCommandUpdates, body: object) => handle.executeUpdate(contractCommandUpdates[verb] as typeof contractCommandUpdates.amend, { args: [{ actor: 'usr-change_manager', body: body as never }] });
  await step('renew', { endDate: new Date(t0 + 485 * DAY).toISOString(), value: 1500 });
  await step('terminate', { reason: 'moving to another carrier' });
  await completed(handle, name);
  await expectActions(input.id, ['create', 'reminder_30', 'reminder_7', 'escalation', 'renew', 'terminate'], name);
  await save(name, handle);
}

/** A security policy left unreviewed: both reminders, the lapse at its review date, then reviewed late (the next date watched) and retired. */
async function securityPolicyLapsed(name: string) {
  const input: SecurityPolicyWorkflowInput = { id: `pol-${name}`, number: 'POL9000001', config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } };
  const t0 = await env.currentTimeMs();
  const op = new WithStartWorkflowOperation(securityPolicyWorkflow, { workflowId: name, taskQueue: TQ, args: [input], workflowIdConflictPolicy: 'FAIL' });
  await env.client.workflow.executeUpdateWithStart(createSecurityPolicyUpdate, {
    args: [{ actor: 'usr-admin', body: { title: 'Passwords', ownerGroup: 'l2-support', body: 'Use a password manager.', reviewDue: t0 + 60 * DAY, reminderDays: [30, 7] } }],
    startWorkflowOperation: op,
  });
  const handle = await op.workflowHandle();
  await env.sleep(61 * DAY);
  await waitFor(async () => (await actions(input.id)).includes('overdue'), `${name}: lapse`);
  await handle.executeUpdate(securityPolicyCommandUpdates.review, { args: [{ actor: 'usr-admin', body: { nextReviewDue: new Date(t0 + 400 * DAY).toISOString(), note: 'still right' } }] });
  await handle.executeUpdate(securityPolicyCommandUpdates.retire, { args: [{ actor: 'usr-admin', body: { reason: 'superseded' } }] });
  await completed(handle, name);
  await expectActions(input.id, ['create', 'reminder_30', 'reminder_7', 'overdue', 'review', 'retire'], name);
  await save(name, handle);
}

/** An access review left undecided: both reminders, the escalation (the group manager read by an activity), then decided late (one revoke) and complete. */
async function accessReviewEscalated(name: string) {
  const input: AccessReviewWorkflowInput = { id: `arv-${name}`, number: 'ARV9000001', config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } };
  const op = new WithStartWorkflowOperation(accessReviewWorkflow, { workflowId: name, taskQueue: TQ, args: [input], workflowIdConflictPolicy: 'FAIL' });
  await env.client.workflow.executeUpdateWithStart(createAccessReviewUpdate, {
    args: [{ actor: 'usr-admin', body: { ciId: 'ci-recorded', ciNumber: 'CI9000001', ciName: 'Payroll', ownerGroup: 'l2-support', owner: 'usr-agent', dueDays: 14, accounts: [{ account: 'ann', holder: 'Ann', access: 'admin' }, { account: 'bob', holder: 'Bob', access: 'read' }] } }],
    startWorkflowOperation: op,
  });
  const handle = await op.workflowHandle();
  await env.sleep(15 * DAY);
  await waitFor(async () => (await actions(input.id)).includes('escalation'), `${name}: escalation`);
  const decide = (account: string, decision: 'confirm' | 'revoke') => handle.executeUpdate(accessReviewCommandUpdates.decide, { args: [{ actor: 'usr-agent', body: { account, decision } }] });
  await decide('ann', 'revoke');
  await decide('bob', 'confirm');
  await completed(handle, name);
  await expectActions(input.id, ['create', 'reminder_7', 'reminder_1', 'escalation', 'decide', 'decide'], name);
  await save(name, handle);
}

/** A system's scheduled access review run (the time-skipping server has no Schedules, so started as its Schedule would): it opens one review from the stored schedule row. */
async function accessReviewScheduled(name: string) {
  const ci = await createCi(tdb.db, { name: 'Ledger', class: 'server', status: 'live', ownerGroup: 'l2-support' }, { actor: 'seed' });
  await tdb.db.accessReviewSchedule.create({ data: { ciId: ci.id, cron: '0 6 1 * *', owner: 'usr-agent', dueDays: 14, accounts: JSON.stringify([{ account: 'svc-etl', holder: 'ETL job', access: 'write' }]), createdBy: 'usr-admin' } });
  const handle = await env.client.workflow.start(accessReviewScheduledWorkflow, { taskQueue: TQ, workflowId: name, args: [{ ciId: ci.id, config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } }] });
  const number = await handle.result();
  if (!number || !(await tdb.db.accessReview.findFirst({ where: { ciId: ci.id, number } }))) throw new Error(`${name}: no review opened`);
  await save(name, handle);
}

/**
 * A DR test left to run late: step 0 reminded and escalated (the group manager read by an
 * activity), both steps done after the 60-minute RTO, so it is overrun and raises a problem (its
 * number reserved by one activity, opened by another).
 */
async function continuityRunOverrun(name: string) {
  const input: ContinuityRunWorkflowInput = { id: `drt-${name}`, number: 'DRT9000001', config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } };
  const op = new WithStartWorkflowOperation(continuityRunWorkflow, { workflowId: name, taskQueue: TQ, args: [input], workflowIdConflictPolicy: 'FAIL' });
  const steps = [
    { title: 'Fail the database over', group: 'l2-support', instructions: '', durationMinutes: 40 },
    { title: 'Repoint the application', group: 'l3-support', instructions: '', durationMinutes: 20 },
  ];
  await env.client.workflow.executeUpdateWithStart(createContinuityRunUpdate, {
    args: [{ actor: 'usr-admin', body: { kind: 'test', incident: null, service: { id: 'svc-recorded', number: 'CI9000002', name: 'Payments' }, plan: { id: 'bcp-recorded', number: 'BCP9000001', name: 'Payments DR', rtoMinutes: 60, ownerGroup: 'l2-support', steps } } }],
    startWorkflowOperation: op,
  });
  const handle = await op.workflowHandle();
  await env.sleep(41 * MIN);
  await waitFor(async () => (await actions(input.id)).includes('step_escalation'), `${name}: escalation`);
  const command = <K extends keyof typeof continuityRunCommandUpdates>(k: K, body: Record<string, unknown>) => handle.executeUpdate(continuityRunCommandUpdates[k].name, { args: [{ actor: 'usr-admin', body }] });
  await command('start-step', { step: 0 });
  await command('complete-step', { step: 0, evidence: 'replica promoted' });
  await env.sleep(25 * MIN);
  await command('complete-step', { step: 1, evidence: 'DSN changed' });
  await completed(handle, name);
  await expectActions(input.id, ['create', 'step_reminder', 'step_escalation', 'start_step', 'complete_step', 'step_reminder', 'step_escalation', 'complete_step', 'problem_raised'], name);
  await save(name, handle);
}

/** An invocation linked to a major incident (noted on it by an activity at creation): its step failed, done again, the service recovered. */
async function continuityInvocation(name: string) {
  const incident = await open(`${name}-incident`, { title: 'Payments down' });
  const input: ContinuityRunWorkflowInput = { id: `drt-${name}`, number: 'DRT9000002', config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } };
  const op = new WithStartWorkflowOperation(continuityRunWorkflow, { workflowId: name, taskQueue: TQ, args: [input], workflowIdConflictPolicy: 'FAIL' });
  await env.client.workflow.executeUpdateWithStart(createContinuityRunUpdate, {
    args: [{ actor: 'usr-admin', body: { kind: 'invocation', incident: { id: incident.view.id, number: incident.view.number }, service: { id: 'svc-recorded', number: 'CI9000002', name: 'Payments' },
      plan: { id: 'bcp-recorded', number: 'BCP9000001', name: 'Payments DR', rtoMinutes: 60, ownerGroup: 'l2-support', steps: [{ title: 'Switch to the standby site', group: 'l2-support', instructions: '', durationMinutes: 30 }] } } }],
    startWorkflowOperation: op,
  });
  const handle = await op.workflowHandle();
  await waitFor(async () => (await actions(incident.view.id)).includes('notes'), `${name}: the incident's note`);
  const step = (k: 'fail-step' | 'complete-step', body: Record<string, unknown>) => handle.executeUpdate(continuityRunCommandUpdates[k].name, { args: [{ actor: 'usr-admin', body }] });
  await step('fail-step', { step: 0, reason: 'standby DNS stale' });
  await step('complete-step', { step: 0, evidence: 'DNS flushed' });
  await completed(handle, name);
  await expectActions(input.id, ['create', 'fail_step', 'complete_step'], name);
  await command(incident.handle, 'cancel', { reason: 'recorded' });
  await save(name, handle);
}

/** The daily continuity check (the time-skipping server has no Schedules, so started as its Schedule would): one plan lapsed, its event raised once. */
async function continuityCheck(name: string) {
  const service = await createCi(tdb.db, { name: 'Archive', class: 'service', status: 'live' }, { actor: 'seed' });
  const steps = JSON.stringify([{ title: 'Restore', group: 'l2-support', instructions: '', durationMinutes: 30 }]);
  await tdb.db.continuityPlan.create({ data: { id: 'bcp-recorded-check', number: 'BCP9000002', serviceId: service.id, name: 'Archive DR', rtoMinutes: 60, rpoMinutes: 60, steps, ownerGroup: 'l2-support', testIntervalDays: 30, createdBy: 'usr-admin', createdAt: new Date(Date.now() - 400 * DAY) } });
  const handle = await env.client.workflow.start(continuityCheckWorkflow, { taskQueue: TQ, workflowId: name, args: [{}] });
  const { raised } = await handle.result();
  if (JSON.stringify(raised) !== JSON.stringify(['BCP9000002'])) throw new Error(`${name}: raised ${JSON.stringify(raised)}`);
  await save(name, handle);
}

/** A plan's scheduled DR test run (started as its Schedule would): it opens one test of the plan as it is then. */
async function continuityScheduledTest(name: string) {
  const service = await createCi(tdb.db, { name: 'Mail', class: 'service', status: 'live' }, { actor: 'seed' });
  const steps = JSON.stringify([{ title: 'Restore', group: 'l2-support', instructions: '', durationMinutes: 30 }]);
  await tdb.db.continuityPlan.create({ data: { id: 'bcp-recorded-scheduled', number: 'BCP9000003', serviceId: service.id, name: 'Mail DR', rtoMinutes: 60, rpoMinutes: 60, steps, ownerGroup: 'l2-support', testCron: '0 6 1 1,7 *', createdBy: 'usr-admin' } });
  const handle = await env.client.workflow.start(continuityScheduledTestWorkflow, { taskQueue: TQ, workflowId: name, args: [{ planId: 'bcp-recorded-scheduled', config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } }] });
  const number = await handle.result();
  if (!number || !(await tdb.db.continuityRun.findFirst({ where: { planId: 'bcp-recorded-scheduled', number, createdBy: 'system' } }))) throw new Error(`${name}: no test opened`);
  await save(name, handle);
}

/** A customer's service review run by hand as of 1 April 2025 (the time-skipping server has no Schedules): its agenda for March stored once. */
async function serviceReview(name: string) {
  await tdb.db.customer.upsert({ where: { id: 'cus-recorded' }, create: { id: 'cus-recorded', number: 'CUS9000001', name: 'Recorded customer', accountManager: 'usr-change_manager', createdBy: 'usr-admin' }, update: {} });
  const handle = await env.client.workflow.start(serviceReviewWorkflow, { taskQueue: TQ, workflowId: name, args: [{ customerId: 'cus-recorded', customerNumber: 'CUS9000001', manualAt: '2025-04-01T06:00:00.000Z' }] });
  await completed(handle, name);
  const review = await tdb.db.serviceReview.findFirstOrThrow({ where: { customerId: 'cus-recorded' } });
  if (review.periodFrom.toISOString() !== '2025-03-01T00:00:00.000Z') throw new Error(`${name}: the review covers ${review.periodFrom.toISOString()}`);
  await save(name, handle);
}

/**
 * What-if simulation of the London office-hours calendar over three incidents of January 2011
 * (written as their workflows would have recorded them), one page each, so the run pages three
 * times and finishes; or, `fails`, with one incident's stored clock corrupt: the page fails its
 * five attempts and the run records the failure on the simulation and fails.
 */
async function slaSimulation(name: string, fails: boolean) {
  const slaId = `sla-${name}`;
  const sla = await tdb.db.sla.create({ data: { id: slaId, number: slaId.toUpperCase(), name, kind: 'SLA', calendar: '"24x7"', targets: JSON.stringify(DEFAULT_TARGETS) } });
  const event = (at: string, status: string, subStatus: string) => ({ at: new Date(at), status, subStatus, team: 'desk', tier: 'L1', impact: 'Medium' as const, product: 'mail', country: 'BE', owner: 'x' });
  const incidents: VolvoIncident[] = [
    { srNumber: '1', events: [event('2011-01-07T15:00:00Z', 'Accepted', 'In Progress'), event('2011-01-07T16:00:00Z', 'Accepted', 'Wait - User'), event('2011-01-10T10:00:00Z', 'Accepted', 'In Progress'), event('2011-01-10T15:00:00Z', 'Completed', 'Resolved')] },
    { srNumber: '2', events: [event('2011-01-14T16:30:00Z', 'Queued', 'Awaiting Assignment'), event('2011-01-17T09:30:00Z', 'Accepted', 'In Progress'), event('2011-01-17T12:00:00Z', 'Completed', 'Resolved')] },
    { srNumber: '3', events: [event('2011-01-20T08:00:00Z', 'Accepted', 'In Progress'), event('2011-01-20T09:00:00Z', 'Completed', 'Resolved'), event('2011-01-21T09:00:00Z', 'Accepted', 'In Progress'), event('2011-01-21T20:00:00Z', 'Completed', 'Closed')] },
  ];
  await writeLifecycles(tdb.db, incidents.map((inc) => volvoLifecycle(inc, { id: `inc-${name}-${inc.srNumber}`, number: `INC-${name}-${inc.srNumber}` }, slaPolicyOf(sla))));
  if (fails) await tdb.db.incident.update({ where: { id: `inc-${name}-2` }, data: { sla: '{"slaId":"broken"}' } });
  const simulationId = `sim-${name}`;
  const changes = { calendar: { timezone: 'Europe/London', hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['09:00', '17:00']])), holidays: [] } };
  await tdb.db.slaSimulation.create({ data: { id: simulationId, number: `SIM-${name}`, slaId, changes: JSON.stringify(changes), periodFrom: new Date('2011-01-01T00:00:00Z'), periodTo: new Date('2011-02-01T00:00:00Z'), status: 'running', createdBy: 'usr-admin' } });
  const input: SlaSimulationInput = { simulationId, slaId, policy: proposedPolicy(sla, changes as never), from: Date.parse('2011-01-01T00:00:00Z'), to: Date.parse('2011-02-01T00:00:00Z'), asOf: Date.parse('2011-03-01T00:00:00Z'), batchSize: 1 };
  const handle = await env.client.workflow.start(slaSimulationWorkflow, { taskQueue: TQ, workflowId: name, args: [input] });
  const outcome = await handle.result().then(
    (r) => r,
    (e: Error) => e,
  );
  if (fails !== outcome instanceof Error) throw new Error(`${name}: expected ${fails ? 'a failure' : 'a run'}, got ${outcome instanceof Error ? outcome.message : JSON.stringify(outcome)}`);
  const row = await tdb.db.slaSimulation.findUniqueOrThrow({ where: { id: simulationId } });
  if (row.status !== (fails ? 'failed' : 'completed') || row.total !== 3) throw new Error(`${name}: the simulation row reads ${row.status}, ${row.processed}/${row.total}`);
  await save(name, handle);
}

async function waitFor<T>(check: () => Promise<T | undefined | null | false>, where: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${where}: timed out`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- Releases: the room on the kernel, its deployment children, a real change it drives ----

const RELEASE_ENVIRONMENTS = ['test', 'staging', 'production'];
let releaseCounter = 0;

/** The environments as CIs (a deployed release records its components `deployed_in` them), made once. */
let releaseEnvironments: Promise<void> | undefined;

/**
 * What a release carries: an application (the unit) and its software component, a verified
 * DSL artifact, and a standard change over the component, pre-approved by a template row,
 * its window opening `startInMs` from now and lasting a day.
 */
async function releaseFixtures(name: string, startInMs = -MIN) {
  releaseEnvironments ??= (async () => {
    for (const env of RELEASE_ENVIRONMENTS) await createCi(tdb.db, { name: env, class: 'environment', status: 'live', attributes: {} }, { actor: 'seed' });
  })();
  await releaseEnvironments;
  const app = await createCi(tdb.db, { name: `${name}-shop`, class: 'application', status: 'live', attributes: {} }, { actor: 'seed' });
  const api = await createCi(tdb.db, { name: `${name}-shop-api`, class: 'software', status: 'live', attributes: { version: '1.0.0' } }, { actor: 'seed' });
  const sha = createHash('sha256').update(name).digest('hex');
  const art = await tdb.db.dslArtifact.create({ data: { id: `art_replay${String(++counter).padStart(16, '0')}`, name: `${name}-shop`, version: '2.0.0', uri: `file:///dsl/${name}.tgz`, sha256: sha, actualSha256: sha, status: 'verified', createdBy: 'usr-release_manager' } });
  const tpl = await tdb.db.changeTemplate.create({ data: { id: `tpl-${name}`, name: `deploy ${name}`, implementationPlan: 'run the pipeline', backoutPlan: 'redeploy the previous version', createdBy: 'usr-admin' } });
  const change = await openChange(`${name}-change`, await rfc('standard', startInMs, DAY, { ciIds: [api.id], templateId: tpl.id, implementationPlan: tpl.implementationPlan, backoutPlan: tpl.backoutPlan }));
  // Its window opened (when it has) before the release links it: the change's trail has one order.
  await changeUntil(change.handle, (v) => v.state === 'scheduled' && (startInMs > 0 || v.windowOpenedAt !== null), `${name} (change scheduled)`);
  const ref = (c: { id: string; number: string; name: string; class: string }) => ({ id: c.id, number: c.number, name: c.name, class: c.class });
  const body: ReleaseSubmission = {
    name: 'Shop',
    version: '2.0.0',
    description: 'Recorded for replay',
    type: 'full',
    unit: ref(app),
    cis: [ref(api)],
    changes: [{ id: change.view.id, number: change.view.number }],
    artifacts: [{ id: art.id, name: art.name, version: art.version, sha256: sha, url: `http://localhost:3000/api/v1/dsl/artifacts/${art.id}/content` }],
    environments: RELEASE_ENVIRONMENTS,
    buildRequired: false,
    healthChecks: {},
    timeouts: { build: 2 * HOUR, test: 4 * HOUR, deploy: HOUR, verify: 30 * MIN },
  };
  return { body, change };
}

/** The API's path (temporal/open-release.ts): Update-with-Start of `create`, under the real id scheme (the release's changes signal `release-<number>`). */
async function openReleaseRecord(body: ReleaseSubmission) {
  const n = ++releaseCounter;
  const input: ReleaseWorkflowInput = { id: `rel-replay-${n}`, number: `REL9${String(n).padStart(6, '0')}`, config: { continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } };
  const startWorkflowOperation = new WithStartWorkflowOperation(releaseWorkflow, { workflowId: releaseWorkflowId(input.number), taskQueue: TQ, args: [input], workflowIdConflictPolicy: 'FAIL', memo: { title: `${body.name} ${body.version}` } });
  const view = await env.client.workflow.executeUpdateWithStart(createReleaseUpdate, { args: [{ actor: 'usr-release_manager', body }], startWorkflowOperation });
  return { handle: await startWorkflowOperation.workflowHandle(), view, number: input.number };
}

function releaseCommand<K extends ReleaseCommandName>(handle: WorkflowHandle, name: K, body: ReleaseCommandPayloads[K], actor = 'usr-release_manager'): Promise<ReleaseView> {
  return handle.executeUpdate(releaseCommandUpdates[name] as typeof releaseCommandUpdates.approve, { args: [{ actor, body: body as never }] });
}

/** A stage result as the API forwards it from a build, test or deployment system. */
const stageResult = (handle: WorkflowHandle, stage: string, status: 'succeeded' | 'failed', details?: string) =>
  releaseCommand(handle, 'stage-result', { stage, status, ...(details ? { details } : {}) }, 'usr-automation');

async function releaseUntil(handle: WorkflowHandle, want: (v: ReleaseView) => boolean, where: string): Promise<ReleaseView> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await handle.query(getReleaseQuery);
    if (v && want(v)) return v;
    if (Date.now() > deadline) throw new Error(`${where}: timed out in state ${v?.state ?? '(none)'} (${v?.stages.map((st) => `${st.stage}=${st.status}`).join(', ')})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stageRunning = (handle: WorkflowHandle, stage: string, where: string) =>
  releaseUntil(handle, (v) => v.stages.some((st) => st.stage === stage && st.status === 'running'), `${where} (waiting for ${stage})`);

async function expectReleaseClosed(handle: WorkflowHandle, recordId: string, state: string, where: string): Promise<void> {
  await completed(handle, where);
  const row = await tdb.db.release.findUniqueOrThrow({ where: { id: recordId } });
  if (row.state !== state) throw new Error(`${where}: expected state ${state}, got ${row.state}`);
}

const deployment = (number: string, action: 'deploy' | 'rollback', environment: string) => env.client.workflow.getHandle(deploymentWorkflowId(number, action, environment));

/**
 * Build and test reported; test deployed and verified by reports; staging verified by polling
 * a health URL (503, then 200: the activity's retries); production waits at the gate for the
 * release manager, starts the change, deploys; deployed: the change completed by the release.
 * Also saves a reported and a polled deployment child, and the change the release drove.
 */
async function releaseDeployed() {
  const name = 'release-deployed';
  let calls = 0;
  const health = http.createServer((req, res) => {
    req.resume();
    res.statusCode = ++calls === 1 ? 503 : 200;
    res.end();
  });
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', () => resolve()));
  try {
    const { body, change } = await releaseFixtures(name);
    const url = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
    const { handle, view, number } = await openReleaseRecord({ ...body, buildRequired: true, healthChecks: { staging: url } });
    await stageRunning(handle, 'build', name);
    await stageResult(handle, 'build', 'succeeded', 'build #42');
    await stageRunning(handle, 'test', name);
    await stageResult(handle, 'test', 'succeeded');
    await stageRunning(handle, 'deploy:test', name);
    await stageResult(handle, 'deploy:test', 'succeeded');
    await stageResult(handle, 'verify:test', 'succeeded');
    await stageRunning(handle, 'deploy:staging', name);
    await stageResult(handle, 'deploy:staging', 'succeeded');
    // The health check's retry backoff is a server timer: skip through it.
    for (let i = 0; i < 20 && !(await handle.query(getReleaseQuery))?.deployed.includes('staging'); i++) await env.sleep(5_000);
    const gate = await releaseUntil(handle, (v) => v.state === 'awaiting_approval' && v.gate?.environment === 'production', `${name} (production gate)`);
    if (calls !== 2) throw new Error(`${name}: expected 2 health checks, got ${calls}`);
    if (gate.gate?.reasons.join() !== "production needs the release manager's approval") throw new Error(`${name}: gate ${JSON.stringify(gate.gate)}`);
    await releaseCommand(handle, 'approve', { comment: 'go' });
    await stageRunning(handle, 'deploy:production', name);
    await stageResult(handle, 'deploy:production', 'succeeded');
    await stageResult(handle, 'verify:production', 'succeeded', 'error rate 0.1%');
    await expectReleaseClosed(handle, view.id, 'deployed', name);
    const implemented = await tdb.db.change.findUniqueOrThrow({ where: { id: change.view.id } });
    if (implemented.state !== 'implemented') throw new Error(`${name}: change ${implemented.state}`);
    await expectActions(
      view.id,
      [
        'create', 'build', 'stage_succeeded', 'stage_succeeded', 'deploy_requested', 'stage_result', 'stage_result', 'environment_deployed',
        'deploy_requested', 'stage_result', 'environment_deployed', 'gate_held', 'approve', 'changes_started',
        'deploy_requested', 'stage_result', 'stage_result', 'environment_deployed', 'deployed',
      ],
      name,
    );
    await save(name, handle);
    const test = deployment(number, 'deploy', 'test');
    await completed(test, `${name} (deploy:test)`);
    await save('release-deployment-reported', test);
    const staging = deployment(number, 'deploy', 'staging');
    await completed(staging, `${name} (deploy:staging)`);
    await save('release-deployment-health-checked', staging);
    // Closed after its release ended: the move is still signalled, and the change waits for the answer (not found) before it ends.
    await changeCommand(change.handle, 'close', {});
    await expectChangeClosed(change.handle, change.view.id, 'closed', name);
    await expectActions(change.view.id, ['submit', 'assessing', 'pre_approved', 'scheduled', 'window_opened', 'release_linked', 'start', 'implemented', 'close'], `${name}-change`);
    await save(`${name}-change`, change.handle);
  } finally {
    await new Promise<void>((resolve) => health.close(() => resolve()));
  }
}

/**
 * Approved early; test and staging deployed; production's deployment system never reports:
 * its child times out, and the saga rolls back production, staging and test, last first; the
 * change the release started completes failed with its backout.
 */
async function releaseRolledBack() {
  const name = 'release-rolled-back';
  const { body, change } = await releaseFixtures(name);
  const { handle, view, number } = await openReleaseRecord({ ...body, timeouts: { ...body.timeouts, deploy: 20 * MIN } });
  await stageRunning(handle, 'test', name);
  await releaseCommand(handle, 'approve', {});
  await stageResult(handle, 'test', 'succeeded');
  for (const e of ['test', 'staging']) {
    await stageRunning(handle, `deploy:${e}`, name);
    await stageResult(handle, `deploy:${e}`, 'succeeded');
    await stageResult(handle, `verify:${e}`, 'succeeded');
  }
  await stageRunning(handle, 'deploy:production', name);
  await env.sleep(21 * MIN); // the deploy report's timeout, in the child
  for (const e of ['production', 'staging', 'test']) {
    await stageRunning(handle, `rollback:${e}`, name);
    await stageResult(handle, `rollback:${e}`, 'succeeded', `${e} restored`);
  }
  await expectReleaseClosed(handle, view.id, 'rolled_back', name);
  const row = await tdb.db.change.findUniqueOrThrow({ where: { id: change.view.id } });
  if (row.state !== 'failed') throw new Error(`${name}: change ${row.state}`);
  await expectActions(
    view.id,
    [
      'create', 'test', 'approve', 'stage_succeeded', 'deploy_requested', 'stage_result', 'stage_result', 'environment_deployed',
      'deploy_requested', 'stage_result', 'stage_result', 'environment_deployed', 'changes_started', 'deploy_requested',
      'rollback_started', 'rollback_requested', 'stage_result', 'environment_rolled_back', 'rollback_requested', 'stage_result',
      'environment_rolled_back', 'rollback_requested', 'stage_result', 'rolled_back', 'changes_failed',
    ],
    name,
  );
  await save(name, handle);
  const timedOut = deployment(number, 'deploy', 'production');
  await completed(timedOut, `${name} (deploy:production)`);
  await save('release-deployment-timed-out', timedOut);
  const rollback = deployment(number, 'rollback', 'staging');
  await completed(rollback, `${name} (rollback:staging)`);
  await save('release-rollback-reported', rollback);
}

/**
 * The change's window opens in an hour: the release waits at the gate (a timer), then
 * deploys test; cancelled while staging deploys, the deployment in flight is stopped and
 * rolled back, then test; rolled back with the reason kept.
 */
async function releaseCancelled() {
  const name = 'release-cancelled';
  const { body, change } = await releaseFixtures(name, HOUR);
  const { handle, view, number } = await openReleaseRecord(body);
  await stageRunning(handle, 'test', name);
  await stageResult(handle, 'test', 'succeeded');
  const waiting = await releaseUntil(handle, (v) => v.state === 'awaiting_approval' && v.gate !== null, `${name} (gate)`);
  if (waiting.gate?.reasons.join() !== `${change.view.number}'s window opens at ${change.view.plannedStart}`) throw new Error(`${name}: gate ${JSON.stringify(waiting.gate)}`);
  await sleepUntil(change.view.plannedStart); // the gate's timer
  await stageRunning(handle, 'deploy:test', name);
  await stageResult(handle, 'deploy:test', 'succeeded');
  await stageResult(handle, 'verify:test', 'succeeded');
  await stageRunning(handle, 'deploy:staging', name);
  await releaseCommand(handle, 'cancel', { reason: 'wrong build' });
  for (const e of ['staging', 'test']) {
    await stageRunning(handle, `rollback:${e}`, name);
    await stageResult(handle, `rollback:${e}`, 'succeeded');
  }
  await expectReleaseClosed(handle, view.id, 'rolled_back', name);
  const done = (await handle.query(getReleaseQuery))!;
  if (done.cancelReason !== 'wrong build') throw new Error(`${name}: cancelReason ${done.cancelReason}`);
  await expectActions(
    view.id,
    [
      'create', 'test', 'stage_succeeded', 'gate_held', 'deploy_requested', 'stage_result', 'stage_result', 'environment_deployed',
      'deploy_requested', 'cancel', 'rollback_started', 'rollback_requested', 'stage_result', 'environment_rolled_back',
      'rollback_requested', 'stage_result', 'rolled_back',
    ],
    name,
  );
  await save(name, handle);
  const cancelled = deployment(number, 'deploy', 'staging');
  await completed(cancelled, `${name} (deploy:staging)`);
  await save('release-deployment-cancelled', cancelled);
}

/** Every scenario, in recording order (business hours last: it moves the clock to a Friday). */
const SCENARIOS: { name: string; run: () => Promise<void> }[] = [
  { name: 'incident-p1-breach-escalation', run: p1BreachEscalation },
  { name: 'incident-full-lifecycle-auto-close', run: fullLifecycle },
  { name: 'incident-cancel', run: cancel },
  { name: 'incident-major-problem', run: majorIncidentProblem },
  { name: 'incident-impact-reprioritise', run: impactChange },
  { name: 'incident-continue-as-new', run: continueAsNew },
  { name: 'incident-create-timeout', run: createTimeout },
  { name: 'incident-update-with-start', run: updateWithStart },
  { name: 'incident-adopted', run: adopted },
  { name: 'webhook-delivery-retried', run: webhookDelivery },
  { name: 'webhook-delivery-not-found', run: webhookDeliveryFailed },
  { name: 'cmdb-verification-api-incident', run: cmdbVerificationFromApi },
  { name: 'cmdb-verification-scheduled-linked', run: cmdbVerificationScheduled },
  { name: 'change-normal-approved-implemented', run: changeNormalApproved },
  { name: 'change-standard-preapproved', run: changeStandardPreapproved },
  { name: 'change-cab-timeout', run: changeCabTimeout },
  // Recorded before `patched('reassess-on-reschedule')`: keep it, it is what a change rescheduled
  // by older workers looks like. Re-record only the -reassessed one, which has the patch marker.
  { name: 'change-freeze-held-rescheduled', run: () => changeFreezeHeldRescheduled('change-freeze-held-rescheduled') },
  { name: 'change-rescheduled-reassessed', run: () => changeFreezeHeldRescheduled('change-rescheduled-reassessed') },
  { name: 'change-freeze-ended-scheduled', run: changeFreezeEnded },
  { name: 'change-freeze-outlasted-window', run: changeFreezeOutlastedWindow },
  { name: 'change-failed-overran', run: changeFailedOverran },
  { name: 'change-emergency-rejected', run: changeEmergencyRejected },
  { name: 'change-create-timeout', run: changeCreateTimeout },
  { name: 'problem-fixed-by-change', run: problemFixedByChange },
  { name: 'problem-duplicate-rejected', run: problemDuplicateRejected },
  { name: 'problem-trends-opened', run: problemTrendsOpened },
  { name: 'capacity-maintenance-problem', run: capacityMaintenanceProblem },
  { name: 'dsl-verification-verified', run: () => dslVerification('dsl-verification-verified', true) },
  { name: 'dsl-verification-rejected', run: () => dslVerification('dsl-verification-rejected', false) },
  { name: 'release-deployed', run: releaseDeployed },
  { name: 'release-rolled-back', run: releaseRolledBack },
  { name: 'release-cancelled', run: releaseCancelled },
  { name: 'incident-business-hours-weekend', run: businessHours },
  { name: 'incident-ola-uc-clocks', run: agreementClocks },
  { name: 'incident-outage', run: outage },
  { name: 'incident-security', run: securityIncident },
  { name: 'incident-time-logged', run: timeLogged },
  { name: 'monitoring-alert-opened-resolved', run: () => monitoringAlert('monitoring-alert-opened-resolved') },
  { name: 'notification-email-group', run: () => notificationEmail('notification-email-group') },
  { name: 'report-run-manual', run: () => reportRun('report-run-manual', { groupBy: 'priority', atRisk: 'PT1H' }, false) },
  { name: 'report-run-invalid-params', run: () => reportRun('report-run-invalid-params', { groupBy: 'weekday' }, true) },
  { name: 'sla-simulation-completed', run: () => slaSimulation('sla-simulation-completed', false) },
  { name: 'sla-simulation-failed', run: () => slaSimulation('sla-simulation-failed', true) },
  { name: 'feedback-complaint-breached-reopened', run: () => feedbackComplaint('feedback-complaint-breached-reopened') },
  { name: 'contract-escalated-renewed-terminated', run: () => contractEscalated('contract-escalated-renewed-terminated') },
  { name: 'service-review-manual', run: () => serviceReview('service-review-manual') },
  { name: 'security-policy-lapsed-reviewed-retired', run: () => securityPolicyLapsed('security-policy-lapsed-reviewed-retired') },
  { name: 'access-review-escalated-completed', run: () => accessReviewEscalated('access-review-escalated-completed') },
  { name: 'access-review-scheduled-opened', run: () => accessReviewScheduled('access-review-scheduled-opened') },
  { name: 'continuity-run-overrun-problem', run: () => continuityRunOverrun('continuity-run-overrun-problem') },
  { name: 'continuity-invocation-recovered', run: () => continuityInvocation('continuity-invocation-recovered') },
  { name: 'continuity-check-lapsed', run: () => continuityCheck('continuity-check-lapsed') },
  { name: 'continuity-scheduled-test-opened', run: () => continuityScheduledTest('continuity-scheduled-test-opened') },
];

/**
 * `--suffix=-kernel-v2`: write `<name>-kernel-v2.json` beside the existing recordings, e.g. to
 * keep both sides of a patch (the older files are what workflows started before it look like).
 */
const SUFFIX = (process.argv.find((a) => a.startsWith('--suffix=')) ?? '--suffix=').slice('--suffix='.length);

async function main() {
  const started = Date.now();
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const selected = only.length === 0 ? SCENARIOS : SCENARIOS.filter((sc) => only.some((prefix) => sc.name.startsWith(prefix)));
  if (selected.length === 0) throw new Error(`no scenario matches ${only.join(', ')}; known: ${SCENARIOS.map((sc) => sc.name).join(', ')}`);
  mkdirSync(OUT, { recursive: true });
  if (only.length === 0 && !SUFFIX) for (const f of readdirSync(OUT)) if (f.endsWith('.json')) rmSync(path.join(OUT, f));

  env = await startTimeSkippingServer();
  tdb = await createTestDatabase();
  await seedGroups(tdb.db);
  // The CAB's members and the change manager: the change workflow resolves its approvers from them.
  for (const u of demoUsers()) await upsertUser(tdb.db, u);
  const sla = (id: string, o: { serviceId?: string; isDefault?: boolean; calendar: unknown; targets: unknown }) =>
    tdb.db.sla.create({
      data: { id, number: id.toUpperCase(), name: id, kind: 'SLA', serviceId: o.serviceId ?? null, isDefault: o.isDefault ?? false, calendar: JSON.stringify(o.calendar), targets: JSON.stringify(o.targets) },
    });
  await sla('sla-default', {
    isDefault: true,
    calendar: '24x7',
    targets: DEFAULT_TARGETS,
  });
  // Attached to a service rather than default, so it applies to exactly one scenario.
  const weekday = ['09:00', '17:00'];
  await sla('sla-business-hours', {
    serviceId: 'svc-bh',
    calendar: { timezone: 'Europe/London', hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday }, holidays: [] },
    targets: Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: 'PT1H', resolution: 'PT8H' }])),
  });

  // Mail is accepted and dropped: the recordings are of the workflows, not of an SMTP server.
  const worker = await startWorker(env, tdb.db, TQ, undefined, undefined, DSL, { mailer: { send: async () => undefined }, publicUrl: 'http://localhost:3000' });
  const running = worker.run();
  try {
    for (const sc of selected) await sc.run();
  } finally {
    worker.shutdown();
    await running;
    await tdb.dispose();
    await env.teardown();
    rmSync(DSL_BASE, { recursive: true, force: true });
  }
  log(`wrote ${written.length} histories to ${path.relative(process.cwd(), OUT)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
