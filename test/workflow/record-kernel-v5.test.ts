/**
 * record-kernel-v5: a command's transition is written by the worker's sink between the
 * workflow task's activation and its completion, so the command costs one activation; the
 * run confirms those writes with one local activity before it ends (or after MAX_UNCONFIRMED).
 * Faults come from the real database: a trigger makes SQLite refuse one note's audit entry.
 */
import Database from 'better-sqlite3';
import type { temporal } from '@temporalio/proto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { incidentWorkflow } from '../../workflows/incident';
import { createIncidentUpdate, incidentCommandUpdates } from '../../workflows/contracts/incident';
import { MAX_UNCONFIRMED } from '../../workflows/kernel/record-keeper';
import type { CreateIncidentBody } from '../../domain/schemas/incident';
import { localActivities, patchIds } from '../support/history-events';
import { BASELINE } from '../../workflows/kernel/versions';
import { workflowTestBed } from '../support/workflow-bed';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const TQ = 'record-kernel-v5';
const bed = workflowTestBed(TQ);
let n = 0;

async function open(): Promise<{ handle: WorkflowHandle; id: string }> {
  const i = ++n;
  const id = `inc-v5-${i}`;
  const handle = await bed.env.client.workflow.start(incidentWorkflow, {
    taskQueue: TQ,
    workflowId: `incident-v5-${i}-${Date.now()}`,
    args: [{ id, number: `INC95${String(i).padStart(5, '0')}`, config: { autoCloseMs: 3 * 86_400_000, continueAsNewAfterEvents: 5000, createTimeoutMs: 60_000, searchAttributes: false } }],
  });
  bed.track(handle);
  await handle.executeUpdate(createIncidentUpdate, {
    args: [{ actor: 'tester', body: { title: `v5 ${i}`, type: 'incident', impact: 'low', urgency: 'low', serviceId: 'svc-std' } as CreateIncidentBody }],
  });
  return { handle, id };
}

type Cmd = keyof typeof incidentCommandUpdates;
const command = (h: WorkflowHandle, name: Cmd, body: object = {}) =>
  h.executeUpdate(incidentCommandUpdates[name] as typeof incidentCommandUpdates.assign, { args: [{ actor: 'agent', body: body as never }] });
const note = (h: WorkflowHandle, text: string) => command(h, 'notes', { text, visibility: 'internal' });
const audit = (id: string) => bed.tdb.db.auditEvent.findMany({ where: { recordId: id }, orderBy: { seq: 'asc' } });
const noteTexts = async (id: string) => (await audit(id)).filter((a) => a.action === 'notes').map((a) => (JSON.parse(a.data ?? '{}') as { text: string }).text);
const history = async (h: WorkflowHandle): Promise<HistoryEvent[]> => (await h.fetchHistory()).events ?? [];

/** The events after the last accepted Update: the workflow task that ran that command. */
function lastCommandTask(events: HistoryEvent[]): HistoryEvent[] {
  let i = events.length - 1;
  while (i >= 0 && !events[i].workflowExecutionUpdateAcceptedEventAttributes) i--;
  return events.slice(i);
}

/** SQLite refuses the audit entry of any note whose text contains `marker` (a constraint failure, as bad data would be). */
const refuseNotes = (marker: string) =>
  bed.tdb.db.$executeRawUnsafe(`CREATE TRIGGER "refuse_${marker}" BEFORE INSERT ON "AuditEvent" WHEN NEW."action" = 'notes' AND NEW."data" LIKE '%${marker}%' BEGIN SELECT RAISE(ABORT, 'refused by test'); END`);
const acceptNotes = (marker: string) => bed.tdb.db.$executeRawUnsafe(`DROP TRIGGER "refuse_${marker}"`);

async function closeAndEnd(h: WorkflowHandle): Promise<void> {
  await command(h, 'assign', { group: 'service-desk' });
  await command(h, 'resolve', { code: 'fixed', notes: 'done' });
  await command(h, 'close', {});
  await h.result();
}

test('a command is in the database when its Update answers, written without a local activity, in one activation', async () => {
  const { handle, id } = await open();
  await note(handle, 'first look');
  expect(await noteTexts(id)).toEqual(['first look']);
  const events = await history(handle);
  expect(patchIds(events)).toEqual([BASELINE]); // the baseline that takes record-kernel-v5 in
  const task = lastCommandTask(events);
  expect(task.some((e) => e.workflowExecutionUpdateCompletedEventAttributes)).toBe(true);
  expect(localActivities(task)).toEqual([]);
  // The create's first transition is still written by a local activity: a create the database refuses leaves no record.
  expect(localActivities(events.slice(0, events.findIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes) + 1))).toContain('recordTransition');
});

test('the run confirms its sink-written transitions with one local activity before it ends; nothing already stored is rewritten', async () => {
  const { handle, id } = await open();
  await note(handle, 'a');
  await note(handle, 'b');
  const before = await audit(id);
  await closeAndEnd(handle);
  const after = await audit(id);
  expect(after.map((a) => a.seq)).toEqual(after.map((_, i) => i + 1));
  expect(after.slice(0, before.length)).toEqual(before);
  expect(after.map((a) => a.action)).toEqual(['create', 'notes', 'notes', 'assign', 'resolve', 'close']);
  const confirms = localActivities(await history(handle)).filter((t) => t === 'confirmTransitions');
  expect(confirms).toHaveLength(1);
  expect((await bed.tdb.db.incident.findUniqueOrThrow({ where: { id } })).state).toBe('closed');
});

test('a sink write the database refuses is answered, and written by the confirming write once the database takes it', async () => {
  const { handle, id } = await open();
  await refuseNotes('sinkfault1');
  try {
    await note(handle, 'before');
    const answered = await note(handle, 'refused once sinkfault1');
    expect(answered.state).toBe('new');
    await note(handle, 'after');
    // The database lags the workflow by that one note until the run confirms its writes.
    expect(await noteTexts(id)).toEqual(['before', 'after']);
  } finally {
    await acceptNotes('sinkfault1');
  }
  await closeAndEnd(handle);
  expect(await noteTexts(id)).toEqual(['before', 'refused once sinkfault1', 'after']);
  const rows = await audit(id);
  expect(rows.map((a) => a.seq)).toEqual(rows.map((_, i) => i + 1));
});

test('a transition the database never takes does not hold the run: it ends, the refusal logged, everything else stored', async () => {
  const { handle, id } = await open();
  await refuseNotes('sinkfault2');
  try {
    await note(handle, 'never stored sinkfault2');
    await note(handle, 'stored');
    await closeAndEnd(handle);
  } finally {
    await acceptNotes('sinkfault2');
  }
  expect(await noteTexts(id)).toEqual(['stored']);
  expect((await audit(id)).map((a) => a.action)).toEqual(['create', 'notes', 'assign', 'resolve', 'close']);
  expect((await bed.tdb.db.incident.findUniqueOrThrow({ where: { id } })).state).toBe('closed');
});

test('a database busy for longer than the driver waits: the command answers only once its transition is stored, and it is stored once', async () => {
  const { handle, id } = await open();
  const lock = new Database(bed.tdb.url.replace(/^file:/, ''));
  try {
    lock.exec('BEGIN IMMEDIATE');
    let answered = false;
    const pending = note(handle, 'while locked').then((v) => ((answered = true), v));
    // The driver gives up on a busy database after 5 s; the sink goes on retrying.
    await new Promise((r) => setTimeout(r, 6_500));
    expect(answered).toBe(false);
    expect(await noteTexts(id)).toEqual([]);
    lock.exec('COMMIT');
    await pending;
  } finally {
    lock.close();
  }
  expect(await noteTexts(id)).toEqual(['while locked']);
  await closeAndEnd(handle);
  expect(await noteTexts(id)).toEqual(['while locked']);
});

test("the history wins at the sink too: a transition a killed worker left at the next sequence number gives way to the one the history holds", async () => {
  const { handle, id } = await open();
  // What a worker that died mid-task could have left: an unrecorded transition at the next sequence number.
  await bed.tdb.db.auditEvent.create({ data: { id: `aud-${id}-2`, recordType: 'incident', recordId: id, seq: 2, at: new Date(), actor: 'ghost', action: 'notes', fromState: 'new', toState: 'new', data: JSON.stringify({ text: 'never recorded' }) } });
  await note(handle, 'recorded');
  expect(await noteTexts(id)).toEqual(['recorded']);
  await closeAndEnd(handle);
  expect(await noteTexts(id)).toEqual(['recorded']);
  expect((await audit(id)).map((a) => a.action)).toEqual(['create', 'notes', 'assign', 'resolve', 'close']);
});

test(`after ${MAX_UNCONFIRMED} unconfirmed writes the next command confirms them first (the run's memory stays bounded)`, async () => {
  const { handle, id } = await open();
  for (let i = 1; i <= MAX_UNCONFIRMED; i++) {
    await note(handle, `note ${i}`);
    expect(localActivities(lastCommandTask(await history(handle)))).toEqual([]);
  }
  await note(handle, 'one more');
  expect(localActivities(lastCommandTask(await history(handle)))).toEqual(['confirmTransitions']);
  expect((await noteTexts(id)).length).toBe(MAX_UNCONFIRMED + 1);
});

test('text no database can store is refused before it becomes the state, as the local activity refused it', async () => {
  const { handle, id } = await open();
  const err = await command(handle, 'notes', { text: 'bad \u0000 text', visibility: 'internal' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(((err as WorkflowUpdateFailedError).cause as { type?: string }).type).toBe('UnstorableData');
  await note(handle, 'fine');
  expect(await noteTexts(id)).toEqual(['fine']);
  const rows = await audit(id);
  expect(rows.map((a) => a.seq)).toEqual([1, 2]);
});
