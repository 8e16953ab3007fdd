/**
 * The CMDB verification workflow on the time-skipping test server with the real
 * activities on a real (SQLite) database: a run finds all three kinds of discrepancy and
 * opens exactly one incident for drift on a live CI, also when the activity that opens it
 * crashes after opening and is retried, and when the verification runs again.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { WithStartWorkflowOperation, WorkflowFailedError } from '@temporalio/client';
import { createActivities, createSinks } from '../../activities';
import { createCmdbVerificationActivities } from '../../activities/cmdb-verification';
import { createLogger } from '../../infra/logger';
import { newId } from '../../infra/ids';
import { createCi } from '../../db/ci-store';
import { seedGroups } from '../../db/seed';
import { naturalKeyOf } from '../../domain/cmdb/classes';
import type { Discrepancy } from '../../domain/cmdb/verification';
import { incidentCommandUpdates } from '../../workflows/contracts/incident';
import { cmdbVerificationWorkflow } from '../../workflows/cmdb-verification';
import { verificationAcceptedUpdate, type CmdbVerificationConfig, type CmdbVerificationInput } from '../../workflows/contracts/cmdb-verification';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { sharedBundle, startTimeSkippingServer } from '../support/temporal';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const TQ = 'cmdb-verification-wf';

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let worker: Worker;
let running: Promise<void>;
/** Set to make the next openCmdbDriftIncidents attempt "crash" after its side effects. */
let crashNextOpen = false;
let openAttempts = 0;

const config = (o: Partial<CmdbVerificationConfig> = {}): CmdbVerificationConfig => ({
  openIncidents: true,
  incidentStatuses: ['live'],
  incident: { autoCloseMs: 3 * DAY, continueAsNewAfterEvents: 5000, createTimeoutMs: MIN, searchAttributes: false },
  searchAttributes: false,
  ...o,
});

beforeAll(async () => {
  env = await startTimeSkippingServer();
  tdb = await createTestDatabase();
  await seedGroups(tdb.db);
  const deps = { db: tdb.db, temporal: env.client, taskQueue: TQ, webhookTimeoutMs: 2000, log: createLogger('silent') };
  const real = { ...createActivities(deps), ...createCmdbVerificationActivities(deps) };
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TQ,
    workflowBundle: await sharedBundle(),
    // The kernel writes commands' transitions through this sink (record-kernel-v5).
    sinks: createSinks(deps),
    activities: {
      ...real,
      async openCmdbDriftIncidents(input: Parameters<typeof real.openCmdbDriftIncidents>[0]) {
        openAttempts++;
        const result = await real.openCmdbDriftIncidents(input);
        if (crashNextOpen) {
          crashNextOpen = false;
          // The incidents were opened, but the worker dies before recording that: roll the
          // report back to "reserved", as if the last write never happened, and fail.
          const row = await tdb.db.cmdbVerification.findUniqueOrThrow({ where: { id: input.verificationId } });
          const ds = (JSON.parse(row.discrepancies) as Discrepancy[]).map((d) => (d.incident?.status === 'opened' ? { ...d, incident: { ...d.incident, status: 'reserved' as const } } : d));
          await tdb.db.cmdbVerification.update({ where: { id: row.id }, data: { discrepancies: JSON.stringify(ds) } });
          throw ApplicationFailure.retryable('simulated worker crash after opening incidents', 'Crash');
        }
        return result;
      },
    },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await tdb?.dispose();
  await env?.teardown();
});

async function run(input: Partial<CmdbVerificationInput> = {}) {
  const verificationId = input.verificationId ?? newId('ver');
  const handle = await env.client.workflow.start(cmdbVerificationWorkflow, {
    taskQueue: TQ,
    workflowId: `cmdb-verification-${verificationId}`,
    args: [{ verificationId, trigger: 'api', config: config(), ...input }],
  });
  const outcome = await handle.result();
  const row = await tdb.db.cmdbVerification.findUniqueOrThrow({ where: { id: verificationId } });
  return { outcome, row, discrepancies: JSON.parse(row.discrepancies) as Discrepancy[], summary: JSON.parse(row.summary) };
}

const item = (cls: string, name: string, attributes: Record<string, unknown>) => ({ class: cls, name, attributes, naturalKey: naturalKeyOf({ class: cls, name, attributes }) });
const driftIncidents = (ciId: string) => tdb.db.incident.findMany({ where: { ciId, category: 'cmdb_drift' } });

test('without any discovery snapshot a run completes with nothing to compare', async () => {
  const { outcome, row } = await run();
  expect(outcome.status).toBe('completed');
  expect(row).toMatchObject({ status: 'completed', snapshotId: null });
  expect(outcome.summary.note).toMatch(/no discovery snapshot/);
  expect(JSON.parse(row.discrepancies)).toEqual([]);
});

describe('a CMDB with drift, a missing and an unknown server', () => {
  let web: string;
  let app: string;
  let old: string;
  let crm: string;
  let snapshotId: string;

  beforeAll(async () => {
    web = (await createCi(tdb.db, { name: 'Web 1', class: 'server', status: 'live', attributes: { hostname: 'web01', ip: '10.0.0.1', os: 'Ubuntu 22.04' } }, { actor: 'test' })).id;
    app = (await createCi(tdb.db, { name: 'App 2', class: 'server', status: 'maintenance', attributes: { hostname: 'app02', ip: '10.0.0.2', os: 'Ubuntu 22.04' } }, { actor: 'test' })).id;
    old = (await createCi(tdb.db, { name: 'Old 3', class: 'server', status: 'live', attributes: { hostname: 'old03' } }, { actor: 'test' })).id;
    crm = (await createCi(tdb.db, { name: 'CRM', class: 'application', status: 'live', attributes: { version: '1.0' } }, { actor: 'test' })).id;
    snapshotId = newId('snp');
    await tdb.db.discoverySnapshot.create({
      data: {
        id: snapshotId,
        source: 'netscan',
        takenAt: new Date(),
        items: JSON.stringify([
          item('server', 'web01', { hostname: 'web01', ip: '10.0.0.9', os: 'Ubuntu 22.04' }),
          item('server', 'app02', { hostname: 'app02', ip: '10.0.0.2', os: 'Debian 12' }),
          item('server', 'new04', { hostname: 'new04', ip: '10.0.0.4' }),
        ]),
      },
    });
  });

  test('all three kinds are reported; one incident for the live CI, none for the one in maintenance, despite a crash after opening it', async () => {
    crashNextOpen = true;
    openAttempts = 0;
    const verificationId = newId('ver');
    // The API's way in: Update-with-Start answers once the run is recorded.
    const startWorkflowOperation = new WithStartWorkflowOperation(cmdbVerificationWorkflow, {
      workflowId: `cmdb-verification-${verificationId}`,
      taskQueue: TQ,
      args: [{ verificationId, trigger: 'api', config: config() }],
      workflowIdConflictPolicy: 'FAIL',
    });
    const accepted = await env.client.workflow.executeUpdateWithStart(verificationAcceptedUpdate, { args: [], startWorkflowOperation });
    expect(accepted).toMatchObject({ id: verificationId, snapshotId, status: 'running' });
    expect(await tdb.db.cmdbVerification.count({ where: { id: verificationId } })).toBe(1);

    const outcome = await (await startWorkflowOperation.workflowHandle()).result();
    expect(openAttempts).toBe(2); // the crashed attempt and its retry
    expect(outcome).toMatchObject({ id: verificationId, status: 'completed' });
    expect(outcome.summary).toMatchObject({ snapshotId, source: 'netscan', classes: ['server'], observed: 3, recorded: 3, matched: 2, missingInCmdb: 1, missingInReality: 1, attributeDrift: 2, driftedFields: 2, incidentsOpened: 1, incidentsExisting: 0 });

    const row = await tdb.db.cmdbVerification.findUniqueOrThrow({ where: { id: verificationId } });
    expect(row.status).toBe('completed');
    expect(row.finishedAt).not.toBeNull();
    const ds = JSON.parse(row.discrepancies) as Discrepancy[];
    expect(ds.map((d) => [d.kind, d.naturalKey])).toEqual([
      ['missing_in_cmdb', 'server:new04'],
      ['missing_in_reality', 'server:old03'],
      ['attribute_drift', 'server:app02'],
      ['attribute_drift', 'server:web01'],
    ]);
    expect(ds[1].ciId).toBe(old);
    expect(ds.some((d) => d.ciId === crm)).toBe(false); // applications were not scanned
    const webDrift = ds.find((d) => d.ciId === web)!;
    expect(webDrift.fields).toEqual([{ field: 'ip', recorded: '10.0.0.1', observed: '10.0.0.9' }]);
    expect(webDrift.incident).toMatchObject({ status: 'opened', number: expect.stringMatching(/^INC\d{7}$/) });
    expect(ds.find((d) => d.ciId === app)!.incident).toBeUndefined();

    const incidents = await driftIncidents(web);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ id: webDrift.incident!.id, number: webDrift.incident!.number, impact: 'medium', urgency: 'low', priority: 'P4', createdBy: 'system' });
    expect(incidents[0].title).toBe('CMDB drift on ' + (await tdb.db.configurationItem.findUniqueOrThrow({ where: { id: web } })).number + ' Web 1: ip');
    expect(incidents[0].workflowId).toBe(`incident-${incidents[0].number}`);
    expect(await driftIncidents(app)).toHaveLength(0);
    expect(await tdb.db.incident.count()).toBe(1);
    // The incident was created through its workflow, with its audit trail.
    expect((await tdb.db.auditEvent.findMany({ where: { recordId: incidents[0].id } })).map((a) => a.action)).toContain('create');
  });

  test('a second run links the drift to the incident still open instead of opening another', async () => {
    const { outcome, discrepancies } = await run();
    expect(outcome.summary).toMatchObject({ attributeDrift: 2, incidentsOpened: 0, incidentsExisting: 1 });
    const [first] = await driftIncidents(web);
    expect(discrepancies.find((d) => d.ciId === web)!.incident).toEqual({ id: first.id, number: first.number, status: 'existing' });
    expect(await driftIncidents(web)).toHaveLength(1);
  });

  test('once that incident is resolved, the drift opens a new one; maintenance counts when configured; incidents can be switched off', async () => {
    const [open] = await driftIncidents(web);
    await env.client.workflow
      .getHandle(open.workflowId)
      .executeUpdate(incidentCommandUpdates.resolve, { args: [{ actor: 'usr-agent', body: { code: 'fixed', notes: 'CMDB corrected' } }] });
    const next = await run({ config: config({ incidentStatuses: ['live', 'maintenance'] }) });
    expect(next.outcome.summary).toMatchObject({ incidentsOpened: 2, incidentsExisting: 0 });
    expect(await driftIncidents(web)).toHaveLength(2);
    expect(await driftIncidents(app)).toHaveLength(1);

    const before = await tdb.db.incident.count();
    const off = await run({ config: config({ openIncidents: false }) });
    expect(off.outcome.summary).toMatchObject({ attributeDrift: 2, incidentsOpened: 0, incidentsExisting: 0 });
    expect(await tdb.db.incident.count()).toBe(before);
  });

  test('a named snapshot that does not exist fails the run before it is recorded', async () => {
    const verificationId = newId('ver');
    const handle = await env.client.workflow.start(cmdbVerificationWorkflow, {
      taskQueue: TQ,
      workflowId: `cmdb-verification-${verificationId}`,
      args: [{ verificationId, snapshotId: 'snp_missing', trigger: 'api', config: config() }],
    });
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(await tdb.db.cmdbVerification.count({ where: { id: verificationId } })).toBe(0);
  });
});
