import type { ActivityDeps } from './deps';
import { createChangeActivities } from './change';
import { createCmdbVerificationActivities } from './cmdb-verification';
import { createIncidentActivities } from './incident';
import { createTransitionActivities } from './record-transition';
import { createWebhookActivities } from './webhooks';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createTransitionActivities(deps),
    ...createIncidentActivities(deps),
    ...createWebhookActivities(deps),
    ...createCmdbVerificationActivities(deps),
    ...createChangeActivities(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
