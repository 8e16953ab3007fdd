/**
 * CMDB verification (audit): what a discovery tool observed compared with what the CMDB
 * records, by natural key on both sides (`naturalKeyOf`). Pure and deterministic: the
 * verification activities load the two sides and store what this returns.
 *
 * - `missing_in_cmdb`: observed, but no CI with that natural key is recorded (or only a
 *   retired one: the CMDB says it is gone, reality says it runs).
 * - `missing_in_reality`: a CI recorded as present (live or maintenance) of a class the
 *   snapshot covers was not observed. Only classes that occur in the snapshot count, so a
 *   network scan does not flag every application; CIs recorded after the snapshot was
 *   taken cannot have been observed and are not flagged either.
 * - `attribute_drift`: an observed attribute differs from the recorded value, field by
 *   field (one discrepancy per CI listing its drifted fields). Only attributes the
 *   discovery reported are compared: a tool that does not see `os` does not flag it.
 */
import { naturalKeyOf } from './classes';

export const DISCREPANCY_KINDS = ['missing_in_cmdb', 'missing_in_reality', 'attribute_drift'] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** Statuses in which a CI is expected to be observable by discovery. */
export const PRESENT_STATUSES: readonly string[] = ['live', 'maintenance'];

export interface ObservedItem {
  class: string;
  name: string;
  attributes: Record<string, unknown>;
}

export interface RecordedCi {
  id: string;
  number: string;
  name: string;
  class: string;
  status: string;
  attributes: Record<string, unknown>;
  /** ms since the epoch; when set, CIs recorded after the snapshot are not `missing_in_reality`. */
  createdAt?: number;
}

export interface FieldDrift {
  field: string;
  recorded: unknown;
  observed: unknown;
}

/** Which incident a drift opened (or was linked to), filled in by the verification workflow. */
export interface DriftIncident {
  id: string;
  number: string;
  /** reserved: number allocated, not yet confirmed open; opened: by this run; existing: an open one already covered the CI. */
  status: 'reserved' | 'opened' | 'existing';
}

export interface Discrepancy {
  kind: DiscrepancyKind;
  naturalKey: string;
  class: string;
  /** The observed name (missing_in_cmdb) or the recorded one. */
  name: string;
  ciId: string | null;
  ciNumber: string | null;
  ciStatus: string | null;
  /** attribute_drift only. */
  fields?: FieldDrift[];
  /** missing_in_cmdb only: what was observed. */
  observed?: Record<string, unknown>;
  note?: string;
  incident?: DriftIncident;
}

export interface VerificationCounts {
  observed: number;
  /** Recorded CIs of the covered classes that took part in the comparison. */
  recorded: number;
  matched: number;
  missingInCmdb: number;
  missingInReality: number;
  attributeDrift: number;
  driftedFields: number;
}

export interface VerificationResult {
  classes: string[];
  counts: VerificationCounts;
  discrepancies: Discrepancy[];
}

export interface CompareOptions {
  /** ms since the epoch: when the snapshot was taken. */
  takenAt?: number;
  /** Statuses that count as "should be observable" for missing_in_reality (default live, maintenance). */
  presentStatuses?: readonly string[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isPlainObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/**
 * Whether an observed value matches the recorded one. Discovery tools report numbers as
 * text and vary letter case ("Ubuntu 22.04" / "ubuntu 22.04"), which is not drift:
 * numbers compare numerically, strings trimmed and case-insensitively, structures by value.
 */
export function sameValue(recorded: unknown, observed: unknown): boolean {
  const r = recorded ?? null;
  const o = observed ?? null;
  if (r === null || o === null) return r === o;
  const numeric = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : null);
  if (typeof r === 'number' || typeof o === 'number') {
    const a = numeric(r);
    const b = numeric(o);
    return a !== null && b !== null && a === b;
  }
  if (typeof r === 'string' && typeof o === 'string') return r.trim().toLowerCase() === o.trim().toLowerCase();
  return JSON.stringify(canonical(r)) === JSON.stringify(canonical(o));
}

/** Field-by-field drift of the attributes discovery reported (nested objects by dotted path). */
export function attributeDrift(recorded: Record<string, unknown>, observed: Record<string, unknown>, prefix = ''): FieldDrift[] {
  const out: FieldDrift[] = [];
  for (const key of Object.keys(observed).sort()) {
    const o = observed[key];
    const r = recorded[key];
    const field = prefix ? `${prefix}.${key}` : key;
    if (o === undefined) continue;
    if (isPlainObject(o) && isPlainObject(r)) {
      out.push(...attributeDrift(r, o, field));
      continue;
    }
    if (!sameValue(r, o)) out.push({ field, recorded: r ?? null, observed: o });
  }
  return out;
}

const KIND_ORDER: Record<DiscrepancyKind, number> = { missing_in_cmdb: 0, missing_in_reality: 1, attribute_drift: 2 };

/** Compares one discovery snapshot with the CMDB. */
export function compareSnapshot(observed: readonly ObservedItem[], recorded: readonly RecordedCi[], options: CompareOptions = {}): VerificationResult {
  const present = new Set(options.presentStatuses ?? PRESENT_STATUSES);
  const classes = [...new Set(observed.map((i) => i.class))].sort();
  const covered = new Set(classes);

  const byKey = new Map<string, RecordedCi>();
  for (const ci of recorded) {
    if (!covered.has(ci.class)) continue;
    const key = naturalKeyOf(ci);
    const seen = byKey.get(key);
    // Two CIs with one identity should not exist (the key is unique); prefer the non-retired one.
    if (!seen || (seen.status === 'retired' && ci.status !== 'retired')) byKey.set(key, ci);
  }

  const discrepancies: Discrepancy[] = [];
  const observedKeys = new Set<string>();
  let matched = 0;
  let driftedFields = 0;

  for (const item of observed) {
    const key = naturalKeyOf(item);
    if (observedKeys.has(key)) continue; // a repeated observation adds nothing
    observedKeys.add(key);
    const ci = byKey.get(key);
    if (!ci) {
      discrepancies.push({ kind: 'missing_in_cmdb', naturalKey: key, class: item.class, name: item.name, ciId: null, ciNumber: null, ciStatus: null, observed: item.attributes });
      continue;
    }
    if (ci.status === 'retired') {
      discrepancies.push({
        kind: 'missing_in_cmdb',
        naturalKey: key,
        class: item.class,
        name: item.name,
        ciId: ci.id,
        ciNumber: ci.number,
        ciStatus: ci.status,
        observed: item.attributes,
        note: `recorded only as retired (${ci.number})`,
      });
      continue;
    }
    matched++;
    const fields = attributeDrift(ci.attributes, item.attributes);
    if (fields.length > 0) {
      driftedFields += fields.length;
      discrepancies.push({ kind: 'attribute_drift', naturalKey: key, class: ci.class, name: ci.name, ciId: ci.id, ciNumber: ci.number, ciStatus: ci.status, fields });
    }
  }

  let recordedCount = 0;
  for (const [key, ci] of byKey) {
    recordedCount++;
    if (observedKeys.has(key) || !present.has(ci.status)) continue;
    if (options.takenAt !== undefined && ci.createdAt !== undefined && ci.createdAt > options.takenAt) continue;
    discrepancies.push({ kind: 'missing_in_reality', naturalKey: key, class: ci.class, name: ci.name, ciId: ci.id, ciNumber: ci.number, ciStatus: ci.status });
  }

  discrepancies.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.naturalKey < b.naturalKey ? -1 : a.naturalKey > b.naturalKey ? 1 : 0));
  const count = (k: DiscrepancyKind) => discrepancies.filter((d) => d.kind === k).length;
  return {
    classes,
    counts: {
      observed: observedKeys.size,
      recorded: recordedCount,
      matched,
      missingInCmdb: count('missing_in_cmdb'),
      missingInReality: count('missing_in_reality'),
      attributeDrift: count('attribute_drift'),
      driftedFields,
    },
    discrepancies,
  };
}

/** Whether a drift should open an incident: drift on a CI in one of `statuses` (default: live). */
export function wantsIncident(d: Discrepancy, statuses: readonly string[] = ['live']): boolean {
  return d.kind === 'attribute_drift' && d.ciId !== null && d.ciStatus !== null && statuses.includes(d.ciStatus);
}

export const DRIFT_INCIDENT_CATEGORY = 'cmdb_drift';

const show = (v: unknown) => (v === null || v === undefined ? '(not recorded)' : typeof v === 'string' ? v : JSON.stringify(v));
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** The incident a drift opens: medium impact, low urgency, naming the CI and the fields. */
export function driftIncidentBody(d: Discrepancy, context: { verificationId: string; snapshotId: string; source?: string; takenAt?: string }) {
  const fields = d.fields ?? [];
  const title = clip(`CMDB drift on ${d.ciNumber} ${d.name}: ${fields.map((f) => f.field).join(', ')}`, 300);
  const lines = fields.map((f) => `- ${f.field}: recorded ${show(f.recorded)}, observed ${show(f.observed)}`);
  const description = clip(
    [
      `CMDB verification ${context.verificationId} found attributes of ${d.ciNumber} (${d.class} ${d.name}) that differ from what discovery observed:`,
      ...lines,
      '',
      `Discovery snapshot ${context.snapshotId}${context.source ? ` from ${context.source}` : ''}${context.takenAt ? `, taken ${context.takenAt}` : ''}.`,
      'Correct the CMDB record or the configuration, then resolve this incident.',
    ].join('\n'),
    20_000,
  );
  return {
    title,
    description,
    type: 'incident' as const,
    impact: 'medium' as const,
    urgency: 'low' as const,
    ciId: d.ciId as string,
    category: DRIFT_INCIDENT_CATEGORY,
  };
}
