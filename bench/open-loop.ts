/**
 * Open-loop creation: requests go out at a fixed rate by the wall clock, whether or not the
 * earlier ones have answered, as real callers do. A slow answer cannot slow the offered load
 * (closed-loop benchmarks hide exactly that queueing).
 */
import { performance } from 'node:perf_hooks';
import { dist, round, sleep, type Dist, type Http } from './support';

export interface OpenLoopResult {
  ratePerS: number;
  durationS: number;
  sent: number;
  ok: number;
  failed: number;
  latencyMs: Dist;
  /** From the last request sent to the last answer. */
  answersDrainedS: number;
  /**
   * From the last request sent until every created incident's workflow runs with its SLA timer
   * set (an incident is answered once written; its workflow starts after). Checked after the
   * fact by `settled`, so it includes the check's own time: an upper bound.
   */
  backlogDrainedS: number;
}

export async function runOpenLoop(
  http: Http,
  ratePerS: number,
  durationS: number,
  body: (i: number) => unknown,
  /** Resolves once every one of these workflows runs with its deadline timer set. */
  settled: (workflowIds: string[]) => Promise<void>,
): Promise<OpenLoopResult> {
  const n = Math.round(ratePerS * durationS);
  const lat: number[] = [];
  const workflowIds: string[] = [];
  let failed = 0;
  let lastAnswer = 0;
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / ratePerS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      http('POST', '/api/v1/incidents', body(i)).then((r) => {
        lastAnswer = performance.now();
        if (r.status === 201) {
          lat.push(r.ms);
          workflowIds.push(r.body.workflowId);
        } else failed++;
      }),
    );
  }
  const lastSent = performance.now();
  await Promise.all(inFlight);
  await settled(workflowIds);
  const allSet = performance.now();
  return { ratePerS, durationS, sent: n, ok: lat.length, failed, latencyMs: dist(lat), answersDrainedS: round(Math.max(0, lastAnswer - lastSent) / 1000), backlogDrainedS: round(Math.max(0, allSet - lastSent) / 1000) };
}
