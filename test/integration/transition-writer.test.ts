/**
 * The transition writer against a real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL
 * is set). A local activity commits before its workflow task completes: when the worker dies or
 * the server goes away in between, the database holds a transition the workflow's history does
 * not, and the workflow, replaying, does something else at that sequence number. Found by the
 * fault suite (test/faults): the history must win, with nothing of the unrecorded transition
 * left behind, while a genuine retry of the same transition still writes nothing twice.
 */
import type { Client } from '@temporalio/client';
import { createTransitionActivities, type TransitionWrite } from '../../activities/record-transition';
import Database from 'better-sqlite3';
import { sqliteFilePath } from '../../db/client';
import { incidentStore } from '../../db/incident-store';
import { startAgreementClock } from '../../domain/sla/agreement-clocks';
import { newIncident } from '../../domain/incident/lifecycle';
import type { IncidentSnapshot } from '../../domain/incident/snapshot';
import { DEFAULT_TARGETS, escalationRulesWithDefaults, type SlaPolicy } from '../../domain/sla/policy';
import { createLogger } from '../../infra/logger';
import { PROVIDERS, createTestDatabase, type TestDatabase } from '../support/database';

const T0 = Date.parse('2026-12-03T10:00:00Z');
const policy: SlaPolicy = { slaId: 'sla-1', name: 'Default', calendar: '24x7', targets: DEFAULT_TARGETS, escalation: escalationRulesWithDefaults(undefined), pauseOn: ['awaiting_caller'] };

describe.each(PROVIDERS)('the transition writer on %s', (provider) => {
  let tdb: TestDatabase;
  let writes: ReturnType<typeof createTransitionActivities>;
  beforeAll(async () => {
    tdb = await createTestDatabase(provider);
    // No webhook subscriptions exist, so nothing is dispatched and the engine is never called.
    writes = createTransitionActivities({ db: tdb.db, temporal: {} as Client, taskQueue: 'unused', webhookTimeoutMs: 1000, log: createLogger('silent') }, [incidentStore]);
  });
  afterAll(async () => {
    await tdb?.dispose();
  });

  let n = 0;
  function incident(): IncidentSnapshot {
    n++;
    const ids = { id: `inc_writer${n}`, number: `INC90000${n}`, workflowId: `incident-INC90000${n}` };
    return newIncident(ids, 'usr-agent', { title: `Writer ${n}`, type: 'incident', impact: 'high', urgency: 'high' }, policy, undefined, T0).snapshot;
  }
  const write = (s: IncidentSnapshot, seq: number, action: string, data: Record<string, unknown>, over: Partial<TransitionWrite> = {}) =>
    writes.recordTransition({ recordType: 'incident', recordId: s.id, seq, at: T0 + seq * 1000, actor: 'usr-agent', action, from: seq === 1 ? null : s.state, to: s.state, data, snapshot: s, events: [], notifications: [], ...over });
  const trail = async (id: string) => (await tdb.db.auditEvent.findMany({ where: { recordId: id }, orderBy: { seq: 'asc' } })).map((a) => [a.seq, a.action, JSON.parse(a.data)]);

  test('a retry of the same transition writes nothing twice', async () => {
    const s = incident();
    await write(s, 1, 'create', {});
    await write(s, 2, 'notes', { text: 'once' });
    await write(s, 2, 'notes', { text: 'once' }, { at: T0 + 99_000 });
    expect(await trail(s.id)).toEqual([[1, 'create', {}], [2, 'notes', { text: 'once' }]]);
    expect((await tdb.db.incident.findUniqueOrThrow({ where: { id: s.id } })).version).toBe(2);
  });

  test('minutes logged with a transition are written once; the same command with other minutes at that sequence number is a transition the history did not record', async () => {
    const s = incident();
    await write(s, 1, 'create', {});
    await write(s, 2, 'notes', { text: 'worked' }, { timeSpent: 30 });
    await write(s, 2, 'notes', { text: 'worked' }, { timeSpent: 30, at: T0 + 99_000 });
    const minutes = async () => (await tdb.db.auditEvent.findMany({ where: { recordId: s.id }, orderBy: { seq: 'asc' } })).map((a) => [a.seq, a.timeSpent]);
    expect(await minutes()).toEqual([[1, null], [2, 30]]);
    // Replayed, the workflow logged other minutes with that note (or none): the history's own is kept.
    await write(s, 2, 'notes', { text: 'worked' }, { timeSpent: 45 });
    expect(await minutes()).toEqual([[1, null], [2, 45]]);
    await write(s, 2, 'notes', { text: 'worked' });
    expect(await minutes()).toEqual([[1, null], [2, null]]);
  });

  test('a transition the history never recorded gives way to the one it did, with everything written after it', async () => {
    const s = incident();
    await write(s, 1, 'create', {}, { events: [{ type: 'incident.created', data: {} }] });
    // The lost workflow task: two notes and an assignment, committed, never in the history.
    await write(s, 2, 'notes', { text: 'unrecorded A' }, { events: [{ type: 'incident.noted', data: {} }], notifications: [{ recipient: 'group:service-desk', kind: 'note', message: 'A' }] });
    await write(s, 3, 'notes', { text: 'unrecorded B' });
    await write({ ...s, assignmentGroup: 'ghosts', state: 'assigned' }, 4, 'assign', { group: 'ghosts' }, { to: 'assigned' });
    // Replayed, the workflow's second transition was another note (same action, other data).
    await write(s, 2, 'notes', { text: 'recorded' });
    expect(await trail(s.id)).toEqual([[1, 'create', {}], [2, 'notes', { text: 'recorded' }]]);
    const row = await tdb.db.incident.findUniqueOrThrow({ where: { id: s.id } });
    expect([row.version, row.state, row.assignmentGroup]).toEqual([2, 'new', null]);
    expect((await tdb.db.outboxEvent.findMany({ where: { recordId: s.id } })).map((e) => e.type)).toEqual(['incident.created']);
    expect(await tdb.db.notification.count({ where: { recordId: s.id } })).toBe(0);
    // And the history goes on from there as usual.
    await write({ ...s, state: 'assigned', assignmentGroup: 'service-desk' }, 3, 'sla_response_breached', {}, { actor: 'system', to: 'assigned' });
    expect((await trail(s.id)).map(([seq, action]) => [seq, action])).toEqual([[1, 'create'], [2, 'notes'], [3, 'sla_response_breached']]);
    expect((await tdb.db.incident.findUniqueOrThrow({ where: { id: s.id } })).assignmentGroup).toBe('service-desk');
  });

  test('a different action at the same sequence number no longer fails the workflow: the timer that fired replaces the lost command', async () => {
    const s = incident();
    await write(s, 1, 'create', {});
    await write(s, 2, 'notes', { text: 'lost with its workflow task' });
    await expect(write({ ...s, state: 'assigned', assignmentGroup: 'service-desk' }, 2, 'sla_response_breached', {}, { actor: 'system', to: 'assigned' })).resolves.toEqual({ eventIds: [] });
    expect((await trail(s.id)).map(([seq, action]) => [seq, action])).toEqual([[1, 'create'], [2, 'sla_response_breached']]);
  });
  test("the driver's prepared statements and Prisma write the same rows, and Prisma reads back what the driver wrote", async () => {
    // One lifecycle through each path: an OLA clock, a caller who is a customer's contact, events, a
    // notification, and the close that invites the caller to a survey.
    await tdb.db.customer.upsert({ where: { id: 'cus-writer' }, create: { id: 'cus-writer', number: 'CUS-WRITER', name: 'Writer Ltd', createdBy: 'usr-admin' }, update: {} });
    await tdb.db.customerContact.upsert({ where: { userId: 'usr-writer-caller' }, create: { id: 'cct-writer', customerId: 'cus-writer', name: 'Caller', userId: 'usr-writer-caller' }, update: {} });
    const onPrisma = createTransitionActivities({ db: tdb.db, temporal: {} as Client, taskQueue: 'unused', webhookTimeoutMs: 1000, log: createLogger('silent') }, [{ ...incidentStore, sqlWrite: undefined }]);
    const ola = startAgreementClock({ kind: 'OLA', agreementId: 'ola-1', version: 2, name: 'Desk OLA', team: 'service-desk', supplier: null, calendar: policy.calendar, targets: policy.targets, escalation: policy.escalation, pauseOn: [] }, 'P2', T0);
    const lifecycle = async (via: typeof writes) => {
      const s0 = { ...incident(), callerId: 'usr-writer-caller' };
      const steps: [IncidentSnapshot, string][] = [
        [s0, 'create'],
        [{ ...s0, state: 'assigned', assignmentGroup: 'service-desk', clocks: [ola], updatedAt: T0 + 2000 }, 'assign'],
        [{ ...s0, state: 'resolved', assignmentGroup: 'service-desk', clocks: [{ ...ola, stoppedAt: T0 + 3000, stopReason: 'resolved' }], resolvedAt: T0 + 3000, resolutionCode: 'fixed', resolutionNotes: 'done', updatedAt: T0 + 3000 }, 'resolve'],
        [{ ...s0, state: 'closed', assignmentGroup: 'service-desk', clocks: [{ ...ola, stoppedAt: T0 + 3000, stopReason: 'resolved' }], resolvedAt: T0 + 3000, closedAt: T0 + 4000, resolutionCode: 'fixed', resolutionNotes: 'done', updatedAt: T0 + 4000 }, 'close'],
      ];
      for (const [i, [snap, action]] of steps.entries()) {
        await via.recordTransition({ recordType: 'incident', recordId: s0.id, seq: i + 1, at: T0 + i * 1000, actor: 'usr-agent', action, from: i === 0 ? null : steps[i - 1][0].state, to: snap.state, data: { step: i }, snapshot: snap, events: [{ type: `incident.${action}`, data: { n: i } }], notifications: [{ recipient: 'group:service-desk', kind: action, message: `${action} ${i}` }] });
      }
      const id = s0.id;
      const strip = <R extends object>(r: R) => JSON.parse(JSON.stringify(r, (k, v) => (typeof v === 'string' ? v.replaceAll(id, '<id>').replace(s0.number, '<n>').replace(s0.title, '<title>') : v)));
      const { createdAt: _c, updatedAt: _u, ...row } = await tdb.db.incident.findUniqueOrThrow({ where: { id } });
      return strip({
        row,
        clocks: await tdb.db.incidentClock.findMany({ where: { incidentId: id } }),
        audit: await tdb.db.auditEvent.findMany({ where: { recordId: id }, orderBy: { seq: 'asc' } }),
        outbox: await tdb.db.outboxEvent.findMany({ where: { recordId: id }, orderBy: { id: 'asc' } }),
        notifications: (await tdb.db.notification.findMany({ where: { recordId: id }, orderBy: { id: 'asc' } })).map((n) => ({ ...n, message: n.kind === 'survey_invitation' ? n.message.replace(/surveys\/\S+/, 'surveys/<token>') : n.message })),
        survey: await tdb.db.survey.findUniqueOrThrow({ where: { incidentId: id }, select: { serviceId: true, team: true, customerId: true, recipient: true, sentAt: true, expiresAt: true } }),
      });
    };
    const viaDriver = await lifecycle(writes);
    const viaPrisma = await lifecycle(onPrisma);
    expect(viaDriver).toEqual(viaPrisma);
    // What the comparison rests on: the rows are there and read back as typed values.
    expect([viaDriver.row.state, viaDriver.row.customerId, viaDriver.row.version, viaDriver.row.closedAt, viaDriver.audit.length, viaDriver.outbox.length, viaDriver.notifications.length]).toEqual(['closed', 'cus-writer', 4, new Date(T0 + 4000).toISOString(), 4, 4, 5]);
    expect(viaDriver.clocks).toMatchObject([{ kind: 'OLA', agreementId: 'ola-1', stoppedAt: new Date(T0 + 3000).toISOString(), breached: false }]);
  });

  test('a value the database refuses on the driver path fails the transition without retries', async () => {
    const s = incident();
    await write(s, 1, 'create', {});
    // Another incident already holds this workflow id (a unique column): the same on every retry.
    const other = incident();
    await expect(write({ ...other, workflowId: s.workflowId }, 1, 'create', {})).rejects.toMatchObject({ type: 'UnstorableData', nonRetryable: true });
    expect(await tdb.db.auditEvent.count({ where: { recordId: other.id } })).toBe(0);
  });
  (provider === 'sqlite' ? test : test.skip)('on SQLite, a write that finds the database locked by another writer waits without blocking the event loop, then lands', async () => {
    const s = incident();
    const other = new Database(sqliteFilePath(tdb.url));
    other.prepare('BEGIN IMMEDIATE').run();
    const written = write(s, 1, 'create', {});
    // Only this event loop can release the lock: a write that waited synchronously would never see it released.
    await new Promise((r) => setTimeout(r, 150));
    expect(await tdb.db.auditEvent.count({ where: { recordId: s.id } })).toBe(0);
    other.prepare('COMMIT').run();
    other.close();
    await expect(written).resolves.toEqual({ eventIds: [] });
    expect(await trail(s.id)).toEqual([[1, 'create', {}]]);
  });
});
