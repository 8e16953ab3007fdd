import type { Deadline, Effect, NotificationRequest } from '../record';
import { dueLabel } from '../record';
import type { ReleaseArtifact, ReleaseSnapshot, ReleaseStage } from '../schemas/release';
import type { GateVerdict } from './gate';

type CiRef = { id: string; number: string; name: string; class: string };

/** A release as the API resolved it: references checked against the CMDB, the changes and the DSL. */
export interface ReleaseSubmission {
  name: string;
  version: string;
  description: string | null;
  type: ReleaseSnapshot['type'];
  unit: CiRef | null;
  cis: CiRef[];
  changes: { id: string; number: string }[];
  /** Fixed by digest here: nothing else can be deployed by this release. */
  artifacts: ReleaseArtifact[];
  dhsItems?: CiRef[];
  environments: string[];
  buildRequired: boolean;
  healthChecks: Record<string, string>;
  timeouts: ReleaseSnapshot['timeouts'];
}

/** What a deployment or rollback child workflow reports when it ends. */
export interface StepOutcome {
  environment: string;
  action: 'deploy' | 'rollback';
  status: 'succeeded' | 'failed' | 'timed_out' | 'cancelled';
  /** The stage the outcome was decided in (deploy:<env>, verify:<env>, rollback:<env>). */
  stage: string;
  details: string | null;
}

export type ReleaseDeadlineKind = 'begin' | 'build_timeout' | 'test_timeout' | 'gate';

export function newRelease(ids: { id: string; number: string; workflowId: string }, actor: string, b: ReleaseSubmission, now: number): ReleaseSnapshot {
  return {
    ...ids,
    title: `${b.name} ${b.version}`,
    name: b.name,
    version: b.version,
    description: b.description,
    type: b.type,
    state: 'planned',
    unit: b.unit,
    cis: b.cis,
    changes: b.changes,
    artifacts: b.artifacts,
    dhsItems: b.dhsItems ?? [],
    environments: b.environments,
    buildRequired: b.buildRequired,
    healthChecks: b.healthChecks,
    timeouts: b.timeouts,
    stages: [],
    deployed: [],
    current: null,
    gate: null,
    approval: null,
    rollback: null,
    changesStartedAt: null,
    failure: null,
    cancelReason: null,
    createdBy: actor,
    createdAt: now,
    deployedAt: null,
    endedAt: null,
    updatedAt: now,
  };
}

// ---- Stages ----

export const stageOf = (s: ReleaseSnapshot, name: string): ReleaseStage | undefined => s.stages.find((st) => st.stage === name);

function started(s: ReleaseSnapshot, name: string, now: number): ReleaseStage[] {
  return [...s.stages, { stage: name, status: 'running', startedAt: now, endedAt: null, details: null, reportedBy: null }];
}

function ended(stages: ReleaseStage[], name: string, status: ReleaseStage['status'], details: string | null, by: string | null, now: number): ReleaseStage[] {
  const i = stages.findIndex((st) => st.stage === name);
  if (i < 0) return [...stages, { stage: name, status, startedAt: now, endedAt: now, details, reportedBy: by }];
  return stages.map((st, j) => (j === i ? { ...st, status, endedAt: now, details, reportedBy: by } : st));
}

const stageEvent = (status: ReleaseStage['status']) => (status === 'succeeded' || status === 'skipped' ? 'release.stage_succeeded' : 'release.stage_failed');

/**
 * Whether a reported result is new, a repeat of what was recorded (changes nothing), or
 * refused: a stage that was never requested, or one that already ended differently.
 */
export function stageReport(s: ReleaseSnapshot, name: string, status: 'succeeded' | 'failed'): { kind: 'new' } | { kind: 'repeat' } | { kind: 'refused'; reason: string } {
  const env = name.includes(':') ? name.slice(name.indexOf(':') + 1) : null;
  if (env !== null && !s.environments.includes(env)) return { kind: 'refused', reason: `'${env}' is not one of ${s.number}'s environments (${s.environments.join(', ')})` };
  const st = stageOf(s, name);
  if (!st) return { kind: 'refused', reason: `${s.number} has not requested ${name} (state ${s.state})` };
  if (st.status === 'running') {
    if (name.startsWith('verify:') && s.healthChecks[env as string]) return { kind: 'refused', reason: `${name} is checked by polling ${s.healthChecks[env as string]}, not reported` };
    return { kind: 'new' };
  }
  if (st.status === status) return { kind: 'repeat' };
  return { kind: 'refused', reason: `${name} already ended ${st.status}${st.details ? ` (${st.details})` : ''}` };
}

// ---- Build and test, reported by external systems ----

export function beginEffect(s: ReleaseSnapshot, now: number): { action: string; effect: Effect<ReleaseSnapshot> } {
  if (s.buildRequired) return { action: 'build', effect: { snapshot: { ...s, state: 'building', stages: started(s, 'build', now) }, data: { stage: 'build' } } };
  const skipped = { ...s, stages: ended(s.stages, 'build', 'skipped', 'prebuilt artifacts', 'system', now) };
  return { action: 'test', effect: { snapshot: { ...skipped, state: 'testing', stages: started(skipped, 'test', now) }, data: { stage: 'test', build: 'skipped' } } };
}

function failRelease(s: ReleaseSnapshot, stage: string, status: ReleaseStage['status'], reason: string, by: string | null, now: number): Effect<ReleaseSnapshot> {
  return {
    snapshot: { ...s, state: 'failed', stages: ended(s.stages, stage, status, reason, by, now), failure: { stage, reason }, current: null, endedAt: now },
    data: { stage, status, details: reason },
    events: [stageEvent(status)],
    notifications: toOwner(s, 'release_failed', `${s.number} failed at ${stage}: ${reason}`),
  };
}

/** A build or test result: the next stage, or the release fails (nothing was deployed yet). */
export function buildOrTestResult(s: ReleaseSnapshot, stage: 'build' | 'test', status: 'succeeded' | 'failed', details: string | null, by: string, now: number): { action: string; effect: Effect<ReleaseSnapshot> } {
  if (status === 'failed') return { action: 'stage_failed', effect: failRelease(s, stage, 'failed', details ?? `${stage} failed`, by, now) };
  const done = { ...s, stages: ended(s.stages, stage, 'succeeded', details, by, now) };
  const next = stage === 'build' ? { ...done, state: 'testing' as const, stages: started(done, 'test', now) } : { ...done, state: 'awaiting_approval' as const };
  return { action: 'stage_succeeded', effect: { snapshot: next, data: { stage, status, details }, events: ['release.stage_succeeded'] } };
}

export function stageTimeoutEffect(s: ReleaseSnapshot, stage: 'build' | 'test', limitMs: number, now: number): Effect<ReleaseSnapshot> {
  return failRelease(s, stage, 'timed_out', `no ${stage} result within ${Math.round(limitMs / 60_000)} min`, 'system', now);
}

// ---- The gate and the deployments ----

export function gateHeldEffect(s: ReleaseSnapshot, environment: string, v: GateVerdict, now: number): Effect<ReleaseSnapshot> {
  return { snapshot: { ...s, state: 'awaiting_approval', gate: { environment, state: v.state, reasons: v.reasons, checkedAt: now } }, data: { environment, gate: v.state, reasons: v.reasons } };
}

/** The gate has not changed its answer: nothing to record. */
export const sameGate = (s: ReleaseSnapshot, environment: string, v: GateVerdict) =>
  s.state === 'awaiting_approval' && s.gate?.environment === environment && s.gate.state === v.state && s.gate.reasons.join('\n') === v.reasons.join('\n');

/** The event payload deployment systems act on (api.md: releaseId, releaseNumber, environment, artifacts). */
const deploymentRequest = (s: ReleaseSnapshot, environment: string) => ({ releaseId: s.id, releaseNumber: s.number, environment, artifacts: s.artifacts });

export function deployRequestedEffect(s: ReleaseSnapshot, environment: string, workflowId: string, now: number): Effect<ReleaseSnapshot> {
  return {
    snapshot: {
      ...s,
      state: 'deploying',
      current: { environment, action: 'deploy', workflowId },
      gate: { environment, state: 'allowed', reasons: [], checkedAt: now },
      stages: started(s, `deploy:${environment}`, now),
    },
    data: deploymentRequest(s, environment),
    events: ['release.deploy_requested'],
  };
}

export function rollbackRequestedEffect(s: ReleaseSnapshot, environment: string, workflowId: string, now: number): Effect<ReleaseSnapshot> {
  return {
    snapshot: { ...s, state: 'rolling_back', current: { environment, action: 'rollback', workflowId }, stages: started(s, `rollback:${environment}`, now) },
    data: deploymentRequest(s, environment),
    events: ['release.rollback_requested'],
  };
}

/** A deploy, verify or rollback result reported through the API (the child workflow hears it too). */
export function stepReportedEffect(s: ReleaseSnapshot, stage: string, status: 'succeeded' | 'failed', details: string | null, by: string, now: number): Effect<ReleaseSnapshot> {
  let stages = ended(s.stages, stage, status, details, by, now);
  if (stage.startsWith('deploy:') && status === 'succeeded') stages = [...stages, { stage: `verify:${stage.slice(7)}`, status: 'running', startedAt: now, endedAt: null, details: null, reportedBy: null }];
  return { snapshot: { ...s, stages }, data: { stage, status, details }, events: [stageEvent(status)] };
}

/** Which environments a failure leaves to undo, last deployed first. */
export function rollbackQueue(s: ReleaseSnapshot, failed: StepOutcome): string[] {
  // A deployment that reported failure undid itself; one that passed deploy but failed
  // verification, timed out or was cancelled may be partly applied: it is rolled back too.
  const inFlightApplied = failed.stage.startsWith('verify:') || failed.status === 'timed_out' || failed.status === 'cancelled';
  return [...(inFlightApplied ? [failed.environment] : []), ...[...s.deployed].reverse()];
}

/** The child workflow's verdict on a deployment: the environment is deployed, or the saga turns back. */
export function deploymentOutcomeEffect(s: ReleaseSnapshot, o: StepOutcome, now: number): { action: string; effect: Effect<ReleaseSnapshot>; queue: string[] } {
  const stage = stageOf(s, o.stage);
  const stages = stage?.status === 'running' ? ended(s.stages, o.stage, o.status, o.details, 'system', now) : s.stages;
  if (o.status === 'succeeded') {
    const snapshot = { ...s, stages, current: null, deployed: [...s.deployed, o.environment] };
    const events = stage?.status === 'running' ? ['release.stage_succeeded'] : [];
    return { action: 'environment_deployed', effect: { snapshot, data: { environment: o.environment, stage: o.stage }, events }, queue: [] };
  }
  const reason = s.cancelReason !== null && o.status === 'cancelled' ? `cancelled: ${s.cancelReason}` : `${o.stage} ${o.status.replace('_', ' ')}${o.details ? `: ${o.details}` : ''}`;
  const queue = rollbackQueue(s, o);
  // A stage of this environment still open (a verification requested just as the release was cancelled) ends with it.
  const closed = stages.map((st) => (st.status === 'running' && st.stage.endsWith(`:${o.environment}`) ? { ...st, status: 'cancelled' as const, endedAt: now, details: reason } : st));
  const base = { ...s, stages: closed, current: null, failure: { stage: o.stage, reason } };
  const events = stage?.status === 'running' ? [stageEvent(o.status)] : [];
  if (queue.length === 0) {
    const state = s.cancelReason !== null ? 'cancelled' : 'failed';
    return {
      action: state === 'cancelled' ? 'cancel' : 'stage_failed',
      effect: { snapshot: { ...base, state, endedAt: now }, data: { environment: o.environment, stage: o.stage, status: o.status, details: o.details }, events, notifications: toOwner(s, 'release_failed', `${s.number}: ${reason}; nothing to roll back`) },
      queue,
    };
  }
  return {
    action: 'rollback_started',
    effect: { snapshot: { ...base, state: 'rolling_back', rollback: { reason, queue, done: [], failed: [] } }, data: { environment: o.environment, stage: o.stage, status: o.status, details: o.details, rollback: queue }, events },
    queue,
  };
}

/** One environment rolled back (or not): the next one, or the end of the saga. */
export function rollbackOutcomeEffect(s: ReleaseSnapshot, o: StepOutcome, now: number): { action: string; effect: Effect<ReleaseSnapshot>; next: string | null } {
  const rb = s.rollback ?? { reason: 'rollback', queue: [o.environment], done: [], failed: [] };
  const stage = stageOf(s, o.stage);
  const stages = stage?.status === 'running' ? ended(s.stages, o.stage, o.status, o.details, 'system', now) : s.stages;
  const ok = o.status === 'succeeded';
  const rollback = { ...rb, queue: rb.queue.filter((e) => e !== o.environment), done: ok ? [...rb.done, o.environment] : rb.done, failed: ok ? rb.failed : [...rb.failed, o.environment] };
  const deployed = ok ? s.deployed.filter((e) => e !== o.environment) : s.deployed;
  const events = stage?.status === 'running' ? [stageEvent(o.status)] : [];
  const step = { ...s, stages, current: null, rollback, deployed };
  if (rollback.queue.length > 0) return { action: 'environment_rolled_back', effect: { snapshot: step, data: { environment: o.environment, status: o.status, details: o.details }, events }, next: rollback.queue[0] };
  if (rollback.failed.length === 0) {
    return {
      action: 'rolled_back',
      effect: { snapshot: { ...step, state: 'rolled_back', endedAt: now }, data: { rolledBack: rollback.done, reason: rb.reason }, events: [...events, 'release.rolled_back'], notifications: toOwner(s, 'release_rolled_back', `${s.number} rolled back (${rollback.done.join(', ')}): ${rb.reason}`) },
      next: null,
    };
  }
  const failedStages = rollback.failed.map((e) => `rollback:${e}`);
  return {
    action: 'rollback_failed',
    effect: {
      snapshot: { ...step, state: 'failed', endedAt: now, failure: { stage: failedStages[0], reason: `${rb.reason}; then ${failedStages.join(', ')} failed` } },
      data: { rolledBack: rollback.done, rollbackFailed: rollback.failed, reason: rb.reason },
      events,
      notifications: toOwner(s, 'release_rollback_failed', `${s.number}: rollback failed at ${failedStages.join(', ')} (${rb.reason}); those environments need attention`),
    },
    next: null,
  };
}

export function deployedEffect(s: ReleaseSnapshot, data: Record<string, unknown>, now: number): Effect<ReleaseSnapshot> {
  return { snapshot: { ...s, state: 'deployed', gate: null, deployedAt: now, endedAt: now }, data, events: ['release.deployed'] };
}

// ---- Commands ----

export function approveEffect(s: ReleaseSnapshot, by: string, comment: string | null, now: number): Effect<ReleaseSnapshot> {
  return { snapshot: { ...s, approval: { by, at: now, comment } }, data: { comment, environment: s.environments[s.environments.length - 1] } };
}

/** Cancelling before anything is deployed ends the release; mid-deployment it rolls back (the workflow drives that). */
export function cancelEffect(s: ReleaseSnapshot, reason: string, now: number): Effect<ReleaseSnapshot> {
  if (s.current !== null || s.deployed.length > 0) return { snapshot: { ...s, cancelReason: reason }, data: { reason, rollback: true } };
  const running = s.stages.filter((st) => st.status === 'running').map((st) => st.stage);
  const stages = running.reduce((acc, name) => ended(acc, name, 'cancelled', reason, null, now), s.stages);
  return { snapshot: { ...s, state: 'cancelled', stages, cancelReason: reason, endedAt: now }, data: { reason } };
}

function toOwner(s: ReleaseSnapshot, kind: string, message: string): NotificationRequest[] {
  const owners = new Set([s.createdBy, ...(s.approval ? [s.approval.by] : [])]);
  return [...owners].map((u) => ({ recipient: `user:${u}`, kind, message }));
}

// ---- Timers ----

export function releaseDeadlines(s: ReleaseSnapshot, gateCheckAt: number | null): Deadline<ReleaseDeadlineKind>[] {
  const out: Deadline<ReleaseDeadlineKind>[] = [];
  if (s.state === 'planned') out.push({ at: s.createdAt, kind: 'begin', summary: `${s.number}: begin` });
  for (const stage of ['build', 'test'] as const) {
    const st = stageOf(s, stage);
    if (st?.status === 'running') {
      const at = st.startedAt + s.timeouts[stage];
      out.push({ at, kind: `${stage}_timeout`, summary: dueLabel(`${s.number} ${stage} result`, at) });
    }
  }
  if ((s.state === 'awaiting_approval' || (s.state === 'deploying' && s.current === null)) && gateCheckAt !== null) {
    out.push({ at: gateCheckAt, kind: 'gate', summary: `${s.number}: check the gate for ${nextEnvironment(s) ?? 'the next environment'}` });
  }
  return out;
}

/** The first environment not yet deployed, or null once all are. */
export const nextEnvironment = (s: ReleaseSnapshot): string | null => s.environments.find((e) => !s.deployed.includes(e)) ?? null;

/** Cancelled between environments with some already deployed: undo them, last first. */
export function cancelRollbackEffect(s: ReleaseSnapshot, reason: string): Effect<ReleaseSnapshot> {
  const queue = [...s.deployed].reverse();
  return {
    snapshot: { ...s, state: 'rolling_back', cancelReason: reason, gate: null, rollback: { reason: `cancelled: ${reason}`, queue, done: [], failed: [] } },
    data: { reason, rollback: queue },
  };
}
