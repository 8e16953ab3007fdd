import { proxyActivities, ActivityFailure, patched, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { createWebhookActivities } from '../activities/webhooks';
import { WEBHOOK_QUEUE_PATCH, webhookDeliveryQueue } from './contracts/webhook-delivery';

type WebhookActivities = ReturnType<typeof createWebhookActivities>;

// Receivers go down for hours; keep trying with exponential backoff for up to three days.
const DELIVERY: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '3d',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: ['NotFound'] },
};
const { markWebhookFailed } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

/** Delivers one event to one subscriber, until a 2xx or the retry budget runs out. */
export async function webhookDeliveryWorkflow(input: { deliveryId: string }): Promise<void> {
  // Deliveries started before the queue of their own replay as they ran: on the records' queue.
  const taskQueue = patched(WEBHOOK_QUEUE_PATCH) ? webhookDeliveryQueue(workflowInfo().taskQueue) : undefined;
  const { deliverWebhook } = proxyActivities<WebhookActivities>({ ...DELIVERY, ...(taskQueue ? { taskQueue } : {}) });
  try {
    await deliverWebhook(input);
  } catch (e) {
    if (!(e instanceof ActivityFailure)) throw e;
    await markWebhookFailed({ deliveryId: input.deliveryId, reason: e.cause?.message ?? e.message });
  }
}
