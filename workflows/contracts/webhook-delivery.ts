/** The webhook delivery process's contract: one workflow per event and subscriber. */
export const WEBHOOK_DELIVERY_WORKFLOW = 'webhookDeliveryWorkflow';
export const webhookDeliveryWorkflowId = (deliveryId: string) => `webhook-${deliveryId}`;
/**
 * Delivery attempts run on a task queue of their own beside the records' queue, polled by a
 * worker with its own activity slots: a dead subscriber (each attempt waits out the webhook
 * timeout, retried for days) then holds up other deliveries, never a record's command.
 */
export const webhookDeliveryQueue = (taskQueue: string) => `${taskQueue}-webhook-deliveries`;
export const WEBHOOK_QUEUE_PATCH = 'webhook-deliveries-own-queue';
