/**
 * The workflow bundle's entry: every workflow type the worker registers.
 *
 * Each export loads its process's module on its first call. The SDK runs every workflow with the
 * bundle's modules evaluated afresh for it (reuseV8Context shares the V8 context, not module
 * state), so a static re-export made each incident evaluate all 23 processes' modules: about 90
 * module objects, the other processes' message definitions, state tables and activity options:
 * 220 KiB of heap per cached incident. Loaded lazily, a workflow evaluates only its own process's
 * graph: 30 modules and 132 KiB (bench/workflow-heap.ts). Module evaluation issues no commands, so when it
 * happens does not matter to replay.
 */

/** `name` of the module `load` requires, required on the first call in this workflow. */
function lazily<M, K extends keyof M & string>(load: () => M, name: K): M[K] {
  const run = (...args: unknown[]): unknown => (load()[name] as (...a: unknown[]) => unknown)(...args);
  // The worker registers a workflow under its export's key; clients and the UI read a function's name.
  Object.defineProperty(run, 'name', { value: name });
  return run as M[K];
}

export const incidentWorkflow = lazily(() => require('./incident') as typeof import('./incident'), 'incidentWorkflow');
export const webhookDeliveryWorkflow = lazily(() => require('./webhook-delivery') as typeof import('./webhook-delivery'), 'webhookDeliveryWorkflow');
export const cmdbVerificationWorkflow = lazily(() => require('./cmdb-verification') as typeof import('./cmdb-verification'), 'cmdbVerificationWorkflow');
export const changeWorkflow = lazily(() => require('./change') as typeof import('./change'), 'changeWorkflow');
export const problemWorkflow = lazily(() => require('./problem') as typeof import('./problem'), 'problemWorkflow');
export const problemTrendsWorkflow = lazily(() => require('./problem-trends') as typeof import('./problem-trends'), 'problemTrendsWorkflow');
export const capacityMaintenanceWorkflow = lazily(() => require('./capacity-maintenance') as typeof import('./capacity-maintenance'), 'capacityMaintenanceWorkflow');
export const releaseWorkflow = lazily(() => require('./release') as typeof import('./release'), 'releaseWorkflow');
export const releaseDeploymentWorkflow = lazily(() => require('./release-deployment') as typeof import('./release-deployment'), 'releaseDeploymentWorkflow');
export const dslVerificationWorkflow = lazily(() => require('./dsl-verification') as typeof import('./dsl-verification'), 'dslVerificationWorkflow');
export const monitoringAlertWorkflow = lazily(() => require('./monitoring-alert') as typeof import('./monitoring-alert'), 'monitoringAlertWorkflow');
export const notificationEmailWorkflow = lazily(() => require('./notification-email') as typeof import('./notification-email'), 'notificationEmailWorkflow');
export const reportRunWorkflow = lazily(() => require('./report-run') as typeof import('./report-run'), 'reportRunWorkflow');
export const slaSimulationWorkflow = lazily(() => require('./sla-simulation') as typeof import('./sla-simulation'), 'slaSimulationWorkflow');
export const feedbackWorkflow = lazily(() => require('./feedback') as typeof import('./feedback'), 'feedbackWorkflow');
export const contractWorkflow = lazily(() => require('./contract') as typeof import('./contract'), 'contractWorkflow');
export const securityPolicyWorkflow = lazily(() => require('./security-policy') as typeof import('./security-policy'), 'securityPolicyWorkflow');
export const accessReviewWorkflow = lazily(() => require('./access-review') as typeof import('./access-review'), 'accessReviewWorkflow');
export const accessReviewScheduledWorkflow = lazily(() => require('./access-review-scheduled') as typeof import('./access-review-scheduled'), 'accessReviewScheduledWorkflow');
export const serviceReviewWorkflow = lazily(() => require('./service-review') as typeof import('./service-review'), 'serviceReviewWorkflow');
export const continuityRunWorkflow = lazily(() => require('./continuity-run') as typeof import('./continuity-run'), 'continuityRunWorkflow');
export const continuityCheckWorkflow = lazily(() => require('./continuity-check') as typeof import('./continuity-check'), 'continuityCheckWorkflow');
export const continuityScheduledTestWorkflow = lazily(() => require('./continuity-scheduled-test') as typeof import('./continuity-scheduled-test'), 'continuityScheduledTestWorkflow');
