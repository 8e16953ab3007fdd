import { setTimeout as sleep } from 'node:timers/promises';
import { driverOf, type Tx } from '../db/client';
import { isSqlDataError, type SqlBody } from '../db/sql';
import type { RecordStore } from '../db/record-store';
import type { ActivityDeps } from './deps';
import { ApplicationFailure } from '@temporalio/common';
import type { InjectedSinks } from '@temporalio/worker';
import type { Sinks } from '@temporalio/workflow';
import { Prisma } from '../generated/prisma-sqlite/client';
import { unstorableTransition } from '../domain/storable-text';
import { FAILURE } from '../workflows/contracts/record';
import { dispatchEvents } from './webhooks';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { NOTIFICATION_EMAIL_WORKFLOW, notificationEmailWorkflowId, type NotificationEmailInput } from '../workflows/contracts/notification-email';
import { alreadyStored, auditIdOf, auditRow, eventId, notificationId, notificationRow, outboxRows, sameTransition, toDeliverOf, transitionSql, type TransitionWrite } from '../db/transition-sql';

export { eventId, type DomainEvent, type NotificationRequest, type TransitionWrite } from '../db/transition-sql';

/** Text no database can store: refused before the transaction, never retried. */
function refuseUnstorable(w: TransitionWrite): void {
  const bad = unstorableTransition(w);
  if (bad) throw ApplicationFailure.create({ type: FAILURE.unstorableData, nonRetryable: true, message: bad.message, details: [{ path: bad.path }] });
}

/**
 * Prisma's verdicts on the data itself (a value too long for its column, an invalid value,
 * a constraint the row breaks) fail the same way on every retry: they end the transition
 * without retries. Everything else (the database unreachable, busy, timed out) is retried.
 */
const DATA_ERROR_CODES = new Set(['P2000', 'P2004', 'P2005', 'P2006', 'P2007', 'P2011', 'P2012', 'P2019', 'P2020', 'P2023']);
async function failOnDataErrors<T>(w: TransitionWrite, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    const dataError = e instanceof Prisma.PrismaClientValidationError || (e instanceof Prisma.PrismaClientKnownRequestError && DATA_ERROR_CODES.has(e.code)) || isSqlDataError(e);
    if (!dataError) throw e;
    const code = (e as { code?: unknown }).code;
    throw ApplicationFailure.create({ type: FAILURE.unstorableData, nonRetryable: true, message: `${w.recordType} ${w.recordId}: the database refused the data (${typeof code === 'string' ? code : 'invalid value'})`, cause: e as Error });
  }
}

/**
 * A different transition already holds this sequence number: one a worker wrote (a local
 * activity commits before its workflow task completes) for a workflow task that never reached
 * the history, because the worker died or the server went away in between. Nobody was told it
 * succeeded (an Update answers only once its task completes), and the workflow, replaying its
 * history, has done something else at this point. The history is the record: the unrecorded
 * transition and any written after it give way, with their events and notifications, and the
 * row is rewritten. (Before, a different action failed the workflow for good, and the same
 * action with other data was taken as already written, losing the command silently.)
 */
async function discardUnrecorded(tx: Tx, w: TransitionWrite, log: ActivityDeps['log']): Promise<number> {
  const where = { recordType: w.recordType, recordId: w.recordId, seq: { gte: w.seq } };
  const unrecorded = await tx.auditEvent.findMany({ where, select: { seq: true, action: true } });
  await tx.auditEvent.deleteMany({ where });
  for (const { seq } of unrecorded) {
    await tx.outboxEvent.deleteMany({ where: { recordType: w.recordType, recordId: w.recordId, id: { startsWith: `evt-${w.recordId}-${seq}-` } } });
    await tx.notification.deleteMany({ where: { recordType: w.recordType, recordId: w.recordId, id: { startsWith: `ntf-${w.recordId}-${seq}-` } } });
  }
  log.warn('transitions never recorded in the workflow history were discarded', { recordType: w.recordType, recordId: w.recordId, fromSeq: w.seq, discarded: unrecorded.map((u) => `${u.seq}:${u.action}`).join(' ') });
  return unrecorded.length;
}

/**
 * After the commit, when e-mail is configured: one e-mail workflow per notification
 * (workflows/notification-email.ts). Its id is the notification's, so a retried or repeated
 * write starts nothing twice; an engine that cannot be reached fails this write's activity,
 * which retries, so no notification goes unmailed.
 */
export async function mailNotifications(deps: ActivityDeps, ids: string[]): Promise<void> {
  if (!deps.mailer) return;
  // Together, not one after another: a transition that raises several notifications (a group and
  // its manager) pays one engine round trip before it answers, not one per notification.
  await Promise.all(
    ids.map(async (id) => {
      try {
        await deps.temporal.workflow.start(NOTIFICATION_EMAIL_WORKFLOW, {
          workflowId: notificationEmailWorkflowId(id),
          taskQueue: deps.taskQueue,
          args: [{ notificationId: id } satisfies NotificationEmailInput],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      }
    }),
  );
}

/**
 * Writes one transition, idempotently: a retry of a committed transition writes nothing and
 * returns the events still undelivered; a different transition found at the same sequence
 * number gives way (see discardUnrecorded). Used by the local activity and by the sink alike.
 */
function transitionWriter(deps: ActivityDeps, stores: readonly RecordStore<never>[]) {
  const raisedBy = new Map(stores.flatMap((st) => (st.notificationsOf ? [[st.recordType, st.notificationsOf as (s: unknown) => string[]] as const] : [])));
  /** What the store's write raised itself for this snapshot and is there (only read when mail is on). */
  const storeNotifications = async (w: TransitionWrite): Promise<string[]> => {
    const ids = deps.mailer ? (raisedBy.get(w.recordType)?.(w.snapshot) ?? []) : [];
    if (ids.length === 0) return [];
    return (await deps.db.notification.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((n) => n.id);
  };
  return { write, mailsFor };

  /** Whether writing this transition again could start a notification e-mail its first write failed to. */
  function mailsFor(w: TransitionWrite): boolean {
    return Boolean(deps.mailer) && (w.notifications.length > 0 || raisedBy.has(w.recordType));
  }

  async function write(w: TransitionWrite): Promise<{ eventIds: string[] }> {
    refuseUnstorable(w);
    const eventIds = w.events.map((_, i) => eventId(w.recordId, w.seq, i));
    const store = stores.find((st) => st.recordType === w.recordType);
    if (!store) throw ApplicationFailure.nonRetryable(`no store registered for record type '${w.recordType}'`, 'UnknownRecordType');
    // null: a retry of a committed transition (nothing written now).
    let toDeliver: string[] | null | undefined;
    const storeSql = store.sqlWrite?.(w.snapshot as never, w.seq, false) as ((s: unknown, seq: number) => SqlBody<void>) | null | undefined;
    const writer = storeSql ? driverOf(deps.db) : null;
    if (storeSql && writer) {
      const outcome = await failOnDataErrors(w, () => writer.transaction(() => transitionSql(w, storeSql, eventIds)));
      if (outcome === 'retry') toDeliver = null;
      else if (outcome !== 'overruled') toDeliver = outcome;
    }
    if (toDeliver === undefined) toDeliver = await failOnDataErrors(w, () => deps.db.$transaction(async (tx): Promise<string[] | null> => {
      const existing = await tx.auditEvent.findUnique({ where: { id: auditIdOf(w) }, select: { action: true, actor: true, fromState: true, toState: true, data: true, timeSpent: true } });
      if (existing && sameTransition(existing, w)) return null; // a retry of this very transition
      const overruled = existing ? await discardUnrecorded(tx, w, deps.log) : 0;
      await (store.write as (tx: Tx, s: unknown, seq: number, replace?: boolean) => Promise<void>)(tx, w.snapshot, w.seq, overruled > 0);
      await tx.auditEvent.create({ data: auditRow(w) });
      const outbox = outboxRows(w, eventIds, w.events.length ? await tx.webhookSubscription.findMany({ where: { active: true }, select: { id: true, events: true } }) : []);
      for (const row of outbox) await tx.outboxEvent.create({ data: row });
      for (const [i, n] of w.notifications.entries()) await tx.notification.create({ data: notificationRow(w, i, n) });
      return toDeliverOf(outbox);
    }));
    await mailNotifications(deps, [...w.notifications.map((_, i) => notificationId(w, i)), ...(await storeNotifications(w))]);
    if (toDeliver === null) {
      // A retry of a committed transition: whatever is still undispatched.
      const pending = await deps.db.outboxEvent.findMany({ where: { id: { in: eventIds }, dispatchedAt: null }, select: { id: true } });
      toDeliver = pending.map((e) => e.id);
    }
    return { eventIds: toDeliver };
  }
}

export function createTransitionActivities(deps: ActivityDeps, stores: readonly RecordStore<never>[]) {
  const { write, mailsFor } = transitionWriter(deps, stores);
  const activities = {
    /** Idempotent: a retry of a committed transition writes nothing and returns the same ids. */
    recordTransition: (w: TransitionWrite): Promise<{ eventIds: string[] }> => write(w),

    /**
     * A transition written outside its workflow (an adopted record's first, see the kernel's
     * RecordInput.adopted): its notifications to e-mail and its undelivered events to webhook
     * delivery, as `recordTransition` and the relay do after their own write. Safe to repeat.
     */
    async settleTransition(input: { eventIds: string[]; notificationIds: string[] }): Promise<void> {
      await mailNotifications(deps, input.notificationIds);
      if (input.eventIds.length) await dispatchEvents(deps, input.eventIds);
    },

    /**
     * record-kernel-v5: the transitions this run's worker wrote from its sink (below), written
     * again in order before the run ends: each one already there is a retry that writes nothing.
     * One the database refuses as data was answered already and stays in the workflow's history;
     * it is logged and passed over, so the run can still end. Returns the events still to deliver.
     */
    async confirmTransitions(input: { writes: TransitionWrite[] }): Promise<{ eventIds: string[] }> {
      // One read for the usual case, every write stored: only the rest are written (and mailed) again.
      const { stored, undelivered: eventIds } = await alreadyStored(deps.db, input.writes);
      for (const w of input.writes) {
        if (stored.has(w) && !mailsFor(w)) continue;
        try {
          eventIds.push(...(await activities.recordTransition(w)).eventIds);
        } catch (e) {
          if (!(e instanceof ApplicationFailure && e.nonRetryable)) throw e;
          deps.log.error('an answered transition the database refuses was not stored; the workflow history holds it', { recordType: w.recordType, recordId: w.recordId, seq: w.seq, action: w.action, error: e.message });
        }
      }
      return { eventIds: [...new Set(eventIds)] };
    },

    /** After the commit: hand the events to webhook delivery. Safe to repeat. */
    async dispatchEvents(input: { eventIds: string[] }): Promise<void> {
      await dispatchEvents(deps, input.eventIds);
    },
  };
  return activities;
}

export type TransitionActivities = ReturnType<typeof createTransitionActivities>;

/** record-kernel-v5: the sink a workflow writes its transitions through (see createTransitionSinks). */
export interface TransitionSinks extends Sinks {
  transitions: { write(w: TransitionWrite): void };
}

/**
 * How long the sink retries a write the database does not take (unreachable, busy) before it
 * leaves it to the confirming write. Meanwhile the workflow task is not reported, so the command
 * is not answered (its caller gets a 503 from the API's own deadline, and the transition lands
 * once the database is back, as a local activity's would). Far longer than a restart of the database.
 */
export const SINK_RETRY_MS = 10 * 60_000;

/**
 * record-kernel-v5's write path: the workflow calls the sink during its activation, and the SDK
 * runs the call once the activation is done and awaits it before it reports the workflow task,
 * so the transition is in the database before the command's Update answers, with no local
 * activity and no second activation. Not run when a history is replayed. A write the database
 * refuses as data, or does not take within SINK_RETRY_MS, is logged and left to the workflow's
 * confirming write (`confirmTransitions`), which runs before the run ends or continues as new.
 */
export function createTransitionSinks(deps: ActivityDeps, stores: readonly RecordStore<never>[]): InjectedSinks<TransitionSinks> {
  const { write } = transitionWriter(deps, stores);
  return {
    transitions: {
      write: {
        async fn(_info, w) {
          const until = Date.now() + SINK_RETRY_MS;
          for (let wait = 50; ; wait = Math.min(wait * 2, 2_000)) {
            try {
              const { eventIds } = await write(w);
              if (eventIds.length) await dispatchEvents(deps, eventIds).catch((e: unknown) => deps.log.warn('events not handed to delivery yet; the confirming write will', { recordType: w.recordType, recordId: w.recordId, seq: w.seq, error: String(e) }));
              return;
            } catch (e) {
              if ((e instanceof ApplicationFailure && e.nonRetryable) || Date.now() + wait > until) {
                deps.log.warn('transition not written by its workflow task; the confirming write will', { recordType: w.recordType, recordId: w.recordId, seq: w.seq, action: w.action, error: String(e) });
                return;
              }
              await sleep(wait);
            }
          }
        },
        callDuringReplay: false,
      },
    },
  };
}
