import type { ActivityDeps } from './deps';

/** A security policy's workflow reads nothing outside its record: it only needs its store (reminders and lapse go to the owner group). */
export function createSecurityPolicyActivities(_deps: ActivityDeps) {
  return {};
}
