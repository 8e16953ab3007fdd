export { incidentWorkflow } from './incident';
export { webhookDeliveryWorkflow } from './webhook-delivery';
