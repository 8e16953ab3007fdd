import {
  ApplicationFailure,
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair, UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities';
import { changeManagerRequired, classifyVote, notYetVoted, quorumOf, recipientOf, tally, type CabState, type Decision } from '../domain/change/cab';
import { boardFor, type ChangePolicy } from '../domain/change/policy';
import { assessRisk } from '../domain/change/risk';
import { freezesHit } from '../domain/change/schedule';
import { changeView, type ChangeSnapshot, type ChangeView, type CiUpdate } from '../domain/change/snapshot';
import { checkCommand, isTerminal, type ChangeState } from '../domain/change/state-machine';
import { parseIsoDuration } from '../domain/duration';
import type { ChangeCommandBody, ChangeCommandName } from '../domain/schemas/change';
import { RecordKeeper } from './shared/record-keeper';
import * as SA from './shared/search-attributes';
import { Serial } from './shared/serial';

/** Reads of the CMDB: quick, retried a few times (a caller may be waiting). */
const lookups = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});
/** The CMDB write of a successful change: bounded, so `complete` answers rather than hangs. */
const cmdbWrites = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: ['CmdbUpdateRejected'] },
});

export interface ChangeWorkflowConfig {
  continueAsNewAfterEvents: number;
  /** How long a started workflow waits for its `create` update before giving up. */
  createTimeoutMs: number;
  /** Off only on the time-skipping test server, which cannot register custom attributes. */
  searchAttributes: boolean;
  /** Fixed per change at submission, so a policy edit never changes a running CAB's rules. */
  policy: ChangePolicy;
}

/** The RFC as the API resolved it: CI references are ids, plans filled in from a template. */
export interface SubmitChange {
  title: string;
  description?: string;
  type: ChangeSnapshot['type'];
  ciIds: string[];
  plannedStart: string;
  plannedEnd: string;
  implementationPlan: string;
  backoutPlan: string;
  problemId?: string;
  templateId?: string;
  ciUpdates: CiUpdate[];
}

export interface CreateChangeInput {
  actor: string;
  body: SubmitChange;
}

export interface CastVote {
  /** Chosen by the API: lets it see when this vote has been recorded. */
  voteId: string;
  member: string;
  /** The voter's groups at the time of the vote: a group approver is answered by any member. */
  groups: string[];
  decision: Decision;
  comment?: string;
}

export interface ChangeCarriedState {
  snapshot: ChangeSnapshot;
  seq: number;
}

export interface ChangeWorkflowInput {
  id: string;
  number: string;
  config: ChangeWorkflowConfig;
  carried?: ChangeCarriedState;
}

export interface ChangeCommandInput<K extends ChangeCommandName> {
  actor: string;
  body: ChangeCommandBody<K>;
}

export const createChangeUpdate = defineUpdate<ChangeView, [CreateChangeInput]>('create');
export const changeCommandUpdates = {
  start: defineUpdate<ChangeView, [ChangeCommandInput<'start'>]>('start'),
  complete: defineUpdate<ChangeView, [ChangeCommandInput<'complete'>]>('complete'),
  review: defineUpdate<ChangeView, [ChangeCommandInput<'review'>]>('review'),
  close: defineUpdate<ChangeView, [ChangeCommandInput<'close'>]>('close'),
  cancel: defineUpdate<ChangeView, [ChangeCommandInput<'cancel'>]>('cancel'),
  reschedule: defineUpdate<ChangeView, [ChangeCommandInput<'reschedule'>]>('reschedule'),
} as const;
/** A CAB vote: fire-and-forget, as a vote needs no answer beyond being recorded. */
export const voteSignal = defineSignal<[CastVote]>('vote');
/** A change freeze was declared or changed: check this change's window again. */
export const recheckScheduleSignal = defineSignal('recheckSchedule');
export const getChangeQuery = defineQuery<ChangeView | null>('getChange');

interface Effect {
  snapshot: ChangeSnapshot;
  data?: Record<string, unknown>;
  events?: string[];
  notifications?: { recipient: string; kind: string; message: string }[];
}

function invalidTransition(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'InvalidTransition', nonRetryable: true });
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function changeWorkflow(input: ChangeWorkflowInput): Promise<ChangeView | null> {
  let state: ChangeCarriedState | null = input.carried ?? null;
  let changed = false;
  const serial = new Serial();
  const policy = input.config.policy;
  const keeper = new RecordKeeper('change', input.id, state?.seq ?? 0, !input.config.searchAttributes ? null : (s: ChangeSnapshot) => {
    const pairs: SearchAttributeUpdatePair[] = [
      { key: SA.RecordType, value: 'change' },
      { key: SA.RecordNumber, value: s.number },
      { key: SA.RecordState, value: s.state },
      { key: SA.ChangeType, value: s.type },
    ];
    if (s.risk) pairs.push({ key: SA.Risk, value: s.risk.level });
    return pairs;
  });

  const current = () => (state as ChangeCarriedState).snapshot;

  /** Persist a transition, then (and only then) make it the workflow's state. */
  async function commit(actor: string, action: string, effect: Effect): Promise<ChangeView> {
    const before = state?.snapshot ?? null;
    const snapshot = { ...effect.snapshot, updatedAt: Date.now() };
    const view = changeView(snapshot);
    await keeper.record({
      actor,
      action,
      from: action === 'submit' || !before ? null : before.state,
      to: snapshot.state,
      data: effect.data,
      snapshot,
      events: (effect.events ?? []).map((type) => ({ type, data: { change: view, ...(effect.data ?? {}) } })),
      notifications: effect.notifications,
    });
    state = { snapshot, seq: keeper.seq };
    changed = true;
    return view;
  }

  const toChangeManager = (s: ChangeSnapshot, kind: string, message: string) => (s.changeManager ? [{ recipient: `user:${s.changeManager}`, kind, message }] : []);

  setHandler(getChangeQuery, () => (state ? changeView(state.snapshot) : null));

  setHandler(
    createChangeUpdate,
    ({ actor, body }) =>
      serial.run(async () => {
        if (state) return changeView(state.snapshot);
        const now = Date.now();
        const snapshot: ChangeSnapshot = {
          id: input.id,
          number: input.number,
          workflowId: workflowInfo().workflowId,
          type: body.type,
          title: body.title,
          description: body.description ?? null,
          state: 'submitted',
          ciIds: body.ciIds,
          plannedStart: Date.parse(body.plannedStart),
          plannedEnd: Date.parse(body.plannedEnd),
          implementationPlan: body.implementationPlan,
          backoutPlan: body.backoutPlan,
          problemId: body.problemId ?? null,
          templateId: body.templateId ?? null,
          ciUpdates: body.ciUpdates,
          risk: null,
          impact: null,
          cab: null,
          decision: null,
          changeManager: null,
          holdReason: null,
          freezeId: null,
          heldUntil: null,
          windowOpenedAt: null,
          startedAt: null,
          completedAt: null,
          outcome: null,
          completionNotes: null,
          backout: null,
          overranAt: null,
          review: null,
          cancelReason: null,
          closedAt: null,
          createdBy: actor,
          submittedAt: now,
          updatedAt: now,
        };
        try {
          return await commit(actor, 'submit', { snapshot, events: ['change.submitted'] });
        } catch (e) {
          state = null;
          throw e;
        }
      }),
    { validator: (_input: CreateChangeInput) => undefined },
  );

  // ---- Assessment: the CMDB's picture of the change, its risk, and who must approve it ----

  /** The CMDB's picture of the change for a window, and the risk it scores. */
  async function assessWindow(s: ChangeSnapshot, w: { plannedStart: number; plannedEnd: number }) {
    const { impact, facts } = await lookups.assessChange({
      changeId: s.id,
      type: s.type,
      ciIds: s.ciIds,
      plannedStart: w.plannedStart,
      plannedEnd: w.plannedEnd,
      lookbackDays: policy.risk.lookbackDays,
      at: Date.now(),
    });
    return { impact, risk: assessRisk(facts, policy.risk) };
  }

  async function assess(): Promise<void> {
    let s = current();
    if (s.state === 'submitted') {
      await commit('system', 'assessing', { snapshot: { ...s, state: 'assessing' } });
      s = current();
    }
    const { impact, risk } = await assessWindow(s, s);
    const board = boardFor(s.type);
    const rule = board ? policy.boards[board] : null;
    const approvers = await lookups.resolveCabApprovers({
      cabGroup: policy.cabGroup,
      include: rule?.include ?? [],
      serviceOwnerGroups: impact.services.flatMap((svc) => (svc.ownerGroup ? [svc.ownerGroup] : [])),
    });
    const assessed: ChangeSnapshot = { ...s, impact, risk, changeManager: approvers.changeManager };
    const data = { risk, affected: impact.affected.length, services: impact.services.map((svc) => svc.number) };
    if (!board || !rule) {
      // A standard change is pre-approved by its template: no CAB.
      await commit('system', 'pre_approved', {
        snapshot: { ...assessed, state: 'approved', decision: { outcome: 'approved', reason: `standard change, pre-approved by template ${s.templateId}`, at: Date.now(), by: 'system' } },
        data: { ...data, templateId: s.templateId },
        events: ['change.approved'],
      });
      return;
    }
    const now = Date.now();
    const deadlineMs = parseIsoDuration(rule.deadline);
    const cab: CabState = {
      board,
      required: approvers.required,
      votes: [],
      quorum: quorumOf(rule.quorum, approvers.required.length),
      changeManagerRequired: changeManagerRequired(rule, risk.level, approvers.required),
      openedAt: now,
      deadline: now + deadlineMs,
      timeoutAt: now + deadlineMs + parseIsoDuration(rule.grace),
      remindedAt: null,
      escalatedAt: null,
    };
    const message = `${s.number} (${s.type}, risk ${risk.level}) awaits your CAB vote by ${iso(cab.deadline)}: ${s.title}`;
    await commit('system', 'cab_review', {
      snapshot: { ...assessed, state: 'cab_review', cab },
      data: { ...data, board, required: cab.required, quorum: cab.quorum, deadline: iso(cab.deadline) },
      notifications: cab.required.map((r) => ({ recipient: recipientOf(r.approver), kind: 'cab_vote_requested', message })),
    });
  }

  // ---- The CAB: votes arrive as signals, decisions are the workflow's own ----

  async function recordVote(v: CastVote): Promise<void> {
    if (!state) return; // the API signals only changes it has read back, so only a stray signal lands here
    const s = current();
    const now = Date.now();
    if (s.state !== 'cab_review' || !s.cab) {
      // Raced with the decision (the API refuses votes outside CAB review): kept for the record only.
      await commit(v.member, 'vote', { snapshot: s, data: { voteId: v.voteId, member: v.member, decision: v.decision, counted: false, ignoredReason: `the change is ${s.state}, not in CAB review` } });
      return;
    }
    const { countsFor, ignoredReason } = classifyVote(s.cab, { member: v.member, groups: v.groups });
    const cab: CabState = { ...s.cab, votes: [...s.cab.votes, { voteId: v.voteId, member: v.member, decision: v.decision, comment: v.comment ?? null, at: now, countsFor, ignoredReason }] };
    await commit(v.member, 'vote', {
      snapshot: { ...s, cab },
      data: { voteId: v.voteId, member: v.member, decision: v.decision, comment: v.comment ?? null, counted: countsFor.length > 0, countsFor, ignoredReason },
    });
    await decideIfDone();
  }

  async function decideIfDone(): Promise<void> {
    const s = current();
    if (s.state !== 'cab_review' || !s.cab) return;
    const result = tally(s.cab);
    if (result.outcome === 'pending') return;
    const decision = { outcome: result.outcome, reason: result.reason, at: Date.now(), by: 'cab' };
    await commit('system', result.outcome === 'approved' ? 'approved' : 'rejected', {
      snapshot: { ...s, state: result.outcome, decision },
      data: { reason: result.reason, approvals: result.approvals, rejections: result.rejections },
      events: [result.outcome === 'approved' ? 'change.approved' : 'change.rejected'],
      notifications: [{ recipient: `user:${s.createdBy}`, kind: `change_${result.outcome}`, message: `${s.number} was ${result.outcome} by the CAB: ${result.reason}` }],
    });
  }

  setHandler(voteSignal, (v) => serial.run(() => recordVote(v)));

  // ---- Scheduling: freezes hold normal and standard changes; emergencies go ahead ----

  async function schedule(actor: string, action: string, window?: { plannedStart: number; plannedEnd: number }): Promise<ChangeView> {
    const s = current();
    const moved = window !== undefined && (window.plannedStart !== s.plannedStart || window.plannedEnd !== s.plannedEnd);
    const w = window ?? { plannedStart: s.plannedStart, plannedEnd: s.plannedEnd };
    let base: ChangeSnapshot = { ...s, ...w, windowOpenedAt: moved ? null : s.windowOpenedAt, overranAt: moved ? null : s.overranAt };
    let data: Record<string, unknown> = moved ? { plannedStart: iso(w.plannedStart), plannedEnd: iso(w.plannedEnd), previous: { plannedStart: iso(s.plannedStart), plannedEnd: iso(s.plannedEnd) } } : {};
    const riskNotices: Effect['notifications'] = [];
    // A new window can change the risk (service hours it overlaps, incidents opened since):
    // assess again. Changes recorded before this existed replay without the extra activity.
    if (moved && patched('reassess-on-reschedule')) {
      const { impact, risk } = await assessWindow(s, w);
      base = { ...base, impact, risk };
      if (risk.score !== s.risk?.score) data = { ...data, risk: { before: s.risk, after: risk } };
      if (s.risk && risk.level !== s.risk.level) {
        riskNotices.push(...toChangeManager(s, 'change_risk_changed', `${s.number} was rescheduled; its risk is now ${risk.level} (${risk.score}), was ${s.risk.level} (${s.risk.score})`));
      }
    }
    const hit = freezesHit({ start: w.plannedStart, end: w.plannedEnd }, await lookups.findFreezes({ start: w.plannedStart, end: w.plannedEnd }), Date.now());
    if (hit.length > 0 && s.type !== 'emergency') {
      const f = hit[0];
      const holdReason = `change freeze '${f.name}' (${iso(f.start)} to ${iso(f.end)}): ${f.reason}`;
      const heldUntil = Math.max(...hit.map((h) => h.end));
      if (s.state === 'held' && !moved && s.freezeId === f.id && s.heldUntil === heldUntil) return changeView(s);
      return commit(actor, action === 'schedule' ? 'held' : action, {
        snapshot: { ...base, state: 'held', holdReason, freezeId: f.id, heldUntil },
        data: { ...data, freezes: hit.map((h) => ({ id: h.id, name: h.name })), holdReason },
        events: ['change.held'],
        notifications: [
          { recipient: `user:${s.createdBy}`, kind: 'change_held', message: `${s.number} is held: ${holdReason}. Reschedule it or wait for the freeze to end.` },
          ...toChangeManager(s, 'change_held', `${s.number} is held: ${holdReason}`),
          ...riskNotices,
        ],
      });
    }
    if (s.state === 'held' && w.plannedEnd <= Date.now()) {
      const holdReason = 'the planned window passed while the change was held; reschedule it';
      if (s.holdReason === holdReason && !moved) return changeView(s);
      return commit(actor, action === 'schedule' ? 'held' : action, { snapshot: { ...base, state: 'held', holdReason, freezeId: null, heldUntil: null }, data: { ...data, holdReason }, notifications: riskNotices });
    }
    if (s.state === 'scheduled' && !moved) return changeView(s);
    return commit(actor, action === 'schedule' ? 'scheduled' : action, {
      snapshot: { ...base, state: 'scheduled', holdReason: null, freezeId: null, heldUntil: null },
      data: { ...data, ...(hit.length ? { freezesOverridden: hit.map((h) => ({ id: h.id, name: h.name })) } : {}) },
      events: ['change.scheduled'],
      notifications: riskNotices,
    });
  }

  setHandler(recheckScheduleSignal, () =>
    serial.run(async () => {
      if (state && ['approved', 'held', 'scheduled'].includes(current().state)) await schedule('system', 'schedule');
    }),
  );

  // ---- Commands from people (Updates with validators) ----

  const commands: { [K in ChangeCommandName]: (actor: string, body: ChangeCommandBody<K>) => Promise<ChangeView> } = {
    start: (actor, b) => {
      const s = current();
      return commit(actor, 'start', { snapshot: { ...s, state: 'implementing', startedAt: Date.now(), windowOpenedAt: s.windowOpenedAt ?? Date.now() }, data: { notes: b.notes ?? null } });
    },
    complete: async (actor, b) => {
      const s = current();
      const now = Date.now();
      if (b.outcome === 'failed') {
        const message = `${s.number} failed; backout plan executed: ${s.backoutPlan}`;
        const failedView = await commit(actor, 'failed', {
          snapshot: { ...s, state: 'failed', outcome: 'failed', completedAt: now, completionNotes: b.notes ?? null, backout: { plan: s.backoutPlan, executedAt: now, executedBy: actor } },
          data: { outcome: 'failed', notes: b.notes ?? null, backout: { executed: true, plan: s.backoutPlan }, cmdbUpdated: false },
          events: ['change.failed'],
          notifications: toChangeManager(s, 'change_failed', message),
        });
        await tellProblem(s, 'failed');
        return failedView;
      }
      let applied: { ciId: string; number: string; version: number }[] = [];
      if (s.ciUpdates.length > 0) {
        try {
          applied = await cmdbWrites.applyChangeCiUpdates({ changeNumber: s.number, actor, at: now, updates: s.ciUpdates });
        } catch (e) {
          const cause = e instanceof ActivityFailure && e.cause instanceof ApplicationFailure ? e.cause : null;
          if (cause?.type === 'CmdbUpdateRejected') {
            throw invalidTransition(`${s.number} cannot complete successfully: ${cause.message}; nothing was changed in the CMDB (complete with outcome 'failed' to back out)`);
          }
          throw e;
        }
      }
      const view = await commit(actor, 'implemented', {
        snapshot: { ...s, state: 'implemented', outcome: 'success', completedAt: now, completionNotes: b.notes ?? null },
        data: { outcome: 'success', notes: b.notes ?? null, cmdbUpdates: applied },
        events: ['change.implemented'],
      });
      await tellProblem(s, 'success');
      return view;
    },
    review: (actor, b) => {
      const s = current();
      return commit(actor, 'review', { snapshot: { ...s, state: 'reviewed', review: { notes: b.notes, by: actor, at: Date.now() } }, data: { notes: b.notes }, events: ['change.reviewed'] });
    },
    close: (actor, b) => {
      const s = current();
      return commit(actor, 'close', { snapshot: { ...s, state: 'closed', closedAt: Date.now() }, data: { notes: b.notes ?? null }, events: ['change.closed'] });
    },
    cancel: (actor, b) => {
      const s = current();
      return commit(actor, 'cancel', { snapshot: { ...s, state: 'cancelled', cancelReason: b.reason, closedAt: Date.now() }, data: { reason: b.reason }, events: ['change.cancelled'] });
    },
    reschedule: (actor, b) => schedule(actor, 'reschedule', { plannedStart: Date.parse(b.plannedStart), plannedEnd: Date.parse(b.plannedEnd) }),
  };

  async function tellProblem(s: ChangeSnapshot, outcome: 'success' | 'failed'): Promise<void> {
    if (s.problemId) await lookups.signalProblem({ problemId: s.problemId, changeNumber: s.number, outcome });
  }

  function validate(name: ChangeCommandName, body: unknown): void {
    if (!state) throw ApplicationFailure.create({ message: 'change not submitted', type: 'NotFound', nonRetryable: true });
    const s = state.snapshot;
    const check = checkCommand(s.state, name);
    if (!check.ok) throw invalidTransition(check.reason);
    if (name === 'start' && s.windowOpenedAt === null && Date.now() < s.plannedStart) {
      throw invalidTransition(`cannot start ${s.number} before its window opens at ${iso(s.plannedStart)}`);
    }
    if (name === 'reschedule') {
      const b = body as ChangeCommandBody<'reschedule'>;
      if (Date.parse(b.plannedEnd) <= Date.now()) throw ApplicationFailure.create({ message: 'plannedEnd must be in the future', type: 'InvalidInput', nonRetryable: true });
    }
  }

  for (const name of Object.keys(changeCommandUpdates) as ChangeCommandName[]) {
    const run = commands[name] as (actor: string, body: unknown) => Promise<ChangeView>;
    setHandler(
      changeCommandUpdates[name] as UpdateDefinition<ChangeView, [ChangeCommandInput<ChangeCommandName>]>,
      ({ actor, body }) =>
        serial.run(async () => {
          // Re-checked here: a timer or another command may have moved the state since validation.
          validate(name, body);
          return run(actor, body);
        }),
      { validator: ({ body }: ChangeCommandInput<ChangeCommandName>) => validate(name, body) },
    );
  }

  // ---- Timers: CAB reminders, escalation and timeout; freeze end; window; overrun ----

  type Step = { at: number; kind: 'assess' | 'schedule' | 'remind' | 'escalate' | 'timeout' | 'freeze_end' | 'window' | 'overrun' };
  function nextStep(s: ChangeSnapshot): Step | null {
    const now = Date.now();
    switch (s.state as ChangeState) {
      case 'submitted':
      case 'assessing':
        return { at: now, kind: 'assess' };
      case 'cab_review': {
        const cab = s.cab as CabState;
        if (cab.remindedAt === null && cab.escalatedAt === null) return { at: cab.openedAt + Math.floor((cab.deadline - cab.openedAt) / 2), kind: 'remind' };
        if (cab.escalatedAt === null) return { at: cab.deadline, kind: 'escalate' };
        return { at: cab.timeoutAt, kind: 'timeout' };
      }
      case 'approved':
        return { at: now, kind: 'schedule' };
      case 'held':
        return s.heldUntil === null ? null : { at: s.heldUntil, kind: 'freeze_end' };
      case 'scheduled':
        return s.windowOpenedAt === null ? { at: s.plannedStart, kind: 'window' } : null;
      case 'implementing':
        return s.overranAt === null ? { at: s.plannedEnd, kind: 'overrun' } : null;
      default:
        return null;
    }
  }

  async function fire(kind: Step['kind']): Promise<void> {
    const s = current();
    switch (kind) {
      case 'assess':
        return assess();
      case 'schedule':
      case 'freeze_end':
        await schedule('system', 'schedule');
        return;
      case 'remind': {
        const cab = s.cab as CabState;
        const waiting = notYetVoted(cab);
        const message = `Reminder: ${s.number} awaits your CAB vote; the deadline is ${iso(cab.deadline)}`;
        await commit('system', 'cab_reminder', {
          snapshot: { ...s, cab: { ...cab, remindedAt: Date.now() } },
          data: { waitingFor: waiting.map((r) => r.approver), deadline: iso(cab.deadline) },
          notifications: waiting.map((r) => ({ recipient: recipientOf(r.approver), kind: 'cab_reminder', message })),
        });
        return;
      }
      case 'escalate': {
        const cab = s.cab as CabState;
        const t = tally(cab);
        const message = `${s.number} has no CAB decision at its deadline (${t.reason}); it will be rejected as timed out at ${iso(cab.timeoutAt)}`;
        await commit('system', 'cab_escalated', {
          snapshot: { ...s, cab: { ...cab, escalatedAt: Date.now() } },
          data: { to: s.changeManager, waitingFor: notYetVoted(cab).map((r) => r.approver), timeoutAt: iso(cab.timeoutAt) },
          events: ['change.escalated'],
          notifications: toChangeManager(s, 'cab_escalation', message),
        });
        return;
      }
      case 'timeout': {
        const cab = s.cab as CabState;
        const reason = `timed out: no CAB decision by ${iso(cab.timeoutAt)} (${tally(cab).reason})`;
        await commit('system', 'rejected', {
          snapshot: { ...s, state: 'rejected', decision: { outcome: 'rejected', reason, at: Date.now(), by: 'system' } },
          data: { reason, timedOut: true },
          events: ['change.rejected'],
          notifications: [{ recipient: `user:${s.createdBy}`, kind: 'change_rejected', message: `${s.number} was rejected: ${reason}` }, ...toChangeManager(s, 'change_rejected', `${s.number} was rejected: ${reason}`)],
        });
        return;
      }
      case 'window':
        await commit('system', 'window_opened', {
          snapshot: { ...s, windowOpenedAt: Date.now() },
          data: { plannedStart: iso(s.plannedStart), plannedEnd: iso(s.plannedEnd) },
          notifications: [{ recipient: `user:${s.createdBy}`, kind: 'change_window_open', message: `${s.number}: the change window is open until ${iso(s.plannedEnd)}` }],
        });
        return;
      case 'overrun': {
        const message = `${s.number} is still being implemented after its window closed at ${iso(s.plannedEnd)}`;
        await commit('system', 'overran', {
          snapshot: { ...s, overranAt: Date.now() },
          data: { plannedEnd: iso(s.plannedEnd) },
          events: ['change.overran'],
          notifications: toChangeManager(s, 'change_overran', message),
        });
        return;
      }
    }
  }

  if (!state) {
    const created = await condition(() => state !== null, input.config.createTimeoutMs);
    if (!created) return null; // the create update never came (or failed): nothing to keep
  }

  while (!isTerminal(current().state)) {
    if (workflowInfo().historyLength > input.config.continueAsNewAfterEvents || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await keeper.flush();
      return continueAsNew<typeof changeWorkflow>({ ...input, carried: state as ChangeCarriedState });
    }
    const step = nextStep(current());
    changed = false;
    if (!step) {
      await condition(() => changed);
      continue;
    }
    const waitMs = step.at - Date.now();
    if (waitMs > 0 && (await condition(() => changed, waitMs))) continue;
    await serial.run(async () => {
      // A command or vote may have run while the timer was pending: act only if still due.
      const due = nextStep(current());
      if (due && due.kind === step.kind && due.at <= Date.now()) await fire(due.kind);
    });
  }
  await condition(allHandlersFinished);
  await keeper.flush();
  return changeView(current());
}
