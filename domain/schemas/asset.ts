import { z } from './zod';
import { CiClass, CiRecord, CiStatus } from './ci';
import { DATE_OR_TIMESTAMP_PATTERN, ListQuery, NOT_BLANK, RecordRef } from './common';
import { DEPRECIATION_METHODS } from '../cmdb/depreciation';

/** ISO-4217 codes as the runtime's ICU knows them (EUR, USD, GBP, JPY, …). */
const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));
export const isCurrencyCode = (s: string) => /^[A-Z]{3}$/.test(s) && ISO_4217.has(s);

/** Documented as the list of codes itself, so a client (or a fuzzer) knows which ones are taken. */
export const CurrencyCode = z
  .enum([...ISO_4217].filter((c) => /^[A-Z]{3}$/.test(c)).sort() as [string, ...string[]], { message: 'must be an ISO-4217 currency code in capitals, such as EUR or USD' })
  .meta({ example: 'EUR' });

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** A calendar date (`2024-01-31`, midnight UTC) or an ISO-8601 timestamp with offset. */
export function parseDateOrTimestamp(s: string): Date | null {
  if (!DATE_RE.test(s) && !DATETIME_RE.test(s)) return null;
  const d = new Date(DATE_RE.test(s) ? `${s}T00:00:00.000Z` : s);
  if (Number.isNaN(d.getTime())) return null;
  // reject dates the Date constructor silently rolls over (2024-02-30)
  if (DATE_RE.test(s) && d.toISOString().slice(0, 10) !== s) return null;
  return d;
}
const DATE_OR_TIMESTAMP = 'must be an ISO-8601 date (2024-01-31) or timestamp (2024-01-31T09:00:00Z)';
/** Documented by its pattern (real calendar dates; a time needs an offset), which is what it takes. */
export const DateOrTimestamp = z
  .string()
  .regex(DATE_OR_TIMESTAMP_PATTERN, { message: DATE_OR_TIMESTAMP, abort: true })
  .refine((s) => parseDateOrTimestamp(s) !== null, { message: DATE_OR_TIMESTAMP });

const money = z.number().finite().nonnegative().max(1e12);
const text = (max: number) => z.string().trim().min(1).maxChars(max).openapi({ pattern: NOT_BLANK });

/** The asset (financial) fields of a CI; `null` clears one. */
export const AssetFields = z
  .object({
    purchaseDate: DateOrTimestamp.nullable().optional(),
    cost: money.nullable().optional(),
    currency: CurrencyCode.nullable().optional(),
    depreciationMethod: z.enum(DEPRECIATION_METHODS).nullable().optional(),
    depreciationYears: z.number().int().min(1).max(100).nullable().optional(),
    salvageValue: money.nullable().optional(),
    location: text(200).nullable().optional(),
    supplier: text(200).nullable().optional(),
  })
  .strict();
export type AssetFields = z.infer<typeof AssetFields>;
export const ASSET_FIELD_NAMES = Object.keys(AssetFields.shape) as (keyof AssetFields)[];

export const PatchAssetBody = AssetFields;

/** The asset state after a write, as the store keeps it. */
export interface AssetState {
  purchaseDate: string | null;
  cost: number | null;
  currency: string | null;
  depreciationMethod: string | null;
  depreciationYears: number | null;
  salvageValue: number | null;
}

/**
 * Rules across fields, checked on the state a write would leave (current values merged with
 * the request), so a PATCH of one field cannot leave the asset inconsistent:
 * a cost needs a currency; a salvage value needs a cost and cannot exceed it; a method and a
 * useful life come together, and depreciating needs a cost and a purchase date.
 */
export function assetStateErrors(s: AssetState): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  if (s.cost !== null && s.currency === null) errors.push({ path: 'currency', message: 'required when a cost is recorded' });
  if (s.salvageValue !== null && s.cost === null) errors.push({ path: 'salvageValue', message: 'needs a cost' });
  if (s.salvageValue !== null && s.cost !== null && s.salvageValue > s.cost) errors.push({ path: 'salvageValue', message: `must not exceed the cost (${s.cost})` });
  if (s.depreciationMethod !== null && s.depreciationYears === null) errors.push({ path: 'depreciationYears', message: `required with depreciationMethod ${s.depreciationMethod}` });
  if (s.depreciationYears !== null && s.depreciationMethod === null) errors.push({ path: 'depreciationMethod', message: 'required with depreciationYears' });
  if (s.depreciationMethod !== null && s.cost === null) errors.push({ path: 'cost', message: 'required to depreciate' });
  if (s.depreciationMethod !== null && s.purchaseDate === null) errors.push({ path: 'purchaseDate', message: 'required to depreciate' });
  return errors;
}

/** Request values → store values (dates as ISO timestamps). */
export function assetFieldsToStore(body: AssetFields): Partial<Record<keyof AssetFields, string | number | null>> {
  const out: Partial<Record<keyof AssetFields, string | number | null>> = {};
  for (const key of ASSET_FIELD_NAMES) {
    const v = body[key];
    if (v === undefined) continue;
    out[key] = key === 'purchaseDate' && typeof v === 'string' ? (parseDateOrTimestamp(v) as Date).toISOString() : v;
  }
  return out;
}

export const AsOfQuery = z.object({
  asOf: DateOrTimestamp.optional().describe('Book values as of this date or timestamp (default: now)'),
});

export const AssetRecord = CiRecord.extend({
  purchaseDate: z.string().nullable(),
  cost: z.number().nullable(),
  currency: z.string().nullable(),
  depreciationMethod: z.enum(DEPRECIATION_METHODS).nullable(),
  depreciationYears: z.number().int().nullable(),
  salvageValue: z.number().nullable(),
  location: z.string().nullable(),
  supplier: z.string().nullable(),
  checkedOutTo: z.string().nullable(),
  checkedOutAt: z.string().nullable(),
  bookValue: z.number().nullable().describe('Computed on read, as of bookValueAsOf; rounded to cents'),
  bookValueAsOf: z.string(),
});
export type AssetRecord = z.infer<typeof AssetRecord>;

export const AssetListQuery = ListQuery.extend({
  class: CiClass.optional(),
  status: CiStatus.optional(),
  serviceId: RecordRef.optional().describe('Only CIs the service depends on, directly or transitively (id or number)'),
  location: z.string().maxChars(200).optional(),
  currency: CurrencyCode.optional(),
}).extend(AsOfQuery.shape);

/** One sum: never across currencies. */
export const MoneyTotal = z.object({ count: z.number().int(), cost: z.number(), bookValue: z.number() });
/** A group of assets, summed per currency. */
export const GroupTotal = z.object({ count: z.number().int(), currencies: z.record(z.string(), MoneyTotal) });

export const AssetList = z.object({
  items: z.array(AssetRecord),
  nextCursor: z.string().nullable(),
  totals: z.object({
    count: z.number().int(),
    byCurrency: z.record(z.string(), MoneyTotal),
    byClass: z.record(z.string(), GroupTotal),
    byService: z.record(z.string(), GroupTotal.extend({ id: z.string(), number: z.string(), name: z.string() })),
  }),
});

// Definitive hardware store ---------------------------------------------------------------

export const DhsRecord = AssetRecord.extend({ checkedOut: z.boolean() });

export const DhsListQuery = ListQuery.extend({
  class: CiClass.optional(),
  location: z.string().maxChars(200).optional(),
  checkedOut: z.enum(['true', 'false']).optional(),
});

const ViaRef = z
  .string()
  .regex(/^(CHG|REL)\d{7,}$/, 'must be a change (CHG…) or release (REL…) number')
  .optional()
  .describe('The change or release the movement is part of; recorded in the history');

export const CheckoutBody = z
  .object({
    to: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }).describe('A location, or the id or number of the CI that uses the item'),
    reason: z.string().trim().min(1).maxChars(1000).openapi({ pattern: NOT_BLANK }).optional(),
    via: ViaRef,
  })
  .strict();

export const ReturnBody = z
  .object({
    location: text(200).optional().describe('Where the item is stored now (default: where it was)'),
    reason: z.string().trim().min(1).maxChars(1000).openapi({ pattern: NOT_BLANK }).optional(),
    via: ViaRef,
  })
  .strict();
