/**
 * The engine's floor for a record process: a workflow that does nothing but answer Updates
 * (no activity, no database). bench/bare.ts measures a bare Update, a bare update-with-start
 * and the floor lifecycle (one update-with-start plus four Updates) against it.
 */
import { allHandlersFinished, condition, defineUpdate, setHandler } from '@temporalio/workflow';

/** Adds its argument; 0 also ends the workflow. */
export const bareUpdate = defineUpdate<number, [number]>('bump');

export async function bareWorkflow(): Promise<number> {
  let n = 0;
  let done = false;
  // An Update of 0 is the last command (as `close` ends an incident).
  setHandler(bareUpdate, (by) => {
    if (by === 0) done = true;
    return (n += by);
  });
  await condition(() => done);
  await condition(allHandlersFinished);
  return n;
}
