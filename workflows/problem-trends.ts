import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ProblemTrendActivities } from '../activities/problem-trends';
import type { ProblemTrendsInput, ProblemTrendsOutcome } from './contracts/problem-trends';
import * as SA from './contracts/search-attributes';

/**
 * One detection: a bounded number of attempts, each heartbeating per run and per group, so a
 * dead worker is noticed in a minute; a retry repeats the detection, and the activity's claims
 * make it report, not reopen, what an earlier attempt opened.
 */
const detection = proxyActivities<ProblemTrendActivities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 5 },
});

/**
 * Trend detection (proactive problem management): groups of incidents in the window before
 * the run (or over the requested period) open problems. Only the report passes through
 * history, never the incidents.
 */
export async function problemTrendsWorkflow(input: ProblemTrendsInput): Promise<ProblemTrendsOutcome> {
  const { workflowId } = workflowInfo();
  const to = input.to ? Date.parse(input.to) : Date.now();
  const from = input.from ? Date.parse(input.from) : to - input.config.windowMs;
  if (input.config.searchAttributes) {
    upsertSearchAttributes([
      { key: SA.RecordType, value: 'problem_trends' },
      { key: SA.RecordState, value: input.dryRun ? 'dry_run' : 'running' },
    ]);
  }
  const report = await detection.detectProblemTrends({ runId: workflowId, from, to, dryRun: input.dryRun === true, config: input.config });
  if (input.config.searchAttributes) upsertSearchAttributes([{ key: SA.RecordState, value: input.dryRun ? 'dry_run' : 'completed' }]);
  return report;
}
