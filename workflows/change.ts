import { ActivityFailure, ApplicationFailure, condition, getExternalWorkflowHandle, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { ChangeActivities } from '../activities/change';
import { classifyVote, type CabState } from '../domain/change/cab';
import {
  cabReviewEffect,
  changeDeadlines,
  decisionEffect,
  newChange,
  preApprovalEffect,
  scheduleEffect,
  timerEffect,
  toChangeManager,
  type ChangeStepKind,
  type Reassessment,
} from '../domain/change/lifecycle';
import { boardFor } from '../domain/change/policy';
import { assessRisk } from '../domain/change/risk';
import { freezesHit } from '../domain/change/schedule';
import { changeView, type ChangeSnapshot, type ChangeView } from '../domain/change/snapshot';
import { checkCommand, isTerminal, type ChangeState } from '../domain/change/state-machine';
import type { Deadline } from '../domain/record';
import type { ChangeCommandBody, ChangeCommandBodyMap, ChangeCommandName } from '../domain/schemas/change';
import {
  changeCommandUpdates,
  createChangeUpdate,
  getChangeQuery,
  linkReleaseUpdate,
  recheckScheduleSignal,
  voteOutcomeUpdate,
  voteSignal,
  type CastVote,
  type LinkReleaseBody,
  type ChangeCarriedState,
  type ChangeWorkflowConfig,
  type ChangeWorkflowInput,
  type VoteOutcome,
} from './contracts/change';
import type { ChangeOutcome } from './contracts/problem';
import { changeMovedSignal, releaseWorkflowId } from './contracts/release';
import { FAILURE } from './contracts/record';
import * as SA from './contracts/search-attributes';
import { RecordProcess, recordSearchAttributes, invalidInput, invalidTransition } from './kernel/record-process';
import { since } from './kernel/versions';

/** Reads of the CMDB: quick, retried a few times (a caller may be waiting). */
const lookups = proxyActivities<ChangeActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});
/** The CMDB write of a successful change: bounded, so `complete` answers rather than hangs. */
const cmdbWrites = proxyActivities<ChangeActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: [FAILURE.cmdbUpdateRejected] },
});

const iso = (ms: number) => new Date(ms).toISOString();
type Change = RecordProcess<ChangeSnapshot, ChangeCarriedState, ChangeView>;

/** Assessment, the CAB, scheduling and implementation: lookups here, the rules in domain/change/. */
class ChangeRoom {
  /** Votes signalled in this run and what became of them, for the API's voteOutcome Update. */
  private readonly voteOutcomes = new Map<string, VoteOutcome>();
  private readonly votesInFlight = new Set<string>();

  constructor(
    private readonly record: Change,
    private readonly config: ChangeWorkflowConfig,
  ) {}

  private get s(): ChangeSnapshot {
    return this.record.snapshot;
  }

  /** The CMDB's picture of the change for a window, and the risk it scores. */
  private async assessWindow(s: ChangeSnapshot, w: { plannedStart: number; plannedEnd: number }): Promise<Reassessment> {
    const { impact, facts } = await lookups.assessChange({
      changeId: s.id,
      type: s.type,
      ciIds: s.ciIds,
      plannedStart: w.plannedStart,
      plannedEnd: w.plannedEnd,
      lookbackDays: this.config.policy.risk.lookbackDays,
      at: Date.now(),
    });
    return { impact, risk: assessRisk(facts, this.config.policy.risk) };
  }

  private async assess(): Promise<void> {
    if (this.s.state === 'submitted') await this.record.commit('system', 'assessing', { snapshot: { ...this.s, state: 'assessing' } });
    const s = this.s;
    const { impact, risk } = await this.assessWindow(s, s);
    const board = boardFor(s.type);
    const rule = board ? this.config.policy.boards[board] : null;
    const approvers = await lookups.resolveCabApprovers({
      cabGroup: this.config.policy.cabGroup,
      include: rule?.include ?? [],
      serviceOwnerGroups: impact.services.flatMap((svc) => (svc.ownerGroup ? [svc.ownerGroup] : [])),
    });
    const assessed: ChangeSnapshot = { ...s, impact, risk, changeManager: approvers.changeManager };
    const data = { risk, affected: impact.affected.length, services: impact.services.map((svc) => svc.number) };
    if (!board || !rule) {
      await this.record.commit('system', 'pre_approved', preApprovalEffect(assessed, data, Date.now()));
      return;
    }
    await this.record.commit('system', 'cab_review', cabReviewEffect(assessed, board, rule, risk, approvers.required, data, Date.now()));
  }

  // ---- The CAB: votes arrive as signals, decisions are the workflow's own ----

  vote = async (v: CastVote): Promise<void> => {
    this.votesInFlight.add(v.voteId);
    try {
      await this.recordVote(v);
    } finally {
      this.votesInFlight.delete(v.voteId);
    }
  };

  private async recordVote(v: CastVote): Promise<void> {
    if (!this.record.exists) return; // the API signals only changes it has read back, so only a stray signal lands here
    const s = this.s;
    if (s.state !== 'cab_review' || !s.cab) {
      // Raced with the decision (the API refuses votes outside CAB review): kept for the record only.
      const ignoredReason = `the change is ${s.state}, not in CAB review`;
      const change = await this.record.commit(v.member, 'vote', { snapshot: s, data: { voteId: v.voteId, member: v.member, decision: v.decision, counted: false, ignoredReason } });
      this.voteOutcomes.set(v.voteId, { voteId: v.voteId, counted: false, ignoredReason, change });
      return;
    }
    const { countsFor, ignoredReason } = classifyVote(s.cab, { member: v.member, groups: v.groups });
    const cab: CabState = { ...s.cab, votes: [...s.cab.votes, { voteId: v.voteId, member: v.member, decision: v.decision, comment: v.comment ?? null, at: Date.now(), countsFor, ignoredReason }] };
    let change = await this.record.commit(v.member, 'vote', {
      snapshot: { ...s, cab },
      data: { voteId: v.voteId, member: v.member, decision: v.decision, comment: v.comment ?? null, counted: countsFor.length > 0, countsFor, ignoredReason },
    });
    const decided = decisionEffect(this.s, Date.now());
    if (decided) {
      change = await this.record.commit('system', decided.action, decided.effect);
      await this.tellProblemIfEnded();
    }
    this.voteOutcomes.set(v.voteId, { voteId: v.voteId, counted: countsFor.length > 0, ignoredReason, change });
  }

  /** Answers once the vote with this id is recorded (and, if it decided the CAB, the decision too). */
  voteOutcome = async ({ voteId }: { voteId: string }): Promise<VoteOutcome> => {
    const recordedEarlier = () => !this.votesInFlight.has(voteId) && (this.s.cab?.votes ?? []).some((v) => v.voteId === voteId);
    await condition(() => this.voteOutcomes.has(voteId) || (this.record.exists && recordedEarlier()));
    const known = this.voteOutcomes.get(voteId);
    if (known) return known;
    const vote = (this.s.cab?.votes ?? []).find((v) => v.voteId === voteId);
    return { voteId, counted: (vote?.countsFor.length ?? 0) > 0, ignoredReason: vote?.ignoredReason ?? null, change: this.record.view() };
  };

  // ---- Scheduling: freezes hold normal and standard changes; emergencies go ahead ----

  async schedule(actor: string, action: string, window?: { plannedStart: number; plannedEnd: number }): Promise<ChangeView> {
    const s = this.s;
    const w = window ?? { plannedStart: s.plannedStart, plannedEnd: s.plannedEnd };
    const moved = w.plannedStart !== s.plannedStart || w.plannedEnd !== s.plannedEnd;
    // A new window can change the risk (service hours it overlaps, incidents opened since):
    // assess again. Changes recorded before this existed replay without the extra activity.
    const reassessed = moved && since('reassess-on-reschedule') ? await this.assessWindow(s, w) : null;
    const hit = freezesHit({ start: w.plannedStart, end: w.plannedEnd }, await lookups.findFreezes({ start: w.plannedStart, end: w.plannedEnd }), Date.now());
    const next = scheduleEffect(s, action, w, hit, reassessed, Date.now());
    return next ? this.record.commit(actor, next.action, next.effect) : this.record.view();
  }

  recheckSchedule = async (): Promise<void> => {
    if (this.record.exists && ['approved', 'held', 'scheduled'].includes(this.s.state)) await this.schedule('system', 'schedule');
  };

  // ---- Commands from people (Updates with validators) ----

  check(name: ChangeCommandName, body: unknown): void {
    const s = this.s;
    const check = checkCommand(s.state, name);
    if (!check.ok) throw invalidTransition(check.reason);
    if (name === 'start' && s.windowOpenedAt === null && Date.now() < s.plannedStart) {
      throw invalidTransition(`cannot start ${s.number} before its window opens at ${iso(s.plannedStart)}`);
    }
    if (name === 'reschedule' && Date.parse((body as ChangeCommandBody<'reschedule'>).plannedEnd) <= Date.now()) throw invalidInput('plannedEnd must be in the future');
  }

  readonly commands: { [K in ChangeCommandName]: (actor: string, body: ChangeCommandBody<K>) => Promise<ChangeView> } = {
    start: (actor, b) => {
      const s = this.s;
      return this.record.commit(actor, 'start', { snapshot: { ...s, state: 'implementing', startedAt: Date.now(), windowOpenedAt: s.windowOpenedAt ?? Date.now() }, data: { notes: b.notes ?? null } });
    },
    complete: (actor, b) => (b.outcome === 'failed' ? this.fail(actor, b.notes ?? null) : this.succeed(actor, b.notes ?? null)),
    review: (actor, b) =>
      this.record.commit(actor, 'review', { snapshot: { ...this.s, state: 'reviewed', review: { notes: b.notes, by: actor, at: Date.now() } }, data: { notes: b.notes }, events: ['change.reviewed'] }),
    close: (actor, b) => this.record.commit(actor, 'close', { snapshot: { ...this.s, state: 'closed', closedAt: Date.now() }, data: { notes: b.notes ?? null }, events: ['change.closed'] }),
    cancel: async (actor, b) => {
      const view = await this.record.commit(actor, 'cancel', { snapshot: { ...this.s, state: 'cancelled', cancelReason: b.reason, closedAt: Date.now() }, data: { reason: b.reason }, events: ['change.cancelled'] });
      await this.tellProblemIfEnded();
      return view;
    },
    reschedule: (actor, b) => this.schedule(actor, 'reschedule', { plannedStart: Date.parse(b.plannedStart), plannedEnd: Date.parse(b.plannedEnd) }),
  };

  private async fail(actor: string, notes: string | null): Promise<ChangeView> {
    const s = this.s;
    const now = Date.now();
    const view = await this.record.commit(actor, 'failed', {
      snapshot: { ...s, state: 'failed', outcome: 'failed', completedAt: now, completionNotes: notes, backout: { plan: s.backoutPlan, executedAt: now, executedBy: actor } },
      data: { outcome: 'failed', notes, backout: { executed: true, plan: s.backoutPlan }, cmdbUpdated: false },
      events: ['change.failed'],
      notifications: toChangeManager(s, 'change_failed', `${s.number} failed; backout plan executed: ${s.backoutPlan}`),
    });
    await this.tellProblem(s, 'failed', notes ?? 'implementation failed; backout plan executed');
    return view;
  }

  private async succeed(actor: string, notes: string | null): Promise<ChangeView> {
    const s = this.s;
    const now = Date.now();
    let applied: { ciId: string; number: string; version: number }[] = [];
    if (s.ciUpdates.length > 0) {
      try {
        applied = await cmdbWrites.applyChangeCiUpdates({ changeNumber: s.number, actor, at: now, updates: s.ciUpdates });
      } catch (e) {
        const cause = e instanceof ActivityFailure && e.cause instanceof ApplicationFailure ? e.cause : null;
        if (cause?.type === FAILURE.cmdbUpdateRejected) {
          throw invalidTransition(`${s.number} cannot complete successfully: ${cause.message}; nothing was changed in the CMDB (complete with outcome 'failed' to back out)`);
        }
        throw e;
      }
    }
    const view = await this.record.commit(actor, 'implemented', {
      snapshot: { ...s, state: 'implemented', outcome: 'success', completedAt: now, completionNotes: notes },
      data: { outcome: 'success', notes, cmdbUpdates: applied },
      events: ['change.implemented'],
    });
    await this.tellProblem(s, 'success');
    return view;
  }

  private async tellProblem(s: ChangeSnapshot, outcome: ChangeOutcome['outcome'], reason?: string | null): Promise<void> {
    if (s.problemId) await lookups.signalProblem({ problemId: s.problemId, problemNumber: s.problemNumber ?? undefined, changeNumber: s.number, outcome, reason: reason ?? null });
  }

  /** A rejected or cancelled change will never fix its problem: the problem hears so (changes recorded before this did not tell). */
  private async tellProblemIfEnded(): Promise<void> {
    const s = this.s;
    if (!s.problemId || !since('tell-problem-every-outcome')) return;
    if (s.state === 'rejected') await this.tellProblem(s, 'rejected', s.decision?.reason ?? null);
    else if (s.state === 'cancelled') await this.tellProblem(s, 'cancelled', s.cancelReason);
  }

  // ---- The release that deploys this change ----

  linkRelease = (actor: string, b: LinkReleaseBody): Promise<ChangeView> => {
    const s = this.s;
    if (s.releaseId === b.releaseId) return Promise.resolve(this.record.view());
    return this.record.commit(actor, 'release_linked', { snapshot: { ...s, ...b }, data: { ...b, previousReleaseId: s.releaseId ?? null } });
  };

  // ---- Timers: CAB reminders, escalation and timeout; freeze end; window; overrun ----

  fire = async (d: Deadline<ChangeStepKind>): Promise<void> => {
    switch (d.kind) {
      case 'assess':
        return this.assess();
      case 'schedule':
      case 'freeze_end':
        await this.schedule('system', 'schedule');
        return;
      default: {
        const step = timerEffect(this.s, d.kind, Date.now());
        await this.record.commit('system', step.action, step.effect);
        await this.tellProblemIfEnded();
      }
    }
  };
}

function searchAttributes(s: ChangeSnapshot): SearchAttributeUpdatePair[] {
  const pairs: SearchAttributeUpdatePair[] = [...recordSearchAttributes('change')(s), { key: SA.ChangeType, value: s.type }];
  if (s.risk) pairs.push({ key: SA.Risk, value: s.risk.level });
  return pairs;
}

/**
 * A linked release waits on this change's approval and window: it hears every move (not
 * awaited here; a finished release ignores it). The signals still in flight are kept in
 * `told`: the change waits for them before it ends, since the server drops a signal whose
 * sender has already closed (a change cancelled or rejected in the task that signals).
 */
function tellRelease(told: Promise<void>[]) {
  return (before: ChangeSnapshot, after: ChangeSnapshot): void => {
    if (!after.releaseNumber || before.state === after.state) return;
    told.push(
      getExternalWorkflowHandle(releaseWorkflowId(after.releaseNumber))
        .signal(changeMovedSignal, { changeId: after.id, changeNumber: after.number, state: after.state })
        .catch((e: unknown) => log.info('release not told of a change move', { release: after.releaseNumber, error: String(e) })),
    );
  };
}

export async function changeWorkflow(input: ChangeWorkflowInput): Promise<ChangeView | null> {
  const told: Promise<void>[] = [];
  const record: Change = new RecordProcess(input, {
    recordType: 'change',
    view: changeView,
    isTerminal: (state) => isTerminal(state as ChangeState),
    searchAttributes,
    afterCommit: tellRelease(told),
  });
  const change = new ChangeRoom(record, input.config);

  record.onQuery(getChangeQuery);
  record.onCreate(createChangeUpdate, async ({ actor, body }) => ({
    carried: { snapshot: newChange({ id: input.id, number: input.number, workflowId: workflowInfo().workflowId }, actor, body, Date.now()) },
    action: 'submit',
    effect: { events: ['change.submitted'] },
  }));
  record.onCommands<ChangeCommandBodyMap>(
    changeCommandUpdates,
    (name, body) => change.check(name, body),
    (name, actor, body) => change.commands[name](actor, body),
  );
  record.onCommand(linkReleaseUpdate, () => undefined, change.linkRelease);
  record.onSignal(voteSignal, change.vote);
  record.onSignal(recheckScheduleSignal, change.recheckSchedule);
  record.onUpdate(voteOutcomeUpdate, change.voteOutcome);
  const ended = await record.run({ deadlines: (c, now) => changeDeadlines(c.snapshot, now), fire: change.fire });
  await Promise.all(told);
  return ended;
}
