/**
 * The bare baseline of bench/run.ts: one workflow, one trivial activity, nothing else.
 * Its throughput is the ceiling any incident lifecycle on the same server can be compared with.
 */
import { proxyActivities } from '@temporalio/workflow';

export interface BaselineActivities {
  touch(input: { n: number }): Promise<number>;
}

const { touch } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '10s' });

export async function baselineWorkflow(n: number): Promise<number> {
  return touch({ n });
}
