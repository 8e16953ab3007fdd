import { log, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { IncidentActivities } from '../activities/incident';
import type { AvailabilityActivities } from '../activities/availability';
import {
  EVENT_OF,
  commandEffects,
  hierarchicalEscalation,
  incidentDeadlines,
  outageRequestNotifications,
  resolutionBreachEffect,
  responseBreachEffect,
  warningEffect,
  warningOvertaken,
  type IncidentDeadlineKind,
  type IncidentEffect,
} from '../domain/incident/lifecycle';
import { incidentView, withProblemFields, type IncidentSnapshot, type IncidentView } from '../domain/incident/snapshot';
import { isTerminal, nextState, type IncidentState } from '../domain/incident/state-machine';
import { endedWith, outageAfter } from '../domain/incident/outage';
import type { Deadline } from '../domain/record';
import type { IncidentCommandBody, IncidentCommandBodyMap, IncidentCommandName } from '../domain/schemas/incident';
import {
  applyWorkaroundUpdate,
  createIncidentUpdate,
  linkProblemUpdate,
  type ApplyWorkaroundPayload,
  type LinkProblemBody,
  getIncidentQuery,
  incidentSearchAttributes,
  incidentCommandUpdates,
  type IncidentCarriedState,
  type IncidentWorkflowConfig,
  type IncidentWorkflowInput,
} from './contracts/incident';
import { RecordProcess, invalidInput, invalidTransition } from './kernel/record-process';
import { kernelV2, since, type BaselinePatch } from './kernel/versions';
import { openingOf } from '../domain/incident/opening';
import * as slaClock from '../domain/sla/clock';
import { advanceClocks, agreementsNeeded, type AgreementTerms, markFired, parseAgreementDeadline, warningOvertaken as agreementWarningOvertaken, type AgreementDeadlineStep } from '../domain/sla/agreement-clocks';
import { agreementStepAction, agreementStepEffect, answerableGroup } from '../domain/incident/agreement-steps';
import { closeRefusal, escalationGroup, reviewRefusal } from '../domain/incident/security';

/** The SLA lookup at creation: a caller is waiting, so bounded. */
const CALLER_WAITS = {
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s' },
} as const;
/** Group lookups for escalations: nobody waits, so they retry until the database answers. */
const NOBODY_WAITS = { startToCloseTimeout: '10s', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } } as const;
const lookups = proxyActivities<IncidentActivities>(CALLER_WAITS);
const systemLookups = proxyActivities<IncidentActivities>(NOBODY_WAITS);
/** The same lookups as local activities (kernel v2): quick reads need no trip through the server. */
const localLookups = proxyLocalActivities<IncidentActivities>(CALLER_WAITS);
const localSystemLookups = proxyLocalActivities<IncidentActivities>({ ...NOBODY_WAITS, localRetryThreshold: '10s' });
/** Telling a problem about a link: nobody waits on the outcome, so it retries until the engine answers. */
const problemMessages = proxyActivities<IncidentActivities>(NOBODY_WAITS);
/**
 * Raising a major incident's review problem, awaited before the run ends (MAJOR_PROBLEM_HELD):
 * retried for an hour at most, so an engine that never answers cannot keep a closed incident's
 * run open for ever (a refusal is not retried at all).
 */
const problemRaise = proxyActivities<IncidentActivities>({ ...NOBODY_WAITS, scheduleToCloseTimeout: '1h' });
/** The availability check after an outage: the desk waits for the command, so bounded; a miss is logged, the outage stays recorded. */
const availabilityChecks = proxyActivities<AvailabilityActivities>(CALLER_WAITS);
const OPEN_STATES: readonly IncidentState[] = ['new', 'assigned', 'in_progress', 'on_hold'];
/** Incidents opened before problem management matched no known errors at creation. */
const KNOWN_ERROR_MATCHING: BaselinePatch = 'incident-known-error-matching';
/** Incidents opened before assignment rules were created unassigned. */
const ROUTING: BaselinePatch = 'incident-routing';
/** Incidents resolved before problem management raised no problem for a P1. */
const MAJOR_INCIDENT_PROBLEM: BaselinePatch = 'incident-major-problem';
/** Incidents resolved before this could end their run with the review problem's raise still pending (then lost if its first attempt failed). */
const MAJOR_PROBLEM_HELD: BaselinePatch = 'incident-major-problem-held';
/** Incidents opened before OLA/UC clocks ran only their SLA clock. */
const AGREEMENT_CLOCKS: BaselinePatch = 'incident-agreement-clocks';
/** Incidents re-prioritised before agreement versions kept their creation-time terms. */
const SLA_VERSIONS: BaselinePatch = 'incident-sla-versions';
/** Incidents that breached their response before it looked up the next group and its OLA apart (two local activities). */
const ONE_ESCALATION_LOOKUP: BaselinePatch = 'incident-one-escalation-lookup';
const slaLookup = () => (kernelV2() ? localLookups : lookups);
const groupLookup = () => (kernelV2() ? localSystemLookups : systemLookups);

type Incident = RecordProcess<IncidentSnapshot, IncidentCarriedState, IncidentView>;

/** The incident's commands and SLA timers: lookups here, the rules in domain/incident/lifecycle.ts. */
class IncidentRoom {
  constructor(
    private readonly record: Incident,
    private readonly config: IncidentWorkflowConfig,
  ) {}

  check(name: IncidentCommandName, body?: unknown): IncidentState {
    const next = nextState(this.record.snapshot.state, name);
    if (!next.ok) throw invalidTransition(next.reason);
    // Security incidents (a type older histories never had): a review only on them, and no closing without it.
    const refused = name === 'review' ? reviewRefusal(this.record.snapshot.security) : name === 'close' ? closeRefusal(this.record.snapshot.security) : null;
    if (refused) throw invalidTransition(refused);
    if (name === 'outage') {
      // The API checked the body against the stored outage; this one against the workflow's, which a command in between may have changed.
      const s = this.record.snapshot;
      const { errors } = outageAfter(s.outage, s, body as IncidentCommandBody<'outage'>);
      if (errors.length) throw invalidInput(errors.map((e) => `${e.path} ${e.message}`).join('; '));
    }
    return next.to;
  }

  async command<K extends IncidentCommandName>(name: K, actor: string, body: IncidentCommandBody<K>): Promise<IncidentView> {
    const s = this.record.state;
    const to = this.check(name, body);
    const escalated = name === 'escalate' ? await this.escalation({ reason: (body as IncidentCommandBody<'escalate'>).reason, kind: 'manual' }) : null;
    const effectAt = (now: number): IncidentEffect =>
      escalated ??
      (commandEffects[name as Exclude<K, 'escalate'>] as (s: IncidentCarriedState, b: unknown, to: IncidentState, now: number, m?: IncidentWorkflowConfig['priorityMatrix']) => IncidentEffect)(
        s,
        body,
        to,
        now,
        this.config.priorityMatrix,
      );
    const event = EVENT_OF[name];
    // Re-prioritising uses no time; its lookup may run before the effect is made.
    const repriced = name === 'impact' ? await this.currentTerms(effectAt(Date.now())) : null;
    const clocked = await this.clocked(s.snapshot, (now) => this.outageStep(name, actor, repriced?.effect ?? effectAt(now), now));
    const asked = outageRequestNotifications(s.snapshot, clocked.snapshot);
    const notifications = asked.length ? [...(clocked.notifications ?? []), ...asked] : clocked.notifications;
    const view = await this.record.commit(actor, name, { ...clocked, notifications, events: clocked.events ?? (event ? [event] : []) }, repriced ? { policy: repriced.policy } : undefined);
    if (name === 'resolve') this.raiseMajorIncidentProblem(actor);
    const outage = this.record.snapshot.outage;
    if (outage && (name === 'outage' || outage.end !== (s.snapshot.outage?.end ?? null))) await this.checkAvailability(outage.serviceId);
    return view;
  }

  /** An outage keeps who first recorded it; resolving or cancelling the incident ends one still open (service restored). */
  private outageStep(name: IncidentCommandName, actor: string, effect: IncidentEffect, now: number): IncidentEffect {
    const o = effect.snapshot.outage;
    if (!o) return effect;
    if (name === 'outage') return { ...effect, snapshot: { ...effect.snapshot, outage: { ...o, recordedBy: o.recordedBy ?? actor } } };
    if ((name !== 'resolve' && name !== 'cancel') || o.end !== null) return effect;
    const ended = endedWith(o, now)!;
    return { ...effect, snapshot: { ...effect.snapshot, outage: ended }, data: { ...effect.data, outageEnded: new Date(ended.end!).toISOString() } };
  }

  /** This month's availability of the service, projected: `service.availability.at_risk` when it cannot meet its target. */
  private async checkAvailability(serviceId: string): Promise<void> {
    const number = this.record.snapshot.number;
    try {
      await availabilityChecks.checkServiceAvailability({ serviceId, at: Date.now(), incidentNumber: number });
    } catch (e) {
      log.warn('could not check the service availability', { incident: number, serviceId, error: String(e) });
    }
  }

  /**
   * A P1 resolved without a problem gets one. Not awaited by the resolve: the new problem links
   * this incident through an Update that must not wait behind the resolve that raised it. Held
   * until the run ends, though, so an incident closed at once still sees its raise retried.
   */
  private raiseMajorIncidentProblem(actor: string): void {
    const s = this.record.snapshot;
    const settings = this.config.majorIncidentProblem;
    if (s.priority !== 'P1' || s.problemId || !settings || !since(MAJOR_INCIDENT_PROBLEM)) return;
    const held = since(MAJOR_PROBLEM_HELD);
    const raised = (held ? problemRaise : problemMessages)
      .raiseProblemForMajorIncident({ incidentId: s.id, actor, observationMs: settings.observationMs, config: settings.config })
      .then(
        () => undefined,
        (e: unknown) => log.warn('could not raise the major-incident problem', { incident: s.number, error: String(e) }),
      );
    if (held) this.record.holdUntilEnd(raised);
  }

  /**
   * The OLA and UC clocks after a transition: the new group's OLA and the supplier's UC are
   * looked up when a transition calls for them (domain/sla/agreement-clocks.ts has the rules).
   * `make` builds the transition's effect at a time: after a lookup it is made again, so the
   * clocks' instants are the transition's recorded time (what a replay of the history reads).
   */
  async clocked(before: IncidentSnapshot, make: (now: number) => IncidentEffect, known?: { team: string; ola: AgreementTerms | null }): Promise<IncidentEffect> {
    const onHoldOnly = (e: IncidentEffect): IncidentEffect => (e.snapshot.state === 'on_hold' ? e : { ...e, snapshot: { ...e.snapshot, holdSupplier: null } });
    let effect = onHoldOnly(make(Date.now()));
    const need = agreementsNeeded(before, effect.snapshot);
    if (!(before.clocks ?? []).length && !need.team && !need.supplier) return effect;
    if (!since(AGREEMENT_CLOCKS)) return effect;
    let found: { ola: AgreementTerms | null; uc: AgreementTerms | null } = { ola: null, uc: null };
    if (known && need.team === known.team && !need.supplier) found = { ola: known.ola, uc: null };
    else if (need.team || need.supplier) {
      found = await slaLookup().loadAgreements({ ...need, serviceId: effect.snapshot.serviceId });
      effect = onHoldOnly(make(Date.now()));
    }
    return { ...effect, snapshot: { ...effect.snapshot, clocks: advanceClocks(before.clocks ?? [], before, effect.snapshot, Date.now(), found) } };
  }

  /**
   * A re-prioritised incident moves to its SLA's current version (otherwise it keeps the
   * version it was opened with): the new priority's target of those terms, on their calendar,
   * still measured from the opening.
   */
  private async currentTerms(effect: IncidentEffect): Promise<{ effect: IncidentEffect; policy: IncidentCarriedState['policy'] } | null> {
    const s = this.record.state;
    if (s.policy.slaId === 'built-in' || !since(SLA_VERSIONS)) return null;
    const policy = await slaLookup().loadSlaPolicyById({ slaId: s.policy.slaId });
    if (!policy || policy.version === (s.policy.version ?? 1)) return null;
    const snap = effect.snapshot;
    const moved = { ...slaClock.retarget(snap.clock, policy.targets[snap.priority]), calendar: policy.calendar };
    return { effect: { ...effect, snapshot: { ...snap, clock: moved, slaVersion: policy.version }, data: { ...effect.data, slaVersion: { from: s.policy.version ?? 1, to: policy.version } } }, policy };
  }

  private async escalation(why: { reason: string; kind: 'manual' | 'sla_breach' }): Promise<IncidentEffect> {
    const group = escalationGroup(this.record.snapshot);
    const info = group ? await groupLookup().lookupGroup({ name: group }) : null;
    return hierarchicalEscalation(this.record.state, info?.managerId ?? null, why);
  }

  // ---- Problem management: links made from the problem's side, workarounds applied here ----

  linkProblem = (actor: string, b: LinkProblemBody): Promise<IncidentView> => {
    const s = this.record.snapshot;
    if (s.problemId === b.problemId) return Promise.resolve(this.record.view());
    return this.record.commit(actor, 'problem_linked', { snapshot: { ...s, ...b }, data: { ...b, previousProblemId: s.problemId } });
  };

  checkWorkaround = (): void => {
    const state = this.record.snapshot.state;
    if (!OPEN_STATES.includes(state)) throw invalidTransition(`cannot apply a workaround to an incident in state '${state}'`);
  };

  applyWorkaround = async (actor: string, b: ApplyWorkaroundPayload): Promise<IncidentView> => {
    const s = this.record.snapshot;
    const view = await this.record.commit(actor, 'workaround_applied', {
      snapshot: { ...s, problemId: b.problemId, problemNumber: b.problemNumber, knownErrorId: b.knownErrorId },
      data: { knownErrorId: b.knownErrorId, knownError: b.knownErrorNumber, problemNumber: b.problemNumber, workaround: b.workaround },
      events: ['incident.workaround_applied'],
    });
    await problemMessages.tellProblemOfIncident({ problemNumber: b.problemNumber, incidentId: s.id, actor, recurrence: false });
    return view;
  };

  deadlines = (s: IncidentCarriedState, now: number) => incidentDeadlines(s, now, this.config.autoCloseMs);

  fire = async (d: Deadline<IncidentDeadlineKind>): Promise<void> => {
    const s = this.record.state;
    const fired = s.fired;
    const agreement = parseAgreementDeadline(d.kind);
    if (agreement) return this.fireAgreement(agreement.index, agreement.step);
    const rule = s.policy.escalation[s.snapshot.priority];
    switch (d.kind) {
      case 'autoClose':
        await this.record.commit('system', 'close', { snapshot: { ...s.snapshot, state: 'closed', closedAt: Date.now() }, events: ['incident.closed'], data: { auto: true } });
        return;
      case 'warning':
        if (warningOvertaken(s, Date.now())) return this.record.note({ fired: { ...fired, warning: true } });
        await this.record.commit('system', 'sla_warning', warningEffect(s, Date.now()), { fired: { ...fired, warning: true } });
        return;
      case 'response': {
        let toGroup: string | null = null;
        let known: { team: string; ola: AgreementTerms | null } | undefined;
        const group = s.snapshot.assignmentGroup;
        if (rule.functional && since(ONE_ESCALATION_LOOKUP)) {
          const found = await groupLookup().functionalEscalation({ group, serviceId: s.snapshot.serviceId });
          toGroup = found.toGroup;
          known = toGroup ? { team: toGroup, ola: found.ola } : undefined;
        } else if (rule.functional) {
          const current = group ? await groupLookup().lookupGroup({ name: group }) : null;
          toGroup = group ? (current?.nextTierGroup ?? null) : await groupLookup().firstTierGroup();
        }
        await this.record.commit('system', 'sla_response_breached', await this.clocked(s.snapshot, (now) => responseBreachEffect(s, toGroup, now), known), { fired: { ...fired, responseBreach: true } });
        return;
      }
      case 'resolution': {
        const escalation = rule.hierarchical ? await this.escalation({ reason: 'resolution SLA breached', kind: 'sla_breach' }) : null;
        await this.record.commit('system', 'sla_resolution_breached', resolutionBreachEffect(s, escalation, Date.now()), { fired: { ...fired, warning: true, resolutionBreach: true } });
        return;
      }
    }
  };

  private async fireAgreement(index: number, step: AgreementDeadlineStep): Promise<void> {
    const s = this.record.state;
    const c = (s.snapshot.clocks ?? [])[index];
    const clockFired = markFired(s.clockFired ?? [], index, step);
    if (step === 'warning' && agreementWarningOvertaken(c, Date.now())) return this.record.note({ clockFired });
    const group = step === 'warning' ? null : answerableGroup(c, s.snapshot);
    const info = group ? await groupLookup().lookupGroup({ name: group }) : null;
    await this.record.commit('system', agreementStepAction(c, step), agreementStepEffect(s.snapshot, index, step, info?.managerId ?? null, Date.now()), { clockFired });
  }
}

export async function incidentWorkflow(given: IncidentWorkflowInput): Promise<IncidentView | null> {
  const input = given.carried ? { ...given, carried: { ...given.carried, snapshot: withProblemFields(given.carried.snapshot) } } : given;
  const record: Incident = new RecordProcess(input, {
    recordType: 'incident',
    view: incidentView,
    isTerminal: (state) => isTerminal(state as IncidentState),
    searchAttributes: (s) => incidentSearchAttributes(s, Date.now()),
  });
  const incident = new IncidentRoom(record, input.config);

  record.onQuery(getIncidentQuery);
  record.onCreate(
    createIncidentUpdate,
    async ({ actor, body }) => {
      const opening = await openingOf({ id: input.id, number: input.number, workflowId: workflowInfo().workflowId }, actor, body, input.config.priorityMatrix, {
        slaPolicy: (q) => slaLookup().loadSlaPolicy(q),
        knownErrors: (q) => (since(KNOWN_ERROR_MATCHING) ? localLookups.matchKnownErrors(q) : undefined),
        securityContext: (q) => slaLookup().securityContext(q),
        route: (q) => (since(ROUTING) ? localLookups.routeIncident(q) : null),
        clocked: async (before, after) => (await incident.clocked(before, () => ({ snapshot: after }))).snapshot,
        now: () => Date.now(),
      });
      const problem = opening.recurrenceOf;
      return {
        carried: opening.first,
        action: 'create',
        effect: { events: opening.events, data: opening.data, notifications: opening.notifications },
        after: problem ? () => problemMessages.tellProblemOfIncident({ problemNumber: problem.number, incidentId: input.id, actor, recurrence: true }) : undefined,
      };
    },
    // Incidents opened before the kernel started their SLA timers while the record was being written.
    { visibleBeforePersisted: () => !kernelV2() },
  );
  // Opened by the API without the engine (temporal/open-incident.ts): the recurring problem it matched hears of it now.
  const opened = input.adopted ? input.carried?.snapshot : undefined;
  if (opened?.problemNumber) {
    const problemNumber = opened.problemNumber;
    record.onAdopted(() => problemMessages.tellProblemOfIncident({ problemNumber, incidentId: opened.id, actor: opened.createdBy, recurrence: true }));
  }
  record.onCommands<IncidentCommandBodyMap>(
    incidentCommandUpdates,
    (name, body) => void incident.check(name, body),
    (name, actor, body) => incident.command(name, actor, body),
  );
  record.onCommand(linkProblemUpdate, () => undefined, incident.linkProblem);
  record.onCommand(applyWorkaroundUpdate, incident.checkWorkaround, incident.applyWorkaround);
  return record.run({ deadlines: incident.deadlines, fire: incident.fire });
}
