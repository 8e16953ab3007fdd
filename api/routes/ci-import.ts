/**
 * Bulk import and export of configuration items (CSV or JSON).
 *
 * Import is an upsert by natural key (`naturalKeyOf`: class + key attribute such as the
 * hostname, else class + name; a row whose natural key matches nothing but whose class and
 * name do updates that CI). Each row is answered `created | updated | unchanged | error`
 * (with the error text and every offending field).
 *
 * - Validation (row shape, the class's attribute schema, the asset rules) and the unchanged
 *   check happen before any write, against CIs looked up in batches up front: an unchanged
 *   or invalid row costs no query. Rows are decided in file order, so a later row sees what
 *   an earlier one did (the same CI twice: created, then updated).
 * - A bad row never half-writes and never stops the others. Writes go in batches, each one
 *   transaction: new CIs with one statement for all their numbers, one for the rows and one
 *   for their first versions (createCisTx, the same rows and versions ci-store's createCiTx
 *   writes); updates through ci-store's updateCiTx. If the database refuses anything in a
 *   batch (a concurrent writer), the batch rolls back and each of its rows is redone in its
 *   own transaction through ci-store (createCiTx / updateCiTx / addRelationshipTx), so each
 *   row is written whole or not at all and gets its own answer.
 * - `?dryRun=true` runs the same decisions against an in-memory overlay and writes nothing.
 * - Update semantics: a field that is absent (or an empty CSV cell) is left as it is; JSON
 *   `null` clears it; attributes merge into the stored ones (JSON `null` removes one).
 *   `status: retired` is refused for a live CI (retiring is DELETE /cis/:id, which checks
 *   open references).
 * - Relationships are applied after all rows, so either end may be a CI of the same file.
 *   They are additive: an import never removes a relationship. JSON: `relationships:
 *   [{source, type, target}]`, each end a natural key (`server:web01`), an id or number, or
 *   `{class, name}`. CSV: an optional `relationships` column holding the row's outgoing
 *   relationships as `type:target` items separated by `;` (`depends_on:server:web01;
 *   runs_on:CI0000042`; `\;` and `\\` escape a literal `;` or `\` inside a target).
 * - Export writes exactly what import reads: CSV with the same columns (attribute columns
 *   for every attribute of the exported classes' schemas), or the JSON import body.
 */
import type { Request } from 'express';
import { Prisma, type ConfigurationItem } from '../../generated/prisma-sqlite/client';
import { CiConflictError, CiValidationError, addRelationshipTx, ciSnapshot, createCiTx, newSnapshot, updateCiTx, type ChangeContext, type CiFields, type CiSnapshot } from '../../db/ci-store';
import type { Db, Tx } from '../../db/client';
import { addRelationshipsTx, createCisTx } from '../../db/ci-bulk';
import { CI_ATTRIBUTE_SCHEMAS, attributeSchemaOf, naturalKeyOf } from '../../domain/cmdb/classes';
import { CsvSyntaxError, csvLine, joinList, parseCsv, splitList } from '../../domain/cmdb/csv';
import { diffFields } from '../../domain/cmdb/diff';
import { ASSET_FIELD_NAMES, assetFieldsToStore, assetStateErrors, type AssetFields, type AssetState } from '../../domain/schemas/asset';
import {
  CSV_ASSET_COLUMNS,
  CSV_ATTRIBUTE_PREFIX,
  CSV_BASE_COLUMNS,
  CSV_RELATIONSHIPS_COLUMN,
  ExportQuery,
  IMPORT_MAX_ROWS,
  ImportEnvelope,
  ImportQuery,
  ImportRelationship,
  ImportRequestDoc,
  ImportResult,
  ImportRow,
  RELATIONSHIP_TYPES,
  type CiRefInput,
  type ImportRelationshipResult,
  type ImportRowResult,
} from '../../domain/schemas/ci-import';
import { z } from '../../domain/schemas/zod';
import { newId } from '../../infra/ids';
import { NUMBER_PREFIX } from '../../db/numbers';
import { HttpError, badRequest, parseOr400, zodFieldErrors, type FieldError } from '../errors';
import { route, type RouteDef } from '../route';

/** Who may import and export the CMDB. */
export const IMPORT_ROLES = ['admin', 'change_manager'] as const;

// ---------------------------------------------------------------------------------------------
// Input: CSV or JSON → raw rows and relationships

type SourceRef = CiRefInput | { row: number };

interface RawRow {
  index: number;
  line?: number;
  value: unknown;
  /** Problems found while reading the row (CSV: wrong number of cells). */
  readErrors?: FieldError[];
}

interface RawRel {
  index: number;
  line?: number;
  value: unknown;
  /** CSV: the row the relationship belongs to (its source). */
  sourceRow?: number;
  readErrors?: FieldError[];
}

export interface ImportInput {
  format: 'csv' | 'json';
  rows: RawRow[];
  relationships: RawRel[];
}

const tooLarge = (what: string, n: number) => new HttpError(413, 'Payload too large', `${n} ${what}; at most ${IMPORT_MAX_ROWS} per request: split the file`);

const NUMBER_RE = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const NUMERIC_COLUMNS = new Set(['cost', 'salvageValue', 'depreciationYears']);

/** The zod type under optional/nullable/default wrappers ('number', 'string', 'boolean', …). */
function baseType(schema: unknown): string | undefined {
  let s = schema as { _zod?: { def: { type: string; innerType?: unknown } } } | undefined;
  while (s?._zod && ['optional', 'nullable', 'default', 'readonly', 'nonoptional'].includes(s._zod.def.type)) s = s._zod.def.innerType as typeof s;
  return s?._zod?.def.type;
}

/** Per class, which attributes are numbers or booleans (CSV cells are text: parse them per the class schema). */
const ATTRIBUTE_TYPES: Record<string, Record<string, string | undefined>> = Object.fromEntries(
  Object.entries(CI_ATTRIBUTE_SCHEMAS).map(([cls, schema]) => [cls, Object.fromEntries(Object.entries((schema as z.ZodObject).shape).map(([k, v]) => [k, baseType(v)]))]),
);

function cellValue(cell: string, type: string | undefined): unknown {
  if (type === 'number' && NUMBER_RE.test(cell)) return Number(cell);
  if (type === 'boolean' && /^(true|false)$/i.test(cell)) return cell.toLowerCase() === 'true';
  return cell; // left as text: the schema then says what is wrong with it
}

const KNOWN_COLUMNS = new Set<string>([...CSV_BASE_COLUMNS, ...CSV_ASSET_COLUMNS, CSV_RELATIONSHIPS_COLUMN]);

export function readCsv(text: string): ImportInput {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw badRequest(`the CSV cannot be read: ${e.message}`, [{ path: `line ${e.line}`, message: e.message }]);
    throw e;
  }
  if (records.length === 0) throw badRequest('the CSV is empty: a header row is needed', [{ path: 'header', message: 'missing' }]);
  const header = records[0].cells.map((c) => c.trim());
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const col of header) {
    if (seen.has(col)) errors.push({ path: `header.${col}`, message: 'duplicate column' });
    seen.add(col);
    if (!KNOWN_COLUMNS.has(col) && !(col.startsWith(CSV_ATTRIBUTE_PREFIX) && col.length > CSV_ATTRIBUTE_PREFIX.length)) {
      errors.push({ path: `header.${col || '(empty)'}`, message: `unknown column; expected ${[...CSV_BASE_COLUMNS, ...CSV_ASSET_COLUMNS].join(', ')}, attr.<name> or ${CSV_RELATIONSHIPS_COLUMN}` });
    }
  }
  for (const required of ['name', 'class']) if (!seen.has(required)) errors.push({ path: `header.${required}`, message: 'required column' });
  if (errors.length) throw badRequest(`the CSV header is not valid: ${errors.map((e) => e.path).join(', ')}`, errors);
  if (records.length - 1 > IMPORT_MAX_ROWS) throw tooLarge('rows', records.length - 1);

  const classCol = header.indexOf('class');
  const relCol = header.indexOf(CSV_RELATIONSHIPS_COLUMN);
  const rows: RawRow[] = [];
  const relationships: RawRel[] = [];
  for (let r = 1; r < records.length; r++) {
    const { cells, line } = records[r];
    const index = r;
    if (cells.length !== header.length) {
      rows.push({ index, line, value: {}, readErrors: [{ path: '(row)', message: `has ${cells.length} fields; the header has ${header.length}` }] });
      continue;
    }
    const types = ATTRIBUTE_TYPES[cells[classCol].trim()] ?? {};
    const value: Record<string, unknown> = {};
    let attributes: Record<string, unknown> | undefined;
    for (let c = 0; c < header.length; c++) {
      const col = header[c];
      const cell = cells[c];
      if (cell === '' || c === relCol) continue;
      if (col.startsWith(CSV_ATTRIBUTE_PREFIX)) {
        const key = col.slice(CSV_ATTRIBUTE_PREFIX.length);
        (attributes ??= {})[key] = cellValue(cell, types[key]);
      } else value[col] = NUMERIC_COLUMNS.has(col) ? cellValue(cell, 'number') : cell;
    }
    if (attributes) value.attributes = attributes;
    rows.push({ index, line, value });
    if (relCol >= 0 && cells[relCol].trim() !== '') {
      for (const item of splitList(cells[relCol])) {
        const colon = item.indexOf(':');
        const rel: RawRel = { index: relationships.length + 1, line, sourceRow: index, value: { type: colon < 0 ? item : item.slice(0, colon).trim(), target: colon < 0 ? '' : item.slice(colon + 1).trim() } };
        if (colon < 0 || colon === item.length - 1) rel.readErrors = [{ path: CSV_RELATIONSHIPS_COLUMN, message: `'${item}' is not type:target` }];
        relationships.push(rel);
      }
    }
  }
  if (relationships.length > IMPORT_MAX_ROWS) throw tooLarge('relationships', relationships.length);
  return { format: 'csv', rows, relationships };
}

export function readJson(body: unknown): ImportInput {
  const envelope = Array.isArray(body) ? { items: body, relationships: [] as unknown[] } : parseOr400(ImportEnvelope, body ?? {}, 'body');
  if (envelope.items.length > IMPORT_MAX_ROWS) throw tooLarge('items', envelope.items.length);
  const rels = envelope.relationships ?? [];
  if (rels.length > IMPORT_MAX_ROWS) throw tooLarge('relationships', rels.length);
  return {
    format: 'json',
    rows: envelope.items.map((value, i) => ({ index: i + 1, value })),
    relationships: rels.map((value, i) => ({ index: i + 1, value })),
  };
}

// ---------------------------------------------------------------------------------------------
// Batched writes (db/ci-bulk.ts)

/** Rows written per transaction (creates; updates are heavier: fewer per transaction). */
const CREATE_BATCH = 500;
const UPDATE_BATCH = 50;
const RELATIONSHIP_BATCH = 200;
/** A batch holds the write lock for a while: allow it (Prisma's default is 5 s). */
const TX_OPTIONS = { maxWait: 10_000, timeout: 120_000 };

// ---------------------------------------------------------------------------------------------
// The import

/** A CI as the import sees it: the stored row (absent for one a dry run would create) and its (would-be) snapshot. */
interface Entry {
  row?: ConfigurationItem;
  snap: CiSnapshot;
}

const classNameKey = (cls: string, name: string) => `${cls}\u0000${name}`;
const looksLikeCiRef = (s: string) => /^CI\d{7,}$/.test(s) || /^ci_[0-9a-z]{26}$/.test(s);
const CHUNK = 500;

function chunks<T>(xs: T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** The CIs the import has seen, by natural key, class + name and id/number; in a dry run, with what it would have written. */
class Index {
  private byKey = new Map<string, Entry>();
  private byClassName = new Map<string, Entry>();
  private byRef = new Map<string, Entry>();

  constructor(private db: Db) {}

  put(e: Entry) {
    if (e.snap.naturalKey) this.byKey.set(e.snap.naturalKey, e);
    this.byClassName.set(classNameKey(e.snap.class, e.snap.name), e);
    if (e.snap.id) this.byRef.set(e.snap.id, e);
    if (e.snap.number) this.byRef.set(e.snap.number, e);
  }

  drop(e: Entry) {
    if (e.snap.naturalKey && this.byKey.get(e.snap.naturalKey) === e) this.byKey.delete(e.snap.naturalKey);
    const cn = classNameKey(e.snap.class, e.snap.name);
    if (this.byClassName.get(cn) === e) this.byClassName.delete(cn);
  }

  find(key: string, cls: string, name: string): Entry | undefined {
    return this.byKey.get(key) ?? this.byClassName.get(classNameKey(cls, name));
  }
  byNaturalKey = (key: string) => this.byKey.get(key);
  byName = (cls: string, name: string) => this.byClassName.get(classNameKey(cls, name));
  byIdOrNumber = (ref: string) => this.byRef.get(ref);

  private add(rows: ConfigurationItem[]) {
    for (const row of rows) if (!this.byRef.has(row.id)) this.put({ row, snap: ciSnapshot(row) });
  }

  /** Loads, in batches, the stored CIs with any of these natural keys, class + names or ids/numbers (each lookup on an index). */
  async load(keys: Iterable<string>, names: Iterable<{ class: string; name: string }>, refs: Iterable<string> = []) {
    const k = [...new Set(keys)].filter((x) => !this.byKey.has(x));
    const perClass = new Map<string, Set<string>>();
    for (const n of names) if (!this.byClassName.has(classNameKey(n.class, n.name))) (perClass.get(n.class) ?? perClass.set(n.class, new Set()).get(n.class)!).add(n.name);
    const r = [...new Set(refs)].filter((x) => !this.byRef.has(x));
    for (const c of chunks(k)) this.add(await this.db.configurationItem.findMany({ where: { naturalKey: { in: c } } }));
    for (const [cls, set] of perClass) for (const c of chunks([...set])) this.add(await this.db.configurationItem.findMany({ where: { class: cls, name: { in: c } } }));
    for (const c of chunks(r)) this.add(await this.db.configurationItem.findMany({ where: { OR: [{ id: { in: c } }, { number: { in: c } }] } }));
  }

}

function emptySnapshot(name: string, cls: string): CiSnapshot {
  return { id: '', number: '', ...newSnapshot({ name, class: cls }) };
}

const assetStateOf = (s: CiSnapshot): AssetState => ({
  purchaseDate: s.purchaseDate, cost: s.cost, currency: s.currency, depreciationMethod: s.depreciationMethod, depreciationYears: s.depreciationYears, salvageValue: s.salvageValue,
});

/** CSV rows name their fields after the columns (attr.cpuCores), JSON rows after the JSON paths. */
const columnPath = (format: 'csv' | 'json', p: string) => (format === 'csv' && p.startsWith('attributes.') ? CSV_ATTRIBUTE_PREFIX + p.slice('attributes.'.length) : p);

const describe = (errors: FieldError[]) => errors.map((e) => `${e.path}: ${e.message}`).join('; ');

function errorResult(base: { index: number; line?: number }, errors: FieldError[], naturalKey?: string | null): ImportRowResult {
  return { ...base, status: 'error', ...(naturalKey ? { naturalKey } : {}), error: describe(errors), errors };
}

/** A write that failed: the store's conflict message, else the database's last line (no stack). */
const dbMessage = (e: unknown) =>
  e instanceof CiConflictError || e instanceof CiValidationError ? e.message : `could not be written: ${String((e as Error)?.message ?? e).split('\n').map((l) => l.trim()).filter(Boolean).pop()}`;

export interface ImportOptions {
  dryRun: boolean;
  ctx: ChangeContext;
}

interface Parsed {
  raw: RawRow;
  row?: ImportRow;
  key?: string;
  errors: FieldError[];
}

type Op =
  | { kind: 'create'; fields: CiFields & { name: string; class: string }; entry: Entry; result: ImportRowResult; rowIndex: number }
  | { kind: 'update'; fields: CiFields; entry: Entry; row: ConfigurationItem; result: ImportRowResult; rowIndex: number };

export async function runImport(db: Db, input: ImportInput, opts: ImportOptions): Promise<ImportResult> {
  const { format } = input;
  const index = new Index(db);

  // 1. The shape of every row, and the natural keys to look up (all at once, in batches).
  const parsed: Parsed[] = input.rows.map((raw) => {
    if (raw.readErrors?.length) return { raw, errors: raw.readErrors };
    const r = ImportRow.safeParse(raw.value);
    if (!r.success) {
      // every bad field at once: the attributes too, when the class is known
      const errors = zodFieldErrors(r.error);
      const v = raw.value as { class?: unknown; attributes?: unknown } | null;
      const schema = typeof v?.class === 'string' ? attributeSchemaOf(v.class) : undefined;
      if (schema && v?.attributes && typeof v.attributes === 'object' && !errors.some((e) => e.path.startsWith('attributes'))) {
        const a = schema.safeParse(Object.fromEntries(Object.entries(v.attributes).filter(([, x]) => x !== null)));
        if (!a.success) errors.push(...zodFieldErrors(a.error, 'attributes'));
      }
      return { raw, errors: errors.map((e) => ({ ...e, path: columnPath(format, e.path) })) };
    }
    const attrs = Object.fromEntries(Object.entries(r.data.attributes ?? {}).filter(([, v]) => v !== null));
    return { raw, row: r.data, key: naturalKeyOf({ class: r.data.class, name: r.data.name, attributes: attrs }), errors: [] };
  });
  await index.load(parsed.flatMap((p) => (p.key ? [p.key] : [])), []);
  // by class + name only those whose natural key matched nothing (none, on a re-import)
  await index.load([], parsed.flatMap((p) => (p.key && !index.byNaturalKey(p.key) ? [{ class: p.row!.class, name: p.row!.name }] : [])));

  // 2. Rows, in order. Decisions are made here, writes are queued and flushed in batches; a
  //    row that touches a CI with a queued write flushes first, so order is kept.
  const rowEntries = new Map<number, Entry>();
  const results: ImportRowResult[] = [];
  let ops: Op[] = [];
  const queued = new Set<Entry>();
  let creates = 0;
  let updates = 0;

  const settle = (op: Op, row: ConfigurationItem | null) => {
    index.drop(op.entry);
    if (row) {
      op.entry.row = row;
      op.entry.snap = ciSnapshot(row);
    }
    index.put(op.entry);
    Object.assign(op.result, { id: op.entry.snap.id, number: op.entry.snap.number, naturalKey: op.entry.snap.naturalKey ?? undefined });
  };
  const fail = (op: Op, e: unknown) => {
    index.drop(op.entry);
    if (op.kind === 'create') rowEntries.delete(op.rowIndex);
    else {
      op.entry.snap = ciSnapshot(op.row);
      index.put(op.entry);
    }
    const message = dbMessage(e);
    for (const k of Object.keys(op.result)) if (!['index', 'line'].includes(k)) delete (op.result as Record<string, unknown>)[k];
    Object.assign(op.result, { status: 'error', naturalKey: op.entry.snap.naturalKey ?? undefined, error: message, errors: [{ path: '(row)', message }] });
  };

  const flush = async () => {
    if (ops.length === 0) return;
    const batch = ops;
    ops = [];
    queued.clear();
    creates = updates = 0;
    const ctx = { ...opts.ctx, at: new Date() };
    try {
      const written = await db.$transaction(async (tx) => {
        const createOps = batch.filter((o) => o.kind === 'create');
        const created = createOps.length ? await createCisTx(tx, createOps.map((o) => o.fields), ctx) : [];
        const out = new Map<Op, ConfigurationItem | null>(createOps.map((o, i) => [o, created[i]]));
        for (const o of batch) if (o.kind === 'update') out.set(o, await updateCiTx(tx, o.row, o.fields, ctx, 'import'));
        return out;
      }, TX_OPTIONS);
      for (const o of batch) settle(o, written.get(o) ?? null);
    } catch {
      // Something in the batch failed (typically a concurrent writer): redo each row in its own
      // transaction through ci-store, so each gets its own answer and none half-writes.
      for (const o of batch) {
        try {
          const row = await db.$transaction((tx) => (o.kind === 'create' ? createCiTx(tx, o.fields, ctx) : updateCiTx(tx, o.row, o.fields, ctx, 'import')));
          settle(o, row);
        } catch (e) {
          fail(o, e);
        }
      }
    }
  };

  for (const p of parsed) {
    const base = { index: p.raw.index, ...(p.raw.line !== undefined ? { line: p.raw.line } : {}) };
    if (!p.row) {
      results.push(errorResult(base, p.errors));
      continue;
    }
    const r = p.row;
    let existing = index.find(p.key!, r.class, r.name);
    if (existing && queued.has(existing)) {
      await flush();
      existing = index.find(p.key!, r.class, r.name);
    }
    const before = existing?.snap ?? emptySnapshot(r.name, r.class);

    // Attributes merge into the stored ones (null removes one); the result must fit the class.
    const merged: Record<string, unknown> = { ...before.attributes };
    for (const [k, v] of Object.entries(r.attributes ?? {})) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const errors: FieldError[] = [];
    let attributes = merged;
    const schema = attributeSchemaOf(r.class);
    if (schema) {
      const a = schema.safeParse(merged);
      if (a.success) attributes = a.data as Record<string, unknown>;
      else errors.push(...zodFieldErrors(a.error, 'attributes').map((e) => ({ ...e, path: columnPath(format, e.path) })));
    }
    const assetInput = Object.fromEntries(ASSET_FIELD_NAMES.filter((k) => r[k] !== undefined).map((k) => [k, r[k]])) as AssetFields;
    const asset = assetFieldsToStore(assetInput);
    errors.push(...assetStateErrors({ ...assetStateOf(before), ...asset } as AssetState));
    // Retiring checks open references: that is DELETE /api/v1/cis/:id, not an import.
    if (existing && r.status === 'retired' && before.status !== 'retired') errors.push({ path: 'status', message: 'use DELETE /api/v1/cis/:id to retire a CI (it checks open references)' });
    if (errors.length) {
      results.push(errorResult(base, errors, existing?.snap.naturalKey ?? p.key));
      continue;
    }

    const fields: CiFields = { attributes, ...(asset as CiFields) };
    if (r.status !== undefined) fields.status = r.status;
    if (r.environment !== undefined) fields.environment = r.environment;
    if (r.ownerGroup !== undefined) fields.ownerGroup = r.ownerGroup;

    if (!existing) {
      if (fields.status === 'retired') fields.retiredAt = new Date().toISOString();
      const snap: CiSnapshot = { id: '', number: '', ...newSnapshot({ ...fields, name: r.name, class: r.class }) };
      const clash = index.byNaturalKey(snap.naturalKey!);
      if (clash) {
        results.push(errorResult(base, [{ path: 'name', message: `a ${snap.class} with the same identity already exists (${clash.snap.number || 'an earlier row'})` }], snap.naturalKey));
        continue;
      }
      const entry: Entry = { snap };
      const result: ImportRowResult = { ...base, status: 'created', naturalKey: snap.naturalKey ?? undefined };
      index.put(entry);
      rowEntries.set(p.raw.index, entry);
      results.push(result);
      if (!opts.dryRun) {
        ops.push({ kind: 'create', fields: { ...fields, name: r.name, class: r.class }, entry, result, rowIndex: p.raw.index });
        queued.add(entry);
        if (++creates >= CREATE_BATCH) await flush();
      }
      continue;
    }

    // An update: the same merge ci-store does, to know without a transaction whether anything changes.
    fields.name = r.name; // matched by natural key, the row's name wins (a rename)
    if (before.status === 'retired' && r.status !== undefined && r.status !== 'retired') fields.retiredAt = null;
    const after: CiSnapshot = { ...before, ...(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<CiSnapshot>) };
    after.naturalKey = naturalKeyOf(after);
    const changes = Object.keys(diffFields(before, after));
    rowEntries.set(p.raw.index, existing);
    const ids = { id: before.id || undefined, number: before.number || undefined };
    if (changes.length === 0) {
      results.push({ ...base, status: 'unchanged', ...ids, naturalKey: before.naturalKey ?? undefined });
      continue;
    }
    const clash = (after.naturalKey !== before.naturalKey ? index.byNaturalKey(after.naturalKey!) : undefined) ?? (after.name !== before.name ? index.byName(after.class, after.name) : undefined);
    if (clash && clash !== existing) {
      results.push(errorResult(base, [{ path: 'attributes', message: `a ${after.class} with the same identity already exists (${clash.snap.number || 'an earlier row'})` }], after.naturalKey));
      continue;
    }
    const result: ImportRowResult = { ...base, status: 'updated', ...ids, naturalKey: after.naturalKey ?? undefined, changes };
    results.push(result);
    index.drop(existing);
    existing.snap = after;
    index.put(existing);
    if (!opts.dryRun) {
      ops.push({ kind: 'update', fields, entry: existing, row: existing.row!, result, rowIndex: p.raw.index });
      queued.add(existing);
      if (++updates >= UPDATE_BATCH) await flush();
    }
  }
  await flush();

  // 3. Relationships, once every row is in.
  const relationships = await runRelationships(db, input, rowEntries, results, index, opts);

  const count = (s: string) => results.filter((r) => r.status === s).length;
  const relCount = (s: string) => relationships.filter((r) => r.status === s).length;
  return {
    dryRun: opts.dryRun,
    format,
    summary: { rows: results.length, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), error: count('error') },
    rows: results,
    relationships: { summary: { total: relationships.length, created: relCount('created'), unchanged: relCount('unchanged'), error: relCount('error') }, rows: relationships },
  };
}

const refLabel = (ref: SourceRef): string => (typeof ref === 'string' ? ref : 'row' in ref ? `row ${ref.row}` : `${ref.class}:${ref.name}`);

async function runRelationships(db: Db, input: ImportInput, rowEntries: Map<number, Entry>, rowResults: ImportRowResult[], index: Index, opts: ImportOptions): Promise<ImportRelationshipResult[]> {
  if (input.relationships.length === 0) return [];
  interface Rel {
    raw: RawRel;
    source?: SourceRef;
    type?: string;
    target?: CiRefInput;
    errors: FieldError[];
  }
  const rels: Rel[] = input.relationships.map((raw) => {
    if (raw.readErrors?.length) return { raw, errors: raw.readErrors };
    if (raw.sourceRow !== undefined) {
      const v = raw.value as { type: string; target: string };
      const errors: FieldError[] = (RELATIONSHIP_TYPES as readonly string[]).includes(v.type)
        ? []
        : [{ path: CSV_RELATIONSHIPS_COLUMN, message: `unknown relationship type '${v.type}'; one of ${RELATIONSHIP_TYPES.join(', ')}` }];
      return { raw, source: { row: raw.sourceRow }, type: v.type, target: v.target, errors };
    }
    const r = ImportRelationship.safeParse(raw.value);
    if (!r.success) return { raw, errors: zodFieldErrors(r.error) };
    return { raw, source: r.data.source, type: r.data.type, target: r.data.target, errors: [] };
  });

  // Ends not seen yet: look them up in batches.
  const keys: string[] = [];
  const names: { class: string; name: string }[] = [];
  const refs: string[] = [];
  for (const r of rels) {
    for (const end of [r.source, r.target]) {
      if (end === undefined || (typeof end === 'object' && 'row' in end)) continue;
      if (typeof end === 'string') {
        if (looksLikeCiRef(end)) refs.push(end);
        else keys.push(end.toLowerCase());
      } else {
        names.push(end);
        keys.push(naturalKeyOf({ class: end.class, name: end.name, attributes: {} }));
      }
    }
  }
  await index.load(keys, names, refs);

  const rowStatus = new Map(rowResults.map((x) => [x.index, x.status]));
  const resolve = (end: SourceRef): Entry | string => {
    if (typeof end === 'string') return (looksLikeCiRef(end) ? index.byIdOrNumber(end) : index.byNaturalKey(end.toLowerCase())) ?? `no configuration item ${end}`;
    if ('row' in end) return rowEntries.get(end.row) ?? `row ${end.row} was not imported${rowStatus.get(end.row) === 'error' ? ' (it has errors)' : ''}`;
    return index.byName(end.class, end.name) ?? index.byNaturalKey(naturalKeyOf({ class: end.class, name: end.name, attributes: {} })) ?? `no ${end.class} named ${end.name}`;
  };
  const resolved = rels.map((r) => (r.errors.length ? null : { s: resolve(r.source!), t: resolve(r.target!) }));

  // Which of them exist already.
  const sourceIds = new Set<string>();
  for (const x of resolved) if (x && typeof x.s !== 'string' && x.s.snap.id) sourceIds.add(x.s.snap.id);
  const seen = new Set<string>();
  for (const c of chunks([...sourceIds])) {
    for (const rel of await db.ciRelationship.findMany({ where: { sourceId: { in: c } }, select: { sourceId: true, type: true, targetId: true } })) seen.add(`${rel.sourceId}|${rel.type}|${rel.targetId}`);
  }
  const provisional = new Map<Entry, string>();
  const idOf = (e: Entry) => {
    if (e.snap.id) return e.snap.id;
    let id = provisional.get(e);
    if (!id) provisional.set(e, (id = `new-${provisional.size}`));
    return id;
  };

  const out: ImportRelationshipResult[] = [];
  const pending: { source: Entry; target: Entry; type: string; result: ImportRelationshipResult }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending.splice(0);
    const ctx = { ...opts.ctx, at: new Date() };
    const write = (tx: Tx, items: typeof batch) => addRelationshipsTx(tx, items.map((i) => ({ sourceId: i.source.snap.id, targetId: i.target.snap.id, type: i.type })), ctx);
    try {
      const rows = await db.$transaction((tx) => write(tx, batch), TX_OPTIONS);
      batch.forEach((b, i) => Object.assign(b.result, { status: 'created', id: rows[i].id }));
    } catch {
      for (const b of batch) {
        try {
          const row = await db.$transaction((tx) => addRelationshipTx(tx, b.source.snap.id, { type: b.type, targetId: b.target.snap.id }, ctx));
          Object.assign(b.result, { status: 'created', id: row.id });
        } catch (e) {
          const message = dbMessage(e);
          Object.assign(b.result, { status: 'error', error: message, errors: [{ path: '(relationship)', message }] });
        }
      }
    }
  };

  for (let i = 0; i < rels.length; i++) {
    const r = rels[i];
    const x = resolved[i];
    const label = (end: SourceRef | undefined, e: Entry | string | undefined) => (e && typeof e !== 'string' ? (e.snap.naturalKey ?? e.snap.number) : end !== undefined ? refLabel(end) : '');
    const base = {
      index: r.raw.index,
      ...(r.raw.line !== undefined ? { line: r.raw.line } : {}),
      source: label(r.source, x?.s),
      type: r.type ?? String((r.raw.value as { type?: unknown } | null)?.type ?? ''),
      target: label(r.target, x?.t),
    };
    const errors = [...r.errors];
    if (x && typeof x.s === 'string') errors.push({ path: 'source', message: x.s });
    if (x && typeof x.t === 'string') errors.push({ path: 'target', message: x.t });
    if (x && typeof x.s !== 'string' && typeof x.t !== 'string') {
      if (x.s === x.t) errors.push({ path: 'target', message: 'a CI cannot be related to itself' });
      for (const [path, e] of [['source', x.s], ['target', x.t]] as const) {
        if (e.snap.status === 'retired') errors.push({ path, message: `${e.snap.number || e.snap.naturalKey} is retired; retired CIs take no new relationships` });
      }
    }
    if (errors.length || !x || typeof x.s === 'string' || typeof x.t === 'string') {
      out.push({ ...base, status: 'error', error: describe(errors), errors });
      continue;
    }
    const key = `${idOf(x.s)}|${r.type}|${idOf(x.t)}`;
    if (seen.has(key)) {
      out.push({ ...base, status: 'unchanged' });
      continue;
    }
    seen.add(key);
    const result: ImportRelationshipResult = { ...base, status: 'created' };
    out.push(result);
    if (!opts.dryRun) {
      pending.push({ source: x.s, target: x.t, type: r.type!, result });
      if (pending.length >= RELATIONSHIP_BATCH) await flush();
    }
  }
  await flush();
  return out;
}
// ---------------------------------------------------------------------------------------------
// Export

/** CIs per page of an export (Prisma caps a query's parameters at 999 on SQLite). */
const EXPORT_PAGE = 500;

async function* exportPages(db: Db, where: Record<string, unknown>) {
  let after: string | undefined;
  for (;;) {
    const page = await db.configurationItem.findMany({ where: { ...where, ...(after ? { id: { gt: after } } : {}) }, orderBy: { id: 'asc' }, take: EXPORT_PAGE });
    if (page.length === 0) return;
    const rels = await db.ciRelationship.findMany({ where: { sourceId: { in: page.map((r) => r.id) } }, orderBy: [{ type: 'asc' }, { id: 'asc' }] });
    const targetIds = [...new Set(rels.map((r) => r.targetId))];
    const targets = new Map<string, string>();
    for (const c of chunks(targetIds)) for (const t of await db.configurationItem.findMany({ where: { id: { in: c } }, select: { id: true, naturalKey: true, number: true } })) targets.set(t.id, t.naturalKey ?? t.number);
    const outgoing = new Map<string, { type: string; target: string }[]>();
    for (const r of rels) {
      const target = targets.get(r.targetId);
      if (!target) continue;
      const list = outgoing.get(r.sourceId) ?? [];
      list.push({ type: r.type, target });
      outgoing.set(r.sourceId, list);
    }
    yield page.map((row) => ({ row, snap: ciSnapshot(row), relationships: outgoing.get(row.id) ?? [] }));
    if (page.length < EXPORT_PAGE) return;
    after = page[page.length - 1].id;
  }
}

/** Resolves when the response can take more (or is gone), leaving no listener behind. */
const drained = (res: NodeJS.WritableStream) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });

const cellOf = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** The attribute columns: every attribute the schemas of the exported classes know, sorted. */
async function attributeColumns(db: Db, where: Record<string, unknown>): Promise<string[]> {
  const classes = await db.configurationItem.findMany({ where, distinct: ['class'], select: { class: true } });
  const keys = new Set<string>();
  for (const { class: cls } of classes) for (const k of Object.keys(ATTRIBUTE_TYPES[cls] ?? {})) keys.add(k);
  return [...keys].sort();
}

/** JSON export: exactly what the JSON import takes (null fields left out). */
function jsonItem(snap: CiSnapshot): Record<string, unknown> {
  const item: Record<string, unknown> = { name: snap.name, class: snap.class, status: snap.status };
  if (snap.environment !== null) item.environment = snap.environment;
  if (snap.ownerGroup !== null) item.ownerGroup = snap.ownerGroup;
  item.attributes = snap.attributes;
  for (const k of ASSET_FIELD_NAMES) if (snap[k] !== null) item[k] = snap[k];
  return item;
}

export function ciImportRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/cis/import',
      summary: 'Bulk upsert CIs (and relationships) by natural key from CSV or JSON; per-row results; ?dryRun=true writes nothing',
      tag: 'CMDB',
      roles: IMPORT_ROLES,
      bodyContent: ImportRequestDoc,
      query: ImportQuery,
      response: ImportResult,
      async handler({ req, query, user, deps }) {
        const input = importInputOf(req);
        return runImport(deps.db, input, { dryRun: query.dryRun === 'true', ctx: { actor: user.id, via: query.via ?? null } });
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/cis/export',
      summary: 'Export CIs as CSV (the columns the import takes) or JSON (the body the import takes)',
      tag: 'CMDB',
      roles: IMPORT_ROLES,
      query: ExportQuery,
      async handler({ req, query, deps }) {
        const where = { ...(query.class ? { class: query.class } : {}), ...(query.status ? { status: query.status } : {}) };
        if (query.format === 'json') {
          const items: Record<string, unknown>[] = [];
          const relationships: { source: string; type: string; target: string }[] = [];
          for await (const page of exportPages(deps.db, where)) {
            for (const { snap, relationships: rels } of page) {
              items.push(jsonItem(snap));
              for (const r of rels) relationships.push({ source: snap.naturalKey ?? snap.number, type: r.type, target: r.target });
            }
          }
          return { items, relationships };
        }
        // CSV: streamed page by page; the first page is read before anything is sent, so a
        // failure there is still a proper problem response.
        const attrs = await attributeColumns(deps.db, where);
        const pages = exportPages(deps.db, where);
        let next = await pages.next();
        const res = req.res!;
        res.status(200).type('text/csv; charset=utf-8').setHeader('content-disposition', 'attachment; filename="cis.csv"');
        res.write(csvLine([...CSV_BASE_COLUMNS, ...CSV_ASSET_COLUMNS, ...attrs.map((a) => CSV_ATTRIBUTE_PREFIX + a), CSV_RELATIONSHIPS_COLUMN]));
        try {
          for (; !next.done; next = await pages.next()) {
            let chunk = '';
            for (const { snap, relationships } of next.value) {
              chunk += csvLine([
                ...CSV_BASE_COLUMNS.map((c) => cellOf(snap[c])),
                ...CSV_ASSET_COLUMNS.map((c) => cellOf(snap[c])),
                ...attrs.map((a) => cellOf(snap.attributes[a])),
                joinList(relationships.map((r) => `${r.type}:${r.target}`)),
              ]);
            }
            if (res.destroyed) return undefined; // the client went away
            if (!res.write(chunk)) await drained(res);
          }
          res.end();
        } catch (e) {
          // too late for a problem response: cut the download short so it cannot pass for complete
          deps.log.error('export failed mid-stream', { error: String((e as Error)?.stack ?? e) });
          res.destroy(e as Error);
        }
        return undefined;
      },
    }),
  ];
}

/** The request body as import input, by content type. */
export function importInputOf(req: Request): ImportInput {
  if (req.is('text/csv')) {
    if (typeof req.body !== 'string' || req.body.trim() === '') throw badRequest('the CSV is empty: a header row is needed', [{ path: 'header', message: 'missing' }]);
    return readCsv(req.body);
  }
  if (typeof req.body === 'string' || (req.body !== undefined && typeof req.body !== 'object')) {
    throw badRequest('expected {items, relationships?} or an array of items', [{ path: '(body)', message: 'not an object or array' }]);
  }
  return readJson(req.body);
}
