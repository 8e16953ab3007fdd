/** What-if simulation's contract: workflow type, id and input, for the API and the worker. */
import type { ReplayPolicy } from '../../domain/sla/replay';
import type { SimulationCursor, SimulationTally } from '../../domain/sla/simulation';

export const SLA_SIMULATION_WORKFLOW = 'slaSimulationWorkflow';
/** One workflow per simulation record (SIM0000001). */
export const slaSimulationWorkflowId = (simulationNumber: string) => `sla-simulation-${simulationNumber}`;

export interface SlaSimulationInput {
  simulationId: string;
  slaId: string;
  /** The proposed terms, resolved once by the API (the agreement's current terms with the changes). */
  policy: ReplayPolicy;
  /** [from, to) in epoch ms: incidents of the agreement opened in it. */
  from: number;
  to: number;
  /** The instant both sides are judged at (an open clock past due counts as breached): the request's time. */
  asOf: number;
  batchSize: number;
  /** Pages per run before continuing as new (default 200: each page is a few events and its tally in the history). */
  pagesPerRun?: number;
  /** Where a continued run takes over: the next page and the figures so far. */
  carried?: { cursor: SimulationCursor; tally: SimulationTally };
}

export interface SlaSimulationOutcome {
  processed: number;
  flipsTotal: number;
}
