import type { DslArtifact } from '../generated/prisma-sqlite/client';
import { DeployedIn, DslStatus, type DslArtifactView } from '../domain/schemas/dsl';
import { redactUrl } from '../infra/network-policy';
import type { Db, Tx } from './client';
import { parseJson, parseStored } from './json';

/** The definitive software library's table: artifacts by id, unique by (name, version). */

export const dslContentPath = (id: string) => `/api/v1/dsl/artifacts/${id}/content`;

const deployedInOf = (row: Pick<DslArtifact, 'id' | 'deployedIn'>): string[] =>
  parseJson(DeployedIn, row.deployedIn, { recordType: 'dsl artifact', recordId: row.id, field: 'deployedIn' });

/** The public JSON of an artifact (API responses, release snapshots). */
export function artifactView(row: DslArtifact): DslArtifactView {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    // Stored redacted already; redacted again so no caller can leak what an older row held.
    uri: redactUrl(row.uri),
    sha256: row.sha256,
    actualSha256: row.actualSha256,
    status: parseStored(DslStatus, row.status, { recordType: 'dsl artifact', recordId: row.id, field: 'status' }),
    sizeBytes: row.sizeBytes,
    error: row.error,
    deployedIn: deployedInOf(row),
    deployedAt: row.deployedAt?.toISOString() ?? null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    contentUrl: dslContentPath(row.id),
  };
}

export function findArtifact(db: Db | Tx, id: string): Promise<DslArtifact | null> {
  return db.dslArtifact.findUnique({ where: { id } });
}

/** Artifacts by id, in the order asked (unknown ids are left out). */
export async function findArtifacts(db: Db | Tx, ids: readonly string[]): Promise<DslArtifact[]> {
  const rows = await db.dslArtifact.findMany({ where: { id: { in: [...new Set(ids)] } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * Records that a release deployed these artifacts: appends the release number to each one's
 * `deployedIn` (once: repeating it changes nothing but `deployedAt`) and sets `deployedAt`.
 * Every artifact must exist and be verified. Safe under concurrent releases: each append is
 * a compare-and-set on the list it read, repeated if another release wrote in between.
 */
export async function markDeployed(db: Db | Tx, artifactIds: readonly string[], releaseNumber: string, at: Date): Promise<void> {
  for (const id of new Set(artifactIds)) {
    for (let attempt = 0; ; attempt++) {
      const row = await db.dslArtifact.findUnique({ where: { id }, select: { id: true, status: true, deployedIn: true } });
      if (!row) throw new Error(`markDeployed: no DSL artifact ${id}`);
      if (row.status !== 'verified') throw new Error(`markDeployed: DSL artifact ${id} is ${row.status}, not verified`);
      const list = deployedInOf(row);
      const next = list.includes(releaseNumber) ? list : [...list, releaseNumber];
      const done = await db.dslArtifact.updateMany({ where: { id, deployedIn: row.deployedIn }, data: { deployedIn: JSON.stringify(next), deployedAt: at } });
      if (done.count === 1) break;
      if (attempt >= 20) throw new Error(`markDeployed: DSL artifact ${id} kept changing under us`);
    }
  }
}
