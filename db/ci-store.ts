import { Prisma, type ConfigurationItem } from '../generated/prisma-sqlite/client';
import { diffFields, type FieldChanges } from '../domain/cmdb/diff';
import { attributeSchemaOf, naturalKeyOf } from '../domain/cmdb/classes';
import { OPEN_CHANGE_STATES } from '../domain/change/state-machine';
import { INCIDENT_STATES, isTerminal } from '../domain/incident/state-machine';
import { newId } from '../infra/ids';
import { nextNumber } from './numbers';
import { ciAttributesOf } from './columns';
import { providerOf, type Db, type Tx } from './client';
import { logGraphChanges } from './ci-graph';

/**
 * The only writer of configuration items: every create, update, relationship change,
 * retirement and movement bumps the CI's version and writes a CiVersion row (who, when,
 * field-level before/after, through which record) in the same transaction.
 */
export interface ChangeContext {
  actor: string;
  /** The change or release number the change came through, if any. */
  via?: string | null;
  at?: Date;
}

/** Everything about a CI that is versioned (and returned by `?at=`). */
export interface CiSnapshot {
  id: string;
  number: string;
  name: string;
  class: string;
  status: string;
  environment: string | null;
  ownerGroup: string | null;
  attributes: Record<string, unknown>;
  naturalKey: string | null;
  retiredAt: string | null;
  purchaseDate: string | null;
  cost: number | null;
  currency: string | null;
  depreciationMethod: string | null;
  depreciationYears: number | null;
  salvageValue: number | null;
  location: string | null;
  supplier: string | null;
  checkedOutTo: string | null;
  checkedOutAt: string | null;
  /** Financial management: the cost centre charged for it. */
  costCentre: string | null;
  /** Information security: how sensitive the data it holds is, and who owns that data. */
  securityClass: string | null;
  dataOwner: string | null;
}

/** Writable fields (what create and update accept). */
export type CiFields = Partial<Omit<CiSnapshot, 'id' | 'number' | 'naturalKey' | 'retiredAt' | 'checkedOutAt'>> & { checkedOutAt?: string | null; retiredAt?: string | null };

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const date = (s: string | null | undefined) => (s ? new Date(s) : null);

export function ciSnapshot(row: ConfigurationItem): CiSnapshot {
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    class: row.class,
    status: row.status,
    environment: row.environment,
    ownerGroup: row.ownerGroup,
    attributes: ciAttributesOf(row),
    naturalKey: row.naturalKey,
    retiredAt: iso(row.retiredAt),
    purchaseDate: iso(row.purchaseDate),
    cost: row.cost,
    currency: row.currency,
    depreciationMethod: row.depreciationMethod,
    depreciationYears: row.depreciationYears,
    salvageValue: row.salvageValue,
    location: row.location,
    supplier: row.supplier,
    checkedOutTo: row.checkedOutTo,
    checkedOutAt: iso(row.checkedOutAt),
    costCentre: row.costCentre,
    securityClass: row.securityClass,
    dataOwner: row.dataOwner,
  };
}

/** A snapshot as table columns (JSON and dates encoded). */
export function ciColumns(s: Omit<CiSnapshot, 'id' | 'number'>) {
  return {
    name: s.name,
    class: s.class,
    status: s.status,
    environment: s.environment,
    ownerGroup: s.ownerGroup,
    attributes: JSON.stringify(s.attributes),
    naturalKey: s.naturalKey,
    retiredAt: date(s.retiredAt),
    purchaseDate: date(s.purchaseDate),
    cost: s.cost,
    currency: s.currency,
    depreciationMethod: s.depreciationMethod,
    depreciationYears: s.depreciationYears,
    salvageValue: s.salvageValue,
    location: s.location,
    supplier: s.supplier,
    checkedOutTo: s.checkedOutTo,
    checkedOutAt: date(s.checkedOutAt),
    costCentre: s.costCentre,
    securityClass: s.securityClass,
    dataOwner: s.dataOwner,
  };
}

async function writeVersion(tx: Tx, ciId: string, version: number, action: string, changes: FieldChanges, snapshot: CiSnapshot, ctx: ChangeContext) {
  await tx.ciVersion.create({
    data: {
      id: `civ-${ciId}-${version}`,
      ciId,
      version,
      at: ctx.at ?? new Date(),
      actor: ctx.actor,
      via: ctx.via ?? null,
      action,
      changes: JSON.stringify(changes),
      snapshot: JSON.stringify(snapshot),
    },
  });
}

export class CiConflictError extends Error {}

/** A new CI's versioned fields: defaults filled in, natural key derived. */
export function newSnapshot(fields: CiFields & { name: string; class: string }): Omit<CiSnapshot, 'id' | 'number'> {
  const base: Omit<CiSnapshot, 'id' | 'number'> = {
    name: fields.name,
    class: fields.class,
    status: fields.status ?? 'live',
    environment: fields.environment ?? null,
    ownerGroup: fields.ownerGroup ?? null,
    attributes: fields.attributes ?? {},
    naturalKey: null,
    retiredAt: fields.retiredAt ?? null,
    purchaseDate: fields.purchaseDate ?? null,
    cost: fields.cost ?? null,
    currency: fields.currency ?? null,
    depreciationMethod: fields.depreciationMethod ?? null,
    depreciationYears: fields.depreciationYears ?? null,
    salvageValue: fields.salvageValue ?? null,
    location: fields.location ?? null,
    supplier: fields.supplier ?? null,
    checkedOutTo: fields.checkedOutTo ?? null,
    checkedOutAt: fields.checkedOutAt ?? null,
    costCentre: fields.costCentre ?? null,
    securityClass: fields.securityClass ?? null,
    dataOwner: fields.dataOwner ?? null,
  };
  base.naturalKey = naturalKeyOf(base);
  return base;
}

export async function createCiTx(tx: Tx, fields: CiFields & { name: string; class: string }, context: ChangeContext): Promise<ConfigurationItem> {
  // One instant for the row's createdAt and its first version, so `?at=<createdAt>` finds it.
  const ctx = { ...context, at: context.at ?? new Date() };
  const base = newSnapshot(fields);
  const clash = await tx.configurationItem.findFirst({ where: { OR: [{ naturalKey: base.naturalKey }, { class: base.class, name: base.name }] } });
  if (clash) throw new CiConflictError(`a ${base.class} with the same identity already exists (${clash.number})`);
  const row = await tx.configurationItem.create({ data: { id: newId('ci'), number: await nextNumber(tx, 'ci'), ...ciColumns(base), version: 1, createdAt: ctx.at, updatedAt: ctx.at } });
  await writeVersion(tx, row.id, 1, 'create', diffFields({}, ciSnapshot(row)), ciSnapshot(row), ctx);
  return row;
}

/**
 * Applies `fields` to the CI; returns null when nothing would change (no version written).
 * Optimistic: a concurrent writer makes this throw CiConflictError rather than lose an update.
 */
export async function updateCiTx(tx: Tx, current: ConfigurationItem, fields: CiFields, context: ChangeContext, action = 'update'): Promise<ConfigurationItem | null> {
  const ctx = { ...context, at: context.at ?? new Date() }; // updatedAt == the version's `at`
  const before = ciSnapshot(current);
  const merged: CiSnapshot = { ...before, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) } as CiSnapshot;
  merged.naturalKey = naturalKeyOf(merged);
  const changes = diffFields(before, merged);
  if (Object.keys(changes).length === 0) return null;
  if (merged.naturalKey !== before.naturalKey || merged.name !== before.name) {
    const clash = await tx.configurationItem.findFirst({ where: { id: { not: current.id }, OR: [{ naturalKey: merged.naturalKey }, { class: merged.class, name: merged.name }] } });
    if (clash) throw new CiConflictError(`a ${merged.class} with the same identity already exists (${clash.number})`);
  }
  const version = current.version + 1;
  const updated = await tx.configurationItem.updateMany({ where: { id: current.id, version: current.version }, data: { ...ciColumns(merged), version, updatedAt: ctx.at } });
  if (updated.count === 0) throw new CiConflictError(`${current.number} was changed concurrently; retry`);
  const row = await tx.configurationItem.findUniqueOrThrow({ where: { id: current.id } });
  await writeVersion(tx, row.id, version, action, changes, ciSnapshot(row), ctx);
  if (row.class !== current.class || row.name !== current.name || row.status !== current.status) {
    await logGraphChanges(tx, [{ op: 'ci', ciId: row.id, class: row.class, name: row.name, status: row.status }], { actor: ctx.actor, at: ctx.at });
  }
  return row;
}

/** A relationship change is versioned on the source CI (its outgoing links are part of it). */
export async function recordRelationshipChangeTx(tx: Tx, source: ConfigurationItem, action: 'relationship_added' | 'relationship_removed', rel: { id: string; type: string; targetId: string }, ctx: ChangeContext) {
  const version = source.version + 1;
  const bumped = await tx.configurationItem.updateMany({ where: { id: source.id, version: source.version }, data: { version } });
  if (bumped.count === 0) throw new CiConflictError(`${source.number} was changed concurrently; retry`);
  const change = { [`relationships.${rel.type}.${rel.targetId}`]: action === 'relationship_added' ? { before: null, after: rel.id } : { before: rel.id, after: null } };
  await writeVersion(tx, source.id, version, action, change, ciSnapshot({ ...source, version }), ctx);
}

export const createCi = (db: Db, fields: CiFields & { name: string; class: string }, ctx: ChangeContext) => db.$transaction((tx) => createCiTx(tx, fields, ctx));
export const updateCi = (db: Db, current: ConfigurationItem, fields: CiFields, ctx: ChangeContext, action = 'update') =>
  db.$transaction((tx) => updateCiTx(tx, current, fields, ctx, action));

// ---------------------------------------------------------------------------------------------
// Higher-level writes used by the CMDB routes (and, with `via`, by changes and releases).
// Each runs in one transaction, re-reads the CI inside it, and reports problems as the typed
// errors below (the API maps them to 400/409); none of them ever deletes a CI.

export interface FieldError {
  path: string;
  message: string;
}

/** Input the class's attribute schema (or another field rule) refuses. */
export class CiValidationError extends Error {
  constructor(public readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  }
}

/** The CI cannot be retired: open records reference it (their numbers, sorted). */
export class CiInUseError extends CiConflictError {
  constructor(public readonly ci: string, public readonly records: string[]) {
    super(`${ci} is referenced by open records: ${records.join(', ')}`);
  }
}

export class CiNotFoundError extends Error {}

const isUniqueViolation = (e: unknown) => (e as { code?: unknown } | null)?.code === 'P2002';

/** PATCH semantics: only present fields change; attributes merge per key, `null` removes a key. */
export type CiPatch = Omit<CiFields, 'attributes'> & { attributes?: Record<string, unknown | null> };

export function mergeAttributes(current: Record<string, unknown>, patch: Record<string, unknown | null> | undefined): Record<string, unknown> {
  const out = { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Validates attributes against the class's schema; error paths are `attributes.<key>`. */
export function validateAttributes(cls: string, attributes: Record<string, unknown>): Record<string, unknown> {
  const schema = attributeSchemaOf(cls);
  if (!schema) return attributes;
  const parsed = schema.safeParse(attributes);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  throw new CiValidationError(parsed.error.issues.map((i) => ({ path: ['attributes', ...i.path.map(String)].join('.'), message: i.message })));
}

async function lockCi(tx: Tx, ciId: string): Promise<ConfigurationItem> {
  const row = await tx.configurationItem.findUnique({ where: { id: ciId } });
  if (!row) throw new CiNotFoundError(`configuration item ${ciId} not found`);
  return row;
}

/**
 * Applies a PATCH to a CI (re-read in the transaction): merged attributes are validated
 * against the class, leaving `retired` clears `retiredAt` and entering it sets it.
 * Returns the CI unchanged (no version written) when nothing differs.
 */
export async function patchCiTx(tx: Tx, ciId: string, patch: CiPatch, ctx: ChangeContext): Promise<ConfigurationItem> {
  const current = await lockCi(tx, ciId);
  const at = ctx.at ?? new Date();
  const { attributes, ...rest } = patch;
  const fields: CiFields = { ...rest };
  if (attributes !== undefined) fields.attributes = validateAttributes(current.class, mergeAttributes(ciAttributesOf(current), attributes));
  if (patch.status !== undefined && patch.status !== current.status) {
    if (patch.status === 'retired' && patch.retiredAt === undefined) fields.retiredAt = at.toISOString();
    if (current.status === 'retired' && patch.status !== 'retired') fields.retiredAt = null;
  }
  try {
    return (await updateCiTx(tx, current, fields, { ...ctx, at })) ?? current;
  } catch (e) {
    if (isUniqueViolation(e)) throw new CiConflictError(`a ${current.class} with the same identity already exists`);
    throw e;
  }
}

/**
 * Open records that reference a CI, one finder per record type: the single place to add
 * problems, changes and releases when they exist. Each returns the records' numbers.
 */
export const OPEN_REFERENCE_FINDERS: Record<string, (db: Db | Tx, ciId: string) => Promise<string[]>> = {
  incident: async (db, ciId) =>
    (
      await db.incident.findMany({
        where: { OR: [{ ciId }, { serviceId: ciId }], state: { notIn: INCIDENT_STATES.filter(isTerminal) } },
        select: { number: true },
      })
    ).map((r) => r.number),
  // A release's CIs live in its snapshot: ids are ULIDs, so a text match finds exactly that CI.
  release: async (db, ciId) =>
    (await db.release.findMany({ where: { state: { notIn: ['deployed', 'failed', 'rolled_back', 'cancelled'] }, detail: { contains: `"${ciId}"` } }, select: { number: true } })).map((r) => r.number),
  change: async (db, ciId) =>
    (
      await db.change.findMany({
        where: { state: { in: [...OPEN_CHANGE_STATES] }, id: { in: (await db.changeCi.findMany({ where: { ciId }, select: { changeId: true } })).map((r) => r.changeId) } },
        select: { number: true },
      })
    ).map((r) => r.number),
};

export async function openReferences(db: Db | Tx, ciId: string): Promise<string[]> {
  const found = await Promise.all(Object.values(OPEN_REFERENCE_FINDERS).map((find) => find(db, ciId)));
  return found.flat().sort();
}

/**
 * Retire, never delete: refuses (CiInUseError) while open records reference the CI; otherwise
 * status `retired`, `retiredAt` set, one `retire` version; relationships and history are kept.
 * Retiring a retired CI is a no-op.
 */
export async function retireCiTx(tx: Tx, ciId: string, ctx: ChangeContext): Promise<ConfigurationItem> {
  const current = await lockCi(tx, ciId);
  if (current.status === 'retired') return current;
  const refs = await openReferences(tx, current.id);
  if (refs.length) throw new CiInUseError(current.number, refs);
  const at = ctx.at ?? new Date();
  return (await updateCiTx(tx, current, { status: 'retired', retiredAt: at.toISOString() }, { ...ctx, at }, 'retire')) ?? current;
}

export type CiRelationshipRow = { id: string; sourceId: string; targetId: string; type: string; createdBy: string; createdAt: Date };

/**
 * Adds `source <type> target`, versioned on the source. Self-links are a CiValidationError on
 * `targetId`; a duplicate (same source, type, target) or a retired end a CiConflictError.
 */
export async function addRelationshipTx(tx: Tx, sourceId: string, rel: { type: string; targetId: string }, ctx: ChangeContext): Promise<CiRelationshipRow> {
  const source = await lockCi(tx, sourceId);
  if (rel.targetId === source.id) throw new CiValidationError([{ path: 'targetId', message: 'a CI cannot be related to itself' }]);
  const target = await tx.configurationItem.findUnique({ where: { id: rel.targetId } });
  if (!target) throw new CiValidationError([{ path: 'targetId', message: `no configuration item ${rel.targetId}` }]);
  for (const end of [source, target]) if (end.status === 'retired') throw new CiConflictError(`${end.number} is retired; retired CIs take no new relationships`);
  const existing = await tx.ciRelationship.findUnique({ where: { sourceId_type_targetId: { sourceId: source.id, type: rel.type, targetId: target.id } } });
  if (existing) throw new CiConflictError(`${source.number} already ${rel.type} ${target.number} (${existing.id})`);
  const at = ctx.at ?? new Date();
  let row: CiRelationshipRow;
  try {
    row = await tx.ciRelationship.create({ data: { id: newId('rel', at.getTime()), sourceId: source.id, targetId: target.id, type: rel.type, createdBy: ctx.actor, createdAt: at } });
  } catch (e) {
    if (isUniqueViolation(e)) throw new CiConflictError(`${source.number} already ${rel.type} ${target.number}`);
    throw e;
  }
  await recordRelationshipChangeTx(tx, source, 'relationship_added', row, { ...ctx, at });
  await logGraphChanges(tx, [{ op: 'add', relId: row.id, sourceId: row.sourceId, targetId: row.targetId, type: row.type }], { actor: ctx.actor, at });
  return row;
}

/** Removes a relationship (physically: its history stays on the source CI's versions). */
export async function removeRelationshipTx(tx: Tx, relId: string, ctx: ChangeContext): Promise<CiRelationshipRow> {
  const rel = await tx.ciRelationship.findUnique({ where: { id: relId } });
  if (!rel) throw new CiNotFoundError(`relationship ${relId} not found`);
  const source = await lockCi(tx, rel.sourceId);
  await tx.ciRelationship.delete({ where: { id: rel.id } });
  const at = ctx.at ?? new Date();
  await recordRelationshipChangeTx(tx, source, 'relationship_removed', rel, { ...ctx, at });
  await logGraphChanges(tx, [{ op: 'remove', relId: rel.id, sourceId: rel.sourceId, targetId: rel.targetId, type: rel.type }], { actor: ctx.actor, at });
  return rel;
}

export const patchCi = (db: Db, ciId: string, patch: CiPatch, ctx: ChangeContext) => db.$transaction((tx) => patchCiTx(tx, ciId, patch, ctx));
export const retireCi = (db: Db, ciId: string, ctx: ChangeContext) => db.$transaction((tx) => retireCiTx(tx, ciId, ctx));
export const addRelationship = (db: Db, sourceId: string, rel: { type: string; targetId: string }, ctx: ChangeContext) =>
  db.$transaction((tx) => addRelationshipTx(tx, sourceId, rel, ctx));
export const removeRelationship = (db: Db, relId: string, ctx: ChangeContext) => db.$transaction((tx) => removeRelationshipTx(tx, relId, ctx));

// ---------------------------------------------------------------------------------------------
// Reads of the version history.

export interface CiVersionEntry {
  version: number;
  at: Date;
  actor: string;
  via: string | null;
  action: string;
  changes: FieldChanges;
}

/** Every version of a CI, oldest first. */
export async function ciHistory(db: Db | Tx, ciId: string): Promise<CiVersionEntry[]> {
  const rows = await db.ciVersion.findMany({ where: { ciId }, orderBy: { version: 'asc' } });
  return rows.map((r) => ({ version: r.version, at: r.at, actor: r.actor, via: r.via, action: r.action, changes: JSON.parse(r.changes) as FieldChanges }));
}

/** The CI as it was at `at` (the snapshot of its last version at or before then), or null if it did not exist yet. */
export async function ciAt(db: Db | Tx, ciId: string, at: Date): Promise<{ snapshot: CiSnapshot; version: number; at: Date; createdAt: Date } | null> {
  const v = await db.ciVersion.findFirst({ where: { ciId, at: { lte: at } }, orderBy: [{ at: 'desc' }, { version: 'desc' }] });
  if (!v) return null;
  const first = await db.ciVersion.findFirst({ where: { ciId }, orderBy: { version: 'asc' }, select: { at: true } });
  return { snapshot: JSON.parse(v.snapshot) as CiSnapshot, version: v.version, at: v.at, createdAt: first?.at ?? v.at };
}

/** Resolves an id or a human number to the CI row; used for route params and body references. */
export async function findCi(db: Db, ref: string) {
  return db.configurationItem.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
}

/**
 * Ids of CIs whose name or number contains `q` as plain text, case-insensitively, newest
 * first: `instr`/`strpos`, not `LIKE`, so `%`, `_` and `\` in a search are characters, not
 * wildcards (Prisma's `contains` passes them to LIKE unescaped on SQLite).
 */
export async function ciIdsContaining(
  db: Db,
  q: string,
  filter: { class?: string; status?: string; environment?: string; securityClass?: string },
  page: { before?: string; take: number },
): Promise<string[]> {
  const needle = q.toLowerCase();
  const has = (column: string) =>
    providerOf(db) === 'sqlite' ? Prisma.sql`instr(lower(${Prisma.raw(`"${column}"`)}), ${needle}) > 0` : Prisma.sql`strpos(lower(${Prisma.raw(`"${column}"`)}), ${needle}) > 0`;
  const conds = [Prisma.sql`(${has('name')} OR ${has('number')})`];
  if (filter.class) conds.push(Prisma.sql`"class" = ${filter.class}`);
  if (filter.status) conds.push(Prisma.sql`"status" = ${filter.status}`);
  if (filter.environment) conds.push(Prisma.sql`"environment" = ${filter.environment}`);
  if (filter.securityClass) conds.push(Prisma.sql`"securityClass" = ${filter.securityClass}`);
  if (page.before) conds.push(Prisma.sql`"id" < ${page.before}`);
  const rows = await db.$queryRaw<{ id: string }[]>`SELECT "id" FROM "ConfigurationItem" WHERE ${Prisma.join(conds, ' AND ')} ORDER BY "id" DESC LIMIT ${page.take}`;
  return rows.map((r) => r.id);
}
