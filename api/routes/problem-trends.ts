import type { Role } from '../../domain/access';
import { DetectTrendsBody, TrendReportSchema } from '../../domain/schemas/problem-trends';
import { newId } from '../../infra/ids';
import { trendConfig } from '../../temporal/trend-schedule';
import { PROBLEM_TRENDS_WORKFLOW, problemTrendsWorkflowId, type ProblemTrendsInput, type ProblemTrendsOutcome } from '../../workflows/contracts/problem-trends';
import * as SA from '../../workflows/contracts/search-attributes';
import { route, type RouteDef } from '../route';

const OWNERS: readonly Role[] = ['problem_manager', 'admin'];

export function problemTrendRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/problems/detect',
      summary: 'Trend detection over a period: the problems it opens, or with dryRun the ones it would open',
      tag: 'Problems',
      roles: OWNERS,
      body: DetectTrendsBody,
      response: TrendReportSchema,
      async handler({ body, user, deps }) {
        const searchAttributes = deps.searchAttributes !== false;
        const input: ProblemTrendsInput = {
          trigger: 'api',
          from: new Date(body.from).toISOString(),
          to: new Date(body.to).toISOString(),
          dryRun: body.dryRun,
          requestedBy: user.id,
          config: trendConfig(deps.env, searchAttributes, { window: body.window, threshold: body.threshold }),
        };
        // The same workflow and activity as the Schedule's runs, so the API decides alike (and
        // the detection's queries run on a worker, not in the API process).
        return deps.temporal.workflow.execute<(i: ProblemTrendsInput) => Promise<ProblemTrendsOutcome>>(PROBLEM_TRENDS_WORKFLOW, {
          workflowId: problemTrendsWorkflowId(newId('trd')),
          taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
          args: [input],
          memo: { title: `Problem trend detection ${input.from} – ${input.to}${body.dryRun ? ' (dry run)' : ''}` },
          ...(searchAttributes ? { typedSearchAttributes: [{ key: SA.RecordType, value: 'problem_trends' }] } : {}),
        });
      },
    }),
  ];
}
