import { DAY_MS, fitSums, forecastFrom, withinHorizon } from '../domain/capacity/forecast';
import { alertKey, governing } from '../domain/capacity/threshold';
import { PROBLEM_MANAGERS } from '../domain/problem/lifecycle';
import { HOUR_MS, pruneMetrics, replaceForecasts, rollupDay, rollupHour, ruleOf, seriesSums, type ForecastRow } from '../db/capacity-store';
import { openProblem } from '../temporal/open-problem';
import type { ProblemWorkflowConfig } from '../workflows/contracts/problem';
import type { ActivityDeps } from './deps';
import { beat } from './heartbeat';

/** A backfill rolls up at most this many hours in one run (400 days): a wider one is a mistake, not a request. */
const MAX_ROLLUP_HOURS = 24 * 400;
const SYSTEM_ACTOR = 'system';

export function createCapacityActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /** Every complete hour in [from, to) and each day they touch, recomputed from what is stored now. */
    async rollupMetrics(input: { from: number; to: number }): Promise<{ hours: number; days: number }> {
      const last = Math.floor(input.to / HOUR_MS) * HOUR_MS;
      const first = Math.max(Math.floor(input.from / HOUR_MS) * HOUR_MS, last - MAX_ROLLUP_HOURS * HOUR_MS);
      const days = new Set<number>();
      let hours = 0;
      for (let h = first; h < last; h += HOUR_MS) {
        await rollupHour(db, new Date(h));
        days.add(Math.floor(h / DAY_MS) * DAY_MS);
        hours++;
        beat({ hour: new Date(h).toISOString() });
      }
      for (const d of days) await rollupDay(db, new Date(d));
      return { hours, days: days.size };
    },

    async pruneMetrics(input: { at: number; rawRetentionDays: number; hourlyRetentionDays: number }): Promise<{ points: number; hours: number }> {
      return pruneMetrics(db, new Date(input.at - input.rawRetentionDays * DAY_MS), new Date(input.at - input.hourlyRetentionDays * DAY_MS));
    },

    /**
     * The trend of every series whose governing threshold has a limit, fitted over the window's
     * hourly means, stored as the latest forecast. A series forecast to reach its limit within
     * the horizon gets one problem for its CI until the forecast clears (a closed problem is
     * not reopened while it lasts); its CI's owner group is told.
     */
    async forecastCapacity(input: { runId: string; at: number; windowDays: number; horizonDays: number; observationMs: number; problem: ProblemWorkflowConfig }): Promise<{ forecasts: number; exhausting: number; problems: string[] }> {
      const rules = (await db.capacityThreshold.findMany({ where: { deletedAt: null } })).map(ruleOf);
      const metrics = [...new Set(rules.filter((r) => r.limit !== null).map((r) => r.metric))];
      const from = input.at - input.windowDays * DAY_MS;
      const sums = await seriesSums(db, metrics, new Date(from), new Date(input.at), (done) => beat({ summed: done }));
      beat({ series: sums.length });
      const cis = new Map(
        (await db.configurationItem.findMany({ where: { id: { in: [...new Set(sums.map((s) => s.ciId))] } }, select: { id: true, number: true, name: true, class: true, ownerGroup: true } })).map((c) => [c.id, c]),
      );
      const before = new Map((await db.capacityForecast.findMany({ select: { ciId: true, metric: true, problemId: true, changeId: true } })).map((f) => [`${f.ciId}\u0000${f.metric}`, f]));
      const rows: ForecastRow[] = [];
      const due: { row: ForecastRow; ci: { id: string; number: string; name: string; ownerGroup: string | null } }[] = [];
      for (const s of sums) {
        const ci = cis.get(s.ciId);
        const rule = ci && governing(rules, { id: ci.id, ciClass: ci.class }, s.metric);
        if (!ci || !rule || rule.limit === null) continue;
        const fit = fitSums(s, from);
        if (!fit) continue;
        const f = forecastFrom(fit, { at: s.lastAt, value: s.last }, rule.limit);
        const prior = before.get(`${s.ciId}\u0000${s.metric}`);
        const exhausting = withinHorizon(f.exhaustAt, input.at, input.horizonDays);
        const row: ForecastRow = {
          ciId: s.ciId,
          metric: s.metric,
          limit: rule.limit,
          slopePerDay: f.slopePerDay,
          intercept: f.intercept,
          lastValue: f.lastValue,
          points: f.points,
          exhaustAt: f.exhaustAt === null ? null : new Date(f.exhaustAt),
          computedAt: new Date(input.at),
          // Kept while the forecast lasts; cleared with it, so the next episode opens its own.
          problemId: exhausting ? (prior?.problemId ?? null) : null,
          changeId: exhausting ? (prior?.changeId ?? null) : null,
        };
        rows.push(row);
        if (exhausting && !row.problemId) due.push({ row, ci });
      }
      await replaceForecasts(db, rows);
      const problems: string[] = [];
      for (const { row, ci } of due) {
        beat({ opening: `${ci.number}/${row.metric}` });
        const problem = await openCapacityProblem(row, ci, input);
        await db.capacityForecast.update({ where: { ciId_metric: { ciId: row.ciId, metric: row.metric } }, data: { problemId: problem.id } });
        if (problem.opened) problems.push(problem.number);
      }
      return { forecasts: rows.length, exhausting: rows.filter((r) => withinHorizon(r.exhaustAt?.getTime() ?? null, input.at, input.horizonDays)).length, problems };
    },
  };

  /** Adopts the open problem of the series' key if a failed attempt already opened it; otherwise opens one and tells the CI's owners. */
  async function openCapacityProblem(
    row: ForecastRow,
    ci: { id: string; number: string; name: string; ownerGroup: string | null },
    input: { at: number; observationMs: number; problem: ProblemWorkflowConfig },
  ): Promise<{ id: string; number: string; opened: boolean }> {
    // The series' key, as its alert's: one problem per CI and metric.
    const key = alertKey(ci.number, row.metric);
    const held = await db.problem.findFirst({ where: { trendKey: key, state: { notIn: ['closed', 'cancelled'] } }, select: { id: true, number: true } });
    if (held) return { ...held, opened: false };
    const when = row.exhaustAt!.toISOString().slice(0, 10);
    const title = `Capacity: ${row.metric} on ${ci.number} ${ci.name} reaches ${row.limit} by ${when}`.slice(0, 200);
    const view = await openProblem({ db, temporal: deps.temporal, taskQueue: deps.taskQueue, config: input.problem }, SYSTEM_ACTOR, {
      title,
      description: `The least-squares trend of ${row.metric} over ${row.points} hourly means rises ${row.slopePerDay.toFixed(3)} per day from ${row.lastValue} and reaches the limit ${row.limit} on ${when}, within the planning horizon. Owner group: ${ci.ownerGroup ?? 'none'}.`,
      ciId: ci.id,
      observationMs: input.observationMs,
      trendKey: key,
    });
    await db.notification.upsert({
      where: { id: `ntf-capacity-${view.id}` },
      create: { id: `ntf-capacity-${view.id}`, recordType: 'problem', recordId: view.id, recipient: ci.ownerGroup ? `group:${ci.ownerGroup}` : PROBLEM_MANAGERS, kind: 'capacity_exhaustion_forecast', message: `${view.number}: ${title}` },
      update: {},
    });
    deps.log.info('capacity problem opened', { problem: view.number, ci: ci.number, metric: row.metric, exhaustAt: row.exhaustAt?.toISOString() });
    return { id: view.id, number: view.number, opened: true };
  }
}
export type CapacityActivities = ReturnType<typeof createCapacityActivities>;
