import { isOpen, type ProblemState } from '../domain/problem/state-machine';
import { trendNotification, type TrendGroup } from '../domain/problem/trends';
import type { TrendReportView } from '../domain/schemas/problem-trends';
import { formatIsoDuration } from '../domain/duration';
import { runTrendDetection, wouldOpen, type DueGroup, type Found, type Opening, type OpenResult, type TrendReport } from '../db/incident-trends';
import { openProblem } from '../temporal/open-problem';
import type { ProblemTrendsConfig } from '../workflows/contracts/problem-trends';
import type { ActivityDeps } from './deps';
import { beat } from './heartbeat';

const TREND_ACTOR = 'system';
/**
 * A claim without a problem older than this belongs to a run that died while opening (the
 * detection activity times out after 15 minutes): another run may take the key over.
 */
const STALE_CLAIM_MS = 20 * 60_000;

export function toReportView(r: TrendReport, dryRun: boolean): TrendReportView {
  const { windowMs, ...rest } = r;
  return { ...rest, window: formatIsoDuration(windowMs), dryRun };
}

export function createProblemTrendActivities(deps: ActivityDeps) {
  const { db } = deps;

  /**
   * Holds the trend key for this run: at most one run opens a problem for a key while that
   * problem is open, whatever runs overlap (the Schedule, an API request). A key is taken
   * over when its problem has ended or its claimant died before opening.
   */
  async function claim(key: string, runId: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    const now = new Date();
    let row = await db.problemTrendClaim.findUnique({ where: { trendKey: key } });
    if (!row) {
      try {
        await db.problemTrendClaim.create({ data: { trendKey: key, runId, claimedAt: now } });
        return { ok: true };
      } catch (e) {
        row = await db.problemTrendClaim.findUnique({ where: { trendKey: key } });
        if (!row) throw e;
      }
    }
    if (row.runId === runId) return { ok: true };
    if (row.problemId) {
      const p = await db.problem.findUnique({ where: { id: row.problemId }, select: { state: true } });
      if (p && isOpen(p.state as ProblemState)) return { ok: false, reason: `${row.problemNumber} holds this trend` };
    } else if (now.getTime() - row.claimedAt.getTime() < STALE_CLAIM_MS) {
      return { ok: false, reason: `another detection (${row.runId}) is opening it` };
    }
    // Compare-and-set on the claim we read: of two runs taking over, one wins.
    const taken = await db.problemTrendClaim.updateMany({
      where: { trendKey: key, runId: row.runId, claimedAt: row.claimedAt },
      data: { runId, problemId: null, problemNumber: null, claimedAt: now },
    });
    return taken.count === 1 ? { ok: true } : { ok: false, reason: 'another detection took it first' };
  }

  /** Records the problem on the claim and tells the problem managers, once per problem. */
  async function settle(key: string, problem: { id: string; number: string; title: string }): Promise<void> {
    await db.problemTrendClaim.updateMany({ where: { trendKey: key }, data: { problemId: problem.id, problemNumber: problem.number } });
    const n = trendNotification(problem.number, problem.title);
    await db.notification.upsert({
      where: { id: `ntf-trend-${problem.id}` },
      create: { id: `ntf-trend-${problem.id}`, recordType: 'problem', recordId: problem.id, ...n },
      update: {},
    });
  }

  return {
    /**
     * Detection over [from, to): a dry run reports what it would open; otherwise each due
     * group is claimed, counted again and opened as a problem with its incidents linked.
     * Idempotent: a retry finds what an earlier attempt opened (its claim carries this run's
     * id) and reports it as opened.
     */
    async detectProblemTrends(input: { runId: string; from: number; to: number; dryRun: boolean; config: ProblemTrendsConfig }): Promise<TrendReportView> {
      const c = input.config;
      const target = { db, temporal: deps.temporal, taskQueue: deps.taskQueue, config: c.problem };

      const open = async (g: DueGroup, o: Opening): Promise<OpenResult> => {
        beat({ opening: g.key });
        const held = await claim(g.key, input.runId);
        if (!held.ok) return { status: 'skipped', reason: held.reason };
        const gi = await o.recount();
        if (gi.incidents.length === 0) {
          await db.problemTrendClaim.deleteMany({ where: { trendKey: g.key, runId: input.runId, problemId: null } });
          return { status: 'skipped', reason: `${gi.total} incidents left once earlier groups took theirs` };
        }
        const title = o.title(gi.total);
        const view = await openProblem(target, TREND_ACTOR, {
          title,
          description: o.description(gi),
          ...(g.kind === 'ci' ? { ciId: g.ref } : g.kind === 'service' ? { serviceId: g.ref } : { category: g.ref }),
          incidentIds: gi.incidents.map((i) => i.id),
          observationMs: c.observationMs,
          trendKey: g.key,
        });
        await settle(g.key, { id: view.id, number: view.number, title });
        deps.log.info('problem opened by trend detection', { problem: view.number, trendKey: g.key, incidents: gi.total, runId: input.runId });
        return { status: 'opened', problem: view.number, total: gi.total, linked: gi.incidents };
      };

      const ownHeld = async (g: TrendGroup): Promise<Found | null> => {
        const row = await db.problemTrendClaim.findUnique({ where: { trendKey: g.key } });
        if (!row || row.runId !== input.runId) return null;
        const problem = await db.problem.findFirst({ where: { trendKey: g.key, state: { notIn: ['closed', 'cancelled'] } }, select: { id: true, number: true, title: true } });
        if (!problem) return null;
        await settle(g.key, problem);
        const links = await db.problemIncident.findMany({ where: { problemId: problem.id }, select: { incidentId: true } });
        const incidents = await db.incident.findMany({ where: { id: { in: links.map((l) => l.incidentId) } }, select: { id: true, number: true }, orderBy: [{ openedAt: 'asc' }, { id: 'asc' }] });
        return { status: 'opened', problem: problem.number, total: incidents.length, linked: incidents };
      };

      const report = await runTrendDetection(
        db,
        { from: input.from, to: input.to, windowMs: c.windowMs, threshold: c.threshold, depth: c.dependencyDepth, maxProblems: c.maxProblems },
        input.dryRun ? wouldOpen : open,
        { progress: (p) => beat(p), ownHeld: input.dryRun ? undefined : ownHeld },
      );
      return toReportView(report, input.dryRun);
    },
  };
}
export type ProblemTrendActivities = ReturnType<typeof createProblemTrendActivities>;
