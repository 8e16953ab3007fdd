/**
 * record-kernel-v3 on the dev server (the time-skipping server has no custom search
 * attributes): a transition upserts the record's search attributes only when they change.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ItsmWorker } from '../../temporal/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { incidentWorkflow } from '../../workflows/incident';
import { createIncidentUpdate, incidentCommandUpdates } from '../../workflows/contracts/incident';
import * as SA from '../../workflows/contracts/search-attributes';
import { seedGroups } from '../../db/seed';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startDevServer, startWorker } from '../support/temporal';
import type { CreateIncidentBody } from '../../domain/schemas/incident';

const TQ = 'record-kernel-v3';
let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let worker: ItsmWorker;
let running: Promise<void>;

beforeAll(async () => {
  env = await startDevServer();
  tdb = await createTestDatabase();
  await seedGroups(tdb.db);
  worker = await startWorker(env, tdb.db, TQ);
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await tdb?.dispose();
  await env?.teardown();
});

/** The record's own attributes (not TemporalChangeVersion, which patch markers upsert) in each upsert, in order. */
async function recordStates(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events
    .map((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[SA.RecordState.name])
    .filter((p) => p !== undefined)
    .map((p) => JSON.parse(Buffer.from(p!.data!).toString()) as string);
}

test('a transition that leaves the search attributes as they were upserts nothing; a state change upserts', async () => {
  const handle = await env.client.workflow.start(incidentWorkflow, {
    taskQueue: TQ,
    workflowId: `incident-kernel-v3-${Date.now()}`,
    args: [{ id: 'inc-v3', number: 'INC9000001', config: { autoCloseMs: 60_000, continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: true } }],
  });
  const command = (name: 'notes' | 'assign' | 'acknowledge', body: object) =>
    handle.executeUpdate(incidentCommandUpdates[name] as typeof incidentCommandUpdates.assign, { args: [{ actor: 'agent', body: body as never }] });
  await handle.executeUpdate(createIncidentUpdate, {
    args: [{ actor: 'tester', body: { title: 'v3', type: 'incident', impact: 'low', urgency: 'low', serviceId: 'svc-std' } as CreateIncidentBody }],
  });
  expect(await recordStates(handle)).toEqual(['new']);
  await command('notes', { text: 'looking' });
  expect(await recordStates(handle)).toEqual(['new']);
  await command('assign', { group: 'service-desk', assignee: 'usr-agent' });
  await command('notes', { text: 'still looking' });
  await command('acknowledge', {});
  expect(await recordStates(handle)).toEqual(['new', 'assigned', 'in_progress']);
  await handle.terminate('done');
});
