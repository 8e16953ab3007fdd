/**
 * A real Volvo lifecycle (bench/volvo-log.ts) taken through this product's incident lifecycle
 * as pure functions, at the times the log recorded: `newIncident` and `commandEffects` of
 * domain/incident/lifecycle.ts are what the incident workflow runs for each command, so the
 * snapshot and the transitions here are the record and audit trail the workflow would have
 * written had each command arrived at its logged time. What the workflow adds besides (timer
 * steps: warnings, breaches, escalations; OLA/UC clocks; outbox and notifications) moves no SLA
 * clock and is left out.
 */
import { commandEffects, newIncident, type IncidentRecordState } from '../domain/incident/lifecycle';
import type { IncidentSnapshot } from '../domain/incident/snapshot';
import { nextState, type IncidentState } from '../domain/incident/state-machine';
import type { IncidentCommandBody, IncidentCommandName } from '../domain/schemas/incident';
import type { SlaPolicy } from '../domain/sla/policy';
import type { BusinessHoursCalendar } from '../domain/calendar';
import { impactOf, replayVolvoIncident, type ApiStep, type VolvoIncident } from './volvo-log';
import type { Db } from '../db/client';
import { incidentStore } from '../db/incident-store';
import { insertRows } from '../db/insert-rows';
import { toJson } from '../db/json';

/** One transition as its AuditEvent row holds it. */
export interface LoggedTransition {
  seq: number;
  at: number;
  actor: string;
  action: string;
  fromState: string | null;
  toState: string | null;
  data: Record<string, unknown>;
}

export interface VolvoLifecycle {
  snapshot: IncidentSnapshot;
  transitions: LoggedTransition[];
}

function bodyOf(step: ApiStep): IncidentCommandBody<IncidentCommandName> {
  switch (step.kind) {
    case 'assign':
      return { group: step.group };
    case 'hold':
      return { reason: step.reason };
    case 'resolve':
      return { code: 'resolved', notes: 'Volvo IT log: Completed' };
    case 'reopen':
      return { reason: 'Volvo IT log: worked on again' };
    case 'cancel':
      return { reason: 'Volvo IT log: Completed/Cancelled' };
    default:
      return {};
  }
}

const day: [string, string] = ['08:00', '18:00'];
/**
 * Business hours for the log, an assumption (it does not say): Volvo IT Belgium's office hours,
 * Monday to Friday 08:00–18:00 Europe/Brussels, Belgian public holidays 2010–2012 closed.
 */
export const VOLVO_BUSINESS_HOURS: BusinessHoursCalendar & { holidays: string[] } = {
  timezone: 'Europe/Brussels',
  hours: { mon: day, tue: day, wed: day, thu: day, fri: day },
  // New Year, Easter Monday, Labour Day, Ascension, Whit Monday, National Day, Assumption, All Saints, Armistice, Christmas.
  holidays: [2010, 2011, 2012].flatMap((y) => [`${y}-01-01`, `${y}-05-01`, `${y}-07-21`, `${y}-08-15`, `${y}-11-01`, `${y}-11-11`, `${y}-12-25`]).concat(
    ['2010-04-05', '2010-05-13', '2010-05-24', '2011-04-25', '2011-06-02', '2011-06-13', '2012-04-09', '2012-05-17', '2012-05-28'],
  ).sort(),
};

const ACTOR = 'volvo-log';

/** The incident as its workflow would have recorded it, opened at its first logged row. */
export function volvoLifecycle(inc: VolvoIncident, ids: { id: string; number: string }, policy: SlaPolicy): VolvoLifecycle {
  const replay = replayVolvoIncident(inc);
  const openedAt = inc.events[0].at.getTime();
  const title = `Volvo ${inc.srNumber} ${inc.events[0].product}`.slice(0, 300);
  let s: IncidentRecordState = newIncident({ ...ids, workflowId: `incident-${ids.number}` }, ACTOR, { title, type: 'incident', ...impactOf(inc) }, policy, undefined, openedAt);
  const transitions: LoggedTransition[] = [{ seq: 1, at: openedAt, actor: ACTOR, action: 'create', fromState: null, toState: 'new', data: { slaName: policy.name } }];
  replay.steps.forEach((step, i) => {
    // A log row can come a moment before the opening row's time; the workflow's time never goes back.
    const at = Math.max(replay.times[i], s.snapshot.updatedAt);
    const from: IncidentState = s.snapshot.state;
    const next = nextState(from, step.kind);
    if (!next.ok) throw new Error(`${inc.srNumber}: ${next.reason}`);
    const effect = (commandEffects[step.kind] as (st: IncidentRecordState, b: unknown, to: IncidentState, now: number) => { snapshot: IncidentSnapshot; data?: Record<string, unknown> })(s, bodyOf(step), next.to, at);
    s = { ...s, snapshot: { ...effect.snapshot, updatedAt: at } };
    transitions.push({ seq: transitions.length + 1, at, actor: ACTOR, action: step.kind, fromState: from, toState: next.to, data: effect.data ?? {} });
  });
  return { snapshot: s.snapshot, transitions };
}

const AUDIT_COLUMNS = ['id', 'recordType', 'recordId', 'seq', 'at', 'actor', 'action', 'fromState', 'toState', 'data'] as const;

/**
 * Writes lifecycles as the workflow's transition writes would have left them: the incident row
 * through the incident store (its columns, clock JSON and clock columns from the final snapshot,
 * as the last transition wrote them) and every transition's AuditEvent row with the id, seq and
 * JSON the transition activity gives it (activities/record-transition.ts). One transaction per
 * call, rows in bulk: 7,554 incidents load in seconds instead of one workflow per incident.
 */
export async function writeLifecycles(db: Db, lifecycles: readonly VolvoLifecycle[]): Promise<void> {
  await db.$transaction(async (tx) => {
    for (const l of lifecycles) await incidentStore.write(tx, l.snapshot, l.transitions.length);
    const rows = lifecycles.flatMap((l) =>
      l.transitions.map((t) => ({ id: `aud-${l.snapshot.id}-${t.seq}`, recordType: 'incident', recordId: l.snapshot.id, seq: t.seq, at: new Date(t.at), actor: t.actor, action: t.action, fromState: t.fromState, toState: t.toState, data: toJson(t.data) })),
    );
    // Bound parameters per statement: SQLite allows 32,766, PostgreSQL 65,535.
    for (let i = 0; i < rows.length; i += 3000) await insertRows(tx, 'AuditEvent', AUDIT_COLUMNS, rows.slice(i, i + 3000));
  });
}
