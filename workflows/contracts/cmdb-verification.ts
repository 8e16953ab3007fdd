/** The CMDB verification process's contract: workflow type, ids, messages and inputs. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { VerificationCounts } from '../../domain/cmdb/verification';
import type { IncidentWorkflowConfig } from './incident';

/** Workflow type and ids, for code that starts it without importing it (API, Schedule). */
export const CMDB_VERIFICATION_WORKFLOW = 'cmdbVerificationWorkflow';
export const cmdbVerificationWorkflowId = (verificationId: string) => `cmdb-verification-${verificationId}`;

export interface CmdbVerificationConfig {
  /** Open an incident for each attribute drift on a CI in `incidentStatuses`. */
  openIncidents: boolean;
  incidentStatuses: string[];
  /** How the incident workflows it opens are configured (as the API would). */
  incident: IncidentWorkflowConfig;
  /** Off only on the time-skipping test server, which cannot register custom attributes. */
  searchAttributes: boolean;
  /** Drifted CIs handled per activity call (each opens at most that many incidents). */
  incidentBatchSize?: number;
}

export interface CmdbVerificationInput {
  /** Given by the API (it answers with it); a scheduled run derives one from its workflow. */
  verificationId?: string;
  /** Absent: the latest discovery snapshot. */
  snapshotId?: string;
  trigger: 'schedule' | 'api';
  requestedBy?: string;
  config: CmdbVerificationConfig;
}

/** The API's Update-with-Start: answers once the run's record exists, so a GET right after finds it. */
export const verificationAcceptedUpdate = defineUpdate<VerificationBegun, []>('accepted');
export const verificationProgressQuery = defineQuery<{ stage: string; begun: VerificationBegun | null; outcome: VerificationOutcome | null }>('progress');


export type VerificationStatus = 'running' | 'completed' | 'failed';

/** What the report's `summary` column holds. */
export interface VerificationSummaryData extends Partial<VerificationCounts> {
  snapshotId: string | null;
  source?: string;
  takenAt?: string;
  trigger?: string;
  requestedBy?: string | null;
  classes?: string[];
  comparedAt?: string;
  incidentsOpened?: number;
  incidentsExisting?: number;
  note?: string;
  error?: string;
}

export interface VerificationBegun {
  id: string;
  workflowId: string;
  snapshotId: string | null;
  status: VerificationStatus;
  startedAt: string;
}

export interface VerificationOutcome {
  id: string;
  status: VerificationStatus;
  summary: VerificationSummaryData;
}

