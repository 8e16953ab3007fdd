/** What-if simulation of an agreement's terms over past incidents: POST /slas/:id/simulate and its record. */
import { z } from './zod';
import { IsoTimestamp, PriorityEnum } from './common';
import { CalendarSchema, PauseOnSchema, SlaEscalationSchema, SlaTargetsSchema } from './sla';

/**
 * The proposed terms, as the agreement's own body takes them; what is left out keeps the
 * agreement's current value. Targets per priority: the ones named replace theirs.
 */
export const SimulationChanges = z
  .object({
    targets: SlaTargetsSchema.partial().optional(),
    calendar: CalendarSchema.optional(),
    pauseOn: PauseOnSchema.optional(),
    escalation: SlaEscalationSchema.optional().describe('accepted for completeness: escalation rules move no SLA clock, so they change no figure'),
  })
  .strict();
export type SimulationChanges = z.infer<typeof SimulationChanges>;

export const SimulateSlaBody = z
  .object({
    changes: SimulationChanges.default({}),
    from: IsoTimestamp.describe("the period's start: incidents of this agreement opened from this instant"),
    to: IsoTimestamp.describe("the period's end: incidents opened before this instant (must be after from)"),
  })
  .strict();
export type SimulateSlaBody = z.infer<typeof SimulateSlaBody>;

const Counts = z.object({ met: z.number().int(), breached: z.number().int(), pending: z.number().int(), attainment: z.number().nullable().describe('met ÷ (met + breached), percent; null when none was decided') });
const Comparison = z.object({ incidents: z.number().int(), before: Counts, after: Counts });
const ClockName = z.enum(['response', 'resolution']);
const Side = z.object({ dueAt: z.string(), breached: z.boolean() });

export const SimulationResult = z.object({
  byPriority: z.array(z.object({ priority: PriorityEnum, response: Comparison, resolution: Comparison })),
  total: z.object({ incidents: z.number().int(), response: Comparison, resolution: Comparison }),
  flips: z.array(z.object({ incidentId: z.string(), number: z.string(), priority: PriorityEnum, clock: ClockName, before: Side, after: Side })).describe('records whose clock would flip between met and breached (at most 500, in opening order)'),
  flipsTotal: z.number().int(),
});

export const SimulationStatus = z.enum(['running', 'completed', 'failed']);

export const SlaSimulationRecord = z.object({
  id: z.string(),
  number: z.string(),
  slaId: z.string(),
  status: SimulationStatus,
  progress: z.object({ processed: z.number().int(), total: z.number().int() }),
  changes: SimulationChanges,
  from: z.string(),
  to: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  /** When completed: recorded clocks (before) against the replayed ones (after), as of the simulation's start. */
  result: SimulationResult.nullable(),
  error: z.string().nullable(),
  links: z.object({ self: z.string(), agreement: z.string() }),
});
export type SlaSimulationRecord = z.infer<typeof SlaSimulationRecord>;
