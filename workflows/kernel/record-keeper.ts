import { ApplicationFailure, type SearchAttributeUpdatePair } from '@temporalio/common';
import { condition, log, proxyActivities, proxyLocalActivities, proxySinks, upsertSearchAttributes } from '@temporalio/workflow';
import type { DomainEvent, NotificationRequest, TransitionActivities, TransitionSinks, TransitionWrite } from '../../activities/record-transition';
import { unstorableTransition } from '../../domain/storable-text';
import { FAILURE } from '../contracts/record';
import { kernelV2, kernelV5 } from './versions';

/**
 * The one way any process workflow records a transition: persist (snapshot + audit +
 * outbox + notifications in one transaction), then mirror the searchable fields. Since
 * record-kernel-v5 a command's write is the worker's sink (activities/record-transition.ts,
 * createTransitionSinks), run between the activation and the task's completion, and the run
 * confirms those writes with one local activity (`confirm`); the first transition of a record
 * is still a local activity's, so a create the database refuses leaves nothing behind.
 *
 * A write retries until the database takes it: the workflow is the source of truth, so
 * a transition is never half-recorded and its sequence number is never reused (a caller
 * that gives up waiting gets a 503, and the transition still lands). Handing the events
 * to webhook delivery is a separate activity, so a broken delivery path cannot hold up
 * the record.
 */
const writes = proxyActivities<TransitionActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '30s' },
});
/** The same write as a local activity: no round trip through the server's task queue. */
const localWrites = proxyLocalActivities<TransitionActivities>({
  startToCloseTimeout: '10s',
  // Backoffs longer than this become durable timers between workflow tasks.
  localRetryThreshold: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '30s' },
});
/** record-kernel-v5: the write made by the worker between this activation and the task's completion. */
const { transitions } = proxySinks<TransitionSinks>();
/**
 * record-kernel-v5: how many transitions written through the sink a run holds before it confirms
 * them (one local activity): bounds the memory of a long-open record with many commands.
 */
export const MAX_UNCONFIRMED = 8;
const relay = proxyActivities<TransitionActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export interface Transition<S> {
  actor: string;
  action: string;
  from: string | null;
  to: string | null;
  data?: Record<string, unknown>;
  /** Minutes of work logged with this transition (an activity input, not a command: histories without it replay). */
  timeSpent?: number;
  snapshot: S;
  events?: DomainEvent[];
  notifications?: NotificationRequest[];
}

export class RecordKeeper<S> {
  /** Relays and held work still running: `flush` waits until there are none. */
  private unfinished = 0;
  /** The search attributes this run last upserted (none yet after a start or continue-as-new). */
  private lastUpserted: string | undefined;
  /** record-kernel-v5: written through the sink and not yet confirmed by `confirm`, oldest first. */
  private unconfirmed: TransitionWrite[] = [];
  /** Set by the process once it knows the history runs on record-kernel-v3. */
  upsertOnlyChanges = false;

  constructor(
    private readonly recordType: string,
    private readonly recordId: string,
    public seq: number,
    /** null where the server has no custom search attributes (the time-skipping test server). */
    private readonly searchAttributes: ((s: S) => SearchAttributeUpdatePair[]) | null,
  ) {}

  /**
   * `first`: the record's first transition, which is written by a local activity on every
   * version: a create that the database does not take must leave no record behind.
   */
  async record(t: Transition<S>, first = false): Promise<void> {
    const seq = this.seq + 1;
    const write: TransitionWrite = {
      recordType: this.recordType,
      recordId: this.recordId,
      seq,
      at: Date.now(),
      actor: t.actor,
      action: t.action,
      from: t.from,
      to: t.to,
      data: t.data ?? {},
      ...(t.timeSpent !== undefined ? { timeSpent: t.timeSpent } : {}),
      snapshot: t.snapshot,
      events: t.events ?? [],
      notifications: t.notifications ?? [],
    };
    let eventIds: string[] = [];
    if (kernelV5() && !first) {
      // The sink's write cannot refuse the transition (it runs after the activation): refuse unstorable text here, before it becomes the state.
      const bad = unstorableTransition(write);
      if (bad) throw ApplicationFailure.create({ type: FAILURE.unstorableData, nonRetryable: true, message: bad.message, details: [{ path: bad.path }] });
      if (this.unconfirmed.length >= MAX_UNCONFIRMED) await this.confirm();
      transitions.write(write);
      this.unconfirmed.push(write);
    } else {
      ({ eventIds } = await (kernelV2() ? localWrites : writes).recordTransition(write));
    }
    this.seq = seq;
    log.info('transition recorded', { recordType: this.recordType, recordId: this.recordId, seq, action: t.action, from: t.from, to: t.to, actor: t.actor });
    if (this.searchAttributes) {
      const attributes = this.searchAttributes(t.snapshot);
      const key = JSON.stringify(attributes);
      if (!this.upsertOnlyChanges || key !== this.lastUpserted) upsertSearchAttributes(attributes);
      this.lastUpserted = key;
    }
    if (eventIds.length > 0) {
      this.unfinished++;
      void relay.dispatchEvents({ eventIds }).finally(() => this.unfinished--);
    }
  }

  /**
   * A transition written before this workflow ran (an adopted record's first): its events
   * handed to delivery and its notifications to e-mail, as `record` does after its own write
   * (no activity when it has neither); then `after`, if any. Awaited by `flush` like every relay.
   */
  settle(written: { eventIds: string[]; notificationIds: string[] }, after?: () => Promise<void>): void {
    if (!written.eventIds.length && !written.notificationIds.length && !after) return;
    const handedOn = written.eventIds.length || written.notificationIds.length ? relay.settleTransition(written) : Promise.resolve();
    this.hold(
      handedOn
        .then(() => after?.())
        .catch((e: unknown) => log.warn('could not settle an adopted record\'s first transition', { recordType: this.recordType, recordId: this.recordId, error: String(e) })),
    );
  }

  /**
   * Work a transition started and nobody awaits (so it cannot hold up a command), which must
   * still end before the run does: a pending activity of a completed workflow is never retried.
   * The work handles its own failure; `flush` waits for it.
   */
  hold(work: Promise<void>): void {
    this.unfinished++;
    void work.finally(() => this.unfinished--);
  }

  /**
   * record-kernel-v5: writes the transitions the sink wrote again, in one local activity; each
   * one already stored is a retry that writes nothing, so this only catches up on a sink write
   * that failed. Hands on the events still undelivered.
   */
  async confirm(): Promise<void> {
    if (this.unconfirmed.length === 0) return;
    const batch = this.unconfirmed;
    this.unconfirmed = [];
    const { eventIds } = await localWrites.confirmTransitions({ writes: batch });
    if (eventIds.length > 0) this.hold(relay.dispatchEvents({ eventIds }).catch((e: unknown) => log.warn('could not hand confirmed events to delivery', { recordType: this.recordType, recordId: this.recordId, error: String(e) })));
  }

  /** Before completing or continuing-as-new: every transition confirmed, every event handed to delivery, all held work ended. */
  async flush(): Promise<void> {
    // A command may commit while a confirmation is under way.
    while (this.unconfirmed.length > 0) await this.confirm();
    await condition(() => this.unfinished === 0);
  }
}
