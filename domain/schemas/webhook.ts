import { z } from './zod';
import { DELIVERY_OUTCOMES, STATUS_CLASSES } from '../webhook-delivery';

export const WEBHOOK_EVENT_TYPES = [
  'incident.created', 'incident.assigned', 'incident.acknowledged', 'incident.on_hold', 'incident.resumed',
  'incident.resolved', 'incident.reopened', 'incident.closed', 'incident.cancelled', 'incident.escalated',
  'incident.reprioritised', 'incident.sla.warning', 'incident.sla.breached',
  'change.submitted', 'change.approved', 'change.rejected', 'change.scheduled', 'change.held', 'change.escalated',
  'change.implemented', 'change.failed', 'change.overran', 'change.reviewed', 'change.closed', 'change.cancelled',
  'incident.known_error_matched', 'incident.workaround_applied',
  'problem.created', 'problem.known_error', 'problem.change_requested', 'problem.change_failed', 'problem.resolved', 'problem.reopened',
  'problem.closed', 'problem.cancelled', 'known_error.published', 'known_error.retired',
  'release.created', 'release.stage_succeeded', 'release.stage_failed', 'release.deploy_requested', 'release.rollback_requested',
  'release.deployed', 'release.rolled_back',
  'dsl.artifact_verified', 'dsl.artifact_rejected',
  'budget.exceeded',
  'capacity.threshold.warning', 'capacity.threshold.critical', 'capacity.threshold.cleared',
  'feedback.created', 'feedback.acknowledged', 'feedback.investigating', 'feedback.resolved', 'feedback.reopened', 'feedback.closed',
  'feedback.target_warning', 'feedback.target_breached',
  'contract.created', 'contract.renewal_due', 'contract.escalated', 'contract.renewed', 'contract.terminated', 'contract.amended', 'contract.expired',
  'security_policy.created', 'security_policy.review_due', 'security_policy.lapsed', 'security_policy.reviewed', 'security_policy.retired',
  'access_review.created', 'access_review.reminder', 'access_review.escalated', 'access_review.confirmed', 'access_review.revoked', 'access_review.completed',
  'continuity.run.started', 'continuity.run.step_completed', 'continuity.run.step_failed', 'continuity.run.step_escalated', 'continuity.run.completed', 'continuity.plan.test_overdue',
] as const;

/** Known event names, plus `<record>.<what>` for processes that come later. */
const EventName = z.union([z.literal('*'), z.string().regex(/^[a-z_]+\.[a-z_.]+$/, 'must be an event name like incident.sla.breached, or *')]);

export const CreateWebhookBody = z
  .object({
    // The scheme as a pattern in the document; the rest is what the WHATWG URL parser takes.
    url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).openapi({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+' }),
    events: z.array(EventName).min(1).max(100),
    secret: z.string().min(16, 'must be at least 16 characters').maxChars(200),
  })
  .strict();
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const WebhookRecord = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  createdAt: z.string(),
});
export type WebhookRecord = z.infer<typeof WebhookRecord>;

export const WebhookEventPayload = z.object({
  id: z.string(),
  type: z.string(),
  occurredAt: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type WebhookEventPayload = z.infer<typeof WebhookEventPayload>;

/** One delivery of one event to one subscriber, as admins see it (domain/webhook-delivery.ts says why so little). */
export const WebhookDeliveryRecord = z.object({
  id: z.string(),
  eventId: z.string(),
  status: z.enum(['pending', 'delivered', 'failed', 'cancelled']),
  attempts: z.number().int(),
  lastOutcome: z.enum(DELIVERY_OUTCOMES).nullable(),
  lastStatusClass: z.enum(STATUS_CLASSES).nullable().describe('set only when the receiver answered'),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});
export type WebhookDeliveryRecord = z.infer<typeof WebhookDeliveryRecord>;
