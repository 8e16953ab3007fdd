import { IsoTimestamp, RecordRef } from './common';
import { z } from './zod';

/** Points per request: a batch is one multi-row insert, kept well under both databases' bound-parameter limits. */
export const MAX_METRIC_POINTS = 5000;

/** Prometheus-style names, so the text exposition adapter and the JSON body name metrics alike. */
export const MetricName = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:.]{0,99}$/, 'must be a metric name: letters, digits, _ : . (not first), at most 100')
  .openapi({ example: 'disk_used_percent' });

export const MetricPointBody = z.object({
  ciId: RecordRef.describe('the CI, by id or number'),
  metric: MetricName,
  at: IsoTimestamp,
  value: z.number().finite(),
});
export type MetricPointBody = z.infer<typeof MetricPointBody>;

export const MetricBatchBody = z.object({ points: z.array(MetricPointBody).min(1).max(MAX_METRIC_POINTS) }).openapi('MetricBatch');

export const MetricsAccepted = z
  .object({
    received: z.number().int().describe('points in the request'),
    stored: z.number().int().describe('points new to the store (a repeated point is kept once, as first received)'),
  })
  .openapi('MetricsAccepted');
