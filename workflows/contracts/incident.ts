/**
 * The incident process's contract: workflow type, id scheme, messages and inputs. The API
 * and other processes import this, never the workflow implementation.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { IncidentRecordState } from '../../domain/incident/lifecycle';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { slaBreached, type IncidentSnapshot, type IncidentView } from '../../domain/incident/snapshot';
import * as SA from './search-attributes';
import type { PriorityMatrix } from '../../domain/priority';
import type { CreateIncidentBody, IncidentCommandBody, IncidentCommandName } from '../../domain/schemas/incident';
import type { CommandInput, RecordConfig } from './record';

export const INCIDENT_WORKFLOW = 'incidentWorkflow';
export const incidentWorkflowId = (number: string) => `incident-${number}`;

export interface IncidentWorkflowConfig extends RecordConfig {
  autoCloseMs: number;
  /** Absent: the default matrix of api.md. Fixed per incident when it is opened. */
  priorityMatrix?: PriorityMatrix;
  /** Present: a P1 resolved without a linked problem raises one, configured so. */
  majorIncidentProblem?: { observationMs: number; config: RecordConfig };
}

export interface CreateIncidentInput {
  actor: string;
  body: CreateIncidentBody;
}

/** What the workflow carries across continue-as-new. */
export interface IncidentCarriedState extends IncidentRecordState {
  seq: number;
}

export interface IncidentWorkflowInput {
  id: string;
  number: string;
  config: IncidentWorkflowConfig;
  carried?: IncidentCarriedState;
  /** Started from an incident the API wrote itself (see the kernel's RecordInput). */
  adopted?: { eventIds: string[]; notificationIds: string[] };
}

/** What an incident shows in the engine's visibility: set by its workflow, and at the start of an adopted one. */
export const incidentSearchAttributes = (s: IncidentSnapshot, now: number): SearchAttributeUpdatePair[] => [
  { key: SA.RecordType, value: 'incident' },
  { key: SA.RecordNumber, value: s.number },
  { key: SA.RecordState, value: s.state },
  { key: SA.Priority, value: s.priority },
  { key: SA.AssignmentGroup, value: s.assignmentGroup },
  { key: SA.SlaBreached, value: slaBreached(s, now) },
];

export type IncidentCommandInput<K extends IncidentCommandName> = CommandInput<IncidentCommandBody<K>>;

export const createIncidentUpdate = defineUpdate<IncidentView, [CreateIncidentInput]>('create');
export const incidentCommandUpdates = {
  assign: defineUpdate<IncidentView, [IncidentCommandInput<'assign'>]>('assign'),
  acknowledge: defineUpdate<IncidentView, [IncidentCommandInput<'acknowledge'>]>('acknowledge'),
  hold: defineUpdate<IncidentView, [IncidentCommandInput<'hold'>]>('hold'),
  resume: defineUpdate<IncidentView, [IncidentCommandInput<'resume'>]>('resume'),
  resolve: defineUpdate<IncidentView, [IncidentCommandInput<'resolve'>]>('resolve'),
  reopen: defineUpdate<IncidentView, [IncidentCommandInput<'reopen'>]>('reopen'),
  close: defineUpdate<IncidentView, [IncidentCommandInput<'close'>]>('close'),
  cancel: defineUpdate<IncidentView, [IncidentCommandInput<'cancel'>]>('cancel'),
  escalate: defineUpdate<IncidentView, [IncidentCommandInput<'escalate'>]>('escalate'),
  notes: defineUpdate<IncidentView, [IncidentCommandInput<'notes'>]>('notes'),
  impact: defineUpdate<IncidentView, [IncidentCommandInput<'impact'>]>('impact'),
  restrict: defineUpdate<IncidentView, [IncidentCommandInput<'restrict'>]>('restrict'),
  outage: defineUpdate<IncidentView, [IncidentCommandInput<'outage'>]>('outage'),
  review: defineUpdate<IncidentView, [IncidentCommandInput<'review'>]>('review'),
} as const satisfies { [K in IncidentCommandName]: unknown };
/** Problem management links an incident to a problem (from the problem's side; no HTTP route of its own). */
export interface LinkProblemBody {
  problemId: string;
  problemNumber: string;
}
export const linkProblemUpdate = defineUpdate<IncidentView, [CommandInput<LinkProblemBody>]>('linkProblem');

/** `POST /incidents/:id/apply-workaround {knownErrorId}`, the known error resolved by the API. */
export interface ApplyWorkaroundPayload {
  knownErrorId: string;
  knownErrorNumber: string;
  problemId: string;
  problemNumber: string;
  workaround: string;
}
export const applyWorkaroundUpdate = defineUpdate<IncidentView, [CommandInput<ApplyWorkaroundPayload>]>('apply-workaround');

export const getIncidentQuery = defineQuery<IncidentView | null>('getIncident');
