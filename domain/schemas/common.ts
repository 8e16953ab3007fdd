import { z } from './zod';
import { isIsoDuration } from '../duration';

/**
 * The durations `parseIsoDuration` takes (weeks, days, hours, minutes, seconds; at least one; a T
 * only before a time part), as a pattern the OpenAPI document carries, so clients and fuzzers know
 * the format without calling. At most 6 digits a unit keeps every value a safe integer of ms.
 */
const N = '\\d{1,6}';
const TIME_PART = `T(?:${N}H(?:${N}M)?(?:${N}(?:[.,]\\d{1,9})?S)?|${N}M(?:${N}(?:[.,]\\d{1,9})?S)?|${N}(?:[.,]\\d{1,9})?S)`;
export const ISO_DURATION_PATTERN = new RegExp(`^P(?:${N}W(?:${N}D)?(?:${TIME_PART})?|${N}D(?:${TIME_PART})?|${TIME_PART})$`);
export const IsoDuration = z
  .string()
  .regex(ISO_DURATION_PATTERN, { message: 'must be an ISO-8601 duration such as PT15M or P2D', abort: true })
  .refine(isIsoDuration, { message: 'must be an ISO-8601 duration such as PT15M or P2D' });
/**
 * No ITSM record lives before 1900: year 0000 and friends are typos, not plans. The pattern is
 * zod's own ISO date-time with an offset (real calendar dates, leap years included) with the years
 * limited to 1900-9999, so the OpenAPI document states the whole rule (`format` alone is only an
 * annotation in OpenAPI 3.1): what it matches, the API takes.
 */
const Y = '(?:19|[2-9]\\d)';
const LEAP_YEAR = `(?:${Y}(?:[2468][048]|[13579][26]|0[48])|[2468][048]00|[3579][26]00)`;
const DATE_1900_ON = `(?:${LEAP_YEAR}-02-29|${Y}\\d\\d-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8])))`;
const TIME_WITH_OFFSET = `(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d+)?)?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)`;
/** zod's ISO date (any year) and date-time with an offset, as one pattern: a date, or a timestamp. */
const ANY_DATE = '(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8])))';
export const DATE_OR_TIMESTAMP_PATTERN = new RegExp(`^${ANY_DATE}(?:T${TIME_WITH_OFFSET})?$`);
export const TIMESTAMP_1900_ON = new RegExp(`^${DATE_1900_ON}T(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d+)?)?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$`);
export const IsoTimestamp = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 timestamp', abort: true })
  // No `format: date-time` beside the pattern: RFC 3339 wants seconds, which this takes without.
  .regex(TIMESTAMP_1900_ON, { message: 'must be in 1900 or later' });
export const Level = z.enum(['high', 'medium', 'low']);
export const PriorityEnum = z.enum(['P1', 'P2', 'P3', 'P4', 'P5']);
/**
 * Text that is trimmed and then must not be empty: documented as containing a character that
 * is not white space (JavaScript's trim strips the ECMAScript white space, which `\s` in the
 * document's own regex dialect names; U+FEFF is spelled out for other dialects that differ).
 * In a body it becomes NOT_BLANK_NO_NUL (api/openapi.ts), since bodies never hold NUL.
 */
export const NOT_BLANK = '[^\\s\\ufeff]';
export const NOT_BLANK_NO_NUL = '^[^\\u0000]*[^\\s\\ufeff\\u0000][^\\u0000]*$';
/** Text in a JSON body never holds NUL (api/app.ts refuses it: PostgreSQL cannot store it). */
export const NO_NUL = '^[^\\u0000]*$';
/** A record reference: its opaque id or its human number. */
export const RecordRef = z.string().trim().min(1).maxChars(100).openapi({ pattern: NOT_BLANK });

/**
 * A page position: the `nextCursor` of the previous page, which is the id of that page's last
 * record (lists are keyset pages, newest id first). Ids are a lower-case type prefix, `_` or `-`,
 * then letters, digits, `_` and `-` (ULIDs, and the seeded `usr-admin`, `grp-cab`); any value of
 * that shape is a position, so the pattern is the whole rule.
 */
export const CURSOR_PATTERN = /^[a-z]+[_-][0-9a-z_-]{1,120}$/;
export const Cursor = z.string().regex(CURSOR_PATTERN, 'not a cursor returned by this API').describe('nextCursor from the previous page');

/**
 * A number in a query string, as `z.coerce.number()` reads it, with the checks of `schema`: `?n=` is refused naming
 * the parameter, where Number('') would have read it as 0 (a horizon of zero days, a 0 % target).
 */
export const queryNumber = <S extends z.ZodNumber>(schema: S) => z.preprocess((v) => (typeof v === 'string' ? (v.trim() === '' ? Number.NaN : Number(v)) : v), schema);

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: Cursor.optional(),
});

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
