import { z } from './zod';
import { NOT_BLANK, RecordRef } from './common';

/**
 * Monitoring events (Nagios/Zabbix/Prometheus Alertmanager style): what a monitoring system
 * says about one check on one node. `resolved` is the check coming back to normal.
 */
export const EVENT_SEVERITIES = ['critical', 'major', 'minor', 'warning', 'resolved'] as const;
export const EventSeverity = z.enum(EVENT_SEVERITIES);
export type EventSeverity = z.infer<typeof EventSeverity>;

const Name = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });

export const MonitoringEventBody = z
  .object({
    source: Name(100).describe('the monitoring system (e.g. "prometheus")'),
    node: Name(200).describe('the host or component the check ran on'),
    check: Name(200).describe('the check or alert name'),
    severity: EventSeverity,
    message: z.string().maxChars(5000).describe('what the check saw'),
    dedupKey: Name(300).optional().describe('events with the same key are one alert; default source/node/check'),
    ciId: RecordRef.optional().describe('the CI the event is about (id or number): the incident is opened on it'),
  })
  .strict();
export type MonitoringEventBody = z.infer<typeof MonitoringEventBody>;

/** One event as the alert's workflow receives it: the body with its references resolved. */
export interface MonitoringEvent {
  dedupKey: string;
  source: string;
  node: string;
  check: string;
  severity: EventSeverity;
  message: string;
  ciId: string | null;
  receivedAt: number;
}

export const EventAccepted = z.object({
  dedupKey: z.string(),
  alertId: z.string().describe('the alert this event belongs to (GET /api/v1/alerts/{id})'),
});

export const AlertRecord = z.object({
  id: z.string(),
  dedupKey: z.string(),
  source: z.string(),
  node: z.string(),
  check: z.string(),
  ciId: z.string().nullable(),
  ciNumber: z.string().nullable(),
  state: z.enum(['open', 'resolved']).describe('open while its incident is open; resolved once the check is back or the incident ended'),
  severity: EventSeverity.describe('the latest severity reported'),
  lastMessage: z.string(),
  count: z.number().int().describe('events received for the current incident (the first included)'),
  ignored: z.number().int().describe('events that changed nothing (a `resolved` for no open incident)'),
  incidentId: z.string().nullable(),
  incidentNumber: z.string().nullable(),
  firstAt: z.string(),
  lastAt: z.string(),
});
export type AlertRecord = z.infer<typeof AlertRecord>;

export const AlertListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().maxChars(200).optional(),
  state: z.enum(['open', 'resolved']).optional(),
});
