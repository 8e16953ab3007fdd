/**
 * Metric ingest: the batch is stored, then each CI × metric series it touches is stepped
 * through its governing threshold in time order. Level changes become webhook events
 * (`capacity.threshold.warning|critical|cleared`) through the outbox; a critical level held for
 * the threshold's `sustainSeconds` is handed to the monitoring alert of the key
 * `capacity:<CI number>:<metric>` (which opens one incident on the CI, shared with monitoring
 * events of that key), and told `resolved` when the level ends.
 *
 * Order matters for what a failure leaves behind: points are stored first (a repeated point is
 * kept once, and a repeat is stepped over as already seen); alerts are sent before the states
 * that record them are committed (a failure re-sends to the same alert, which is harmless);
 * events are committed with the states and relayed after (a failed relay is retried by the next
 * ingest, which relays every pending capacity event); an event no webhook subscription wants is
 * written as relayed.
 */
import type { Db } from '../db/client';
import { alertIdOf } from '../db/alert-store';
import { cisByRef, insertMetricPoints, pendingCapacityEvents, rulesFor, saveEvaluation, seriesKey, seriesStates, type CapacityOutboxEvent } from '../db/capacity-store';
import { alertKey, governing, step, type SeriesState, type ThresholdRule } from '../domain/capacity/threshold';
import type { MetricBatchBody } from '../domain/schemas/capacity';
import type { MonitoringEvent } from '../domain/schemas/monitoring';
import { dispatchEvents, wantedEventTypes } from '../temporal/outbox-relay';
import { ValidationFailed } from './errors';
import { sendToAlert, type IntakeDeps } from './monitoring-intake';

export type IngestDeps = IntakeDeps & { db: Db };

/** A batch naming many unknown CIs reports the first few: enough to find the fault, not a second copy of the batch. */
const MAX_REPORTED = 20;
/** Pending events relayed per ingest: a backlog drains over the next requests without holding one up. */
const RELAY_BATCH = 200;

interface Ci {
  id: string;
  number: string;
  class: string;
}

export async function ingestMetrics(deps: IngestDeps, body: MetricBatchBody, opts: { now?: number; pathOf?: (i: number) => string } = {}) {
  const now = opts.now ?? Date.now();
  const pathOf = opts.pathOf ?? ((i: number) => `points.${i}.ciId`);
  const cis = await cisByRef(deps.db, body.points.map((p) => p.ciId));
  const unknown = body.points.flatMap((p, i) => (cis.has(p.ciId) ? [] : [{ path: pathOf(i), message: `no configuration item ${p.ciId}` }]));
  if (unknown.length) throw new ValidationFailed('points name configuration items that do not exist', unknown.slice(0, MAX_REPORTED));
  const points = body.points.map((p) => ({ ci: cis.get(p.ciId)!, metric: p.metric, at: Date.parse(p.at), value: p.value }));
  const stored = await insertMetricPoints(
    deps.db,
    points.map((p) => ({ ciId: p.ci.id, metric: p.metric, at: new Date(p.at), value: p.value })),
  );

  const rules = await rulesFor(deps.db, [...cis.values()], points.map((p) => p.metric));
  const series = new Map<string, { ci: Ci; metric: string; rule: ThresholdRule; readings: { at: number; value: number }[] }>();
  for (const p of points) {
    const key = seriesKey(p.ci.id, p.metric);
    let s = series.get(key);
    if (!s) {
      const rule = governing(rules, { id: p.ci.id, ciClass: p.ci.class }, p.metric);
      if (!rule || (rule.warning === null && rule.critical === null)) continue;
      s = { ci: p.ci, metric: p.metric, rule, readings: [] };
      series.set(key, s);
    }
    s.readings.push({ at: p.at, value: p.value });
  }
  if (series.size === 0) return { received: body.points.length, stored, events: 0, alerts: 0 };

  const before = await seriesStates(deps.db, [...series.values()].map((s) => ({ ciId: s.ci.id, metric: s.metric })));
  const states: { ciId: string; metric: string; state: SeriesState }[] = [];
  const events: CapacityOutboxEvent[] = [];
  const toAlerts: { alertId: string; event: MonitoringEvent }[] = [];
  const wanted = await wantedEventTypes(deps.db);
  for (const [key, s] of series) {
    let state = before.get(key) ?? null;
    const start = state;
    for (const r of s.readings.sort((a, b) => a.at - b.at)) {
      const previous = state?.thresholdId === s.rule.id ? state.level : 'ok';
      const next = step(s.rule, state, r.at, r.value);
      if (next.event) {
        events.push({
          id: `evt-cap-${s.ci.id}-${s.metric}-${r.at}-${next.state.level}`,
          type: next.event,
          ciId: s.ci.id,
          at: new Date(r.at),
          dispatchedAt: wanted(next.event) ? null : new Date(now),
          data: { ciId: s.ci.id, ciNumber: s.ci.number, metric: s.metric, level: next.state.level, previousLevel: previous, value: r.value, at: new Date(r.at).toISOString(), threshold: { id: s.rule.id, warning: s.rule.warning, critical: s.rule.critical, direction: s.rule.direction } },
        });
      }
      if (next.resolve) toAlerts.push({ alertId: next.resolve, event: monitoringEvent(s.ci, s.metric, 'resolved', `${s.metric} back to ${next.state.level} at ${r.value}`, now) });
      if (next.raise) {
        const dedupKey = alertKey(s.ci.number, s.metric);
        const alertId = alertIdOf(dedupKey);
        const held = Math.round((r.at - next.state.since) / 1000);
        toAlerts.push({ alertId, event: monitoringEvent(s.ci, s.metric, 'critical', `${s.metric} at ${r.value}, ${s.rule.direction} the critical level ${s.rule.critical} for ${held} s`, now) });
        next.state.alertId = alertId;
      }
      state = next.state;
    }
    if (state && state !== start) states.push({ ciId: s.ci.id, metric: s.metric, state });
  }

  // One alert's events in the order the readings made them (a raise, then its resolve), sent together.
  await Promise.all(groupBy(toAlerts, (a) => a.alertId).map(async (list) => { for (const a of list) await sendToAlert(deps, a.alertId, a.event); }));
  await saveEvaluation(deps.db, states, events);
  await dispatchEvents({ db: deps.db, temporal: deps.temporal, taskQueue: deps.env.TEMPORAL_TASK_QUEUE }, await pendingCapacityEvents(deps.db, RELAY_BATCH));
  return { received: body.points.length, stored, events: events.length, alerts: toAlerts.filter((a) => a.event.severity !== 'resolved').length };
}

function monitoringEvent(ci: Ci, metric: string, severity: 'critical' | 'resolved', message: string, now: number): MonitoringEvent {
  return { dedupKey: alertKey(ci.number, metric), source: 'capacity', node: ci.number, check: metric, severity, message, ciId: ci.id, receivedAt: now };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): T[][] {
  const m = new Map<string, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return [...m.values()];
}
