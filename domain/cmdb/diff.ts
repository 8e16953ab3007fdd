/** Field-level difference of two flat records (attributes compared as nested fields). */
export type FieldChanges = Record<string, { before: unknown; after: unknown }>;

function flatten(o: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) Object.assign(out, flatten(v as Record<string, unknown>, key));
    else out[key] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>): FieldChanges {
  const a = flatten(before);
  const b = flatten(after);
  const changes: FieldChanges = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key] ?? null;
    const y = b[key] ?? null;
    if (JSON.stringify(x) !== JSON.stringify(y)) changes[key] = { before: x, after: y };
  }
  return changes;
}
