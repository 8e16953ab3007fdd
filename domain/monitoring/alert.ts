/**
 * Monitoring alerts: pure rules for turning a stream of events about one check into at most
 * one open incident at a time. The alert's workflow (workflows/monitoring-alert.ts) applies
 * them; everything here is deterministic and free of I/O.
 */
import type { CreateIncidentBody } from '../schemas/incident';
import type { EventSeverity, MonitoringEvent, MonitoringEventBody } from '../schemas/monitoring';

export type Level = 'high' | 'medium' | 'low';

/** Events without their own key are one alert per source, node and check. */
export function dedupKeyOf(body: Pick<MonitoringEventBody, 'source' | 'node' | 'check' | 'dedupKey'>): string {
  return body.dedupKey ?? `${body.source}/${body.node}/${body.check}`;
}

/**
 * Urgency from the event's severity, impact from the most critical business service the CI
 * supports (a CI that supports no known service: medium, as change risk treats it).
 */
export function priorityInputs(severity: Exclude<EventSeverity, 'resolved'>, serviceCriticality: string | null): { impact: Level; urgency: Level } {
  const urgency: Level = severity === 'critical' ? 'high' : severity === 'major' ? 'medium' : 'low';
  const impact: Level = serviceCriticality === 'critical' || serviceCriticality === 'high' ? 'high' : serviceCriticality === 'low' ? 'low' : 'medium';
  return { impact, urgency };
}

const CRITICALITY_RANK: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 };
/** The highest of the services' criticalities (a service without one counts as medium). */
export function highestCriticality(criticalities: (string | null | undefined)[]): string | null {
  if (criticalities.length === 0) return null;
  return criticalities.map((c) => c ?? 'medium').reduce((a, b) => ((CRITICALITY_RANK[b] ?? 2) > (CRITICALITY_RANK[a] ?? 2) ? b : a));
}

const iso = (ms: number) => new Date(ms).toISOString();

export function incidentBodyOf(e: MonitoringEvent, opts: { serviceId: string | null; serviceCriticality: string | null }): CreateIncidentBody {
  const severity = e.severity === 'resolved' ? 'warning' : e.severity;
  return {
    title: `${e.check} on ${e.node}: ${e.message || severity}`.slice(0, 300),
    description: [`Opened by monitoring (${e.source}), severity ${e.severity}, at ${iso(e.receivedAt)}.`, `Alert key: ${e.dedupKey}`, e.message].filter(Boolean).join('\n\n').slice(0, 20_000),
    type: 'incident',
    ...priorityInputs(severity, opts.serviceCriticality),
    ...(e.ciId ? { ciId: e.ciId } : {}),
    ...(opts.serviceId ? { serviceId: opts.serviceId } : {}),
    category: 'monitoring',
  };
}

/**
 * A batch of events, in arrival order, as the steps to take: runs of problem events (the first
 * of a run may open an incident, the rest are repeats) and single recoveries. Order is kept, so
 * "down, up, down" opens, resolves and opens again, as it happened.
 */
export type Step = { kind: 'problem'; events: MonitoringEvent[] } | { kind: 'recovered'; event: MonitoringEvent };
export function stepsOf(batch: MonitoringEvent[]): Step[] {
  const steps: Step[] = [];
  for (const e of batch) {
    const last = steps.at(-1);
    if (e.severity === 'resolved') steps.push({ kind: 'recovered', event: e });
    else if (last?.kind === 'problem') last.events.push(e);
    else steps.push({ kind: 'problem', events: [e] });
  }
  return steps;
}

/** The note a run of repeated events leaves on the open incident: one note per run, not per event. */
export function repeatNote(repeats: MonitoringEvent[], total: number): string {
  const latest = repeats[repeats.length - 1];
  const n = repeats.length;
  return `Monitoring: ${n} more event${n === 1 ? '' : 's'} for ${latest.check} on ${latest.node} (${total} in all); latest ${latest.severity} at ${iso(latest.receivedAt)}: ${latest.message}`.slice(0, 20_000);
}

export function recoveredNote(e: MonitoringEvent, resolvedByMonitoring: boolean): string {
  return (resolvedByMonitoring
    ? `Resolved by monitoring: ${e.check} on ${e.node} recovered at ${iso(e.receivedAt)} before anyone acknowledged the incident. ${e.message}`
    : `Monitoring reports ${e.check} on ${e.node} recovered at ${iso(e.receivedAt)}; the incident stays with its assignee. ${e.message}`
  ).trim().slice(0, 20_000);
}

/** Whether a recovery may resolve the incident itself: only while nobody has taken it on. */
export const resolvableByMonitoring = (state: string) => state === 'new' || state === 'assigned';
