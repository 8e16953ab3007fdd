/**
 * The incident workflow on the time-skipping test server with real durations: SLA timers,
 * pauses, escalations and auto-close fire by themselves while the test skips time.
 * Activities are the real ones, writing to a real (SQLite) database.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import type { ItsmWorker } from '../../temporal/worker';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { incidentWorkflow } from '../../workflows/incident';
import { createIncidentUpdate, getIncidentQuery, incidentCommandUpdates, type IncidentWorkflowInput } from '../../workflows/contracts/incident';
import { seedGroups } from '../../db/seed';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTimeSkippingServer, startWorker } from '../support/temporal';
import type { CreateIncidentBody } from '../../domain/schemas/incident';
import { localActivities, patchIds } from '../support/history-events';
import { BASELINE } from '../../workflows/kernel/versions';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TQ = 'incident-wf';

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let worker: ItsmWorker;
let running: Promise<void>;
let seq = 0;

const targets = (response: string, resolution: string) =>
  JSON.stringify(Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response, resolution }])));

beforeAll(async () => {
  env = await startTimeSkippingServer();
  tdb = await createTestDatabase();
  await seedGroups(tdb.db);
  const sla = (id: string, serviceId: string, t: string, calendar: unknown = '24x7', pauseOn = ['awaiting_caller']) =>
    tdb.db.sla.create({ data: { id, number: id.toUpperCase(), name: id, kind: 'SLA', serviceId, calendar: JSON.stringify(calendar), targets: t, pauseOn: JSON.stringify(pauseOn) } });
  await sla('sla-p1', 'svc-std', JSON.stringify({
    P1: { response: 'PT15M', resolution: 'PT4H' }, P2: { response: 'PT30M', resolution: 'PT8H' }, P3: { response: 'PT2H', resolution: 'P1D' },
    P4: { response: 'PT8H', resolution: 'P3D' }, P5: { response: 'P1D', resolution: 'P5D' },
  }));
  await sla('sla-bh', 'svc-bh', targets('PT4H', 'PT16H'), {
    timezone: 'Europe/London',
    hours: { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'], wed: ['09:00', '17:00'], thu: ['09:00', '17:00'], fri: ['09:00', '17:00'] },
    holidays: [],
  });
  worker = await startWorker(env, tdb.db, TQ);
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await tdb?.dispose();
  await env?.teardown();
});

const config = (o: Partial<IncidentWorkflowInput['config']> = {}): IncidentWorkflowInput['config'] => ({
  autoCloseMs: 3 * DAY,
  continueAsNewAfterEvents: 5000,
  createTimeoutMs: MIN,
  searchAttributes: false,
  ...o,
});

async function open(body: Partial<CreateIncidentBody> = {}, cfg: Partial<IncidentWorkflowInput['config']> = {}) {
  const n = ++seq;
  const number = `INC${String(n).padStart(7, '0')}`;
  const handle = await env.client.workflow.start(incidentWorkflow, {
    taskQueue: TQ,
    workflowId: `incident-${number}-${Date.now()}`,
    args: [{ id: `inc-${n}`, number, config: config(cfg) }],
  });
  const view = await handle.executeUpdate(createIncidentUpdate, {
    args: [{ actor: 'tester', body: { title: `test ${n}`, type: 'incident', impact: 'high', urgency: 'high', serviceId: 'svc-std', ...body } as CreateIncidentBody }],
  });
  return { handle, view, id: `inc-${n}` };
}

type Cmd = keyof typeof incidentCommandUpdates;
function command<K extends Cmd>(h: WorkflowHandle, name: K, body: object = {}) {
  return h.executeUpdate(incidentCommandUpdates[name] as typeof incidentCommandUpdates.assign, { args: [{ actor: 'agent', body: body as never }] });
}

const audit = (id: string) => tdb.db.auditEvent.findMany({ where: { recordId: id }, orderBy: { seq: 'asc' } });
const actions = async (id: string) => (await audit(id)).map((a) => a.action);
const skip = (ms: number) => env.sleep(ms);

test('a P1 with a PT15M response target breaches at exactly its due time and escalates from the service desk it was routed to', async () => {
  const { view, id } = await open();
  expect(view.priority).toBe('P1');
  // No rule and no service owner: routed to the first tier at creation, and the history says so.
  expect(view.assignmentGroup).toBe('service-desk');
  expect(JSON.parse((await audit(id))[0].data ?? '{}')).toMatchObject({ routing: { group: 'service-desk', source: 'service_desk', rule: null } });
  const due = Date.parse(view.sla.response.dueAt);
  expect(due - Date.parse(view.openedAt)).toBe(15 * MIN);

  await skip(15 * MIN - 2000);
  expect(await actions(id)).not.toContain('sla_response_breached');
  await skip(4000);
  const breach = (await audit(id)).find((a) => a.action === 'sla_response_breached');
  expect(breach).toBeDefined();
  const lateness = breach!.at.getTime() - due;
  expect(lateness).toBeGreaterThanOrEqual(0);
  expect(lateness).toBeLessThan(1000);

  const row = await tdb.db.incident.findUniqueOrThrow({ where: { id } });
  expect(row.slaBreached).toBe(true);
  expect(row.assignmentGroup).toBe('l2-support');
  expect(row.state).toBe('assigned');
  const events = await tdb.db.outboxEvent.findMany({ where: { recordId: id }, orderBy: { id: 'asc' } });
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['incident.created', 'incident.sla.breached', 'incident.escalated']));
  const notes = await tdb.db.notification.findMany({ where: { recordId: id } });
  expect(notes.map((n) => n.recipient)).toContain('group:l2-support');
});

test('functional escalation moves an unacknowledged incident to the next support tier', async () => {
  const { handle, id } = await open();
  await command(handle, 'assign', { group: 'service-desk' });
  await skip(16 * MIN);
  const row = await tdb.db.incident.findUniqueOrThrow({ where: { id } });
  expect(row.assignmentGroup).toBe('l2-support');
  const breach = (await audit(id)).find((a) => a.action === 'sla_response_breached')!;
  expect(JSON.parse(breach.data)).toMatchObject({ escalation: 'functional', fromGroup: 'service-desk', toGroup: 'l2-support' });
});

test('warning at 75 % of the resolution target, then hierarchical escalation at the breach', async () => {
  const { handle, view, id } = await open();
  await command(handle, 'assign', { group: 'service-desk', assignee: 'usr-agent' });
  await command(handle, 'acknowledge');
  const resolutionDue = Date.parse(view.sla.resolution.dueAt);
  const opened = Date.parse(view.openedAt);
  expect(resolutionDue - opened).toBe(4 * HOUR);

  await skip(3 * HOUR - 5000);
  expect(await actions(id)).not.toContain('sla_warning');
  await skip(10_000);
  const warning = (await audit(id)).find((a) => a.action === 'sla_warning')!;
  expect(warning).toBeDefined();
  expect(Math.abs(warning.at.getTime() - (opened + 3 * HOUR))).toBeLessThan(1000);
  expect((await tdb.db.notification.findMany({ where: { recordId: id, kind: 'sla_warning' } })).map((n) => n.recipient)).toEqual(['group:service-desk']);

  await skip(HOUR);
  const breach = (await audit(id)).find((a) => a.action === 'sla_resolution_breached')!;
  expect(breach).toBeDefined();
  expect(breach.at.getTime() - resolutionDue).toBeLessThan(1000);
  const row = await tdb.db.incident.findUniqueOrThrow({ where: { id } });
  expect(row.escalationLevel).toBe(1);
  expect(row.slaBreached).toBe(true);
  const recipients = (await tdb.db.notification.findMany({ where: { recordId: id, kind: 'escalation' } })).map((n) => n.recipient);
  expect(recipients).toEqual(expect.arrayContaining(['user:usr-admin', 'group:service-desk']));
  const types = (await tdb.db.outboxEvent.findMany({ where: { recordId: id } })).map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(['incident.sla.warning', 'incident.sla.breached', 'incident.escalated']));
});

test('hold awaiting the caller pauses the resolution clock and shifts its due date by the paused time', async () => {
  const { handle, view } = await open();
  await command(handle, 'assign', { group: 'service-desk' });
  await command(handle, 'acknowledge');
  const originalDue = Date.parse(view.sla.resolution.dueAt);
  const held = await command(handle, 'hold', { reason: 'awaiting_caller' });
  expect(held.sla.paused).toBe(true);
  await skip(HOUR);
  const resumed = await command(handle, 'resume');
  expect(resumed.sla.paused).toBe(false);
  const shift = Date.parse(resumed.sla.resolution.dueAt) - originalDue;
  expect(shift).toBeGreaterThanOrEqual(HOUR);
  expect(shift).toBeLessThan(HOUR + 2000);
  expect(resumed.sla.resolution.pausedMs).toBe(shift);

  // A reason that is not configured to pause leaves the clock running.
  await command(handle, 'hold', { reason: 'awaiting_supplier' });
  await skip(30 * MIN);
  const again = await command(handle, 'resume');
  expect(Date.parse(again.sla.resolution.dueAt)).toBe(Date.parse(resumed.sla.resolution.dueAt));
});

test('a hold keeps the resolution breach from firing until the clock resumes', async () => {
  const { handle, view, id } = await open();
  await command(handle, 'acknowledge');
  await command(handle, 'hold', { reason: 'awaiting_caller' });
  await skip(5 * HOUR);
  expect(await actions(id)).not.toContain('sla_resolution_breached');
  const resumed = await command(handle, 'resume');
  const due = Date.parse(resumed.sla.resolution.dueAt);
  expect(due).toBeGreaterThan(Date.parse(view.sla.resolution.dueAt) + 5 * HOUR - 2000);
  await skip(due - Date.parse(resumed.updatedAt) + 2000);
  expect(await actions(id)).toContain('sla_resolution_breached');
});

test('reopen after resolve resumes the resolution clock accounting; auto-close after P3D', async () => {
  const { handle, id } = await open();
  await command(handle, 'acknowledge');
  const resolved = await command(handle, 'resolve', { code: 'fixed', notes: 'restarted the service' });
  expect(resolved.state).toBe('resolved');
  expect(resolved.sla.resolution.metAt).not.toBeNull();
  const dueAtResolve = Date.parse(resolved.sla.resolution.dueAt);

  await skip(HOUR);
  const reopened = await command(handle, 'reopen', { reason: 'still broken' });
  expect(reopened.state).toBe('in_progress');
  expect(reopened.sla.resolution.metAt).toBeNull();
  const shift = Date.parse(reopened.sla.resolution.dueAt) - dueAtResolve;
  expect(shift).toBeGreaterThanOrEqual(HOUR);
  expect(shift).toBeLessThan(HOUR + 2000);

  await command(handle, 'resolve', { code: 'fixed', notes: 'replaced the disk' });
  await skip(3 * DAY - MIN);
  expect((await tdb.db.incident.findUniqueOrThrow({ where: { id } })).state).toBe('resolved');
  await skip(2 * MIN);
  const row = await tdb.db.incident.findUniqueOrThrow({ where: { id } });
  expect(row.state).toBe('closed');
  const close = (await audit(id)).find((a) => a.action === 'close')!;
  expect(close.actor).toBe('system');
  expect(JSON.parse(close.data)).toEqual({ auto: true });
  const result = await handle.result();
  expect(result?.state).toBe('closed');
});

test('a business-hours SLA counts only opening hours across a weekend (Europe/London)', async () => {
  // Move the server clock to the next Friday 15:00 London time (UTC+0 in winter).
  const now = Date.parse((await open({ serviceId: 'svc-std', impact: 'low', urgency: 'low' })).view.openedAt);
  const d = new Date(now);
  const daysToFriday = (5 - d.getUTCDay() + 7) % 7 || 7;
  const friday15 = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + daysToFriday, 15, 0, 0);
  await skip(friday15 - now);

  const { view, id } = await open({ serviceId: 'svc-bh', impact: 'medium', urgency: 'medium' });
  const opened = Date.parse(view.openedAt);
  expect(opened - friday15).toBeLessThan(5000);
  // 2 h on Friday (15:00–17:00) + 2 h on Monday (09:00–11:00).
  const monday11 = Date.UTC(new Date(friday15).getUTCFullYear(), new Date(friday15).getUTCMonth(), new Date(friday15).getUTCDate() + 3, 11, 0, 0) + (opened - friday15);
  expect(Date.parse(view.sla.response.dueAt)).toBe(monday11);

  await skip(monday11 - opened - 60_000);
  expect(await actions(id)).not.toContain('sla_response_breached');
  await skip(120_000);
  expect(await actions(id)).toContain('sla_response_breached');
});

test('changing impact re-prioritises and recomputes due dates from the original open time', async () => {
  const { handle, view } = await open({ impact: 'low', urgency: 'medium' });
  expect(view.priority).toBe('P4');
  await skip(5 * MIN);
  const changed = await command(handle, 'impact', { impact: 'high', urgency: 'high' });
  expect(changed.priority).toBe('P1');
  expect(Date.parse(changed.sla.response.dueAt)).toBe(Date.parse(view.openedAt) + 15 * MIN);
  expect(Date.parse(changed.sla.resolution.dueAt)).toBe(Date.parse(view.openedAt) + 4 * HOUR);
});

test('an invalid transition is rejected by the validator and leaves no trace in history', async () => {
  const { handle, id } = await open();
  await expect(command(handle, 'close')).rejects.toThrow(WorkflowUpdateFailedError);
  const rejection = await command(handle, 'resume').catch((e: WorkflowUpdateFailedError) => e);
  expect(rejection).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((rejection as WorkflowUpdateFailedError).cause?.message).toMatch(/cannot resume an incident in state 'new'/);
  const history = await handle.fetchHistory();
  const accepted = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  expect(accepted).toHaveLength(1); // only `create`
  expect(await actions(id)).toEqual(['create']);
  const cancelled = await command(handle, 'cancel', { reason: 'duplicate' });
  expect(cancelled.state).toBe('cancelled');
  expect((await handle.result())?.state).toBe('cancelled');
});

test('continues-as-new when the history grows, keeping state, timers and the audit sequence', async () => {
  const { handle, id } = await open({}, { continueAsNewAfterEvents: 100 });
  const firstRun = (await handle.describe()).runId;
  for (let i = 0; i < 40; i++) await command(handle, 'notes', { text: `note ${i}` });
  await skip(1000);
  const latest = env.client.workflow.getHandle(handle.workflowId);
  expect((await latest.describe()).runId).not.toBe(firstRun);
  const state = await latest.query(getIncidentQuery);
  expect(state?.state).toBe('new');
  await latest.executeUpdate(incidentCommandUpdates.acknowledge, { args: [{ actor: 'agent', body: {} }] });
  const rows = await audit(id);
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  expect(rows.at(-1)?.action).toBe('acknowledge');
  expect(rows).toHaveLength(42);
  await skip(4 * HOUR + MIN);
  expect(await actions(id)).toContain('sla_resolution_breached');
});

test('a configured priority matrix decides the priority and the SLA targets', async () => {
  const matrix = { high: { high: 'P1', medium: 'P1', low: 'P2' }, medium: { high: 'P2', medium: 'P3', low: 'P4' }, low: { high: 'P3', medium: 'P4', low: 'P5' } } as const;
  const { view } = await open({ impact: 'high', urgency: 'medium' }, { priorityMatrix: matrix });
  expect(view.priority).toBe('P1');
  expect(Date.parse(view.sla.response.dueAt) - Date.parse(view.openedAt)).toBe(15 * MIN);
});

test('a resolved security incident waits for its post-incident review: no close, no auto-close; reviewed, it auto-closes', async () => {
  const { handle, id } = await open({ type: 'security', impact: 'low', urgency: 'low', classification: { confidentiality: 'high', integrity: 'none', availability: 'none' } });
  await command(handle, 'resolve', { code: 'contained', notes: 'credentials rotated' });
  await skip(4 * DAY);
  expect((await tdb.db.incident.findUniqueOrThrow({ where: { id } })).state).toBe('resolved');
  await expect(command(handle, 'close')).rejects.toThrow(WorkflowUpdateFailedError);
  await command(handle, 'review', { findings: 'a leaked credential', rootCause: 'no rotation', actions: ['rotate quarterly'], reviewer: 'usr-admin' });
  // Its auto-close time (resolution + 3 days) has passed: it closes as soon as the review is in.
  await skip(MIN);
  expect((await tdb.db.incident.findUniqueOrThrow({ where: { id } })).state).toBe('closed');
  expect((await audit(id)).map((a) => [a.action, a.actor])).toEqual([['create', 'tester'], ['resolve', 'agent'], ['review', 'agent'], ['close', 'system']]);
});

describe('record-kernel-v3: a command costs no timer or search-attribute commands unless it moves them', () => {
  const count = async (handle: WorkflowHandle, kind: 'timerStartedEventAttributes' | 'timerCanceledEventAttributes' | 'upsertWorkflowSearchAttributesEventAttributes') =>
    (await handle.fetchHistory()).events!.filter((e) => e[kind]).length;
  const timers = async (handle: WorkflowHandle) => ({ started: await count(handle, 'timerStartedEventAttributes'), canceled: await count(handle, 'timerCanceledEventAttributes') });

  test('notes and an assignment that leave the earliest deadline as it was keep the pending timer', async () => {
    const { handle } = await open();
    expect((await handle.fetchHistory()).events!.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(true);
    const before = await timers(handle);
    // Patch markers upsert TemporalChangeVersion in the creation task; this server has no custom attributes.
    const upserts = await count(handle, 'upsertWorkflowSearchAttributesEventAttributes');
    await command(handle, 'notes', { text: 'looking' });
    await command(handle, 'assign', { group: 'service-desk', assignee: 'usr-agent' });
    await command(handle, 'notes', { text: 'still looking' });
    expect(await timers(handle)).toEqual(before);
    expect(await count(handle, 'upsertWorkflowSearchAttributesEventAttributes')).toBe(upserts);
  });

  test('a priority change moves the response deadline earlier: the timer is re-armed and fires at the new time', async () => {
    const { handle, view, id } = await open({ impact: 'low', urgency: 'medium' });
    expect(view.priority).toBe('P4');
    const before = await timers(handle);
    const changed = await command(handle, 'impact', { impact: 'high', urgency: 'high' });
    const after = await timers(handle);
    expect(after.canceled).toBe(before.canceled + 1);
    expect(after.started).toBe(before.started + 1);
    const due = Date.parse(changed.sla.response.dueAt);
    await skip(due - Date.now() + 2000);
    const breach = (await audit(id)).find((a) => a.action === 'sla_response_breached')!;
    expect(breach).toBeDefined();
    expect(breach.at.getTime() - due).toBeGreaterThanOrEqual(0);
    expect(breach.at.getTime() - due).toBeLessThan(1000);
  });

  test('a hold that pauses the SLA drops the deadline; resuming re-arms it; resolve re-arms the auto-close', async () => {
    const { handle, id } = await open({ impact: 'low', urgency: 'low' });
    await command(handle, 'assign', { group: 'service-desk', assignee: 'usr-agent' });
    await command(handle, 'acknowledge');
    const before = await timers(handle);
    await command(handle, 'hold', { reason: 'awaiting_caller' });
    expect((await timers(handle)).canceled).toBe(before.canceled + 1);
    await command(handle, 'notes', { text: 'waiting' });
    const held = await timers(handle);
    await command(handle, 'resume');
    expect((await timers(handle)).started).toBe(held.started + 1);
    const resolved = await command(handle, 'resolve', { code: 'fixed', notes: 'done' });
    expect(resolved.state).toBe('resolved');
    await skip(3 * DAY + MIN);
    expect((await tdb.db.incident.findUniqueOrThrow({ where: { id } })).state).toBe('closed');
  });
});

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
/** The patch markers a history holds, in order. */

describe('record-kernel-v4: a deadline costs one timer and one workflow task; a response breach one lookup', () => {
  const seconds = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(d?.seconds ?? 0) + (d?.nanos ?? 0) / 1e9;

  beforeAll(async () => {
    // A service of its own, so the OLA below applies to no other test's incidents.
    await tdb.db.sla.create({ data: { id: 'sla-v4', number: 'SLA-V4', name: 'v4', kind: 'SLA', serviceId: 'svc-v4', calendar: '"24x7"', targets: targets('PT15M', 'PT4H'), pauseOn: '["awaiting_caller"]' } });
    await tdb.db.sla.create({ data: { id: 'ola-v4-l2', number: 'OLA-V4-L2', name: 'L2 OLA', kind: 'OLA', team: 'l2-support', serviceId: 'svc-v4', calendar: '"24x7"', targets: targets('PT30M', 'PT2H'), pauseOn: '[]' } });
  });

  test('the response deadline is waited for by the timer set at creation, not a coarse timer and then a 5-s one', async () => {
    const { handle, view, id } = await open({ serviceId: 'svc-v4' });
    const due = Date.parse(view.sla.response.dueAt);
    await skip(16 * MIN);
    const breach = (await audit(id)).find((a) => a.action === 'sla_response_breached');
    expect(breach).toBeDefined();
    expect(breach!.at.getTime() - due).toBeGreaterThanOrEqual(0);
    expect(breach!.at.getTime() - due).toBeLessThan(1000);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(patchIds(events)).toEqual([BASELINE]); // the baseline that takes record-kernel-v4 in
    const started = events.filter((e) => e.timerStartedEventAttributes);
    // One timer fired: the one set once the record was created, for the whole wait (15 min less the creation task).
    const fired = events.filter((e) => e.timerFiredEventAttributes);
    expect(fired).toHaveLength(1);
    const armed = started.find((e) => Number(e.eventId) === Number(fired[0].timerFiredEventAttributes!.startedEventId))!;
    expect(seconds(armed.timerStartedEventAttributes!.startToFireTimeout)).toBeGreaterThan(15 * 60 - 5);
    expect(seconds(armed.timerStartedEventAttributes!.startToFireTimeout)).toBeLessThanOrEqual(15 * 60);
    expect(started.some((e) => seconds(e.timerStartedEventAttributes!.startToFireTimeout) <= 5)).toBe(false);
  });

  test('a response breach finds the next tier and its OLA in one local activity: the handoff starts the OLA clock as before', async () => {
    const { handle, id } = await open({ serviceId: 'svc-v4' });
    await skip(16 * MIN);
    const breach = (await audit(id)).find((a) => a.action === 'sla_response_breached')!;
    expect(JSON.parse(breach.data)).toMatchObject({ escalation: 'functional', fromGroup: 'service-desk', toGroup: 'l2-support' });
    const now = await handle.query(getIncidentQuery);
    expect(now!.assignmentGroup).toBe('l2-support');
    expect(now!.clocks.find((c) => c.kind === 'OLA')).toMatchObject({ name: 'L2 OLA', group: 'l2-support', stop: null, breached: false });
    const events = (await handle.fetchHistory()).events ?? [];
    expect(patchIds(events)).toEqual([BASELINE]); // the baseline that takes incident-one-escalation-lookup in
    const firedAt = events.findIndex((e) => e.timerFiredEventAttributes);
    const next = events.findIndex((e, i) => i > firedAt && e.timerStartedEventAttributes);
    // The lookup alone: the breach itself is written by the worker's sink (record-kernel-v5), found in the audit above.
    expect(localActivities(events.slice(firedAt, next))).toEqual(['functionalEscalation']);
  });

  test('an incident in the last tier breaches without a handoff, with the same single lookup', async () => {
    const { handle, id } = await open({ serviceId: 'svc-v4' });
    await command(handle, 'assign', { group: 'l3-support' });
    await skip(16 * MIN);
    const breach = (await audit(id)).find((a) => a.action === 'sla_response_breached')!;
    expect(JSON.parse(breach.data)).toMatchObject({ escalation: null, fromGroup: 'l3-support', toGroup: null });
    expect((await tdb.db.incident.findUniqueOrThrow({ where: { id } })).assignmentGroup).toBe('l3-support');
    const events = (await handle.fetchHistory()).events ?? [];
    const firedAt = events.findIndex((e) => e.timerFiredEventAttributes);
    const next = events.findIndex((e, i) => i > firedAt && e.timerStartedEventAttributes);
    expect(localActivities(events.slice(firedAt, next))).toEqual(['functionalEscalation']);
  });
});

describe('incident-major-problem-held: a P1 closed at once still gets its review problem, and its run cannot hang on it', () => {
  const problemConfig = { continueAsNewAfterEvents: 5000, createTimeoutMs: MIN, searchAttributes: false };
  const raiseOf = (events: HistoryEvent[]) => {
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'raiseProblemForMajorIncident');
    const outcome = events.findIndex((e) =>
      [e.activityTaskCompletedEventAttributes, e.activityTaskFailedEventAttributes, e.activityTaskTimedOutEventAttributes].some((a) => a && Number(a.scheduledEventId) === Number(scheduled?.eventId)));
    return { scheduled, outcome: outcome < 0 ? undefined : events[outcome], outcomeAt: outcome };
  };

  test('the run ends only once the raise has: the problem is in the database when the result comes', async () => {
    const { handle, id } = await open({}, { majorIncidentProblem: { observationMs: 14 * DAY, config: problemConfig } });
    await command(handle, 'resolve', { code: 'fixed', notes: 'failed over to the standby' });
    await command(handle, 'close');
    expect((await handle.result())?.state).toBe('closed');
    // No waiting: the problem exists the moment the incident's run has ended.
    const problem = await tdb.db.problem.findFirst({ where: { trendKey: `major:${id}` } });
    expect(problem).not.toBeNull();
    const events = (await handle.fetchHistory()).events ?? [];
    expect(patchIds(events)).toEqual([BASELINE]); // the baseline that takes incident-major-problem and -held in
    const raise = raiseOf(events);
    expect(raise.outcome?.activityTaskCompletedEventAttributes).toBeTruthy();
    expect(raise.outcomeAt).toBeLessThan(events.findIndex((e) => e.workflowExecutionCompletedEventAttributes));
  });

  test('a raise the engine never takes is given up after an hour with a warning: the closed incident\'s run still ends', async () => {
    // Search attributes this test server does not have: every start of the problem's workflow is refused, retryably.
    const { handle, id } = await open({}, { majorIncidentProblem: { observationMs: 14 * DAY, config: { ...problemConfig, searchAttributes: true } } });
    await command(handle, 'resolve', { code: 'fixed', notes: 'failed over to the standby' });
    await command(handle, 'close');
    expect((await handle.result())?.state).toBe('closed');
    expect(await tdb.db.problem.findFirst({ where: { trendKey: `major:${id}` } })).toBeNull();
    const events = (await handle.fetchHistory()).events ?? [];
    const raise = raiseOf(events);
    // Retried until its hour was up (the last attempt's failure, retry state TIMEOUT), then given up.
    const failed = raise.outcome?.activityTaskFailedEventAttributes;
    expect(failed?.failure?.message).toMatch(/search attribute/);
    expect(failed?.retryState).toBe(temporal.api.enums.v1.RetryState.RETRY_STATE_TIMEOUT);
    const secondsAt = (e: HistoryEvent | undefined) => Number(e?.eventTime?.seconds ?? 0);
    expect(secondsAt(raise.outcome) - secondsAt(raise.scheduled)).toBeGreaterThan(50 * 60);
    expect(secondsAt(raise.outcome) - secondsAt(raise.scheduled)).toBeLessThanOrEqual(60 * 60 + 60);
    expect(raise.outcomeAt).toBeLessThan(events.findIndex((e) => e.workflowExecutionCompletedEventAttributes));
    expect((await tdb.db.incident.findUniqueOrThrow({ where: { id } })).state).toBe('closed');
  });
});
