/**
 * The bare phases of `npm run bench`: what the engine alone costs on this server, client and
 * process, so the product's figures can be given as ratios to it.
 */
import { performance } from 'node:perf_hooks';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { Bench } from './support';
import { benchWorker, dist, pool, round, type Dist } from './support';
import { bareUpdate } from './bare-workflow';

export interface BareResult {
  updateMs: Dist;
  /** One bare Update on each of the started workflows in turn, as the product's sequential commands reach their incidents. */
  updateSpreadMs: Dist;
  updateWithStartMs: Dist;
  floorLifecyclesPerS: number;
  floorLifecycles: number;
}

export async function runBare(b: Bench, opts: { sequential: number; lifecycles: number; conc: number }): Promise<BareResult> {
  const taskQueue = `bench-bare-${process.pid}`;
  const worker = await benchWorker(b, taskQueue, require.resolve('./bare-workflow'));
  const client = b.env.client;
  let k = 0;
  const start = () => {
    const workflowId = `bare-${process.pid}-${k++}`;
    return new WithStartWorkflowOperation('bareWorkflow', { workflowId, taskQueue, workflowIdConflictPolicy: 'FAIL' });
  };
  const finish = (workflowId: string) => client.workflow.getHandle(workflowId).executeUpdate(bareUpdate, { args: [0] });
  try {
    // Sequential update-with-start, then sequential bare Updates on one running workflow.
    const uws: number[] = [];
    const started: string[] = [];
    for (let i = 0; i < opts.sequential; i++) {
      const op = start();
      const t = performance.now();
      await client.workflow.executeUpdateWithStart(bareUpdate, { args: [1], startWorkflowOperation: op });
      uws.push(performance.now() - t);
      started.push((await op.workflowHandle()).workflowId);
    }
    const target = client.workflow.getHandle(started[0]);
    const upd: number[] = [];
    for (let i = 0; i < opts.sequential; i++) {
      const t = performance.now();
      await target.executeUpdate(bareUpdate, { args: [1] });
      upd.push(performance.now() - t);
    }
    const spread: number[] = [];
    for (const id of started) {
      const t = performance.now();
      await client.workflow.getHandle(id).executeUpdate(bareUpdate, { args: [1] });
      spread.push(performance.now() - t);
    }
    await pool(started, 8, async (id) => void (await finish(id)));

    // The floor lifecycle: create + four commands (the last ends it), `conc` in flight, as the incident lifecycle.
    const t0 = performance.now();
    await pool(
      Array.from({ length: opts.lifecycles }, (_, i) => i),
      opts.conc,
      async () => {
        const op = start();
        await client.workflow.executeUpdateWithStart(bareUpdate, { args: [1], startWorkflowOperation: op });
        const h = await op.workflowHandle();
        for (let j = 0; j < 3; j++) await h.executeUpdate(bareUpdate, { args: [1] });
        await finish(h.workflowId);
      },
    );
    const wallS = (performance.now() - t0) / 1000;
    return { updateMs: dist(upd), updateSpreadMs: dist(spread), updateWithStartMs: dist(uws), floorLifecycles: opts.lifecycles, floorLifecyclesPerS: round(opts.lifecycles / wallS) };
  } finally {
    await worker.stop();
  }
}
