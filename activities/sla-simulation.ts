import type { ActivityDeps } from './deps';
import { beat } from './heartbeat';
import { countPeriod, simulatePage, type SimulationScope } from '../services/sla-simulation';
import type { SimulationCursor, SimulationResult } from '../domain/sla/simulation';
import type { ReplayPolicy } from '../domain/sla/replay';

/**
 * What-if simulation (workflows/sla-simulation.ts). Each activity reads incidents and writes
 * only its simulation's row, with absolute values (a total, a count processed so far, the
 * result), so a retried attempt writes the same thing again.
 */
export function createSlaSimulationActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    async countSimulationPeriod(input: SimulationScope & { simulationId: string }): Promise<number> {
      const total = await countPeriod(db, input);
      await db.slaSimulation.update({ where: { id: input.simulationId }, data: { total } });
      return total;
    },

    /** One page replayed under the proposed terms; `flipsWanted`: how many flips the caller still lists. */
    async simulateSlaBatch(input: SimulationScope & { simulationId: string; policy: ReplayPolicy; asOf: number; after: SimulationCursor | null; limit: number; processedBefore: number; flipsWanted: number }) {
      beat({ after: input.after });
      const page = await simulatePage(db, input, { after: input.after, limit: input.limit, policy: input.policy, asOf: input.asOf });
      beat({ after: page.next });
      // Only while running: a late retry of a page leaves a finished simulation as it ended.
      await db.slaSimulation.updateMany({ where: { id: input.simulationId, status: 'running' }, data: { processed: input.processedBefore + page.tally.processed } });
      return { tally: { ...page.tally, flips: page.tally.flips.slice(0, Math.max(0, input.flipsWanted)) }, next: page.next };
    },

    /** The outcome, once: a simulation already finished keeps what it has. */
    async finishSimulation(input: { simulationId: string; result: SimulationResult } | { simulationId: string; error: string }): Promise<void> {
      const done = 'result' in input ? { status: 'completed', result: JSON.stringify(input.result) } : { status: 'failed', error: input.error.slice(0, 2000) };
      await db.slaSimulation.updateMany({ where: { id: input.simulationId, status: 'running' }, data: { ...done, finishedAt: new Date() } });
    },
  };
}

export type SlaSimulationActivities = ReturnType<typeof createSlaSimulationActivities>;
