import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities';
import type { CreateIncidentBody, IncidentCommandBody, IncidentCommandName } from '../domain/schemas/incident';
import { incidentView, slaBreached, type IncidentSnapshot, type IncidentView } from '../domain/incident/snapshot';
import { isTerminal, nextState, type IncidentState } from '../domain/incident/state-machine';
import { priorityOf, type PriorityMatrix } from '../domain/priority';
import * as clock from '../domain/sla/clock';
import type { SlaPolicy } from '../domain/sla/policy';
import { RecordKeeper } from './shared/record-keeper';
import * as SA from './shared/search-attributes';
import { Serial } from './shared/serial';

const lookups = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s' },
});
const systemLookups = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export interface IncidentWorkflowConfig {
  autoCloseMs: number;
  continueAsNewAfterEvents: number;
  /** How long a started workflow waits for its `create` update before giving up. */
  createTimeoutMs: number;
  /** Off only on the time-skipping test server, which cannot register custom attributes. */
  searchAttributes: boolean;
  /** Absent: the default matrix of api.md. Fixed per incident when it is opened. */
  priorityMatrix?: PriorityMatrix;
}

export interface CreateIncidentInput {
  actor: string;
  body: CreateIncidentBody;
}

/** Which timer-driven steps have already happened; carried across continue-as-new. */
interface Fired {
  responseBreach: boolean;
  warning: boolean;
  resolutionBreach: boolean;
}

export interface IncidentCarriedState {
  snapshot: IncidentSnapshot;
  policy: SlaPolicy;
  fired: Fired;
  seq: number;
}

export interface IncidentWorkflowInput {
  id: string;
  number: string;
  config: IncidentWorkflowConfig;
  carried?: IncidentCarriedState;
}

export interface CommandInput<K extends IncidentCommandName> {
  actor: string;
  body: IncidentCommandBody<K>;
}

export const createIncidentUpdate = defineUpdate<IncidentView, [CreateIncidentInput]>('create');
export const incidentCommandUpdates = {
  assign: defineUpdate<IncidentView, [CommandInput<'assign'>]>('assign'),
  acknowledge: defineUpdate<IncidentView, [CommandInput<'acknowledge'>]>('acknowledge'),
  hold: defineUpdate<IncidentView, [CommandInput<'hold'>]>('hold'),
  resume: defineUpdate<IncidentView, [CommandInput<'resume'>]>('resume'),
  resolve: defineUpdate<IncidentView, [CommandInput<'resolve'>]>('resolve'),
  reopen: defineUpdate<IncidentView, [CommandInput<'reopen'>]>('reopen'),
  close: defineUpdate<IncidentView, [CommandInput<'close'>]>('close'),
  cancel: defineUpdate<IncidentView, [CommandInput<'cancel'>]>('cancel'),
  escalate: defineUpdate<IncidentView, [CommandInput<'escalate'>]>('escalate'),
  notes: defineUpdate<IncidentView, [CommandInput<'notes'>]>('notes'),
  impact: defineUpdate<IncidentView, [CommandInput<'impact'>]>('impact'),
} as const;
export const getIncidentQuery = defineQuery<IncidentView | null>('getIncident');

/** What a command does to the incident, beyond the state change the state machine gives. */
interface Effect {
  snapshot: IncidentSnapshot;
  data?: Record<string, unknown>;
  events?: string[];
  notifications?: { recipient: string; kind: string; message: string }[];
}

const EVENT_OF: Record<IncidentCommandName, string | null> = {
  assign: 'incident.assigned',
  acknowledge: 'incident.acknowledged',
  hold: 'incident.on_hold',
  resume: 'incident.resumed',
  resolve: 'incident.resolved',
  reopen: 'incident.reopened',
  close: 'incident.closed',
  cancel: 'incident.cancelled',
  escalate: 'incident.escalated',
  notes: null,
  impact: 'incident.reprioritised',
};

function invalidTransition(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'InvalidTransition', nonRetryable: true });
}

export async function incidentWorkflow(input: IncidentWorkflowInput): Promise<IncidentView | null> {
  let state: IncidentCarriedState | null = input.carried ?? null;
  let changed = false;
  const serial = new Serial();
  const keeper = new RecordKeeper('incident', input.id, state?.seq ?? 0, !input.config.searchAttributes ? null : (s: IncidentSnapshot) => [
    { key: SA.RecordType, value: 'incident' },
    { key: SA.RecordNumber, value: s.number },
    { key: SA.RecordState, value: s.state },
    { key: SA.Priority, value: s.priority },
    { key: SA.AssignmentGroup, value: s.assignmentGroup },
    { key: SA.SlaBreached, value: slaBreached(s, Date.now()) },
  ]);

  /** Persist a transition, then (and only then) make it the workflow's state. */
  async function commit(actor: string, action: string, effect: Effect, fired?: Fired): Promise<IncidentView> {
    const current = state as IncidentCarriedState;
    const now = Date.now();
    const snapshot = { ...effect.snapshot, updatedAt: now };
    const view = incidentView(snapshot, now);
    await keeper.record({
      actor,
      action,
      from: action === 'create' ? null : current.snapshot.state,
      to: snapshot.state,
      data: effect.data,
      snapshot,
      events: (effect.events ?? []).map((type) => ({ type, data: { incident: view, ...(effect.data ?? {}) } })),
      notifications: effect.notifications,
    });
    state = { snapshot, policy: current.policy, fired: fired ?? current.fired, seq: keeper.seq };
    changed = true;
    return view;
  }

  setHandler(getIncidentQuery, () => (state ? incidentView(state.snapshot, Date.now()) : null));

  setHandler(
    createIncidentUpdate,
    ({ actor, body }) =>
      serial.run(async () => {
        if (state) return incidentView(state.snapshot, Date.now());
        const policy = await lookups.loadSlaPolicy({ serviceId: body.serviceId ?? null });
        const now = Date.now();
        const priority = priorityOf(body.impact, body.urgency, input.config.priorityMatrix);
        const snapshot: IncidentSnapshot = {
          id: input.id,
          number: input.number,
          workflowId: workflowInfo().workflowId,
          type: body.type ?? 'incident',
          title: body.title,
          description: body.description ?? null,
          impact: body.impact,
          urgency: body.urgency,
          priority,
          state: 'new',
          serviceId: body.serviceId ?? null,
          ciId: body.ciId ?? null,
          category: body.category ?? null,
          callerId: body.callerId ?? null,
          assignmentGroup: null,
          assignee: null,
          escalationLevel: 0,
          holdReason: null,
          resolutionCode: null,
          resolutionNotes: null,
          slaId: policy.slaId,
          clock: clock.startClock(now, policy.calendar, policy.targets[priority]),
          openedAt: now,
          resolvedAt: null,
          closedAt: null,
          createdBy: actor,
          updatedAt: now,
        };
        state = { snapshot, policy, fired: { responseBreach: false, warning: false, resolutionBreach: false }, seq: 0 };
        try {
          return await commit(actor, 'create', { snapshot, events: ['incident.created'], data: { slaName: policy.name } });
        } catch (e) {
          state = null;
          throw e;
        }
      }),
    { validator: (_input: CreateIncidentInput) => undefined },
  );

  const commands: { [K in IncidentCommandName]: (s: IncidentCarriedState, body: IncidentCommandBody<K>, to: IncidentState) => Promise<Effect> | Effect } = {
    assign: (s, b, to) => ({
      snapshot: { ...resumeIfPaused(s), state: to, assignmentGroup: b.group ?? s.snapshot.assignmentGroup, assignee: b.assignee ?? (b.group ? null : s.snapshot.assignee), holdReason: null },
      data: { group: b.group, assignee: b.assignee },
      events: ['incident.assigned'],
    }),
    acknowledge: (s, b, to) => ({ snapshot: { ...s.snapshot, state: to, clock: clock.meetResponse(s.snapshot.clock, Date.now()) }, data: { note: b.note } }),
    hold: (s, b, to) => {
      const pauses = s.policy.pauseOn.includes(b.reason);
      return {
        snapshot: { ...s.snapshot, state: to, holdReason: b.reason, clock: pauses ? clock.pause(s.snapshot.clock, Date.now()) : s.snapshot.clock },
        data: { reason: b.reason, note: b.note, clockPaused: pauses },
      };
    },
    resume: (s, b, to) => ({ snapshot: { ...resumeIfPaused(s), state: to, holdReason: null }, data: { note: b.note } }),
    resolve: (s, b, to) => ({
      snapshot: { ...s.snapshot, state: to, holdReason: null, resolutionCode: b.code, resolutionNotes: b.notes, resolvedAt: Date.now(), clock: clock.meetResolution(s.snapshot.clock, Date.now()) },
      data: { code: b.code, notes: b.notes },
    }),
    reopen: (s, b, to) => ({
      snapshot: { ...s.snapshot, state: to, resolutionCode: null, resolutionNotes: null, resolvedAt: null, clock: clock.reopen(s.snapshot.clock, Date.now()) },
      data: { reason: b.reason },
    }),
    close: (s, b, to) => ({ snapshot: { ...s.snapshot, state: to, closedAt: Date.now() }, data: { note: b.note } }),
    cancel: (s, b, to) => ({ snapshot: { ...s.snapshot, state: to, closedAt: Date.now() }, data: { reason: b.reason } }),
    escalate: async (s, b) => hierarchicalEscalation(s, { reason: b.reason, kind: 'manual' }),
    notes: (s, b) => ({ snapshot: s.snapshot, data: { text: b.text } }),
    impact: (s, b) => {
      const impact = b.impact ?? s.snapshot.impact;
      const urgency = b.urgency ?? s.snapshot.urgency;
      const priority = priorityOf(impact, urgency, input.config.priorityMatrix);
      return {
        snapshot: { ...s.snapshot, impact, urgency, priority, clock: clock.retarget(s.snapshot.clock, s.policy.targets[priority]) },
        data: { from: { impact: s.snapshot.impact, urgency: s.snapshot.urgency, priority: s.snapshot.priority }, to: { impact, urgency, priority } },
      };
    },
  };

  function resumeIfPaused(s: IncidentCarriedState): IncidentSnapshot {
    return { ...s.snapshot, clock: s.snapshot.state === 'on_hold' ? clock.resume(s.snapshot.clock, Date.now()) : s.snapshot.clock };
  }

  async function hierarchicalEscalation(s: IncidentCarriedState, why: { reason: string; kind: 'manual' | 'sla_breach' }): Promise<Effect> {
    const group = s.snapshot.assignmentGroup ? await systemLookups.lookupGroup({ name: s.snapshot.assignmentGroup }) : null;
    const level = s.snapshot.escalationLevel + 1;
    const message = `${s.snapshot.number} (${s.snapshot.priority}) escalated to level ${level}: ${why.reason}`;
    return {
      snapshot: { ...s.snapshot, escalationLevel: level },
      data: { escalation: 'hierarchical', kind: why.kind, level, reason: why.reason, manager: group?.managerId ?? null },
      events: ['incident.escalated'],
      notifications: [
        ...(group?.managerId ? [{ recipient: `user:${group.managerId}`, kind: 'escalation', message }] : []),
        ...(s.snapshot.assignmentGroup ? [{ recipient: `group:${s.snapshot.assignmentGroup}`, kind: 'escalation', message }] : []),
      ],
    };
  }

  function validate(name: IncidentCommandName): void {
    if (!state) throw ApplicationFailure.create({ message: 'incident not created', type: 'NotFound', nonRetryable: true });
    const next = nextState(state.snapshot.state, name);
    if (!next.ok) throw invalidTransition(next.reason);
  }

  for (const name of Object.keys(incidentCommandUpdates) as IncidentCommandName[]) {
    const run = commands[name] as (s: IncidentCarriedState, body: unknown, to: IncidentState) => Promise<Effect> | Effect;
    setHandler(
      incidentCommandUpdates[name] as UpdateDefinition<IncidentView, [CommandInput<IncidentCommandName>]>,
      ({ actor, body }) =>
        serial.run(async () => {
          // Re-checked here: another command may have moved the state since validation.
          validate(name);
          const s = state as IncidentCarriedState;
          const next = nextState(s.snapshot.state, name) as { ok: true; to: IncidentState };
          const effect = await run(s, body, next.to);
          const event = EVENT_OF[name];
          const events = effect.events ?? (event ? [event] : []);
          return commit(actor, name, { ...effect, events });
        }),
      { validator: (_input: CommandInput<IncidentCommandName>) => validate(name) },
    );
  }

  // ---- Timers: the SLA clocks and auto-close fire with nobody calling the API ----

  type Deadline = { at: number; kind: 'response' | 'warning' | 'resolution' | 'autoClose' };
  function deadlines(s: IncidentCarriedState, now: number): Deadline[] {
    const { snapshot: snap, fired, policy } = s;
    const out: Deadline[] = [];
    if (snap.state === 'resolved' && snap.resolvedAt !== null) out.push({ at: snap.resolvedAt + input.config.autoCloseMs, kind: 'autoClose' });
    if (isTerminal(snap.state) || snap.state === 'resolved') return out;
    const c = snap.clock;
    if (c.responseMetAt === null && !fired.responseBreach) out.push({ at: clock.responseDueAt(c) + 1, kind: 'response' });
    if (c.resolutionMetAt === null && c.pausedSince === null) {
      const rule = policy.escalation[snap.priority];
      if (!fired.warning) out.push({ at: clock.resolutionDueAt(c, now, rule.warnAtPercent / 100), kind: 'warning' });
      if (!fired.resolutionBreach) out.push({ at: clock.resolutionDueAt(c, now) + 1, kind: 'resolution' });
    }
    return out;
  }

  async function fire(d: Deadline): Promise<void> {
    const s = state as IncidentCarriedState;
    const rule = s.policy.escalation[s.snapshot.priority];
    const snap = s.snapshot;
    const view = incidentView(snap, Date.now());
    if (d.kind === 'autoClose') {
      await commit('system', 'close', { snapshot: { ...snap, state: 'closed', closedAt: Date.now() }, events: ['incident.closed'], data: { auto: true } });
    } else if (d.kind === 'warning') {
      if (Date.now() > clock.resolutionDueAt(snap.clock, Date.now())) {
        // Overtaken by the breach (e.g. after an outage): a late warning would only mislead.
        state = { ...s, fired: { ...s.fired, warning: true } };
        return;
      }
      const message = `${snap.number} (${snap.priority}) reached ${rule.warnAtPercent}% of its resolution target; due ${view.sla.resolution.dueAt}`;
      await commit(
        'system',
        'sla_warning',
        {
          snapshot: snap,
          data: { percent: rule.warnAtPercent, dueAt: view.sla.resolution.dueAt },
          events: ['incident.sla.warning'],
          notifications: snap.assignmentGroup ? [{ recipient: `group:${snap.assignmentGroup}`, kind: 'sla_warning', message }] : [],
        },
        { ...s.fired, warning: true },
      );
    } else if (d.kind === 'response') {
      let next: IncidentSnapshot = snap;
      let toGroup: string | null = null;
      if (rule.functional) {
        const current = snap.assignmentGroup ? await systemLookups.lookupGroup({ name: snap.assignmentGroup }) : null;
        toGroup = snap.assignmentGroup ? (current?.nextTierGroup ?? null) : await systemLookups.firstTierGroup();
        if (toGroup) next = { ...snap, assignmentGroup: toGroup, assignee: null, state: snap.state === 'new' ? 'assigned' : snap.state };
      }
      const message = `${snap.number} (${snap.priority}) was not acknowledged by ${view.sla.response.dueAt}` + (toGroup ? `; reassigned to ${toGroup}` : '');
      await commit(
        'system',
        'sla_response_breached',
        {
          snapshot: next,
          data: { clock: 'response', dueAt: view.sla.response.dueAt, escalation: toGroup ? 'functional' : null, fromGroup: snap.assignmentGroup, toGroup },
          events: ['incident.sla.breached', ...(toGroup ? ['incident.escalated'] : [])],
          notifications: toGroup ? [{ recipient: `group:${toGroup}`, kind: 'functional_escalation', message }] : [],
        },
        { ...s.fired, responseBreach: true },
      );
    } else {
      const escalation = rule.hierarchical ? await hierarchicalEscalation(s, { reason: 'resolution SLA breached', kind: 'sla_breach' }) : null;
      await commit(
        'system',
        'sla_resolution_breached',
        {
          snapshot: escalation?.snapshot ?? snap,
          data: { clock: 'resolution', dueAt: view.sla.resolution.dueAt, ...(escalation?.data ?? {}) },
          events: ['incident.sla.breached', ...(escalation?.events ?? [])],
          notifications: escalation?.notifications ?? [],
        },
        { ...s.fired, warning: true, resolutionBreach: true },
      );
    }
  }

  if (!state) {
    const created = await condition(() => state !== null, input.config.createTimeoutMs);
    if (!created) return null; // the create update never came (or failed): nothing to keep
  }

  while (!isTerminal((state as IncidentCarriedState).snapshot.state)) {
    if (workflowInfo().historyLength > input.config.continueAsNewAfterEvents || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await keeper.flush();
      return continueAsNew<typeof incidentWorkflow>({ ...input, carried: state as IncidentCarriedState });
    }
    const now = Date.now();
    const due = deadlines(state as IncidentCarriedState, now).sort((a, b) => a.at - b.at);
    changed = false;
    if (due.length === 0) {
      await condition(() => changed);
      continue;
    }
    const waitMs = due[0].at - now;
    if (waitMs > 0 && (await condition(() => changed, waitMs))) continue;
    await serial.run(async () => {
      // A command may have run while the timer was pending: act only on what is still due.
      const s = state as IncidentCarriedState;
      const stillDue = deadlines(s, Date.now()).filter((d) => d.kind === due[0].kind && d.at <= Date.now());
      for (const d of stillDue) await fire(d);
    });
  }
  await condition(allHandlersFinished);
  await keeper.flush();
  return incidentView((state as IncidentCarriedState).snapshot, Date.now());
}
