import type { ActivityDeps } from './deps';

/**
 * The complaint and compliment process needs no activities of its own: the API resolves the
 * customer, group and targets before creation, and the kernel's transition writer persists it
 * (through db/feedback-store.ts, registered with this slice).
 */
export function createFeedbackActivities(_deps: ActivityDeps) {
  return {};
}
