/**
 * What the delivery listing may say about an attempt. The receiver's exact status and the
 * network error text stay in the database and the workflow history (for operators): shown
 * through the API they would turn every subscription into a probe of whatever the URL
 * points at (connection refused versus timed out, which port speaks HTTP, banner text).
 * So the API gives a coarse outcome, and the status class only when a receiver answered.
 */
export const DELIVERY_OUTCOMES = ['delivered', 'receiver_error', 'no_response', 'blocked_target'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

export interface DeliveryAttempt {
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
}

/** Messages of refused targets start with this (infra/network-policy.ts BlockedTarget). */
export const BLOCKED_PREFIX = 'blocked:';

export function statusClassOf(code: number | null): StatusClass | null {
  if (code === null || code < 200 || code > 599) return null;
  return `${Math.floor(code / 100)}xx` as StatusClass;
}

export function deliveryOutcomeOf(d: DeliveryAttempt): DeliveryOutcome | null {
  if (d.status === 'delivered') return 'delivered';
  if (d.lastError?.startsWith(BLOCKED_PREFIX)) return 'blocked_target';
  if (d.attempts === 0) return null;
  return statusClassOf(d.lastStatusCode) ? 'receiver_error' : 'no_response';
}
