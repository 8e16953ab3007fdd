import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ItsmWorker } from '../../temporal/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { demoUsers, seedGroups, upsertUser } from '../../db/seed';
import { createTestDatabase, type TestDatabase } from './database';
import { startTimeSkippingServer, startWorker } from './temporal';

/** What a record process's workflow test file runs against (set in its beforeAll). */
export interface WorkflowTestBed {
  env: TestWorkflowEnvironment;
  tdb: TestDatabase;
  /** A workflow the test started: terminated after the test if still running. */
  track(handle: WorkflowHandle): void;
}

/**
 * The time-skipping server, a seeded SQLite database (groups and demo users) and the real worker
 * on `taskQueue`, for one workflow test file. What a test leaves running is stopped after it, so
 * a later test's time skips do not drive its timers.
 */
export function workflowTestBed(taskQueue: string): WorkflowTestBed {
  const started: WorkflowHandle[] = [];
  let worker: ItsmWorker | undefined;
  let running: Promise<void> | undefined;
  const bed = { track: (h: WorkflowHandle) => void started.push(h) } as WorkflowTestBed;
  beforeAll(async () => {
    bed.env = await startTimeSkippingServer();
    bed.tdb = await createTestDatabase();
    await seedGroups(bed.tdb.db);
    for (const u of demoUsers()) await upsertUser(bed.tdb.db, u);
    worker = await startWorker(bed.env, bed.tdb.db, taskQueue);
    running = worker.run();
  });
  afterEach(async () => {
    for (const h of started.splice(0)) {
      try {
        if ((await h.describe()).status.name === 'RUNNING') await h.terminate('test finished');
      } catch {
        // already gone
      }
    }
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await bed.tdb?.dispose();
    await bed.env?.teardown();
  });
  return bed;
}

/** What a record's workflow left in the database, as the room tests compare it. */
export function recordTrail(bed: WorkflowTestBed) {
  const actionsOf = async (id: string) => (await bed.tdb.db.auditEvent.findMany({ where: { recordId: id }, orderBy: { seq: 'asc' } })).map((a) => a.action);
  return {
    actionsOf,
    /** The actions recorded, once the worker has written what the skipped time fired (asked again for up to 10 s). */
    async expectActions(id: string, expected: string[]): Promise<void> {
      const until = Date.now() + 10_000;
      while (JSON.stringify(await actionsOf(id)) !== JSON.stringify(expected) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(await actionsOf(id)).toEqual(expected);
    },
    /** Who was told what about the record: [recipient, kind] in id order. */
    toldOf: async (id: string) => (await bed.tdb.db.notification.findMany({ where: { recordId: id }, orderBy: { id: 'asc' } })).map((n) => [n.recipient, n.kind]),
    /** The webhook events the record raised, in id order. */
    eventsOf: async (id: string) => (await bed.tdb.db.outboxEvent.findMany({ where: { recordId: id }, orderBy: { id: 'asc' } })).map((e) => e.type),
  };
}
