/**
 * What-if simulation over the database: the proposed terms, the incidents of a period page by
 * page with their audit trails, replayed and tallied (domain/sla/simulation.ts). Only reads,
 * except the simulation's own row (its progress and result).
 *
 * The period: incidents of the agreement (their `slaId`, whichever version they ran on) opened
 * in [from, to). Each is replayed under the agreement's current terms with the changes applied,
 * against the clock its workflow recorded, both as of the simulation's start.
 */
import type { Sla, SlaSimulation } from '../generated/prisma-sqlite/client';
import type { Db } from '../db/client';
import { slaPolicyOf } from '../db/columns';
import { parseJson } from '../db/json';
import { PriorityEnum } from '../domain/schemas/common';
import { IncidentSlaColumn } from '../domain/schemas/incident';
import { SimulationChanges, SimulationResult, type SlaSimulationRecord } from '../domain/schemas/sla-simulation';
import type { ReplayPolicy } from '../domain/sla/replay';
import { emptyTally, mergeTallies, tallyIncidents, type SimulatedIncident, type SimulationCursor, type SimulationTally } from '../domain/sla/simulation';
import { ValidationFailed } from './errors';

/** The agreement's terms now, with the proposed changes over them. */
export function proposedPolicy(row: Sla, changes: SimulationChanges): ReplayPolicy {
  const current = slaPolicyOf(row);
  return {
    calendar: changes.calendar ?? current.calendar,
    targets: { ...current.targets, ...changes.targets },
    pauseOn: changes.pauseOn ?? current.pauseOn,
  };
}

/** [from, to) as epoch ms; `to` must come after `from`. */
export function simulationPeriod(body: { from: string; to: string }): { from: number; to: number } {
  const from = Date.parse(body.from);
  const to = Date.parse(body.to);
  if (!(to > from)) throw new ValidationFailed('to must be after from', [{ path: 'to', message: 'must be after from' }]);
  return { from, to };
}

export interface SimulationScope {
  slaId: string;
  from: number;
  to: number;
}

const inPeriod = (s: SimulationScope) => ({ slaId: s.slaId, openedAt: { gte: new Date(s.from), lt: new Date(s.to) } });

export function countPeriod(db: Db, scope: SimulationScope): Promise<number> {
  return db.incident.count({ where: inPeriod(scope) });
}

/** One page of the period, each incident with its recorded clock and its audit trail in order. */
export async function loadSimulatedIncidents(db: Db, scope: SimulationScope, after: SimulationCursor | null, limit: number): Promise<SimulatedIncident[]> {
  const rows = await db.incident.findMany({
    where: {
      ...inPeriod(scope),
      ...(after ? { OR: [{ openedAt: { gt: new Date(after.openedAt) } }, { openedAt: new Date(after.openedAt), id: { gt: after.id } }] } : {}),
    },
    orderBy: [{ openedAt: 'asc' }, { id: 'asc' }],
    take: limit,
    select: { id: true, number: true, priority: true, openedAt: true, sla: true },
  });
  if (!rows.length) return [];
  const events = await db.auditEvent.findMany({
    where: { recordType: 'incident', recordId: { in: rows.map((r) => r.id) } },
    orderBy: [{ recordId: 'asc' }, { seq: 'asc' }],
    select: { recordId: true, at: true, action: true, fromState: true, data: true },
  });
  const trails = new Map<string, SimulatedIncident['transitions'][number][]>();
  for (const e of events) {
    const list = trails.get(e.recordId) ?? [];
    list.push({ at: e.at.getTime(), action: e.action, fromState: e.fromState, data: JSON.parse(e.data) as Record<string, unknown> });
    trails.set(e.recordId, list);
  }
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    priority: PriorityEnum.parse(r.priority),
    openedAt: r.openedAt.getTime(),
    recorded: parseJson(IncidentSlaColumn, r.sla, { recordType: 'incident', recordId: r.id, field: 'sla' }).clock,
    transitions: trails.get(r.id) ?? [],
  }));
}

/** One page replayed and tallied, with where the next page starts (null: the period is done). */
export async function simulatePage(
  db: Db,
  scope: SimulationScope,
  page: { after: SimulationCursor | null; limit: number; policy: ReplayPolicy; asOf: number },
): Promise<{ tally: SimulationTally; next: SimulationCursor | null }> {
  const incidents = await loadSimulatedIncidents(db, scope, page.after, page.limit);
  const last = incidents[incidents.length - 1];
  return {
    tally: tallyIncidents(emptyTally(), incidents, page.policy, page.asOf),
    next: incidents.length < page.limit ? null : { openedAt: last.openedAt, id: last.id },
  };
}

export function simulationView(row: SlaSimulation): SlaSimulationRecord {
  return {
    id: row.id,
    number: row.number,
    slaId: row.slaId,
    status: row.status as SlaSimulationRecord['status'],
    progress: { processed: row.processed, total: row.total },
    changes: SimulationChanges.parse(JSON.parse(row.changes)),
    from: row.periodFrom.toISOString(),
    to: row.periodTo.toISOString(),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    result: row.result === null ? null : SimulationResult.parse(JSON.parse(row.result)),
    error: row.error,
    links: { self: `/api/v1/slas/${row.slaId}/simulations/${row.id}`, agreement: `/api/v1/slas/${row.slaId}` },
  };
}

/**
 * A whole period in one process, page after page as the workflow goes through it (its pages are
 * `simulatePage` too): for scripts and benchmarks that have no worker to hand.
 */
export async function simulatePeriod(db: Db, scope: SimulationScope, run: { policy: ReplayPolicy; asOf: number; limit: number }): Promise<SimulationTally> {
  let tally = emptyTally();
  let after: SimulationCursor | null = null;
  do {
    const page = await simulatePage(db, scope, { ...run, after });
    tally = mergeTallies(tally, page.tally);
    after = page.next;
  } while (after);
  return tally;
}
