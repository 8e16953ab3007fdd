/** Workflow type names used by code that starts workflows without importing them. */
export const INCIDENT_WORKFLOW = 'incidentWorkflow';
export const WEBHOOK_DELIVERY_WORKFLOW = 'webhookDeliveryWorkflow';

export const incidentWorkflowId = (number: string) => `incident-${number}`;
export const CHANGE_WORKFLOW = 'changeWorkflow';
export const changeWorkflowId = (number: string) => `change-${number}`;
