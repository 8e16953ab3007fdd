/**
 * Stored data that fails its schema is an error naming the record and the field, never a
 * silent default: in an activity a non-retryable 'CorruptRecord' failure, in the API a
 * problem+json 500. Real SQLite databases, the real activities and the real Express app (GET
 * handlers read the database only, so the Temporal client never connects).
 */
import { startAgreementClock } from '../../domain/sla/agreement-clocks';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { createApp } from '../../api/app';
import { changeFromRow, changeStore } from '../../db/change-store';
import { incidentFromRow, incidentStore } from '../../db/incident-store';
import { CorruptRecordError } from '../../db/record-store';
import { demoUsers, upsertUser } from '../../db/seed';
import type { BusinessHoursCalendar } from '../../domain/calendar';
import { newChange } from '../../domain/change/lifecycle';
import type { ChangeSnapshot } from '../../domain/change/snapshot';
import type { IncidentSnapshot } from '../../domain/incident/snapshot';
import { DEFAULT_TARGETS, escalationRulesWithDefaults } from '../../domain/sla/policy';
import { meetResponse, pause, startClock } from '../../domain/sla/clock';
import { createLogger } from '../../infra/logger';
import { createTestDatabase, type TestDatabase } from '../support/database';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const H = 3_600_000;
const payroll: BusinessHoursCalendar = { timezone: 'Europe/London', hours: { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'] }, holidays: ['2026-12-25'] };

const change: ChangeSnapshot = {
  ...newChange(
    { id: 'chg-1', number: 'CHG0000001', workflowId: 'change-CHG0000001' },
    'usr-agent',
    {
      title: 'Upgrade mail-01',
      type: 'normal',
      ciIds: ['ci-1'],
      plannedStart: new Date(T0 + 48 * H).toISOString(),
      plannedEnd: new Date(T0 + 50 * H).toISOString(),
      implementationPlan: 'apt upgrade',
      backoutPlan: 'restore the snapshot',
      ciUpdates: [{ ciId: 'ci-1', attributes: { os: 'Debian 13' } }, { ciId: 'ci-2', status: 'maintenance' }],
    },
    T0,
  ),
  state: 'cab_review',
  risk: { score: 35, level: 'medium', factors: [{ factor: 'type', points: 10, detail: 'normal change' }, { factor: 'services', points: 25, detail: 'Email (high)' }] },
  impact: {
    cis: [{ id: 'ci-1', number: 'CI0000003', name: 'mail-01', class: 'server' }],
    affected: [{ id: 'ci-9', number: 'CI0000001', name: 'Email', class: 'service', distance: 2, path: ['CI0000003', 'CI0000002', 'CI0000001'] }],
    services: [{ id: 'ci-9', number: 'CI0000001', name: 'Email', class: 'service', criticality: 'high', ownerGroup: 'l2-support' }],
  },
  cab: {
    board: 'cab',
    required: [{ approver: 'usr-change_manager', role: 'change_manager' }, { approver: 'group:l2-support', role: 'service_owner' }],
    votes: [{ voteId: 'v1', member: 'usr-change_manager', decision: 'approve', comment: null, at: T0 + H, countsFor: ['usr-change_manager'], ignoredReason: null }],
    quorum: 2,
    changeManagerRequired: false,
    openedAt: T0,
    deadline: T0 + 48 * H,
    timeoutAt: T0 + 72 * H,
    remindedAt: null,
    escalatedAt: null,
  },
  changeManager: 'usr-change_manager',
  updatedAt: T0 + H,
};

const incident: IncidentSnapshot = {
  id: 'inc-1',
  number: 'INC0000001',
  workflowId: 'incident-INC0000001',
  type: 'incident',
  title: 'Payroll is slow',
  description: null,
  impact: 'medium',
  urgency: 'high',
  priority: 'P2',
  state: 'on_hold',
  serviceId: null,
  ciId: null,
  category: null,
  callerId: null,
  callerEmail: null,
  restrictedTo: [],
  assignmentGroup: 'service-desk',
  assignee: 'usr-agent',
  escalationLevel: 0,
  holdReason: 'awaiting_caller',
  holdSupplier: null,
  resolutionCode: null,
  resolutionNotes: null,
  problemId: null,
  problemNumber: null,
  knownErrors: [],
  knownErrorId: null,
  slaId: 'sla-1',
  slaVersion: 2,
  clock: pause(meetResponse(startClock(T0, payroll, DEFAULT_TARGETS.P2), T0 + H / 4), T0 + H),
  clocks: [
    {
      ...startAgreementClock(
        { kind: 'OLA', agreementId: 'ola-1', version: 3, name: 'Payroll desk OLA', team: 'service-desk', supplier: null, calendar: payroll, targets: DEFAULT_TARGETS, escalation: escalationRulesWithDefaults(undefined), pauseOn: ['awaiting_caller'] },
        'P2',
        T0,
      ),
    },
  ],
  openedAt: T0,
  resolvedAt: null,
  closedAt: null,
  createdBy: 'usr-agent',
  updatedAt: T0 + H,
};

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.dispose();
});

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('changeFromRow / incidentFromRow', () => {
  it('round-trip a real change snapshot', async () => {
    await tdb.db.$transaction((tx) => changeStore.write(tx, change, 1));
    const row = await tdb.db.change.findUniqueOrThrow({ where: { id: change.id } });
    expect(changeFromRow(row)).toEqual(change);
  });

  it('round-trip a real incident snapshot', async () => {
    await tdb.db.$transaction((tx) => incidentStore.write(tx, incident, 1));
    const row = await tdb.db.incident.findUniqueOrThrow({ where: { id: incident.id } });
    expect(incidentFromRow(row)).toEqual({ ...incident, updatedAt: row.updatedAt.getTime() });
  });

  it('name the record and the failing field of a corrupt row', () => {
    const detail = JSON.stringify({ ...change, cab: { ...change.cab, quorum: 'two' } });
    const e = (() => {
      try {
        changeFromRow({ id: 'chg-x', detail });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(CorruptRecordError);
    expect(e).toMatchObject({ recordType: 'change', recordId: 'chg-x', field: 'detail.cab.quorum' });
    expect(() => changeFromRow({ id: 'chg-y', detail: '{"id":' })).toThrow(/stored change chg-y is corrupt: detail: not valid JSON/);
  });
});

describe('loadSlaPolicy', () => {
  const deps = () => ({ db: tdb.db, temporal: new Client(), taskQueue: 'unused', webhookTimeoutMs: 1000, log: createLogger('silent') });
  /** As the worker runs it: looked up by name among everything registered, called with the input as sent. */
  const loadSlaPolicy = (input: { serviceId: string }): Promise<unknown> => Reflect.apply(createActivities(deps()).loadSlaPolicy, undefined, [input]);
  const sla = (id: string, serviceId: string, calendar: string) =>
    tdb.db.sla.create({ data: { id, number: id.toUpperCase(), name: id, kind: 'SLA', serviceId, calendar, targets: JSON.stringify(DEFAULT_TARGETS) } });

  it('reads a valid SLA row', async () => {
    await sla('sla-good', 'ci-payroll', JSON.stringify(payroll));
    const policy = await loadSlaPolicy({ serviceId: 'ci-payroll' });
    expect(policy).toMatchObject({ slaId: 'sla-good', calendar: payroll, targets: DEFAULT_TARGETS, pauseOn: ['awaiting_caller'] });
  });

  it('fails without retries, naming the field, when the calendar is corrupt (no silent 24x7)', async () => {
    await sla('sla-bad', 'ci-mail', JSON.stringify({ timezone: 'Europe/London', hours: { mon: ['09:00', 'five'] } }));
    const e = await caught(loadSlaPolicy({ serviceId: 'ci-mail' }));
    if (!(e instanceof ApplicationFailure)) throw e;
    const failure = e;
    expect(failure.type).toBe('CorruptRecord');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/^stored sla sla-bad is corrupt: calendar\.hours\.mon\.1: must be HH:MM/);
    expect(failure.details).toEqual([{ recordType: 'sla', recordId: 'sla-bad', field: 'calendar.hours.mon.1' }]);
  });

  it('fails the same way when a column is not JSON at all', async () => {
    await sla('sla-text', 'ci-text', '24x7');
    const e = await caught(loadSlaPolicy({ serviceId: 'ci-text' }));
    expect(e).toMatchObject({ type: 'CorruptRecord', nonRetryable: true, details: [{ recordType: 'sla', recordId: 'sla-text', field: 'calendar' }] });
  });
});

describe('GET of a corrupt record', () => {
  const logged: string[] = [];
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    for (const u of demoUsers()) await upsertUser(tdb.db, u);
    const app = createApp({
      db: tdb.db,
      temporal: new Client(),
      env: { TEMPORAL_TASK_QUEUE: 'unused', AUTO_CLOSE_AFTER: 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000, MAX_BODY_BYTES: 64 * 1024 },
      log: createLogger('error', {}, (line) => logged.push(line)),
    });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const get = async (path: string) => {
    const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: 'Bearer dev-agent' } });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { title: string; status: number; detail: string } };
  };

  it('a change whose detail is corrupt is a problem+json 500 naming the field, logged at error level', async () => {
    const ok = await get(`/api/v1/changes/${change.number}`);
    expect(ok.status).toBe(200);
    const detail = JSON.stringify({ ...change, cab: { ...change.cab, votes: [{ ...change.cab!.votes[0], decision: 'maybe' }] } });
    await tdb.db.change.update({ where: { id: change.id }, data: { detail } });

    const res = await get(`/api/v1/changes/${change.number}`);
    expect(res.status).toBe(500);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ title: 'Corrupt record', status: 500 });
    expect(res.body.detail).toMatch(/^stored change chg-1 is corrupt: detail\.cab\.votes\.0\.decision: /);
    const line = logged.map((l) => JSON.parse(l)).find((l) => l.msg === 'corrupt record' && l.recordId === 'chg-1');
    expect(line).toMatchObject({ level: 'error', recordType: 'change', field: 'detail.cab.votes.0.decision' });
  });

  it('an incident whose sla clock is corrupt is a problem+json 500 naming the field', async () => {
    expect((await get(`/api/v1/incidents/${incident.number}`)).status).toBe(200);
    const sla = JSON.stringify({ slaId: incident.slaId, clock: { ...incident.clock, openedAt: 'yesterday' } });
    await tdb.db.incident.update({ where: { id: incident.id }, data: { sla } });

    const res = await get(`/api/v1/incidents/${incident.number}`);
    expect(res.status).toBe(500);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toMatch(/^stored incident inc-1 is corrupt: sla\.clock\.openedAt: /);
  });

  it('an incident enum column is checked, not cast', async () => {
    await tdb.db.incident.update({ where: { id: incident.id }, data: { sla: JSON.stringify({ slaId: incident.slaId, clock: incident.clock }), priority: 'P9' } });
    const res = await get(`/api/v1/incidents/${incident.number}`);
    expect(res.status).toBe(500);
    expect(res.body.detail).toMatch(/^stored incident inc-1 is corrupt: priority: /);
  });
});
