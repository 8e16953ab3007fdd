import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { ProblemActivities } from '../activities/problem';
import {
  acceptRiskEffect,
  cancelEffect,
  changeOutcomeEffect,
  changeRequestedEffect,
  closeEffect,
  duplicateEffect,
  fixedNote,
  knownErrorEffect,
  knownErrorExpiryEffect,
  knownErrorRefusal,
  linkEffect,
  newProblem,
  newlyLinked,
  observeEffect,
  problemDeadlines,
  rcaEffects,
  resolveEffect,
  riskAcceptedNote,
  type ProblemDeadlineKind,
  type ProblemImpact,
} from '../domain/problem/lifecycle';
import { problemView, type ProblemView } from '../domain/problem/snapshot';
import { isTerminal, nextProblemState, type ProblemState } from '../domain/problem/state-machine';
import type { Deadline } from '../domain/record';
import type { LinkedIncident, ProblemCommandName, ProblemSnapshot } from '../domain/schemas/problem';
import {
  changeOutcomeSignal,
  createProblemUpdate,
  getProblemQuery,
  incidentLinkedSignal,
  problemCommandUpdates,
  type ChangeOutcome,
  type IncidentLinked,
  type ProblemCarriedState,
  type ProblemCommandPayloads,
  type ProblemWorkflowInput,
} from './contracts/problem';
import { FAILURE } from './contracts/record';
import { RecordProcess, recordSearchAttributes, invalidInput, invalidTransition } from './kernel/record-process';

/** Reads and number allocation: quick, a caller is waiting. */
const lookups = proxyLocalActivities<ProblemActivities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s' },
});
/** Commands to linked incidents: one Update each, so a long list heartbeats; nobody may lose a link, so they retry. */
const incidents = proxyActivities<ProblemActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});
/** Opening an RFC, moving a duplicate's incidents: bounded, so the command answers rather than hangs. */
const otherRecords = proxyActivities<ProblemActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: [FAILURE.invalidTransition] },
});

type Problem = RecordProcess<ProblemSnapshot, ProblemCarriedState, ProblemView>;
type Commands = { [K in ProblemCommandName]: (actor: string, body: ProblemCommandPayloads[K]) => Promise<ProblemView> };

/** Investigation, the known error, the change loop and verified closure: lookups here, the rules in domain/problem/. */
class ProblemRoom {
  constructor(private readonly record: Problem) {}

  private get s(): ProblemSnapshot {
    return this.record.snapshot;
  }

  private openIncidentIds(): string[] {
    return this.s.incidents.map((i) => i.id);
  }

  private async impactWith(linked: LinkedIncident[]): Promise<ProblemImpact> {
    const s = this.s;
    return lookups.problemImpact({
      serviceIds: [s.serviceId, ...linked.map((i) => i.serviceId)].filter((x): x is string => x !== null),
      ciIds: [s.ciId, ...linked.map((i) => i.ciId)].filter((x): x is string => x !== null),
    });
  }

  /** Links incidents on both sides: the problem's record here, each incident's own trail through its workflow. */
  private async link(actor: string, incidentIds: string[], opts: { recurrence: boolean; tellIncidents: boolean }): Promise<ProblemView> {
    const added = newlyLinked(this.s, await lookups.loadProblemIncidents({ incidentIds, at: Date.now() }));
    if (added.length === 0) return this.record.view();
    const impact = await this.impactWith([...this.s.incidents, ...added]);
    const view = await this.record.commit(actor, 'incidents_linked', linkEffect(this.s, added, impact, opts.recurrence));
    if (opts.tellIncidents) await incidents.linkIncidentsToProblem({ problemId: this.s.id, problemNumber: this.s.number, incidentIds: added.map((i) => i.id), actor });
    return view;
  }

  check(name: ProblemCommandName, body: unknown): void {
    const s = this.s;
    const next = nextProblemState(s.state, name);
    if (!next.ok) throw invalidTransition(next.reason);
    if (name === 'known-error') {
      const refusal = knownErrorRefusal(s, body as ProblemCommandPayloads['known-error']);
      if (refusal) throw invalidTransition(refusal);
    }
    if (name === 'mark-duplicate' && (body as ProblemCommandPayloads['mark-duplicate']).of.id === s.id) throw invalidInput('a problem cannot be a duplicate of itself');
  }

  private to(name: ProblemCommandName): ProblemState {
    const next = nextProblemState(this.s.state, name);
    if (!next.ok) throw invalidTransition(next.reason);
    return next.to;
  }

  readonly commands: Commands = {
    'link-incidents': (actor, b) => this.link(actor, b.incidentIds, { recurrence: true, tellIncidents: true }),
    investigate: (actor, b) => this.record.commit(actor, 'investigate', { snapshot: { ...this.s, state: 'investigating' }, data: { note: b.note ?? null } }),
    rca: async (actor, b) => {
      let view = this.record.view();
      for (const effect of rcaEffects(this.s, this.to('rca'), actor, b, Date.now())) view = await this.record.commit(actor, 'rca', effect);
      return view;
    },
    'known-error': async (actor, b) => {
      const to = this.to('known-error');
      const ke = this.s.knownError ?? (await lookups.allocateKnownError());
      return this.record.commit(actor, 'known_error', knownErrorEffect(this.s, to, b, ke, Date.now()));
    },
    communicate: async (actor, b) => {
      const noted = await incidents.noteIncidents({ incidentIds: this.openIncidentIds(), text: `${this.s.number}: ${b.text}`, actor });
      return this.record.commit(actor, 'communicate', { snapshot: this.s, data: { text: b.text, incidentsNoted: noted } });
    },
    'request-change': async (actor, b) => {
      const s = this.s;
      const reservation = await lookups.reserveChange();
      const change = await this.otherRecord(() => otherRecords.openChangeForProblem({ reservation, actor, change: { ...b.change, problemId: s.id, problemNumber: s.number }, config: b.config }));
      return this.record.commit(actor, 'change_requested', changeRequestedEffect(this.s, change, Date.now()));
    },
    'accept-risk': async (actor, b) => {
      const view = await this.record.commit(actor, 'accept_risk', acceptRiskEffect(this.s, b.reason, Date.now()));
      await incidents.noteIncidents({ incidentIds: this.openIncidentIds(), text: riskAcceptedNote(this.s, b.reason), actor });
      return view;
    },
    'mark-duplicate': async (actor, b) => {
      await this.otherRecord(() => otherRecords.moveIncidentsToProblem({ to: b.of, incidentIds: this.openIncidentIds(), actor }));
      return this.record.commit(actor, 'mark_duplicate', duplicateEffect(this.s, b.of, Date.now()));
    },
    resolve: async (actor, b) => {
      await this.record.commit(actor, 'resolve', resolveEffect(this.s, b.code, b.notes, Date.now()));
      return this.record.commit('system', 'observe', observeEffect(this.s, Date.now()));
    },
    close: (actor, b) => this.record.commit(actor, 'close', closeEffect(this.s, 'manual', b.note ?? null, Date.now())),
    cancel: (actor, b) => this.record.commit(actor, 'cancel', cancelEffect(this.s, b.reason, Date.now())),
  };

  /** Another record refused what this command asked of it: the command fails as a conflict, nothing recorded here. */
  private async otherRecord<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      const cause = e instanceof ActivityFailure && e.cause instanceof ApplicationFailure ? e.cause : null;
      if (cause?.type === FAILURE.invalidTransition) throw invalidTransition(cause.message);
      throw e;
    }
  }

  // ---- Signals from other processes ----

  changeOutcome = async (r: ChangeOutcome): Promise<void> => {
    if (!this.record.exists) return;
    const step = changeOutcomeEffect(this.s, r, Date.now());
    if (!step) return;
    await this.record.commit('system', step.fix ? 'resolve' : 'change_outcome', step.effect);
    if (!step.fix) return;
    await incidents.resolveIncidents({ incidentIds: this.openIncidentIds(), notes: fixedNote(this.s, r.changeNumber), actor: 'system' });
    await this.record.commit('system', 'observe', observeEffect(this.s, Date.now()));
  };

  incidentLinked = async (m: IncidentLinked): Promise<void> => {
    if (!this.record.exists || isTerminal(this.s.state)) return;
    await this.link(m.actor, [m.incidentId], { recurrence: m.recurrence, tellIncidents: false });
  };

  // ---- Timers: the end of observation, a known error's expiry ----

  fire = async (d: Deadline<ProblemDeadlineKind>): Promise<void> => {
    if (d.kind === 'observation_end') await this.record.commit('system', 'close', closeEffect(this.s, 'observation_ended', null, Date.now()));
    else await this.record.commit('system', 'known_error_expired', knownErrorExpiryEffect(this.s, Date.now()));
  };
}

const searchAttributes = recordSearchAttributes('problem');

export async function problemWorkflow(input: ProblemWorkflowInput): Promise<ProblemView | null> {
  const record: Problem = new RecordProcess(input, {
    recordType: 'problem',
    view: problemView,
    isTerminal: (state) => isTerminal(state as ProblemState),
    searchAttributes,
  });
  const problem = new ProblemRoom(record);

  record.onQuery(getProblemQuery);
  record.onCreate(createProblemUpdate, async ({ actor, body }) => {
    const now = Date.now();
    const linked = body.incidentIds?.length ? await lookups.loadProblemIncidents({ incidentIds: body.incidentIds, at: now }) : [];
    const impact = await lookups.problemImpact({
      serviceIds: [body.serviceId, ...linked.map((i) => i.serviceId)].filter((x): x is string => !!x),
      ciIds: [body.ciId, ...linked.map((i) => i.ciId)].filter((x): x is string => !!x),
    });
    const snapshot = newProblem({ id: input.id, number: input.number, workflowId: workflowInfo().workflowId }, actor, body, linked, impact, now);
    return {
      carried: { snapshot },
      action: 'create',
      effect: { events: ['problem.created'], data: { incidents: linked.map((i) => i.number), ...(body.trendKey ? { trend: body.trendKey } : {}) } },
      after: linked.length
        ? () => incidents.linkIncidentsToProblem({ problemId: input.id, problemNumber: input.number, incidentIds: linked.map((i) => i.id), actor })
        : undefined,
    };
  });
  record.onCommands<ProblemCommandPayloads>(
    problemCommandUpdates,
    (name, body) => problem.check(name, body),
    (name, actor, body) => problem.commands[name](actor, body),
  );
  record.onSignal(changeOutcomeSignal, problem.changeOutcome);
  record.onSignal(incidentLinkedSignal, problem.incidentLinked);
  return record.run({ deadlines: (c) => problemDeadlines(c.snapshot), fire: problem.fire });
}
