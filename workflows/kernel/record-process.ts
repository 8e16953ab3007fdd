import type { QueryDefinition, SearchAttributeUpdatePair, SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, log, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Deadline, Effect } from '../../domain/record';
import { FAILURE, type CommandInput, type RecordConfig } from '../contracts/record';
import * as SA from '../contracts/search-attributes';
import { RecordKeeper } from './record-keeper';
import { Serial } from './serial';
import { FINE_TIMER_MS, kernelV2, kernelV3, kernelV4 } from './versions';

/** The fields every record snapshot has, whatever its process. */
export interface RecordSnapshot {
  id: string;
  number: string;
  title: string;
  state: string;
  updatedAt: number;
}

/** What a workflow carries across continue-as-new: the snapshot, its sequence, and process extras. */
export interface Carried<S> {
  snapshot: S;
  seq: number;
}

export interface RecordInput<C> {
  id: string;
  number: string;
  config: RecordConfig;
  carried?: C;
  /**
   * Started from a record already written outside the workflow (an incident answered at once,
   * temporal/record-starts.ts): `carried` is its first transition as stored. The kernel hands
   * that transition's events and notifications on, as its own commit would have. Dropped at
   * continue-as-new. The ids are that transition's events still to deliver and its notifications.
   */
  adopted?: { eventIds: string[]; notificationIds: string[] };
}

export interface RecordSpec<S extends RecordSnapshot, V> {
  /** The record type in the database, the audit trail and the events' payload key. */
  recordType: string;
  view(s: S, now: number): V;
  isTerminal(state: string): boolean;
  searchAttributes(s: S): SearchAttributeUpdatePair[];
  /**
   * Runs after each persisted transition: tells other processes what they follow (a change
   * tells the release that deploys it when its state moves). Must not wait on them.
   */
  afterCommit?(before: S, after: S): void;
}

export interface Timers<C, K extends string> {
  /** Every step still to come for this state; the earliest is waited for. Pure. */
  deadlines(c: C, now: number): Deadline<K>[];
  fire(d: Deadline<K>): Promise<void>;
}

/** The search attributes every record sets (type, number, state); a process with more adds its own to these. */
export const recordSearchAttributes =
  (recordType: string) =>
  <S extends Pick<RecordSnapshot, 'number' | 'state'>>(s: S): SearchAttributeUpdatePair[] => [
    { key: SA.RecordType, value: recordType },
    { key: SA.RecordNumber, value: s.number },
    { key: SA.RecordState, value: s.state },
  ];

export function invalidTransition(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: FAILURE.invalidTransition, nonRetryable: true });
}

export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: FAILURE.invalidInput, nonRetryable: true });
}

/**
 * One record process (incident, change, problem, …) as a durable workflow: the record's
 * state, owned by this class and non-null once created; creation through an Update that
 * persists the record before it answers; commands as validated, serialised Updates;
 * signals serialised with them; deadline timers; continue-as-new; search attributes and
 * what ops read in the Temporal UI. A process supplies its spec, its commands and its
 * timers; the workflow body only wires them (see workflows/incident.ts).
 *
 * Every transition goes through `commit`: persisted (RecordKeeper), then made the workflow's
 * state, so the database does not lag behind what a command answered. Since record-kernel-v5
 * the write is the worker's sink, run before the command's workflow task is reported; a write
 * the database refused as data is caught up by the run's confirming write (RecordKeeper.confirm).
 */
export class RecordProcess<S extends RecordSnapshot, C extends Carried<S>, V> {
  private carried: C | null;
  /** Built by `create` but not yet persisted: commits see it, the rest of the world does not. */
  private pending: C | null = null;
  private changed = false;
  /**
   * record-kernel-v3: what the loop is waiting for (the earliest deadline, or null for none)
   * and its timers; a commit that leaves it as it was does not wake the loop.
   */
  private waiting: { timers: Timers<C, string>; next: Deadline | null } | null = null;
  private creating = false;
  /** Minutes logged with the command being run (set inside its serial section): its first transition carries them. */
  private timeSpent: number | undefined;
  private afterAdoption: (() => Promise<void>) | null = null;
  readonly serial = new Serial();
  private readonly keeper: RecordKeeper<S>;

  constructor(
    private readonly input: RecordInput<C>,
    private readonly spec: RecordSpec<S, V>,
  ) {
    this.carried = input.carried ?? null;
    this.keeper = new RecordKeeper<S>(spec.recordType, input.id, this.carried?.seq ?? 0, input.config.searchAttributes ? spec.searchAttributes : null);
  }

  /** Work a command started without awaiting it, which must still end before this run does (see RecordKeeper.hold). */
  holdUntilEnd(work: Promise<void>): void {
    this.keeper.hold(work);
  }

  get exists(): boolean {
    return this.carried !== null;
  }

  /** The record's state; only reachable once created (validators run `requireCreated` first). */
  get state(): C {
    const c = this.carried ?? this.pending;
    if (!c) throw this.notCreated();
    return c;
  }

  get snapshot(): S {
    return this.state.snapshot;
  }

  view(now = Date.now()): V {
    return this.spec.view(this.snapshot, now);
  }

  private notCreated(): ApplicationFailure {
    return ApplicationFailure.create({ message: `${this.spec.recordType} not created`, type: FAILURE.notFound, nonRetryable: true });
  }

  /** Fails a command sent before the record exists (a stray or early Update) with NotFound. */
  requireCreated(): C {
    if (!this.carried) throw this.notCreated();
    return this.carried;
  }

  /**
   * Persists a transition, then (and only then) makes it the workflow's state. `extras`
   * replaces carried fields beside the snapshot (e.g. which timers have fired).
   */
  async commit(actor: string, action: string, effect: Effect<S>, extras?: Partial<Omit<C, 'snapshot' | 'seq'>>): Promise<V> {
    const base = this.state;
    const now = Date.now();
    const snapshot: S = { ...effect.snapshot, updatedAt: now };
    const view = this.spec.view(snapshot, now);
    await this.keeper.record({
      actor,
      action,
      from: this.creating ? null : base.snapshot.state,
      to: snapshot.state,
      data: effect.data,
      timeSpent: this.timeSpent,
      snapshot,
      events: (effect.events ?? []).map((type) => ({ type, data: { [this.spec.recordType]: view, ...(effect.data ?? {}) } })),
      notifications: effect.notifications,
    }, this.creating);
    this.timeSpent = undefined;
    this.carried = { ...base, ...extras, snapshot, seq: this.keeper.seq };
    this.pending = null;
    if (!this.keepsWait()) this.changed = true;
    this.spec.afterCommit?.(base.snapshot, snapshot);
    return view;
  }

  /**
   * record-kernel-v3: whether the loop's pending wait still holds after a transition: the
   * earliest deadline (instant and kind) computed from the new state is the one it waits for,
   * the record is not terminal and the history is not due to continue as new. When it holds,
   * the UI's details are refreshed here, since the loop will not come round to it.
   */
  private keepsWait(): boolean {
    const w = this.waiting;
    if (!w || this.spec.isTerminal(this.snapshot.state)) return false;
    const info = workflowInfo();
    if (info.historyLength > this.input.config.continueAsNewAfterEvents || info.continueAsNewSuggested) return false;
    const next = earliest(w.timers.deadlines(this.state, Date.now()));
    const same = next === null || w.next === null ? next === w.next : next.at === w.next.at && next.kind === w.next.kind;
    if (same) this.describe(next ?? undefined);
    return same;
  }

  /**
   * What a process does once a record it did not create itself has started (adopted): told
   * after the first transition's events are handed on; it must not wait on other records.
   */
  onAdopted(after: () => Promise<void>): void {
    this.afterAdoption = after;
  }

  /** Changes carried bookkeeping that is not a transition (nothing is persisted). */
  note(extras: Partial<Omit<C, 'snapshot' | 'seq'>>): void {
    this.carried = { ...this.state, ...extras };
  }

  /**
   * The creation Update: `build` makes the first state, the kernel persists it as the
   * first transition. A failed write leaves no record: the workflow then ends without one.
   * `visibleBeforePersisted` keeps histories recorded before the kernel replaying: those
   * incidents made their state visible while the first write was in flight.
   */
  onCreate<I extends { actor: string }>(
    def: UpdateDefinition<V, [I]>,
    /** `after`, if any, runs once the record is persisted (telling another process about it), before the Update answers. */
    build: (input: I) => Promise<{ carried: Omit<C, 'seq'>; action: string; effect: Omit<Effect<S>, 'snapshot'>; after?: () => Promise<void> }>,
    options: { visibleBeforePersisted?: () => boolean } = {},
  ): void {
    setHandler(
      def,
      (input: I) =>
        this.serial.run(async () => {
          if (this.carried) return this.view();
          const { carried, action, effect, after } = await build(input);
          const first = { ...carried, seq: 0 } as C;
          this.creating = true;
          if (options.visibleBeforePersisted?.()) this.carried = first;
          else this.pending = first;
          let view: V;
          try {
            view = await this.commit(input.actor, action, { ...effect, snapshot: first.snapshot });
          } catch (e) {
            this.carried = null;
            this.pending = null;
            throw e;
          } finally {
            this.creating = false;
          }
          await after?.();
          return view;
        }),
      { validator: (_input: I) => undefined },
    );
  }

  /**
   * A command as an Update: `check` runs in the validator (a refused command never enters
   * history) and again inside the serial section, since another command may have moved
   * the state in between.
   */
  onCommand<B>(def: UpdateDefinition<V, [CommandInput<B>]>, check: (c: C, body: B) => void, run: (actor: string, body: B) => Promise<V>): void {
    setHandler(
      def,
      ({ actor, body, timeSpent }: CommandInput<B>) =>
        this.serial.run(async () => {
          check(this.requireCreated(), body);
          this.timeSpent = timeSpent;
          try {
            return await run(actor, body);
          } finally {
            this.timeSpent = undefined;
          }
        }),
      { validator: ({ body }: CommandInput<B>) => check(this.requireCreated(), body) },
    );
  }

  /**
   * A process's whole command set: one Update per name (its contract's definitions), each
   * checked by `check` and run by `run` with the body that name carries.
   */
  onCommands<P extends object>(
    defs: { [K in keyof P & string]: UpdateDefinition<V, [CommandInput<P[K]>]> },
    check: <K extends keyof P & string>(name: K, body: P[K]) => void,
    run: <K extends keyof P & string>(name: K, actor: string, body: P[K]) => Promise<V>,
  ): void {
    for (const name of Object.keys(defs) as (keyof P & string)[]) {
      this.onCommand(defs[name], (_c, body) => check(name, body), (actor, body) => run(name, actor, body));
    }
  }

  /** A signal, serialised with commands and timers. */
  onSignal<A extends unknown[]>(def: SignalDefinition<A>, handle: (...args: A) => Promise<void>): void {
    setHandler(def, (...args: A) => this.serial.run(() => handle(...args)));
  }

  /** An Update that only waits for or reads the record (no transition of its own). */
  onUpdate<R, A>(def: UpdateDefinition<R, [A]>, handle: (arg: A) => Promise<R>): void {
    setHandler(def, handle, { validator: (_arg: A) => void this.requireCreated() });
  }

  onQuery(def: QueryDefinition<V | null>): void {
    setHandler(def, () => (this.carried ? this.spec.view(this.carried.snapshot, Date.now()) : null));
  }

  /**
   * The workflow's main loop: waits for creation, then sleeps until the next deadline or
   * until a transition changes the picture, fires what is still due, and continues-as-new
   * before the history grows long. Returns the final view, or null if never created.
   */
  async run<K extends string>(timers: Timers<C, K>): Promise<V | null> {
    if (!this.carried) {
      const created = await condition(() => this.carried !== null, this.input.config.createTimeoutMs, { summary: `${this.input.number}: waiting for its create update` });
      if (!created) {
        log.warn('no create update arrived: ending without a record', { recordType: this.spec.recordType, number: this.input.number });
        return null;
      }
    }
    if (this.input.adopted && this.carried) {
      const after = this.afterAdoption;
      this.keeper.settle(this.input.adopted, after ? () => this.serial.run(after) : undefined);
    }
    const v3 = kernelV3();
    this.keeper.upsertOnlyChanges = v3;
    const oneTimer = kernelV4();
    while (!this.spec.isTerminal(this.snapshot.state)) {
      this.waiting = null;
      if (workflowInfo().historyLength > this.input.config.continueAsNewAfterEvents || workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await this.keeper.flush();
        const { adopted: _adopted, ...input } = this.input;
        return continueAsNew<(input: RecordInput<C>) => Promise<V | null>>({ ...input, carried: this.state });
      }
      const now = Date.now();
      const due = [...timers.deadlines(this.state, now)].sort((a, b) => a.at - b.at);
      this.changed = false;
      this.describe(due[0]);
      if (v3) this.waiting = { timers: timers as Timers<C, string>, next: due[0] ?? null };
      if (due.length === 0) {
        await condition(() => this.changed);
        continue;
      }
      const waitMs = due[0].at - now;
      if (waitMs > FINE_TIMER_MS && !oneTimer && kernelV2()) {
        // Coarse stage: wake shortly before the deadline and set the last timer from a fresh task.
        await condition(() => this.changed, waitMs - FINE_TIMER_MS, { summary: `${due[0].summary} (approaching)` });
        continue;
      }
      if (waitMs > 0 && (await condition(() => this.changed, waitMs, { summary: due[0].summary }))) continue;
      this.waiting = null;
      await this.serial.run(async () => {
        // A command may have run while the timer was pending: act only on what is still due.
        const at = Date.now();
        for (const d of timers.deadlines(this.state, at)) if (d.kind === due[0].kind && d.at <= at) await timers.fire(d);
      });
    }
    this.waiting = null;
    await condition(allHandlersFinished);
    await this.keeper.flush();
    this.describe(undefined);
    return this.view();
  }

  /** The Temporal UI's "current details": where the record is and what it waits for. */
  private describe(next: Deadline | undefined): void {
    const s = this.snapshot;
    setCurrentDetails(`**${s.number}** ${s.title}\n\nstate: \`${s.state}\`` + (next ? `\n\nnext: ${next.summary}` : ''));
  }
}

function earliest<K extends string>(due: Deadline<K>[]): Deadline<K> | null {
  return due.reduce<Deadline<K> | null>((a, d) => (a === null || d.at < a.at ? d : a), null);
}
