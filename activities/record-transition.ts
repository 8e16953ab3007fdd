import type { Tx } from '../db/client';
import type { RecordStore } from '../db/record-store';
import type { NotificationRequest } from '../domain/record';
import type { ActivityDeps } from './deps';
import { toJson } from '../db/json';
import { subscriptionEventsOf } from '../db/columns';
import { ApplicationFailure } from '@temporalio/common';
import { Prisma } from '../generated/prisma-sqlite/client';
import { describeTextProblem, unstorableTextAt } from '../infra/storable-text';
import { FAILURE } from '../workflows/contracts/record';
import { dispatchEvents, subscriptionMatches } from './webhooks';

export interface DomainEvent {
  type: string;
  data: Record<string, unknown>;
}

export type { NotificationRequest } from '../domain/record';

/**
 * One accepted transition of any record: its new snapshot, its audit entry, the domain
 * events it raised and the notifications it sends, written in one transaction.
 * `(recordId, seq)` identifies the transition, so a retried activity writes nothing twice.
 */
export interface TransitionWrite<S = unknown> {
  recordType: string;
  recordId: string;
  seq: number;
  at: number;
  actor: string;
  action: string;
  from: string | null;
  to: string | null;
  data: Record<string, unknown>;
  snapshot: S;
  events: DomainEvent[];
  notifications: NotificationRequest[];
}

export function eventId(recordId: string, seq: number, index: number): string {
  return `evt-${recordId}-${seq}-${index}`;
}

/** Text no database can store: refused before the transaction, never retried. */
function refuseUnstorable(w: TransitionWrite): void {
  const bad = unstorableTextAt({ snapshot: w.snapshot, data: w.data, actor: w.actor, events: w.events, notifications: w.notifications });
  if (bad) throw ApplicationFailure.create({ type: FAILURE.unstorableData, nonRetryable: true, message: `${w.recordType} ${w.recordId}: ${bad.path} ${describeTextProblem(bad)}`, details: [{ path: bad.path }] });
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
    const dataError = e instanceof Prisma.PrismaClientValidationError || (e instanceof Prisma.PrismaClientKnownRequestError && DATA_ERROR_CODES.has(e.code));
    if (!dataError) throw e;
    throw ApplicationFailure.create({ type: FAILURE.unstorableData, nonRetryable: true, message: `${w.recordType} ${w.recordId}: the database refused the data (${e instanceof Prisma.PrismaClientKnownRequestError ? e.code : 'invalid value'})`, cause: e as Error });
  }
}

export function createTransitionActivities(deps: ActivityDeps, stores: readonly RecordStore<never>[]) {
  const writers = new Map(stores.map((st) => [st.recordType, st.write as (tx: Tx, s: unknown, seq: number) => Promise<void>]));
  return {
    /** Idempotent: a retry of a committed transition writes nothing and returns the same ids. */
    async recordTransition(w: TransitionWrite): Promise<{ eventIds: string[] }> {
      refuseUnstorable(w);
      const at = new Date(w.at);
      const eventIds = w.events.map((_, i) => eventId(w.recordId, w.seq, i));
      let toDeliver: string[] | null = null;
      await failOnDataErrors(w, () => deps.db.$transaction(async (tx) => {
        const auditId = `aud-${w.recordId}-${w.seq}`;
        const existing = await tx.auditEvent.findUnique({ where: { id: auditId }, select: { action: true } });
        if (existing && existing.action !== w.action) {
          // Never overwrite or skip a different transition: that would lose one silently.
          throw ApplicationFailure.nonRetryable(`${w.recordId} seq ${w.seq} is already '${existing.action}', not '${w.action}'`, 'SequenceConflict');
        }
        if (existing) return;
        const write = writers.get(w.recordType);
        if (!write) throw ApplicationFailure.nonRetryable(`no store registered for record type '${w.recordType}'`, 'UnknownRecordType');
        await write(tx, w.snapshot, w.seq);
        await tx.auditEvent.create({
          data: {
            id: auditId,
            recordType: w.recordType,
            recordId: w.recordId,
            seq: w.seq,
            at,
            actor: w.actor,
            action: w.action,
            fromState: w.from,
            toState: w.to,
            data: toJson(w.data),
          },
        });
        // Events nobody subscribes to are settled here, so the workflow schedules no relay
        // activity for them (most transitions, in most deployments).
        const subscriptions = w.events.length ? await tx.webhookSubscription.findMany({ where: { active: true }, select: { id: true, events: true } }) : [];
        toDeliver = [];
        for (const [i, e] of w.events.entries()) {
          const wanted = subscriptions.some((sub) => subscriptionMatches(subscriptionEventsOf(sub), e.type));
          if (wanted) toDeliver.push(eventIds[i]);
          await tx.outboxEvent.create({
            data: { id: eventIds[i], type: e.type, recordType: w.recordType, recordId: w.recordId, occurredAt: at, data: toJson(e.data), dispatchedAt: wanted ? null : at },
          });
        }
        for (const [i, n] of w.notifications.entries()) {
          await tx.notification.create({
            data: { id: `ntf-${w.recordId}-${w.seq}-${i}`, recordType: w.recordType, recordId: w.recordId, recipient: n.recipient, kind: n.kind, message: n.message, createdAt: at },
          });
        }
      }));
      if (toDeliver === null) {
        // A retry of a committed transition: whatever is still undispatched.
        const pending = await deps.db.outboxEvent.findMany({ where: { id: { in: eventIds }, dispatchedAt: null }, select: { id: true } });
        toDeliver = pending.map((e) => e.id);
      }
      return { eventIds: toDeliver };
    },

    /** After the commit: hand the events to webhook delivery. Safe to repeat. */
    async dispatchEvents(input: { eventIds: string[] }): Promise<void> {
      await dispatchEvents(deps, input.eventIds);
    },
  };
}

export type TransitionActivities = ReturnType<typeof createTransitionActivities>;
