import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { BlockedTarget } from '../infra/network-policy';
import { outboundStatus } from '../infra/outbound-http';
import { SecretKeyMissing, openSecret } from '../infra/secret-box';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import { eventDataOf } from '../db/columns';
import { webhookEventData } from '../domain/incident/security';

export function signBody(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** The outbox relay lives beside the engine client: the API relays what it writes outside workflows too. */
export { dispatchEvents, subscriptionMatches } from '../temporal/outbox-relay';

export function createWebhookActivities(deps: ActivityDeps) {
  return {
    /** One delivery attempt; a non-2xx answer throws so Temporal retries with backoff. */
    async deliverWebhook(input: { deliveryId: string }): Promise<{ status: number }> {
      const delivery = await deps.db.webhookDelivery.findUnique({ where: { id: input.deliveryId } });
      if (!delivery) throw ApplicationFailure.nonRetryable(`unknown delivery ${input.deliveryId}`, 'NotFound');
      if (delivery.status === 'delivered') return { status: delivery.lastStatusCode ?? 200 };
      const [event, sub] = await Promise.all([
        deps.db.outboxEvent.findUnique({ where: { id: delivery.eventId } }),
        deps.db.webhookSubscription.findUnique({ where: { id: delivery.subscriptionId } }),
      ]);
      if (!event || !sub || !sub.active) {
        await deps.db.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'cancelled' } });
        return { status: 0 };
      }
      const body = JSON.stringify({ id: event.id, type: event.type, occurredAt: event.occurredAt.toISOString(), data: webhookEventData(event.recordType, eventDataOf(event)) });
      let secret: string;
      try {
        secret = openSecret(sub.secret, deps.secretsKey ?? null);
      } catch (e) {
        // A configuration fault, not the receiver's: fail loudly rather than retry for days.
        if (e instanceof SecretKeyMissing) throw ApplicationFailure.nonRetryable(e.message, 'SecretKeyMissing');
        throw e;
      }
      let status = 0;
      let error: string | null = null;
      const sentAt = new Date();
      try {
        const headers = {
          'content-type': 'application/json',
          'x-itsm-signature': signBody(secret, body),
          'x-itsm-event': event.type,
          'x-itsm-delivery': delivery.id,
          // Standard Webhooks: the timestamp is signed too, so a receiver can refuse replays.
          'webhook-id': delivery.id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': new Webhook(secret, { format: 'raw' }).sign(delivery.id, sentAt, body),
        };
        status = await outboundStatus(new URL(sub.url), { method: 'POST', headers, body, timeoutMs: deps.webhookTimeoutMs, allowPrivate: deps.allowPrivateWebhooks === true });
      } catch (e) {
        if (e instanceof BlockedTarget) {
          // Not an outage: this target stays refused until the subscription changes.
          await deps.db.webhookDelivery.update({ where: { id: delivery.id }, data: { attempts: { increment: 1 }, lastStatusCode: null, lastError: e.message, status: 'failed' } });
          throw ApplicationFailure.nonRetryable(e.message, 'WebhookTargetBlocked');
        }
        error = (e as Error).message;
      }
      const ok = status >= 200 && status < 300;
      await deps.db.webhookDelivery.update({
        where: { id: delivery.id },
        data: {
          attempts: { increment: 1 },
          lastStatusCode: status || null,
          lastError: ok ? null : (error ?? `HTTP ${status}`),
          status: ok ? 'delivered' : 'pending',
          deliveredAt: ok ? new Date() : null,
        },
      });
      if (!ok) throw ApplicationFailure.retryable(`webhook ${sub.url} answered ${error ?? status}`, 'WebhookFailed');
      return { status };
    },

    async markWebhookFailed(input: { deliveryId: string; reason: string }): Promise<void> {
      await deps.db.webhookDelivery.updateMany({ where: { id: input.deliveryId, status: { not: 'delivered' } }, data: { status: 'failed', lastError: input.reason } });
    },
  };
}
