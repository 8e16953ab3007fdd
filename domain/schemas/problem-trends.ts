import { z } from './zod';
import { IsoDuration, IsoTimestamp } from './common';

/** The longest period one detection request replays (two years, leap day included). */
export const MAX_DETECTION_DAYS = 731;
/** `POST /api/v1/problems/detect`: trend detection over a past period, or its dry run. */
export const DetectTrendsBody = z
  .object({
    from: IsoTimestamp,
    to: IsoTimestamp,
    /** Report what would be opened, open nothing. */
    dryRun: z.boolean().default(false),
    /** Each run's sliding window (default PROBLEM_TREND_WINDOW); a longer period is replayed one day at a time. */
    window: IsoDuration.optional(),
    /** Incidents a group needs (default PROBLEM_TREND_THRESHOLD). */
    threshold: z.number().int().min(2).max(10_000).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (Date.parse(b.to) <= Date.parse(b.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    // A longer period is replayed one day at a time: a century was twenty thousand runs, minutes of work for one request.
    else if (Date.parse(b.to) - Date.parse(b.from) > MAX_DETECTION_DAYS * 86_400_000) ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_DETECTION_DAYS} days after from` });
  });
export type DetectTrendsBody = z.infer<typeof DetectTrendsBody>;

const Finding = z.object({
  key: z.string().describe('ci:<id>, service:<id> or category:<name>: the problem’s trendKey'),
  kind: z.enum(['ci', 'service', 'category']),
  label: z.string(),
  title: z.string(),
  status: z.enum(['opened', 'would_open']),
  problem: z.string().nullable().describe('the problem number; null in a dry run'),
  incidents: z.number().int(),
  linked: z.number().int(),
  sample: z.array(z.string()),
  window: z.object({ from: z.string(), to: z.string() }),
});

export const TrendReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  window: z.string(),
  threshold: z.number().int(),
  dryRun: z.boolean(),
  runs: z.number().int().describe('detection runs replayed over the period (one per day when it is longer than the window)'),
  problems: z.array(Finding),
  existing: z.array(z.object({ key: z.string(), label: z.string(), incidents: z.number().int(), problem: z.string() })),
  skipped: z.array(z.object({ key: z.string(), reason: z.string() })),
  deferred: z.number().int(),
});
export type TrendReportView = z.infer<typeof TrendReportSchema>;
