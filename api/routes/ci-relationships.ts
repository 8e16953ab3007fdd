import { z } from '../../domain/schemas/zod';
import { CiRelationships, CreateRelationshipBody, IMPACT_CURSOR, IMPACT_SERVICES_SHOWN, ImpactQuery, ImpactResult, RelationshipRecord, RelationshipsQuery, type AffectedCi } from '../../domain/schemas/ci';
import { addRelationship, removeRelationship, type CiRelationshipRow } from '../../db/ci-store';
import { relationshipsAt } from '../../db/ci-graph';
import { highestSecurityClassReached, walkImpact } from '../../db/impact';
import type { Reached } from '../../domain/cmdb/impact-graph';
import type { ImpactPosition } from '../../domain/cmdb/impact-graph';
import type { Db } from '../../db/client';
import type { ConfigurationItem } from '../../generated/prisma-sqlite/client';
import { notFound } from '../errors';
import { requireCi, resolveCi } from '../refs';
import { route, type RouteDef } from '../route';
import { CI_WRITERS, ciStoreError, ciView } from './cis';

/** A relationship with both ends as id and number. */
const relView = (r: CiRelationshipRow, numbers: { source: string; target: string }) => ({
  id: r.id,
  sourceId: r.sourceId,
  sourceNumber: numbers.source,
  type: r.type as z.infer<typeof RelationshipRecord>['type'],
  targetId: r.targetId,
  targetNumber: numbers.target,
  createdAt: r.createdAt.toISOString(),
});
const summary = (c: { id: string; number: string; name: string; class: string; status: string }) => ({
  id: c.id,
  number: c.number,
  name: c.name,
  class: c.class as AffectedCi['class'],
  status: c.status as AffectedCi['status'],
});

const IdParam = '/api/v1/cis/:id';

/** Typed, directional relationships between CIs (each change versioned on the source) and impact analysis over them. */
export function ciRelationshipsRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: `${IdParam}/relationships`,
      summary: 'Relate this CI to a target: `this <type> target` (this depends on the target)',
      tag: 'CMDB',
      roles: CI_WRITERS,
      body: CreateRelationshipBody,
      response: RelationshipRecord,
      status: 201,
      creates: true,
      async handler({ params, body, user, deps }) {
        const source = await requireCi(deps.db, params.id);
        const target = await resolveCi(deps.db, body.targetId, 'targetId');
        try {
          return relView(await addRelationship(deps.db, source.id, { type: body.type, targetId: target.id }, { actor: user.id, at: new Date() }), { source: source.number, target: target.number });
        } catch (e) {
          throw ciStoreError(e);
        }
      },
    }),
    route({
      method: 'get',
      path: `${IdParam}/relationships`,
      summary: "A CI's relationships: outgoing (what it depends on) and incoming (what depends on it); ?at=<ISO timestamp> as they were then",
      tag: 'CMDB',
      roles: 'any',
      query: RelationshipsQuery,
      response: CiRelationships,
      async handler({ params, query, deps }) {
        const ci = await requireCi(deps.db, params.id);
        const [out, inc] = query.at
          ? await relationshipsAt(deps.db, ci.id, new Date(query.at)).then((rels) => [rels.filter((r) => r.sourceId === ci.id), rels.filter((r) => r.targetId === ci.id)])
          : await Promise.all([
              deps.db.ciRelationship.findMany({ where: { sourceId: ci.id }, orderBy: { id: 'asc' } }),
              deps.db.ciRelationship.findMany({ where: { targetId: ci.id }, orderBy: { id: 'asc' } }),
            ]);
        const ends = await deps.db.configurationItem.findMany({ where: { id: { in: [...new Set([...out.map((r) => r.targetId), ...inc.map((r) => r.sourceId)])] } } });
        const byId = new Map(ends.map((c) => [c.id, c]));
        return {
          outgoing: out.filter((r) => byId.has(r.targetId)).map((r) => ({ ...relView(r, { source: ci.number, target: byId.get(r.targetId)!.number }), target: summary(byId.get(r.targetId)!) })),
          incoming: inc.filter((r) => byId.has(r.sourceId)).map((r) => ({ ...relView(r, { source: byId.get(r.sourceId)!.number, target: ci.number }), source: summary(byId.get(r.sourceId)!) })),
        };
      },
    }),
    route({
      method: 'delete',
      path: `${IdParam}/relationships/:relId`,
      summary: 'Remove a relationship of this CI (either end); versioned on its source',
      tag: 'CMDB',
      roles: CI_WRITERS,
      status: 204,
      // The source CI changed concurrently.
      errors: [409],
      async handler({ params, user, deps }) {
        const ci = await requireCi(deps.db, params.id);
        const rel = await deps.db.ciRelationship.findUnique({ where: { id: params.relId } });
        if (!rel || (rel.sourceId !== ci.id && rel.targetId !== ci.id)) throw notFound(`relationship ${params.relId} of ${ci.number}`);
        try {
          await removeRelationship(deps.db, rel.id, { actor: user.id, at: new Date() });
        } catch (e) {
          throw ciStoreError(e);
        }
        return null;
      },
    }),
    route({
      method: 'get',
      path: `${IdParam}/impact`,
      summary:
        'Impact analysis: what depends on this CI transitively (downstream, default) or what it depends on (upstream): counts by class and distance, the nearest business services (servicesTotal says how many; ?class=service pages through all), and the reached CIs a page at a time; ?at= walks the graph as it was then',
      tag: 'CMDB',
      roles: 'any',
      query: ImpactQuery,
      response: ImpactResult,
      async handler({ params, query, deps }) {
        return ciImpact(deps.db, await requireCi(deps.db, params.id), query);
      },
    }),
  ];
}

/** The impact analysis of one CI; also what breaks if a supplier fails (its CI's impact). */
export async function ciImpact(db: Db, ci: ConfigurationItem, query: z.infer<typeof ImpactQuery>): Promise<z.infer<typeof ImpactResult>> {
  const at = query.at ? new Date(query.at) : undefined;
  const walk = await walkImpact(db, ci.id, { depth: query.depth, direction: query.direction, at });
  const page = walk.page(query.limit, positionOf(query.cursor), query.class ? new Set([query.class]) : undefined);
  const counts = walk.counts();
  const last = page.items[page.items.length - 1];
  return {
    ci: ciView(ci),
    direction: query.direction,
    depth: query.depth,
    at: at ? at.toISOString() : null,
    counts,
    affected: page.items.map(affectedView),
    nextCursor: page.more && last ? `hop-${last.distance}-${last.number.toLowerCase()}` : null,
    servicesTotal: counts.byClass.service ?? 0,
    services: walk.ofClass(SERVICE, IMPACT_SERVICES_SHOWN).map(affectedView),
    highestSecurityClass: await highestSecurityClassReached(db, ci.id, walk),
  };
}

const SERVICE = new Set(['service']);

export const affectedView = (r: Reached): AffectedCi => ({ ...summary(r), retired: r.status === 'retired', distance: r.distance, path: r.path });

function positionOf(cursor: string | undefined): ImpactPosition | undefined {
  const m = cursor === undefined ? null : IMPACT_CURSOR.exec(cursor);
  return m ? { distance: Number(m[1]), number: m[2].toUpperCase() } : undefined;
}
