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
  /** From the last request sent to the last answer: creation persists the record and starts its workflow before it answers. */
  backlogDrainedS: number;
}

export async function runOpenLoop(http: Http, ratePerS: number, durationS: number, body: (i: number) => unknown): Promise<OpenLoopResult> {
  const n = Math.round(ratePerS * durationS);
  const lat: number[] = [];
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
        if (r.status === 201) lat.push(r.ms);
        else failed++;
      }),
    );
  }
  const lastSent = performance.now();
  await Promise.all(inFlight);
  return { ratePerS, durationS, sent: n, ok: lat.length, failed, latencyMs: dist(lat), backlogDrainedS: round(Math.max(0, lastAnswer - lastSent) / 1000) };
}
