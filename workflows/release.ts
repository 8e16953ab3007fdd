import { getExternalWorkflowHandle, log, ParentClosePolicy, proxyActivities, proxyLocalActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { ReleaseActivities } from '../activities/release';
import type { Deadline } from '../domain/record';
import { approvalEnvironment, evaluateGate } from '../domain/release/gate';
import {
  approveEffect,
  beginEffect,
  buildOrTestResult,
  cancelEffect,
  cancelRollbackEffect,
  deployRequestedEffect,
  deployedEffect,
  deploymentOutcomeEffect,
  gateHeldEffect,
  newRelease,
  nextEnvironment,
  releaseDeadlines,
  rollbackOutcomeEffect,
  rollbackRequestedEffect,
  sameGate,
  stageReport,
  stageTimeoutEffect,
  stepReportedEffect,
  type ReleaseDeadlineKind,
  type StepOutcome,
} from '../domain/release/lifecycle';
import { releaseView, type ReleaseView } from '../domain/release/snapshot';
import { checkReleaseCommand, isTerminal, type ReleaseState } from '../domain/release/state-machine';
import type { ReleaseSnapshot } from '../domain/schemas/release';
import {
  RELEASE_DEPLOYMENT_WORKFLOW,
  changeMovedSignal,
  createReleaseUpdate,
  deploymentWorkflowId,
  getReleaseQuery,
  recheckGateSignal,
  releaseCommandUpdates,
  stepOutcomeSignal,
  stepReportSignal,
  abortDeploymentSignal,
  type DeploymentInput,
  type ReleaseCarriedState,
  type ReleaseCommandName,
  type ReleaseCommandPayloads,
  type ReleaseWorkflowInput,
} from './contracts/release';
import { RecordProcess, recordSearchAttributes, invalidInput, invalidTransition } from './kernel/record-process';

/** Reads for the gate: quick. */
const lookups = proxyLocalActivities<ReleaseActivities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '1m',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s' },
});
/** Commands to the linked changes and the CMDB write on success: nothing may be lost, so they retry; bounded per attempt. */
const otherRecords = proxyActivities<ReleaseActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** A gate that can only change with the clock is asked again no sooner than this (a held change's stale hold end). */
const MIN_RECHECK_MS = 30_000;

type Release = RecordProcess<ReleaseSnapshot, ReleaseCarriedState, ReleaseView>;
type Commands = { [K in ReleaseCommandName]: (actor: string, body: ReleaseCommandPayloads[K]) => Promise<ReleaseView> };

/** Build, test, the gate per environment, deployments as child workflows and the rollback saga: the rules are in domain/release/. */
class ReleaseRoom {
  constructor(private readonly record: Release) {}

  private get s(): ReleaseSnapshot {
    return this.record.snapshot;
  }

  // ---- Moving forward: the gate, then a deployment per environment ----

  /** Asks the gate for the next environment; deploys when it opens, otherwise records why it waits. */
  private async advance(): Promise<void> {
    const s = this.s;
    if (s.state !== 'awaiting_approval' && !(s.state === 'deploying' && s.current === null)) return;
    const env = nextEnvironment(s);
    if (env === null) return this.finish();
    const now = Date.now();
    const facts = await lookups.gateFacts({ changeIds: s.changes.map((c) => c.id), at: now });
    const verdict = evaluateGate(s, env, facts, now);
    if (verdict.state !== 'allowed') {
      const gateCheckAt = verdict.recheckAt === null ? null : Math.max(verdict.recheckAt, now + MIN_RECHECK_MS);
      if (sameGate(s, env, verdict)) this.record.note({ gateCheckAt });
      else await this.record.commit('system', 'gate_held', gateHeldEffect(s, env, verdict, now), { gateCheckAt });
      return;
    }
    if (env === approvalEnvironment(s) && s.changesStartedAt === null) {
      // Production begins: the changes that authorise it start, through their own workflows.
      const started = await otherRecords.driveChanges({ release: { id: s.id, number: s.number }, changes: s.changes, command: 'start' });
      await this.record.commit(s.number, 'changes_started', { snapshot: { ...this.s, changesStartedAt: Date.now() }, data: { changes: started } });
    }
    await this.startStep(env, 'deploy');
  }

  private async startStep(environment: string, action: 'deploy' | 'rollback'): Promise<void> {
    const s = this.s;
    const workflowId = deploymentWorkflowId(s.number, action, environment);
    const effect = action === 'deploy' ? deployRequestedEffect(s, environment, workflowId, Date.now()) : rollbackRequestedEffect(s, environment, workflowId, Date.now());
    await this.record.commit('system', action === 'deploy' ? 'deploy_requested' : 'rollback_requested', effect, { gateCheckAt: null });
    const input: DeploymentInput = {
      releaseId: s.id,
      releaseNumber: s.number,
      parentWorkflowId: workflowInfo().workflowId,
      environment,
      action,
      reportTimeoutMs: s.timeouts.deploy,
      verifyTimeoutMs: s.timeouts.verify,
      healthUrl: s.healthChecks[environment] ?? null,
    };
    // Abandoned, not terminated, when this run continues-as-new: the child reports to the release by workflow id.
    await startChild(RELEASE_DEPLOYMENT_WORKFLOW, {
      workflowId,
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `${s.number}: ${action} ${environment}`,
    });
  }

  /** Every environment verified: the CMDB and the DSL learn what runs where, the changes complete. */
  private async finish(): Promise<void> {
    const s = this.s;
    const cmdb = await otherRecords.recordDeployment({ releaseId: s.id, releaseNumber: s.number, version: s.version, ciIds: s.cis.map((c) => c.id), environments: s.environments, artifactIds: s.artifacts.map((a) => a.id), dhsItemIds: (s.dhsItems ?? []).map((d) => d.id) });
    const changes = await otherRecords.driveChanges({ release: { id: s.id, number: s.number }, changes: s.changes, command: 'complete', outcome: 'success', notes: `deployed by ${s.number} (${s.name} ${s.version}) to ${s.environments.join(', ')}` });
    await this.record.commit('system', 'deployed', deployedEffect(this.s, { cmdb, changes }, Date.now()));
  }

  /** The saga has ended in rollback: changes that were started are completed as failed, recording their backout. */
  private async failStartedChanges(): Promise<void> {
    const s = this.s;
    if (s.changesStartedAt === null) return;
    const changes = await otherRecords.driveChanges({ release: { id: s.id, number: s.number }, changes: s.changes, command: 'complete', outcome: 'failed', notes: `${s.number} rolled back: ${s.rollback?.reason ?? s.failure?.reason ?? 'deployment failed'}` });
    await this.record.commit(s.number, 'changes_failed', { snapshot: this.s, data: { changes } });
  }

  // ---- Commands ----

  check(name: ReleaseCommandName, body: unknown): void {
    const s = this.s;
    const allowed = checkReleaseCommand(s.state, name);
    if (!allowed.ok) throw invalidTransition(allowed.reason);
    if (name === 'approve' && s.approval) throw invalidTransition(`${s.number} was already approved by ${s.approval.by}`);
    if (name === 'cancel' && s.cancelReason !== null) throw invalidTransition(`${s.number} is already being cancelled: ${s.cancelReason}`);
    if (name === 'stage-result') {
      const r = body as ReleaseCommandPayloads['stage-result'];
      const env = r.stage.includes(':') ? r.stage.slice(r.stage.indexOf(':') + 1) : null;
      if (env !== null && !s.environments.includes(env)) throw invalidInput(`stage '${r.stage}': '${env}' is not one of ${s.number}'s environments (${s.environments.join(', ')})`);
      const unknown = (r.artifacts ?? []).filter((a) => !s.artifacts.some((x) => x.sha256 === a.sha256));
      if (unknown.length) throw invalidInput(`artifacts: ${unknown.map((a) => a.sha256).join(', ')} not among ${s.number}'s artifacts (fixed by digest at creation)`);
      const report = stageReport(s, r.stage, r.status);
      if (report.kind === 'refused') throw invalidTransition(report.reason);
    }
  }

  readonly commands: Commands = {
    approve: async (actor, b) => {
      await this.record.commit(actor, 'approve', approveEffect(this.s, actor, b.comment ?? null, Date.now()));
      await this.advance();
      return this.record.view();
    },
    cancel: async (actor, b) => {
      const s = this.s;
      if (s.state === 'awaiting_approval' && s.current === null && s.deployed.length > 0) {
        await this.record.commit(actor, 'cancel', cancelRollbackEffect(s, b.reason), { gateCheckAt: null });
        await this.startStep(this.s.rollback!.queue[0], 'rollback');
        return this.record.view();
      }
      const view = await this.record.commit(actor, 'cancel', cancelEffect(s, b.reason, Date.now()), { gateCheckAt: null });
      if (s.current) await getExternalWorkflowHandle(s.current.workflowId).signal(abortDeploymentSignal, { reason: b.reason });
      return view;
    },
    'stage-result': async (actor, r) => {
      const s = this.s;
      if (stageReport(s, r.stage, r.status).kind === 'repeat') return this.record.view();
      const details = r.details ?? null;
      if (r.stage === 'build' || r.stage === 'test') {
        const step = buildOrTestResult(s, r.stage, r.status, details, actor, Date.now());
        const view = await this.record.commit(actor, step.action, step.effect);
        if (this.s.state === 'awaiting_approval') await this.advance();
        return this.s.state === 'awaiting_approval' || this.s.state === 'deploying' ? this.record.view() : view;
      }
      const view = await this.record.commit(actor, 'stage_result', stepReportedEffect(s, r.stage, r.status, details, actor, Date.now()));
      if (s.current) await this.tellStep(s.current.workflowId, { stage: r.stage, status: r.status, details });
      return view;
    },
  };

  private async tellStep(workflowId: string, report: { stage: string; status: 'succeeded' | 'failed'; details: string | null }): Promise<void> {
    try {
      await getExternalWorkflowHandle(workflowId).signal(stepReportSignal, report);
    } catch (e) {
      // The step already ended (it timed out a moment ago): its outcome is on its way and decides.
      log.warn('deployment step not reachable', { workflowId, error: String(e) });
    }
  }

  // ---- Signals ----

  changeMoved = async (): Promise<void> => {
    if (this.record.exists && this.s.state === 'awaiting_approval') await this.advance();
  };

  stepOutcome = async (o: StepOutcome): Promise<void> => {
    if (!this.record.exists) return;
    const s = this.s;
    if (!s.current || s.current.environment !== o.environment || s.current.action !== o.action) return; // stale or repeated
    if (o.action === 'deploy') {
      // Cancelled while the deployment completed: it is undone like any other.
      const outcome: StepOutcome = s.cancelReason !== null && o.status === 'succeeded' ? { ...o, status: 'cancelled', details: `cancelled after deploying: ${s.cancelReason}` } : o;
      const step = deploymentOutcomeEffect(s, outcome, Date.now());
      await this.record.commit('system', step.action, step.effect);
      if (outcome.status === 'succeeded') return this.advanceAfterDeploy();
      if (step.queue.length > 0) return this.startStep(step.queue[0], 'rollback');
      return this.failStartedChanges();
    }
    const step = rollbackOutcomeEffect(s, o, Date.now());
    await this.record.commit('system', step.action, step.effect);
    if (step.next) return this.startStep(step.next, 'rollback');
    return this.failStartedChanges();
  };

  private async advanceAfterDeploy(): Promise<void> {
    if (nextEnvironment(this.s) === null) return this.finish();
    return this.advance();
  }

  // ---- Timers ----

  fire = async (d: Deadline<ReleaseDeadlineKind>): Promise<void> => {
    const s = this.s;
    switch (d.kind) {
      case 'begin': {
        const step = beginEffect(s, Date.now());
        await this.record.commit('system', step.action, step.effect);
        return;
      }
      case 'build_timeout':
        await this.record.commit('system', 'stage_timed_out', stageTimeoutEffect(s, 'build', s.timeouts.build, Date.now()));
        return;
      case 'test_timeout':
        await this.record.commit('system', 'stage_timed_out', stageTimeoutEffect(s, 'test', s.timeouts.test, Date.now()));
        return;
      case 'gate':
        this.record.note({ gateCheckAt: null });
        return this.advance();
    }
  };
}

const searchAttributes = recordSearchAttributes('release');

export async function releaseWorkflow(input: ReleaseWorkflowInput): Promise<ReleaseView | null> {
  const record: Release = new RecordProcess(input, {
    recordType: 'release',
    view: releaseView,
    isTerminal: (state) => isTerminal(state as ReleaseState),
    searchAttributes,
  });
  const release = new ReleaseRoom(record);

  record.onQuery(getReleaseQuery);
  record.onCreate(createReleaseUpdate, async ({ actor, body }) => ({
    carried: { snapshot: newRelease({ id: input.id, number: input.number, workflowId: workflowInfo().workflowId }, actor, body, Date.now()), gateCheckAt: null },
    action: 'create',
    effect: { events: ['release.created'], data: { changes: body.changes.map((c) => c.number), artifacts: body.artifacts.map((a) => `${a.name}@${a.version}`) } },
    // Each change shows the release that carries it, on its own audit trail.
    after: () => otherRecords.linkChangesToRelease({ release: { id: input.id, number: input.number }, changes: body.changes, actor }).then(() => undefined),
  }));
  record.onCommands<ReleaseCommandPayloads>(
    releaseCommandUpdates,
    (name, body) => release.check(name, body),
    (name, actor, body) => release.commands[name](actor, body),
  );
  record.onSignal(changeMovedSignal, (_moved) => release.changeMoved());
  record.onSignal(recheckGateSignal, () => release.changeMoved());
  record.onSignal(stepOutcomeSignal, release.stepOutcome);
  return record.run({ deadlines: (c) => releaseDeadlines(c.snapshot, c.gateCheckAt), fire: release.fire });
}

