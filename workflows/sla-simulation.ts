import { ActivityFailure, continueAsNew, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { SlaSimulationActivities } from '../activities/sla-simulation';
import { emptyTally, FLIPS_CAP, mergeTallies, simulationResult } from '../domain/sla/simulation';
import type { SlaSimulationInput, SlaSimulationOutcome } from './contracts/sla-simulation';

/**
 * A page is a few hundred incidents read and replayed: seconds at most. The heartbeat notices a
 * dead worker within a minute; a few attempts with backoff ride out a database hiccup. A page
 * only reads, and writes its row's progress as an absolute count, so a retry is harmless.
 */
const simulation = proxyActivities<SlaSimulationActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

const PAGES_PER_RUN = 200;

/**
 * What-if simulation of an agreement's terms over a period's incidents (services/sla-simulation.ts
 * has the period and the terms): page by page, each incident's recorded clock against its clock
 * replayed under the proposed terms, progress written to the simulation's row after every page,
 * the figures written once at the end. Nothing but that row is written.
 */
export async function slaSimulationWorkflow(input: SlaSimulationInput): Promise<SlaSimulationOutcome> {
  const scope = { simulationId: input.simulationId, slaId: input.slaId, from: input.from, to: input.to };
  let tally = input.carried?.tally ?? emptyTally();
  let cursor = input.carried?.cursor ?? null;
  try {
    if (!input.carried) await simulation.countSimulationPeriod(scope);
    for (let pages = 0; ; pages++) {
      if (cursor && pages >= (input.pagesPerRun ?? PAGES_PER_RUN)) {
        return await continueAsNew<typeof slaSimulationWorkflow>({ ...input, carried: { cursor, tally } });
      }
      const page = await simulation.simulateSlaBatch({ ...scope, policy: input.policy, asOf: input.asOf, after: cursor, limit: input.batchSize, processedBefore: tally.processed, flipsWanted: FLIPS_CAP - tally.flips.length });
      tally = mergeTallies(tally, page.tally);
      if (!page.next) break;
      cursor = page.next;
    }
  } catch (e) {
    if (isCancellation(e) || !(e instanceof ActivityFailure)) throw e;
    await simulation.finishSimulation({ simulationId: input.simulationId, error: e.cause?.message ?? e.message });
    throw e;
  }
  await simulation.finishSimulation({ simulationId: input.simulationId, result: simulationResult(tally) });
  return { processed: tally.processed, flipsTotal: tally.flipsTotal };
}
