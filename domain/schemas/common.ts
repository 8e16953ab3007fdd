import { z } from './zod';
import { isIsoDuration } from '../duration';

export const IsoDuration = z.string().refine(isIsoDuration, { message: 'must be an ISO-8601 duration such as PT15M or P2D' });
/** No ITSM record lives before 1900: year 0000 and friends are typos, not plans. */
const EARLIEST = Date.UTC(1900, 0, 1);
export const IsoTimestamp = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 timestamp' })
  // An unparseable value already has its format error: one message per field.
  .refine((s) => !(Date.parse(s) < EARLIEST), { message: 'must be in 1900 or later' });
export const Level = z.enum(['high', 'medium', 'low']);
export const PriorityEnum = z.enum(['P1', 'P2', 'P3', 'P4', 'P5']);
/** A record reference: its opaque id or its human number. */
export const RecordRef = z.string().trim().min(1).max(100);

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
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
