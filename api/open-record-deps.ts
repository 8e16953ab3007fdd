import type { OpenRecordDeps } from '../temporal/open-record';
import type { ApiDeps } from './route';

/** What a room opened from the API needs: the database, the engine, the task queue and the kernel's settings. */
export const openRecordDeps = (deps: ApiDeps): OpenRecordDeps => ({
  db: deps.db,
  temporal: deps.temporal,
  taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
  config: { continueAsNewAfterEvents: deps.env.CONTINUE_AS_NEW_AFTER_EVENTS, createTimeoutMs: 60_000, searchAttributes: deps.searchAttributes !== false },
});
