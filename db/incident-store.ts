import type { Incident } from '../generated/prisma-sqlite/client';
import { slaBreached, type IncidentSnapshot } from '../domain/incident/snapshot';
import type { IncidentState } from '../domain/incident/state-machine';
import type { SlaClock } from '../domain/sla/clock';
import type { Tx } from './client';
import { toJson } from './json';
import { writeIfNewer, type RecordStore } from './record-store';

/** Incidents: typed columns for every field the API filters on, the SLA clock as JSON. */
export const incidentStore: RecordStore<IncidentSnapshot> = {
  recordType: 'incident',
  async write(tx: Tx, s: IncidentSnapshot, seq: number) {
    const row = {
      number: s.number,
      workflowId: s.workflowId,
      type: s.type,
      title: s.title,
      description: s.description,
      impact: s.impact,
      urgency: s.urgency,
      priority: s.priority,
      state: s.state,
      serviceId: s.serviceId,
      ciId: s.ciId,
      category: s.category,
      callerId: s.callerId,
      assignmentGroup: s.assignmentGroup,
      assignee: s.assignee,
      escalationLevel: s.escalationLevel,
      holdReason: s.holdReason,
      resolutionCode: s.resolutionCode,
      resolutionNotes: s.resolutionNotes,
      sla: toJson({ slaId: s.slaId, clock: s.clock }),
      slaBreached: slaBreached(s, s.updatedAt),
      openedAt: new Date(s.openedAt),
      resolvedAt: s.resolvedAt === null ? null : new Date(s.resolvedAt),
      closedAt: s.closedAt === null ? null : new Date(s.closedAt),
      createdBy: s.createdBy,
      version: seq,
    };
    await writeIfNewer(tx.incident, s.id, seq, row);
  },
};

export function incidentFromRow(row: Incident): IncidentSnapshot {
  const sla = JSON.parse(row.sla) as { slaId: string; clock: SlaClock };
  return {
    id: row.id,
    number: row.number,
    workflowId: row.workflowId,
    type: row.type as IncidentSnapshot['type'],
    title: row.title,
    description: row.description,
    impact: row.impact as IncidentSnapshot['impact'],
    urgency: row.urgency as IncidentSnapshot['urgency'],
    priority: row.priority as IncidentSnapshot['priority'],
    state: row.state as IncidentState,
    serviceId: row.serviceId,
    ciId: row.ciId,
    category: row.category,
    callerId: row.callerId,
    assignmentGroup: row.assignmentGroup,
    assignee: row.assignee,
    escalationLevel: row.escalationLevel,
    holdReason: row.holdReason as IncidentSnapshot['holdReason'],
    resolutionCode: row.resolutionCode,
    resolutionNotes: row.resolutionNotes,
    slaId: sla.slaId,
    clock: sla.clock,
    openedAt: row.openedAt.getTime(),
    resolvedAt: row.resolvedAt?.getTime() ?? null,
    closedAt: row.closedAt?.getTime() ?? null,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt.getTime(),
  };
}

