import { CiClass } from './ci';
import { IsoTimestamp, ListQuery, RecordRef, queryNumber } from './common';
import { z } from './zod';

/** Points per request: a batch is one multi-row insert, kept well under both databases' bound-parameter limits. */
export const MAX_METRIC_POINTS = 5000;

/** Prometheus-style names, so the text exposition adapter and the JSON body name metrics alike. */
export const MetricName = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:.]{0,99}$/, 'must be a metric name: letters, digits, _ : . (not first), at most 100')
  .openapi({ example: 'disk_used_percent' });

/**
 * A reading or level lies within ±10^15 in its unit (a petabyte in bytes; larger things are
 * measured in larger units). Near the double's limit a value cannot be stored (Prisma writes a
 * float as a 16-digit decimal: 1.7976931348623157e308 came back from SQLite as Infinity, and
 * PostgreSQL refused it), and a bound above 2^53 cannot be held to: 10^18 + 1 is 10^18 as a
 * double, so a client's schema check refuses what the server takes.
 */
export const MAX_MEASURE = 1e15;
const Measure = z.number().finite().min(-MAX_MEASURE).max(MAX_MEASURE);

export const MetricPointBody = z
  .object({
    ciId: RecordRef.describe('the CI, by id or number'),
    metric: MetricName,
    at: IsoTimestamp,
    value: Measure,
  })
  .strict();
export type MetricPointBody = z.infer<typeof MetricPointBody>;

export const MetricBatchBody = z.object({ points: z.array(MetricPointBody).min(1).max(MAX_METRIC_POINTS) }).strict().openapi('MetricBatch');
export type MetricBatchBody = z.infer<typeof MetricBatchBody>;

export const MetricsAccepted = z
  .object({
    received: z.number().int().describe('points in the request'),
    stored: z.number().int().describe('points new to the store (a repeated point is kept once, as first received)'),
  })
  .openapi('MetricsAccepted');

export const THRESHOLD_DIRECTIONS = ['above', 'below'] as const;
const Bound = Measure;
/** A critical level must hold this long before its alert is raised: at most a day. */
const MAX_SUSTAIN_SECONDS = 86_400;

/** The warning level comes before the critical one in the threshold's direction. */
function ordered(t: { warning?: number | null; critical?: number | null; direction?: string }, ctx: z.RefinementCtx) {
  if (t.warning == null || t.critical == null) return;
  const below = t.direction === 'below';
  if (below ? t.warning <= t.critical : t.warning >= t.critical) {
    ctx.addIssue({ code: 'custom', path: ['critical'], message: below ? 'must be below warning (direction below)' : 'must be above warning (direction above)' });
  }
}

const ThresholdLevels = {
  warning: Bound.nullable().optional().describe('the level that raises capacity.threshold.warning'),
  critical: Bound.nullable().optional().describe('the level that raises capacity.threshold.critical and, held for sustainSeconds, an alert'),
  limit: Bound.nullable().optional().describe('the capacity the forecast runs against (when the trend reaches it)'),
  direction: z.enum(THRESHOLD_DIRECTIONS).optional().describe('above (default): high is bad; below: low is bad'),
  sustainSeconds: z.number().int().min(0).max(MAX_SUSTAIN_SECONDS).optional().describe('how long a critical level must hold before its alert (default 300)'),
};

export const CreateThresholdBody = z
  .object({
    ciId: RecordRef.optional().describe('one CI (id or number); it wins over its class'),
    ciClass: CiClass.optional().describe('every CI of a class'),
    metric: MetricName,
    ...ThresholdLevels,
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.ciId === undefined) === (t.ciClass === undefined)) ctx.addIssue({ code: 'custom', path: ['ciId'], message: 'exactly one of ciId and ciClass is required' });
    if (t.warning == null && t.critical == null && t.limit == null) ctx.addIssue({ code: 'custom', path: ['warning'], message: 'at least one of warning, critical and limit is required' });
    ordered(t, ctx);
  })
  .openapi('CreateCapacityThreshold', {
    oneOf: [{ required: ['ciId'] }, { required: ['ciClass'] }],
    anyOf: [{ required: ['warning'] }, { required: ['critical'] }, { required: ['limit'] }],
  });
export type CreateThresholdBody = z.infer<typeof CreateThresholdBody>;

export const UpdateThresholdBody = z
  .object(ThresholdLevels)
  .strict()
  .refine((t) => Object.values(t).some((v) => v !== undefined), { message: 'nothing to change', path: ['warning'] })
  .openapi('UpdateCapacityThreshold', { minProperties: 1 });
export type UpdateThresholdBody = z.infer<typeof UpdateThresholdBody>;

/** The levels after an update must still make sense together; checked on the merged threshold. */
export const ThresholdLevelsCheck = z
  .object({ warning: Bound.nullable(), critical: Bound.nullable(), limit: Bound.nullable(), direction: z.enum(THRESHOLD_DIRECTIONS) })
  .superRefine((t, ctx) => {
    if (t.warning == null && t.critical == null && t.limit == null) ctx.addIssue({ code: 'custom', path: ['warning'], message: 'at least one of warning, critical and limit must remain' });
    ordered(t, ctx);
  });

export const ThresholdQuery = ListQuery.extend({
  ciId: RecordRef.optional(),
  ciClass: CiClass.optional(),
  metric: MetricName.optional(),
});

export const ThresholdRecord = z
  .object({
    id: z.string(),
    number: z.string(),
    ciId: z.string().nullable(),
    ciNumber: z.string().nullable(),
    ciClass: z.string().nullable(),
    metric: z.string(),
    warning: z.number().nullable(),
    critical: z.number().nullable(),
    limit: z.number().nullable(),
    direction: z.enum(THRESHOLD_DIRECTIONS),
    sustainSeconds: z.number().int(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('CapacityThreshold');
export type ThresholdRecord = z.infer<typeof ThresholdRecord>;

export const MetricsIngested = MetricsAccepted.extend({
  events: z.number().int().describe('threshold crossings raised by the batch (capacity.threshold.*)'),
  alerts: z.number().int().describe('sustained critical levels handed to their monitoring alert'),
}).openapi('MetricsIngested');

/** Rows one capacity report shows at most: the report is a ranking, read from the top. */
export const MAX_CAPACITY_ROWS = 500;

export const CapacityReportQuery = z
  .object({
    metric: MetricName.optional(),
    ciClass: CiClass.optional(),
    horizonDays: queryNumber(z.number().int().min(0).max(3650)).optional().describe('only series forecast to reach their limit within this many days'),
    limit: z.coerce.number().int().min(1).max(MAX_CAPACITY_ROWS).default(100),
  })
  .strict();

export const CapacityReportRow = z.object({
  ciId: z.string(),
  ciNumber: z.string(),
  ciName: z.string(),
  ciClass: z.string(),
  ownerGroup: z.string().nullable(),
  metric: z.string(),
  limit: z.number(),
  lastValue: z.number(),
  slopePerDay: z.number().describe('the fitted trend, in the metric\'s units per day'),
  points: z.number().int().describe('hourly means the trend was fitted over'),
  exhaustAt: z.string().nullable().describe('when the trend reaches the limit; null: it does not'),
  daysToExhaustion: z.number().int().nullable(),
  computedAt: z.string(),
  problemNumber: z.string().nullable().describe('the capacity problem raised for it'),
  sparkline: z.string().describe('inline SVG of the daily means over the last 30 days, the limit dashed'),
});
export type CapacityReportRow = z.infer<typeof CapacityReportRow>;

export const CapacityReport = z
  .object({
    asOf: z.string().describe('now: days to exhaustion count from here'),
    items: z.array(CapacityReportRow),
  })
  .openapi('CapacityReport');

/** Where agents push the Prometheus text exposition format (text/plain). */
export const PROMETHEUS_PATH = '/api/v1/metrics/prometheus';
/** An exposition of MAX_METRIC_POINTS samples with labels fits well within this. */
export const PROMETHEUS_MAX_BYTES = 2 * 1024 * 1024;

export const PrometheusQuery = z
  .object({ ciId: RecordRef.optional().describe("the CI of samples without a ci label (id or number)") })
  .strict();

export const PrometheusText = z.string().openapi({
  description: 'Prometheus text exposition format 0.0.4: `name{ci="CI0000042",…} value [timestamp_ms]` per line; # lines skipped',
  example: '# TYPE disk_used_percent gauge\ndisk_used_percent{ci="CI0000042",mount="/"} 71.5 1793534400000\n',
});

export const PrometheusIngested = MetricsIngested.extend({
  skipped: z.number().int().describe('samples with NaN or infinite values (no reading), not stored'),
}).openapi('PrometheusIngested');
