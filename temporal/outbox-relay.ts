/**
 * The outbox relay: committed outbox events become one delivery row and one delivery workflow
 * per matching subscription. Used by activities after their transitions and by the API for
 * events it writes itself (capacity thresholds at metric ingest).
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { subscriptionEventsOf } from '../db/columns';
import { isUniqueViolation } from '../db/people-store';
import { WEBHOOK_DELIVERY_WORKFLOW, webhookDeliveryWorkflowId } from '../workflows/contracts/webhook-delivery';
import { subscriptionMatches } from '../domain/notification/subscription';

export interface RelayDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

export { subscriptionMatches };

/**
 * Relays committed outbox events: one delivery row and one delivery workflow per matching
 * subscription. Workflow ids are derived from the delivery, so a repeat starts nothing new.
 */
export async function dispatchEvents(deps: RelayDeps, eventIds: string[]): Promise<void> {
  const events = await deps.db.outboxEvent.findMany({ where: { id: { in: eventIds }, dispatchedAt: null } });
  if (events.length === 0) return;
  const subs = await deps.db.webhookSubscription.findMany({ where: { active: true } });
  for (const event of events) {
    for (const sub of subs) {
      if (!subscriptionMatches(subscriptionEventsOf(sub), event.type)) continue;
      const id = `whd-${event.id}-${sub.id}`;
      try {
        await deps.db.webhookDelivery.upsert({
          where: { eventId_subscriptionId: { eventId: event.id, subscriptionId: sub.id } },
          create: { id, eventId: event.id, subscriptionId: sub.id, status: 'pending' },
          update: {},
        });
      } catch (e) {
        // Two relays of one event at once (an activity attempt and its retry): the other made the row; the start below is idempotent.
        if (!isUniqueViolation(e)) throw e;
      }
      try {
        await deps.temporal.workflow.start(WEBHOOK_DELIVERY_WORKFLOW, {
          taskQueue: deps.taskQueue,
          workflowId: webhookDeliveryWorkflowId(id),
          args: [{ deliveryId: id }],
          memo: { title: `${event.type} → ${sub.url}` },
        });
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      }
    }
    await deps.db.outboxEvent.update({ where: { id: event.id }, data: { dispatchedAt: new Date() } });
  }
}

/**
 * Which event types some active subscription wants, from one read: an event nobody wants is
 * written already dispatched, so the relay never visits it.
 */
export async function wantedEventTypes(db: Db): Promise<(type: string) => boolean> {
  const subs = await db.webhookSubscription.findMany({ where: { active: true }, select: { id: true, events: true } });
  const patterns = subs.map((sub) => subscriptionEventsOf(sub));
  return (type) => patterns.some((events) => subscriptionMatches(events, type));
}
