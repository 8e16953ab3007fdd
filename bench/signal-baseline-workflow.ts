/**
 * The bare baseline of bench/cab.ts: a workflow that keeps the last value signalled to it
 * and answers it by query. Signal → visible-by-query on it is the engine's own round trip,
 * with no activity and no database: the floor a CAB vote's signal → `approved` can be compared with.
 */
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

export const bumpSignal = defineSignal<[number]>('bump');
export const stopSignal = defineSignal('stop');
export const valueQuery = defineQuery<number>('value');

export async function signalBaselineWorkflow(): Promise<number> {
  let value = 0;
  let stop = false;
  setHandler(bumpSignal, (v) => {
    value = v;
  });
  setHandler(stopSignal, () => {
    stop = true;
  });
  setHandler(valueQuery, () => value);
  await condition(() => stop);
  return value;
}
