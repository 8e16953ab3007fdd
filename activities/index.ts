import { ApplicationFailure } from '@temporalio/common';
import { CORRUPT_RECORD_FAILURE, CorruptRecordError } from '../db/record-store';
import type { ActivityDeps } from './deps';
import { PROCESSES, type ProcessSlice } from './processes';
import type { InjectedSinks } from '@temporalio/worker';
import { createTransitionActivities, createTransitionSinks, type TransitionSinks } from './record-transition';

type ActivityFn = (...args: never[]) => Promise<unknown>;

/**
 * Stored data that fails its schema fails every retry the same way: retrying would only hang
 * the workflow. Such a read becomes a non-retryable failure naming the record and the field.
 */
function failOnCorruptRecord(fn: ActivityFn): ActivityFn {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (e) {
      if (!(e instanceof CorruptRecordError)) throw e;
      throw ApplicationFailure.create({
        type: CORRUPT_RECORD_FAILURE,
        message: e.message,
        nonRetryable: true,
        details: [{ recordType: e.recordType, recordId: e.recordId, field: e.field }],
        cause: e,
      });
    }
  };
}

/**
 * The worker's activities: the kernel's transition writer (with every process's stores)
 * plus each process's own. Two activities with one name would make one silently replace
 * the other, so that is refused at start-up. Every one fails without retries on a corrupt record.
 */
export function createActivities(deps: ActivityDeps, processes: readonly ProcessSlice[] = PROCESSES): Record<string, ActivityFn> {
  const all: Record<string, ActivityFn> = {};
  const owner = new Map<string, string>();
  const add = (from: string, activities: Record<string, ActivityFn>) => {
    for (const [name, fn] of Object.entries(activities)) {
      const taken = owner.get(name);
      if (taken) throw new Error(`activity '${name}' is defined by both ${taken} and ${from}`);
      owner.set(name, from);
      all[name] = failOnCorruptRecord(fn);
    }
  };
  add('kernel', createTransitionActivities(deps, processes.flatMap((p) => p.stores ?? [])));
  for (const p of processes) add(p.name, p.activities(deps));
  return all;
}

/** The worker's sinks: the kernel's transition write (record-kernel-v5), with every process's stores. */
export function createSinks(deps: ActivityDeps, processes: readonly ProcessSlice[] = PROCESSES): InjectedSinks<TransitionSinks> {
  return createTransitionSinks(deps, processes.flatMap((p) => p.stores ?? []));
}
