import { z } from './zod';
import { IsoTimestamp, NOT_BLANK } from './common';

export const AvailabilityQuery = z.object({
  serviceId: z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK }).describe('the service (id or number)'),
  from: IsoTimestamp.describe('start of the period'),
  to: IsoTimestamp.describe('end of the period (exclusive); a period reaching past now is measured up to now'),
  format: z.enum(['json', 'csv']).optional().describe('json (default) or csv (`Accept: text/csv` too)'),
});
export type AvailabilityQuery = z.infer<typeof AvailabilityQuery>;

const Ms = z.number().int().nullable();
export const AvailabilityReport = z.object({
  serviceId: z.string(),
  serviceNumber: z.string(),
  serviceName: z.string(),
  from: z.string(),
  to: z.string(),
  asOf: z.string().describe('min(to, now): figures are measured up to here'),
  generatedAt: z.string(),
  agreement: z.object({ id: z.string(), number: z.string(), name: z.string() }).nullable().describe("the service's SLA (not retired), else the default; null: none (24x7, no target)"),
  availability: z.number().nullable().describe('percent of the agreed service time the service was up; null when none was agreed yet'),
  projectedAvailability: z.number().nullable().describe('over the whole period, the time after now taken as available'),
  target: z.number().nullable(),
  meetsTarget: z.boolean().nullable(),
  agreedMs: z.number().int().describe('agreed service time: the service hours of the agreement\'s calendar in the period'),
  downtimeMs: z.number().int().describe('unplanned downtime in the service hours (planned windows left out)'),
  downtimeMinutes: z.number(),
  plannedDowntimeMs: z.number().int().describe("the changes' implementation windows in the service hours"),
  plannedDowntimeMinutes: z.number(),
  outages: z.number().int().describe('service breaks: recorded outages (overlapping ones merged) with unplanned downtime in the service hours'),
  mtbfMs: Ms.describe('mean time between failures: uptime ÷ outages'),
  mtrsMs: Ms.describe('mean time to restore service: downtime ÷ outages'),
  mtbsiMs: Ms.describe('mean time between service incidents: agreed time ÷ outages'),
  records: z.object({
    outages: z.array(z.object({ number: z.string(), incidentId: z.string().nullable(), incidentNumber: z.string().nullable(), start: z.string(), end: z.string().nullable() })),
    planned: z.array(z.object({ changeId: z.string(), changeNumber: z.string(), title: z.string(), start: z.string(), end: z.string() })),
  }),
});
export type AvailabilityReport = z.infer<typeof AvailabilityReport>;
