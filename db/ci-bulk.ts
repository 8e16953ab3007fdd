/**
 * Bulk versions of ci-store's writers for imports: the same rows and CiVersion entries as
 * createCiTx / recordRelationshipChangeTx (a parity test keeps them identical), written
 * with a few multi-row statements per batch instead of several queries per CI.
 */
import { Prisma, type ConfigurationItem } from '../generated/prisma-sqlite/client';
import { naturalKeyOf } from '../domain/cmdb/classes';
import { diffFields } from '../domain/cmdb/diff';
import { newId } from '../infra/ids';
import { NUMBER_PREFIX } from './numbers';
import { CiConflictError, ciColumns, ciSnapshot, newSnapshot, type ChangeContext, type CiFields, type CiSnapshot } from './ci-store';
import type { Tx } from './client';
import { insertRows } from './insert-rows';
import { logGraphChanges } from './ci-graph';



const CI_COLUMNS = [
  'id', 'number', 'name', 'class', 'status', 'environment', 'ownerGroup', 'attributes', 'naturalKey', 'version', 'retiredAt', 'purchaseDate', 'cost', 'currency',
  'depreciationMethod', 'depreciationYears', 'salvageValue', 'location', 'supplier', 'checkedOutTo', 'checkedOutAt', 'costCentre', 'securityClass', 'dataOwner', 'createdAt', 'updatedAt',
] as const satisfies readonly (keyof ConfigurationItem)[];


/**
 * Creates many CIs in one transaction with three statements: one allocates all their
 * numbers, one inserts the rows, one their first versions. Each CI gets exactly what
 * createCiTx (db/ci-store.ts) writes for one: the same columns, version 1, a `create`
 * version with field-level changes from nothing and the snapshot, createdAt = the version's
 * `at` (a test keeps the two equal). The caller has checked identities; a clash with a
 * concurrent writer fails the batch, which is then redone row by row through createCiTx.
 */
export async function createCisTx(tx: Tx, items: (CiFields & { name: string; class: string })[], ctx: ChangeContext & { at: Date }): Promise<ConfigurationItem[]> {
  const n = items.length;
  const [{ value }] = await tx.$queryRaw<{ value: number | bigint }[]>(
    Prisma.sql`INSERT INTO "Counter" ("name", "value") VALUES ('ci', ${n})
               ON CONFLICT ("name") DO UPDATE SET "value" = "Counter"."value" + ${n}
               RETURNING "value"`,
  );
  const first = Number(value) - n + 1;
  const rows: ConfigurationItem[] = items.map((fields, i) => {
    const s = newSnapshot(fields);
    return {
      id: newId('ci', ctx.at.getTime()),
      number: `${NUMBER_PREFIX.ci}${String(first + i).padStart(7, '0')}`,
      ...ciColumns(s),
      version: 1,
      createdAt: ctx.at,
      updatedAt: ctx.at,
    };
  });
  await insertRows(tx, 'ConfigurationItem', CI_COLUMNS, rows);
  const at = ctx.at;
  await insertRows(
    tx,
    'CiVersion',
    ['id', 'ciId', 'version', 'at', 'actor', 'via', 'action', 'changes', 'snapshot'],
    rows.map((row) => {
      const snap = ciSnapshot(row);
      return {
        id: `civ-${row.id}-1`,
        ciId: row.id,
        version: 1,
        at,
        actor: ctx.actor,
        via: ctx.via ?? null,
        action: 'create',
        changes: JSON.stringify(diffFields({}, snap)),
        snapshot: JSON.stringify(snap),
      };
    }),
  );
  return rows;
}

/**
 * Adds many relationships in one transaction with four statements, versioned on their
 * sources exactly as recordRelationshipChangeTx (db/ci-store.ts) does one by one: each
 * relationship bumps its source's version by one and writes a `relationship_added` version
 * with the change `relationships.<type>.<targetId>: null → <relId>` and the source's
 * snapshot. Optimistic like the store: a source changed meanwhile fails the batch (which is
 * then redone one by one through addRelationshipTx). The caller has checked the ends and
 * that none of the relationships exists.
 */
export async function addRelationshipsTx(tx: Tx, items: { sourceId: string; targetId: string; type: string }[], ctx: ChangeContext & { at: Date }) {
  const sources = new Map((await tx.configurationItem.findMany({ where: { id: { in: [...new Set(items.map((i) => i.sourceId))] } } })).map((s) => [s.id, s]));
  const rows = items.map((i) => ({ id: newId('rel', ctx.at.getTime()), sourceId: i.sourceId, targetId: i.targetId, type: i.type, createdBy: ctx.actor, createdAt: ctx.at }));
  const next = new Map<string, number>();
  const versions = rows.map((rel) => {
    const source = sources.get(rel.sourceId);
    if (!source) throw new CiConflictError(`configuration item ${rel.sourceId} no longer exists`);
    const version = (next.get(source.id) ?? source.version) + 1;
    next.set(source.id, version);
    return {
      id: `civ-${source.id}-${version}`,
      ciId: source.id,
      version,
      at: ctx.at,
      actor: ctx.actor,
      via: ctx.via ?? null,
      action: 'relationship_added',
      changes: JSON.stringify({ [`relationships.${rel.type}.${rel.targetId}`]: { before: null, after: rel.id } }),
      snapshot: JSON.stringify(ciSnapshot({ ...source, version })),
    };
  });
  const bumps = [...next].map(([id, to]) => ({ id, from: sources.get(id)!.version, to }));
  const bumped = await tx.$executeRaw(Prisma.sql`UPDATE "ConfigurationItem"
    SET "version" = CASE "id" ${Prisma.join(bumps.map((b) => Prisma.sql`WHEN ${b.id} THEN CAST(${b.to} AS INTEGER)`), ' ')} END
    WHERE ${Prisma.join(bumps.map((b) => Prisma.sql`("id" = ${b.id} AND "version" = ${b.from})`), ' OR ')}`);
  if (bumped !== bumps.length) throw new CiConflictError('a source CI was changed concurrently; retry');
  await insertRows(tx, 'CiRelationship', ['id', 'sourceId', 'targetId', 'type', 'createdBy', 'createdAt'], rows);
  await insertRows(tx, 'CiVersion', ['id', 'ciId', 'version', 'at', 'actor', 'via', 'action', 'changes', 'snapshot'], versions);
  await logGraphChanges(tx, rows.map((r) => ({ op: 'add', relId: r.id, sourceId: r.sourceId, targetId: r.targetId, type: r.type })), ctx);
  return rows;
}

