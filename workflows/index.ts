export { incidentWorkflow } from './incident';
export { webhookDeliveryWorkflow } from './webhook-delivery';
export { cmdbVerificationWorkflow } from './cmdb-verification';
export { changeWorkflow } from './change';
export { problemWorkflow } from './problem';
export { problemTrendsWorkflow } from './problem-trends';
