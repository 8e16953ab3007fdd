import type { ActivityDeps } from './deps';
import { PROCESSES, type ProcessSlice } from './processes';
import { createTransitionActivities } from './record-transition';

type ActivityFn = (...args: never[]) => Promise<unknown>;

/**
 * The worker's activities: the kernel's transition writer (with every process's stores)
 * plus each process's own. Two activities with one name would make one silently replace
 * the other, so that is refused at start-up.
 */
export function createActivities(deps: ActivityDeps, processes: readonly ProcessSlice[] = PROCESSES): Record<string, ActivityFn> {
  const all: Record<string, ActivityFn> = {};
  const owner = new Map<string, string>();
  const add = (from: string, activities: Record<string, ActivityFn>) => {
    for (const [name, fn] of Object.entries(activities)) {
      const taken = owner.get(name);
      if (taken) throw new Error(`activity '${name}' is defined by both ${taken} and ${from}`);
      owner.set(name, from);
      all[name] = fn;
    }
  };
  add('kernel', createTransitionActivities(deps, processes.flatMap((p) => p.stores ?? [])));
  for (const p of processes) add(p.name, p.activities(deps));
  return all;
}
