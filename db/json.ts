import type { z } from 'zod';
import { CorruptRecordError } from './record-store';

/** JSON columns are TEXT on every provider; these keep (de)serialisation in one place. */
export const toJson = (v: unknown): string => JSON.stringify(v ?? null);

/** Which stored value is read: named in the error when it does not match its schema. */
export interface StoredAt {
  recordType: string;
  recordId: string;
  /** The column (or the prefix of the paths reported); absent when the value is the whole row. */
  field?: string;
}

const pathOf = (prefix: string | undefined, path: readonly PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.') || '(root)';

/** A stored value checked against its schema: a mismatch is a CorruptRecordError naming the record and each failing path. */
export function parseStored<S extends z.ZodType>(schema: S, value: unknown, at: StoredAt): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: pathOf(at.field, i.path), message: i.message }));
  throw new CorruptRecordError(at.recordType, at.recordId, issues[0].path, issues.map((i) => `${i.path}: ${i.message}`).join('; '));
}

/** A JSON column parsed and checked against its schema; text that is not JSON is corrupt too. */
export function parseJson<S extends z.ZodType>(schema: S, text: string, at: StoredAt & { field: string }): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CorruptRecordError(at.recordType, at.recordId, at.field, `${at.field}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return parseStored(schema, value, at);
}
