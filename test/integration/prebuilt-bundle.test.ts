/**
 * The image's worker starts from the prebuilt workflow bundle (`npm run build` writes it;
 * compose sets WORKFLOW_BUNDLE_PATH): the file scripts/build-workflow-bundle.ts writes must run
 * the product's workflows as the bundling at start does. One incident is opened through it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { writeWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { createWorker, type ItsmWorker } from '../../temporal/worker';
import { incidentConfigFromEnv, openIncident, reserveIncident } from '../../temporal/open-incident';
import { CreateIncidentBody } from '../../domain/schemas/incident';
import { createLogger } from '../../infra/logger';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startDevServer } from '../support/temporal';

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
const dir = mkdtempSync(path.join(os.tmpdir(), 'itsm-bundle-'));
beforeAll(async () => {
  env = await startDevServer();
  tdb = await createTestDatabase('sqlite');
});
afterAll(async () => {
  await tdb?.dispose();
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

test('a worker created with the bundle file runs an incident workflow', async () => {
  const file = path.join(dir, 'workflow-bundle.js');
  const bytes = await writeWorkflowBundle(file);
  expect(statSync(file).size).toBe(bytes);
  const taskQueue = `prebuilt-${process.pid}`;
  const worker: ItsmWorker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, client: env.client, db: tdb.db, log: createLogger('silent'), workflowBundle: { codePath: file } });
  const view = await worker.runUntil(async () => {
    const deps = { db: tdb.db, temporal: env.client, taskQueue, config: incidentConfigFromEnv({ AUTO_CLOSE_AFTER: 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000 }) };
    return openIncident(deps, await reserveIncident(tdb.db), 'usr-agent', CreateIncidentBody.parse({ title: 'From the prebuilt bundle', impact: 'low', urgency: 'low' }));
  });
  expect([view.state, view.title]).toEqual(['new', 'From the prebuilt bundle']);
  // Both of its workers, the records' and the webhook deliveries', stopped once the work was done.
  expect([worker.records.getState(), worker.deliveries.getState()]).toEqual(['STOPPED', 'STOPPED']);
  expect((await tdb.db.incident.findUniqueOrThrow({ where: { id: view.id } })).state).toBe('new');
});
