/** Trend detection's contract: workflow type, ids and input, for the Schedule and the API. */
import type { TrendReportView } from '../../domain/schemas/problem-trends';
import type { ProblemWorkflowConfig } from './problem';

export const PROBLEM_TRENDS_WORKFLOW = 'problemTrendsWorkflow';
/** API runs; a scheduled run's id is the Schedule's (`problem-trends-run-<time>`). */
export const problemTrendsWorkflowId = (requestId: string) => `problem-trends-${requestId}`;

export interface ProblemTrendsConfig {
  windowMs: number;
  threshold: number;
  /** The observation period of the problems it opens. */
  observationMs: number;
  problem: ProblemWorkflowConfig;
  dependencyDepth?: number;
  maxProblems?: number;
  /** Off only on the time-skipping test server, which cannot register custom attributes. */
  searchAttributes: boolean;
}

export interface ProblemTrendsInput {
  trigger: 'schedule' | 'api';
  /** A past period (the API); a scheduled run covers the window before its start. */
  from?: string;
  to?: string;
  dryRun?: boolean;
  requestedBy?: string;
  config: ProblemTrendsConfig;
}

export type ProblemTrendsOutcome = TrendReportView;
