/** Field-level difference of two flat records (attributes compared as nested fields). */
export type FieldChanges = Record<string, { before: unknown; after: unknown }>;

function flatten(o: object, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries: [string, unknown][] = Object.entries(o);
  for (const [k, v] of entries) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) Object.assign(out, flatten(v, key));
    else out[key] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

export function diffFields(before: object, after: object): FieldChanges {
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
