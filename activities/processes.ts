import type { RecordStore } from '../db/record-store';
import { changeStore } from '../db/change-store';
import { incidentStore } from '../db/incident-store';
import { createChangeActivities } from './change';
import { createCmdbVerificationActivities } from './cmdb-verification';
import type { ActivityDeps } from './deps';
import { createIncidentActivities } from './incident';
import { createAvailabilityActivities } from './availability';
import { createProblemActivities } from './problem';
import { problemStore } from '../db/problem-store';
import { createProblemTrendActivities } from './problem-trends';
import { createCapacityActivities } from './capacity';
import { createReleaseActivities } from './release';
import { releaseStore } from '../db/release-store';
import { createWebhookActivities } from './webhooks';
import { createDslActivities } from './dsl';
import { createMonitoringActivities } from './monitoring';
import { createNotificationEmailActivities } from './notification-email';
import { createReportRunActivities } from './report-run';
import { createSlaSimulationActivities } from './sla-simulation';
import { createFeedbackActivities } from './feedback';
import { feedbackStore } from '../db/feedback-store';
import { createContractActivities } from './contract';
import { contractStore } from '../db/contract-store';
import { createSecurityPolicyActivities } from './security-policy';
import { securityPolicyStore } from '../db/security-policy-store';
import { createAccessReviewActivities } from './access-review';
import { accessReviewStore } from '../db/access-review-store';
import { createServiceReviewActivities } from './service-review';
import { createContinuityActivities } from './continuity';
import { continuityRunStore } from '../db/continuity-store';

/**
 * What one process brings to a worker: its activities (which only its own workflow
 * proxies, typed as `typeof` its factory) and the stores of the record types it keeps.
 */
export interface ProcessSlice {
  name: string;
  activities(deps: ActivityDeps): Record<string, (...args: never[]) => Promise<unknown>>;
  stores?: readonly RecordStore<never>[];
}

/**
 * Every process the worker runs. Adding a process: its own files, one line here, and its
 * workflow exported from workflows/index.ts (the sandbox bundles workflows separately).
 */
export const PROCESSES: readonly ProcessSlice[] = [
  // The availability check runs after an incident records or ends an outage.
  { name: 'incident', activities: (deps) => ({ ...createIncidentActivities(deps), ...createAvailabilityActivities(deps) }), stores: [incidentStore] },
  { name: 'change', activities: createChangeActivities, stores: [changeStore] },
  { name: 'problem', activities: createProblemActivities, stores: [problemStore] },
  { name: 'problem-trends', activities: createProblemTrendActivities },
  { name: 'capacity', activities: createCapacityActivities },
  { name: 'release', activities: createReleaseActivities, stores: [releaseStore] },
  { name: 'cmdb-verification', activities: createCmdbVerificationActivities },
  { name: 'webhook-delivery', activities: createWebhookActivities },
  { name: 'dsl-verification', activities: createDslActivities },
  { name: 'monitoring-alert', activities: createMonitoringActivities },
  { name: 'notification-email', activities: createNotificationEmailActivities },
  { name: 'report-run', activities: createReportRunActivities },
  { name: 'sla-simulation', activities: createSlaSimulationActivities },
  { name: 'feedback', activities: createFeedbackActivities, stores: [feedbackStore] },
  { name: 'contract', activities: createContractActivities, stores: [contractStore] },
  { name: 'service-review', activities: createServiceReviewActivities },
  { name: 'security-policy', activities: createSecurityPolicyActivities, stores: [securityPolicyStore] },
  { name: 'access-review', activities: createAccessReviewActivities, stores: [accessReviewStore] },
  { name: 'continuity-run', activities: createContinuityActivities, stores: [continuityRunStore] },
];
