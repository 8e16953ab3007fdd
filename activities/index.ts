import type { ActivityDeps } from './deps';
import { createIncidentActivities } from './incident';
import { createTransitionActivities } from './record-transition';
import { createWebhookActivities } from './webhooks';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createTransitionActivities(deps),
    ...createIncidentActivities(deps),
    ...createWebhookActivities(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
