import type { Tx } from '../db/client';
import type { ChangeSnapshot } from '../domain/change/snapshot';
import type { IncidentSnapshot } from '../domain/incident/snapshot';
import { slaBreached } from '../domain/incident/snapshot';
import type { ActivityDeps } from './deps';
import { fromJson, toJson } from './json';
import { ApplicationFailure } from '@temporalio/common';
import { dispatchEvents, subscriptionMatches } from './webhooks';

export interface DomainEvent {
  type: string;
  data: Record<string, unknown>;
}

export interface NotificationRequest {
  recipient: string; // group:<name> | user:<id>
  kind: string;
  message: string;
}

type Snapshots = { incident: IncidentSnapshot; change: ChangeSnapshot };

/**
 * One accepted transition of any record: its new snapshot, its audit entry, the domain
 * events it raised and the notifications it sends, written in one transaction.
 * `(recordId, seq)` identifies the transition, so a retried activity writes nothing twice.
 */
export interface TransitionWrite<K extends keyof Snapshots = keyof Snapshots> {
  recordType: K;
  recordId: string;
  seq: number;
  at: number;
  actor: string;
  action: string;
  from: string | null;
  to: string | null;
  data: Record<string, unknown>;
  snapshot: Snapshots[K];
  events: DomainEvent[];
  notifications: NotificationRequest[];
}

/** The part of a record table's Prisma delegate that writing a versioned snapshot needs. */
interface VersionedTable<Row> {
  updateMany(args: { where: { id: string; version: { lt: number } }; data: Row }): Promise<{ count: number }>;
  findUnique(args: { where: { id: string }; select: { id: true } }): Promise<unknown>;
  create(args: { data: Row & { id: string } }): Promise<unknown>;
}

/**
 * Writes a record's row for transition `seq`. Only a newer transition may overwrite: a late
 * retry of an older one is a no-op. True when this created the row.
 */
async function writeIfNewer<Row>(table: VersionedTable<Row>, id: string, seq: number, row: Row): Promise<boolean> {
  const updated = await table.updateMany({ where: { id, version: { lt: seq } }, data: row });
  if (updated.count > 0 || (await table.findUnique({ where: { id }, select: { id: true } }))) return false;
  await table.create({ data: { id, ...row } });
  return true;
}

const snapshotWriters: { [K in keyof Snapshots]: (tx: Tx, s: Snapshots[K], seq: number) => Promise<void> } = {
  async incident(tx, s, seq) {
    const row = {
      number: s.number,
      workflowId: s.workflowId,
      type: s.type,
      title: s.title,
      description: s.description,
      impact: s.impact,
      urgency: s.urgency,
      priority: s.priority,
      state: s.state,
      serviceId: s.serviceId,
      ciId: s.ciId,
      category: s.category,
      callerId: s.callerId,
      assignmentGroup: s.assignmentGroup,
      assignee: s.assignee,
      escalationLevel: s.escalationLevel,
      holdReason: s.holdReason,
      resolutionCode: s.resolutionCode,
      resolutionNotes: s.resolutionNotes,
      sla: toJson({ slaId: s.slaId, clock: s.clock }),
      slaBreached: slaBreached(s, s.updatedAt),
      openedAt: new Date(s.openedAt),
      resolvedAt: s.resolvedAt === null ? null : new Date(s.resolvedAt),
      closedAt: s.closedAt === null ? null : new Date(s.closedAt),
      createdBy: s.createdBy,
      version: seq,
    };
    await writeIfNewer(tx.incident, s.id, seq, row);
  },
  async change(tx, s, seq) {
    const row = {
      number: s.number,
      workflowId: s.workflowId,
      type: s.type,
      title: s.title,
      description: s.description,
      state: s.state,
      riskLevel: s.risk?.level ?? null,
      riskScore: s.risk?.score ?? null,
      plannedStart: new Date(s.plannedStart),
      plannedEnd: new Date(s.plannedEnd),
      problemId: s.problemId,
      templateId: s.templateId,
      outcome: s.outcome,
      detail: toJson(s),
      createdBy: s.createdBy,
      version: seq,
    };
    if (await writeIfNewer(tx.change, s.id, seq, row)) {
      // The CIs never change after submission: index them once.
      await tx.changeCi.createMany({ data: s.ciIds.map((ciId) => ({ changeId: s.id, ciId })) });
    }
  },
};

export function eventId(recordId: string, seq: number, index: number): string {
  return `evt-${recordId}-${seq}-${index}`;
}

export function createTransitionActivities(deps: ActivityDeps) {
  return {
    /** Idempotent: a retry of a committed transition writes nothing and returns the same ids. */
    async recordTransition(w: TransitionWrite): Promise<{ eventIds: string[] }> {
      const at = new Date(w.at);
      const eventIds = w.events.map((_, i) => eventId(w.recordId, w.seq, i));
      let toDeliver: string[] | null = null;
      await deps.db.$transaction(async (tx) => {
        const auditId = `aud-${w.recordId}-${w.seq}`;
        const existing = await tx.auditEvent.findUnique({ where: { id: auditId }, select: { action: true } });
        if (existing && existing.action !== w.action) {
          // Never overwrite or skip a different transition: that would lose one silently.
          throw ApplicationFailure.nonRetryable(`${w.recordId} seq ${w.seq} is already '${existing.action}', not '${w.action}'`, 'SequenceConflict');
        }
        if (existing) return;
        await (snapshotWriters[w.recordType] as (tx: Tx, s: unknown, seq: number) => Promise<void>)(tx, w.snapshot, w.seq);
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
        const subscriptions = w.events.length ? await tx.webhookSubscription.findMany({ where: { active: true }, select: { events: true } }) : [];
        toDeliver = [];
        for (const [i, e] of w.events.entries()) {
          const wanted = subscriptions.some((sub) => subscriptionMatches(fromJson<string[]>(sub.events, []), e.type));
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
      });
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
