import { z, type Agree } from './zod';
import { validateCalendar } from '../calendar';
import type { SlaClock } from '../sla/clock';
import type { AgreementClock } from '../sla/agreement-clocks';
import type { HoldReason } from '../sla/policy';
import { IsoDuration, NOT_BLANK, PriorityEnum, RecordRef } from './common';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM');
/**
 * A pair ['HH:MM', 'HH:MM'], validated as an array of exactly two rather than a z.tuple: both places
 * hold the same type, and `items` + `minItems`/`maxItems` reads the same in every JSON Schema draft,
 * where a tuple's `prefixItems` did not (schemathesis 4.32 turns it into a draft-4 `items: [...]`
 * and then rejects the response schema as invalid 3.1). Typed as the pair it is.
 */
const Day = z.array(HHMM).min(2).max(2) as unknown as z.ZodType<[string, string]>;

export const BusinessHoursCalendar = z
  .object({
    timezone: z.string().min(1),
    hours: z
      .object({ mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day })
      .partial()
      .strict(),
    holidays: z.array(z.iso.date({ message: 'must be a date YYYY-MM-DD' })).max(1000).default([]),
  })
  .strict()
  .superRefine((cal, ctx) => {
    for (const problem of validateCalendar(cal)) ctx.addIssue({ code: 'custom', message: problem });
  });

export const CalendarSchema = z.union([z.literal('24x7'), BusinessHoursCalendar]);

export const ClockTargetsSchema = z.object({ response: IsoDuration, resolution: IsoDuration }).strict();

export const HoldReasonEnum = z.enum(['awaiting_caller', 'awaiting_supplier', 'other']);
true satisfies Agree<HoldReason, typeof HoldReasonEnum>;

export const EscalationRuleSchema = z
  .object({
    warnAtPercent: z.number().min(1).max(99),
    functional: z.boolean(),
    hierarchical: z.boolean(),
  })
  .partial()
  .strict();

/** The terms of an SLA as its row stores them (one JSON column each) and the API takes them. */
export const SlaKind = z.enum(['SLA', 'OLA', 'UC']);
export const SlaTargetsSchema = z.object({ P1: ClockTargetsSchema, P2: ClockTargetsSchema, P3: ClockTargetsSchema, P4: ClockTargetsSchema, P5: ClockTargetsSchema }).strict();
// The generated document drops a record's key schema: stated here, so clients know the keys are priorities.
export const SlaEscalationSchema = z.partialRecord(PriorityEnum, EscalationRuleSchema).openapi({ propertyNames: { enum: [...PriorityEnum.options] } } as object);
export const PauseOnSchema = z.array(HoldReasonEnum);

/** An incident's SLA clocks as stored with it (domain/sla/clock.ts); times are epoch ms. */
export const SlaClockSchema = z.object({
  openedAt: z.number(),
  calendar: CalendarSchema,
  responseTarget: IsoDuration,
  resolutionTarget: IsoDuration,
  responseMetAt: z.number().nullable(),
  resolutionMetAt: z.number().nullable(),
  pausedSince: z.number().nullable(),
  pausedWallMs: z.number().nonnegative(),
  pausedBusinessMs: z.number().nonnegative(),
  reopenedWallMs: z.number().nonnegative().optional(),
});
true satisfies Agree<SlaClock, typeof SlaClockSchema>;

/** An OLA or UC clock as stored with its incident (domain/sla/agreement-clocks.ts). */
export const AgreementClockSchema = z.object({
  kind: z.enum(['OLA', 'UC']),
  agreementId: z.string(),
  agreementVersion: z.number().int(),
  name: z.string(),
  team: z.string().nullable(),
  supplier: z.string().nullable(),
  priority: PriorityEnum,
  targets: SlaTargetsSchema,
  warnAtPercent: z.number(),
  hierarchical: z.boolean(),
  pauseOn: PauseOnSchema,
  clock: SlaClockSchema,
  stoppedAt: z.number().nullable(),
  stopReason: z.enum(['handed_on', 'resolved', 'supplier_answered', 'cancelled']).nullable(),
});
true satisfies Agree<AgreementClock, typeof AgreementClockSchema>;

const AvailabilityTarget = z.number().gt(0).max(100).describe('percent of the agreed service hours, e.g. 99.9');

export const CreateSlaBody = z
  .object({
    name: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }),
    kind: SlaKind,
    serviceId: RecordRef.optional(),
    supplier: z.string().maxChars(200).optional(),
    team: z.string().maxChars(200).optional(),
    calendar: CalendarSchema.default('24x7'),
    targets: SlaTargetsSchema,
    escalation: SlaEscalationSchema.optional(),
    pauseOn: PauseOnSchema.default(['awaiting_caller']),
    isDefault: z.boolean().default(false),
    availabilityTarget: AvailabilityTarget.optional(),
  })
  .strict();
export type CreateSlaBody = z.infer<typeof CreateSlaBody>;

/**
 * `PATCH /slas/:id`: new terms make a new version; what the agreement applies to (kind, service,
 * group, supplier) is not a term and is not edited. Fields left out keep their current value.
 */
export const UpdateSlaBody = z
  .object({
    name: CreateSlaBody.shape.name,
    calendar: CalendarSchema,
    targets: SlaTargetsSchema,
    escalation: SlaEscalationSchema,
    pauseOn: PauseOnSchema,
    availabilityTarget: AvailabilityTarget.nullable(),
  })
  .partial()
  .strict();
export type UpdateSlaBody = z.infer<typeof UpdateSlaBody>;

/** Where an agreement's targets cannot fit together: an OLA/UC chain longer than the SLA it supports. */
export const SlaWarning = z.object({
  code: z.enum(['chain_exceeds_sla', 'ola_response_exceeds_sla']),
  serviceId: z.string().nullable(),
  priority: PriorityEnum,
  sla: z.object({ id: z.string(), name: z.string(), target: z.string() }),
  chain: z.array(z.object({ id: z.string(), name: z.string(), kind: SlaKind, target: z.string() })),
  message: z.string(),
});
export type SlaWarning = z.infer<typeof SlaWarning>;

export const SlaVersionRecord = z.object({
  version: z.number().int(),
  name: z.string(),
  calendar: CalendarSchema,
  targets: SlaTargetsSchema,
  escalation: SlaEscalationSchema,
  pauseOn: PauseOnSchema,
  availabilityTarget: z.number().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});

export const SlaRecord = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  kind: SlaKind,
  serviceId: z.string().nullable(),
  serviceNumber: z.string().nullable(),
  supplier: z.string().nullable(),
  team: z.string().nullable(),
  calendar: CalendarSchema,
  targets: SlaTargetsSchema,
  escalation: SlaEscalationSchema,
  pauseOn: PauseOnSchema,
  isDefault: z.boolean(),
  createdAt: z.string(),
  /** Set when the agreement was retired (DELETE): no new incident gets it; incidents that have it keep their clocks. */
  retiredAt: z.string().nullable(),
  retiredBy: z.string().nullable(),
  availabilityTarget: z.number().nullable(),
  /** Editing the terms (PATCH) makes a new version; incidents keep the one they were opened with unless re-prioritised. */
  version: z.number().int(),
  updatedAt: z.string().nullable(),
  /** Present on a create or an edit: where OLA/UC targets cannot fit inside the SLA they support. */
  warnings: z.array(SlaWarning).optional(),
});
export type SlaRecord = z.infer<typeof SlaRecord>;
