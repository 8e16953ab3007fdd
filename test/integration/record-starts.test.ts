/**
 * Incidents answered before their workflow runs (temporal/open-incident.ts recordIncident):
 * the row, the first audit entry, the events and a RecordStart row in one transaction; the
 * workflow started from it and adopting it; a lost start made by the first command or by a
 * worker's sweep; nothing written twice. Real dev server, real databases.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { createLogger } from '../../infra/logger';
import { UnstorableIncident, incidentConfigFromEnv, recordIncident, reserveIncident } from '../../temporal/open-incident';
import { sweepRecordStarts, toStartedRecord } from '../../temporal/record-starts';
import { getIncidentQuery, incidentCommandUpdates, incidentWorkflowId } from '../../workflows/contracts/incident';
import { onIncidentWorkflow } from '../../temporal/incident-commands';
import { RecordState } from '../../workflows/contracts/search-attributes';
import { PROVIDERS } from '../support/database';
import { eventually } from '../support/stack';
import { useDevServer, useStack } from '../support/stack-bed';

const server = useDevServer();

describe.each(PROVIDERS)('incidents written before their workflow on %s', (provider) => {
  const s = useStack(provider, server, { allowPrivateWebhooks: true });
  /** A client of a namespace the server does not have: every start through it is lost. */
  let lost: Client;
  beforeAll(async () => {
    lost = new Client({ connection: await Connection.connect({ address: server.env.address }), namespace: 'no-such-namespace' });
  });
  afterAll(async () => {
    await lost?.connection.close();
  });

  const config = () => incidentConfigFromEnv({ AUTO_CLOSE_AFTER: 'P5D', CONTINUE_AS_NEW_AFTER_EVENTS: 2000 });
  /** An incident recorded with its start lost, as if the API died right after answering. */
  const recordedWithLostStart = async (title: string) => {
    const reservation = await reserveIncident(s.tdb.db);
    const view = await recordIncident({ db: s.tdb.db, temporal: lost, taskQueue: s.taskQueue, config: config(), log: createLogger('error') }, reservation, 'usr-agent', { title, type: 'incident', impact: 'low', urgency: 'low' });
    expect(view).toMatchObject({ number: reservation.number, state: 'new' });
    // The API's own start went to a namespace that does not exist: the row stays.
    await eventually(async () => ((await s.tdb.db.recordStart.count({ where: { recordId: reservation.id } })) === 1 ? true : undefined), 5_000, 'the start row');
    return reservation;
  };

  test('POST answers with the stored incident; its workflow starts from it, adopts the first transition and hands its events on', async () => {
    const sub = await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url: 'http://127.0.0.1:9/hook', events: ['incident.created'], secret: 'a-secret-of-16-chars' } });
    expect(sub.status).toBe(201);
    const created = await s.api('POST', '/api/v1/incidents', { token: 'dev-agent', body: { title: 'Printer on fire', impact: 'high', urgency: 'high' } });
    expect(created.status).toBe(201);
    const { id, number } = created.body;
    const handle = s.env.client.workflow.getHandle(incidentWorkflowId(number));
    // Started by the API right after answering, with what the row says, and the row's start forgotten.
    const described = await eventually(() => handle.describe().catch(() => undefined), 10_000, 'the workflow');
    expect(described.status.name).toBe('RUNNING');
    expect(described.typedSearchAttributes.get(RecordState)).toBe('new');
    await eventually(async () => ((await s.tdb.db.recordStart.count({ where: { recordId: id } })) === 0 ? true : undefined), 10_000, 'the start row removed');
    expect(await handle.query(getIncidentQuery)).toMatchObject({ id, number, state: 'new', priority: 'P1' });
    // The first transition written once, by the API; the created event handed to delivery by the workflow.
    expect(await s.tdb.db.auditEvent.findMany({ where: { recordId: id }, select: { seq: true, action: true } })).toEqual([{ seq: 1, action: 'create' }]);
    await eventually(async () => (await s.tdb.db.outboxEvent.findUnique({ where: { id: `evt-${id}-1-0` } }))?.dispatchedAt ?? undefined, 10_000, 'incident.created dispatched');
    expect(await s.tdb.db.webhookDelivery.findMany({ where: { subscriptionId: sub.body.id }, select: { eventId: true } })).toContainEqual({ eventId: `evt-${id}-1-0` });
    // Commands go on from sequence 2.
    const assigned = await s.api('POST', `/api/v1/incidents/${number}/assign`, { token: 'dev-agent', body: { group: 'service-desk' } });
    expect(assigned.status).toBe(200);
    expect(await s.tdb.db.auditEvent.findMany({ where: { recordId: id }, select: { seq: true, action: true }, orderBy: { seq: 'asc' } })).toEqual([
      { seq: 1, action: 'create' },
      { seq: 2, action: 'assign' },
    ]);
    await s.api('DELETE', `/api/v1/webhooks/${sub.body.id}`, { token: 'dev-admin' });
  });

  test('a command that reaches an incident whose start was lost starts its workflow and is applied', async () => {
    const r = await recordedWithLostStart('Lost start, then a command');
    await expect(s.env.client.workflow.getHandle(incidentWorkflowId(r.number)).describe()).rejects.toThrow();
    const got = await s.api('GET', `/api/v1/incidents/${r.number}`, { token: 'dev-agent' });
    expect(got.body).toMatchObject({ number: r.number, state: 'new' });
    const assigned = await s.api('POST', `/api/v1/incidents/${r.number}/assign`, { token: 'dev-agent', body: { group: 'service-desk' } });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ state: 'assigned', assignmentGroup: 'service-desk' });
    expect(await s.tdb.db.recordStart.count({ where: { recordId: r.id } })).toBe(0);
    expect((await s.tdb.db.auditEvent.findMany({ where: { recordId: r.id }, select: { seq: true }, orderBy: { seq: 'asc' } })).map((a) => a.seq)).toEqual([1, 2]);
  });

  test('another process telling an incident whose start was lost (a problem, an alert, a continuity run) starts it too', async () => {
    const r = await recordedWithLostStart('Lost start, then a note from another process');
    const outcome = await onIncidentWorkflow({ db: s.tdb.db, temporal: s.env.client }, incidentWorkflowId(r.number), (h) =>
      h.executeUpdate(incidentCommandUpdates.notes, { args: [{ actor: 'system', body: { text: 'from the monitoring system', visibility: 'internal' } }] }),
    );
    expect(outcome).toBe('applied');
    expect((await s.tdb.db.auditEvent.findMany({ where: { recordId: r.id }, select: { action: true }, orderBy: { seq: 'asc' } })).map((a) => a.action)).toEqual(['create', 'notes']);
    // No such record at all: still 'ended', as before.
    expect(await onIncidentWorkflow({ db: s.tdb.db, temporal: s.env.client }, 'incident-INC0000000', (h) => h.query(getIncidentQuery))).toBe('ended');
  });

  test('data no database can store, should it reach the opening another way, is refused before anything is written', async () => {
    const reservation = await reserveIncident(s.tdb.db);
    await expect(
      recordIncident({ db: s.tdb.db, temporal: s.env.client, taskQueue: s.taskQueue, config: config(), log: createLogger('error') }, reservation, 'usr-agent', { title: 'x\ud800y', type: 'incident', impact: 'low', urgency: 'low' }),
    ).rejects.toBeInstanceOf(UnstorableIncident);
    expect([await s.tdb.db.incident.count({ where: { id: reservation.id } }), await s.tdb.db.recordStart.count({ where: { recordId: reservation.id } }), await s.tdb.db.auditEvent.count({ where: { recordId: reservation.id } })]).toEqual([0, 0, 0]);
  });

  test('a message that missed a workflow started meanwhile by someone else (its start row already gone) is sent again, not refused', async () => {
    const r = await recordedWithLostStart('Started between the message and the look');
    const workflowId = incidentWorkflowId(r.number);
    const handle = s.env.client.workflow.getHandle(workflowId);
    let sends = 0;
    const view = await toStartedRecord({ db: s.tdb.db, temporal: s.env.client }, workflowId, async () => {
      sends++;
      // The first send misses the workflow; before the look, another caller starts it and removes the row.
      if (sends === 1) {
        const missed = await s.env.client.workflow.getHandle(workflowId).describe().catch((e: unknown) => e);
        expect(missed).toBeInstanceOf(WorkflowNotFoundError);
        expect(await sweepRecordStarts({ db: s.tdb.db, temporal: s.env.client }, 0)).toBeGreaterThanOrEqual(1);
        throw missed;
      }
      return handle.executeUpdate(incidentCommandUpdates.notes, { args: [{ actor: 'usr-agent', body: { text: 'got through', visibility: 'internal' } }] });
    });
    expect([sends, view.number]).toEqual([2, r.number]);
    // A workflow that is not there at all is still not found after the second look.
    await expect(toStartedRecord({ db: s.tdb.db, temporal: s.env.client }, 'incident-INC0000000', () => s.env.client.workflow.getHandle('incident-INC0000000').describe())).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  test("a worker's sweep starts what nobody started; a second sweep and a repeated start change nothing", async () => {
    const r = await recordedWithLostStart('Lost start, then the sweep');
    const row = await s.tdb.db.recordStart.findFirstOrThrow({ where: { recordId: r.id } });
    // Too recent for the sweep's grace: left to the API, which may still be starting it.
    expect(await sweepRecordStarts({ db: s.tdb.db, temporal: s.env.client }, 60_000)).toBe(0);
    expect(await sweepRecordStarts({ db: s.tdb.db, temporal: s.env.client }, 0)).toBeGreaterThanOrEqual(1);
    const handle = s.env.client.workflow.getHandle(incidentWorkflowId(r.number));
    expect(await handle.query(getIncidentQuery)).toMatchObject({ number: r.number, state: 'new' });
    const runId = (await handle.describe()).runId;
    // The same start again (a sweep racing the API): no second run, nothing written.
    await s.tdb.db.recordStart.create({ data: { ...row, createdAt: new Date(0) } });
    expect(await sweepRecordStarts({ db: s.tdb.db, temporal: s.env.client }, 0)).toBe(1);
    expect((await handle.describe()).runId).toBe(runId);
    expect(await s.tdb.db.recordStart.count({ where: { recordId: r.id } })).toBe(0);
    expect(await s.tdb.db.auditEvent.count({ where: { recordId: r.id } })).toBe(1);
  });

});
