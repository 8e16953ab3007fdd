/** The webhook delivery process's contract: one workflow per event and subscriber. */
export const WEBHOOK_DELIVERY_WORKFLOW = 'webhookDeliveryWorkflow';
export const webhookDeliveryWorkflowId = (deliveryId: string) => `webhook-${deliveryId}`;
