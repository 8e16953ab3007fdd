/**
 * One record transition's rows (its snapshot through the store, its audit entry, its outbox
 * events and its notifications) and the statements that write them on the driver (db/sql.ts).
 * Nothing here needs Temporal: the transition activity (activities/record-transition.ts) runs
 * them in a transaction of their own, and code outside a workflow can compose `transitionSql`
 * with other statements in one driver transaction.
 */
import { inChunks, placeholders, sql, type SqlBody } from './sql';
import { driverOf, type Db } from './client';
import { toJson } from './json';
import { subscriptionEventsOf } from './columns';
import type { NotificationRequest } from '../domain/record';
import { subscriptionMatches } from '../domain/notification/subscription';

export type { NotificationRequest } from '../domain/record';

export interface DomainEvent {
  type: string;
  data: Record<string, unknown>;
}

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
  /** Minutes of work logged with the transition (labour cost); absent when none was. */
  timeSpent?: number;
  snapshot: S;
  events: DomainEvent[];
  notifications: NotificationRequest[];
}

export function eventId(recordId: string, seq: number, index: number): string {
  return `evt-${recordId}-${seq}-${index}`;
}

/** What of a stored audit entry tells a retry from another transition at the same sequence number. */
export interface StoredTransition {
  action: string;
  actor: string;
  fromState: string | null;
  toState: string | null;
  data: string;
  timeSpent: number | null;
}

/** The same transition as the one stored: a retry (its `at` and snapshot timestamps may differ). */
export function sameTransition(stored: StoredTransition, w: TransitionWrite): boolean {
  return stored.action === w.action && stored.actor === w.actor && stored.fromState === w.from && stored.toState === w.to && stored.data === toJson(w.data) && stored.timeSpent === (w.timeSpent ?? null);
}

export const notificationId = (w: TransitionWrite, index: number) => `ntf-${w.recordId}-${w.seq}-${index}`;

/**
 * The transition on the driver (db/sql.ts) for a store that can write this snapshot so: the same
 * statements as the Prisma path of activities/record-transition.ts, in the caller's transaction.
 * A sequence number already taken by a different transition ('overruled') is left to the Prisma
 * path, which discards it (rare).
 */
export function* transitionSql(w: TransitionWrite, storeWrite: (s: unknown, seq: number) => SqlBody<void>, eventIds: string[]): SqlBody<string[] | 'retry' | 'overruled'> {
  const [existing] = yield* sql.all<StoredTransition>('SELECT "action", "actor", "fromState", "toState", "data", "timeSpent" FROM "AuditEvent" WHERE "id" = ?', [auditIdOf(w)]);
  if (existing) return sameTransition(existing, w) ? 'retry' : 'overruled';
  yield* storeWrite(w.snapshot, w.seq);
  yield* sql.insert('AuditEvent', auditRow(w));
  const outbox = outboxRows(w, eventIds, w.events.length ? yield* sql.all<{ id: string; events: string }>('SELECT "id", "events" FROM "WebhookSubscription" WHERE "active" = ?', [true]) : []);
  for (const row of outbox) yield* sql.insert('OutboxEvent', row);
  for (const [i, n] of w.notifications.entries()) yield* sql.insert('Notification', notificationRow(w, i, n));
  return toDeliverOf(outbox);
}

export const auditIdOf = (w: TransitionWrite) => `aud-${w.recordId}-${w.seq}`;
export const auditRow = (w: TransitionWrite) => ({
  id: auditIdOf(w),
  recordType: w.recordType,
  recordId: w.recordId,
  seq: w.seq,
  at: new Date(w.at),
  actor: w.actor,
  action: w.action,
  fromState: w.from,
  toState: w.to,
  data: toJson(w.data),
  timeSpent: w.timeSpent ?? null,
});
/**
 * The outbox rows of the transition's events. Events nobody subscribes to are settled at once
 * (dispatchedAt set), so the workflow schedules no relay activity for them (most transitions, in
 * most deployments).
 */
export function outboxRows(w: TransitionWrite, eventIds: string[], subscriptions: { id: string; events: string }[]) {
  const at = new Date(w.at);
  return w.events.map((e, i) => {
    const wanted = subscriptions.some((sub) => subscriptionMatches(subscriptionEventsOf(sub), e.type));
    return { id: eventIds[i], type: e.type, recordType: w.recordType, recordId: w.recordId, occurredAt: at, data: toJson(e.data), dispatchedAt: wanted ? null : at };
  });
}
export const toDeliverOf = (outbox: ReturnType<typeof outboxRows>) => outbox.filter((r) => r.dispatchedAt === null).map((r) => r.id);
export const notificationRow = (w: TransitionWrite, i: number, n: NotificationRequest) => ({ id: notificationId(w, i), recordType: w.recordType, recordId: w.recordId, recipient: n.recipient, kind: n.kind, message: n.message, createdAt: new Date(w.at) });

/**
 * Which of these transitions are stored as they are (one read of their audit entries), and the
 * events of those still undelivered: what a confirmation of writes already made needs to know.
 */
export async function alreadyStored(db: Db, writes: readonly TransitionWrite[]): Promise<{ stored: Set<TransitionWrite>; undelivered: string[] }> {
  const driver = driverOf(db);
  const rows = await inChunks(writes.map(auditIdOf), (ids) => driver.query<StoredTransition & { id: string }>(`SELECT "id", "action", "actor", "fromState", "toState", "data", "timeSpent" FROM "AuditEvent" WHERE "id" IN (${placeholders(ids)})`, ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const stored = new Set(writes.filter((w) => {
    const row = byId.get(auditIdOf(w));
    return row !== undefined && sameTransition({ ...row, timeSpent: row.timeSpent === null ? null : Number(row.timeSpent) }, w);
  }));
  const events = [...stored].flatMap((w) => w.events.map((_, i) => eventId(w.recordId, w.seq, i)));
  const undelivered = await inChunks(events, (ids) => driver.query<{ id: string }>(`SELECT "id" FROM "OutboxEvent" WHERE "id" IN (${placeholders(ids)}) AND "dispatchedAt" IS NULL`, ids));
  return { stored, undelivered: undelivered.map((r) => r.id) };
}
