import type { ConfigurationItem } from '../generated/prisma-sqlite/client';
import { diffFields, type FieldChanges } from '../domain/cmdb/diff';
import { naturalKeyOf } from '../domain/cmdb/classes';
import { newId } from '../api/ids';
import { nextNumber } from '../api/numbers';
import type { Db, Tx } from './client';

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
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
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
  };
}

function toColumns(s: Omit<CiSnapshot, 'id' | 'number'>) {
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

export async function createCiTx(tx: Tx, fields: CiFields & { name: string; class: string }, ctx: ChangeContext): Promise<ConfigurationItem> {
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
  };
  base.naturalKey = naturalKeyOf(base);
  const clash = await tx.configurationItem.findFirst({ where: { OR: [{ naturalKey: base.naturalKey }, { class: base.class, name: base.name }] } });
  if (clash) throw new CiConflictError(`a ${base.class} with the same identity already exists (${clash.number})`);
  const row = await tx.configurationItem.create({ data: { id: newId('ci'), number: await nextNumber(tx, 'ci'), ...toColumns(base), version: 1, createdAt: ctx.at, updatedAt: ctx.at } });
  await writeVersion(tx, row.id, 1, 'create', diffFields({}, ciSnapshot(row) as unknown as Record<string, unknown>), ciSnapshot(row), ctx);
  return row;
}

/**
 * Applies `fields` to the CI; returns null when nothing would change (no version written).
 * Optimistic: a concurrent writer makes this throw CiConflictError rather than lose an update.
 */
export async function updateCiTx(tx: Tx, current: ConfigurationItem, fields: CiFields, ctx: ChangeContext, action = 'update'): Promise<ConfigurationItem | null> {
  const before = ciSnapshot(current);
  const merged: CiSnapshot = { ...before, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) } as CiSnapshot;
  merged.naturalKey = naturalKeyOf(merged);
  const changes = diffFields(before as unknown as Record<string, unknown>, merged as unknown as Record<string, unknown>);
  if (Object.keys(changes).length === 0) return null;
  if (merged.naturalKey !== before.naturalKey || merged.name !== before.name) {
    const clash = await tx.configurationItem.findFirst({ where: { id: { not: current.id }, OR: [{ naturalKey: merged.naturalKey }, { class: merged.class, name: merged.name }] } });
    if (clash) throw new CiConflictError(`a ${merged.class} with the same identity already exists (${clash.number})`);
  }
  const version = current.version + 1;
  const updated = await tx.configurationItem.updateMany({ where: { id: current.id, version: current.version }, data: { ...toColumns(merged), version, ...(ctx.at ? { updatedAt: ctx.at } : {}) } });
  if (updated.count === 0) throw new CiConflictError(`${current.number} was changed concurrently; retry`);
  const row = await tx.configurationItem.findUniqueOrThrow({ where: { id: current.id } });
  await writeVersion(tx, row.id, version, action, changes, ciSnapshot(row), ctx);
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
