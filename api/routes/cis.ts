import { ListQuery, listOf } from '../../domain/schemas/common';
import { CiGetQuery, CiHistoryEntry, CiListQuery, CiRecord, CreateCiBody, UpdateCiBody } from '../../domain/schemas/ci';
import type { ConfigurationItem } from '../../generated/prisma-sqlite/client';
import { z } from '../../domain/schemas/zod';
import {
  CiConflictError,
  CiNotFoundError,
  CiValidationError,
  ciAt,
  ciHistory,
  ciSnapshot,
  createCi,
  patchCi,
  retireCi,
  validateAttributes,
  type CiSnapshot,
  ciIdsContaining,
} from '../../db/ci-store';
import { badRequest, conflict, HttpError, notFound } from '../errors';
import { listPage } from '../pagination';
import { requireCi } from '../refs';
import type { Role } from '../../domain/access';
import { route, type RouteDef } from '../route';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The full CI: every column, so the asset, DHS, import and discovery modules can reuse it. */
export function ciView(row: ConfigurationItem): CiRecord {
  return ciSnapshotView(ciSnapshot(row), row);
}

/** A past state of a CI (a version snapshot) in the same shape as the current one. */
export function ciSnapshotView(s: CiSnapshot, meta: { version: number; createdAt: Date; updatedAt: Date }): CiRecord {
  return {
    ...s,
    class: s.class as CiRecord['class'],
    status: s.status as CiRecord['status'],
    // Version snapshots written before these fields existed lack them.
    costCentre: s.costCentre ?? null,
    securityClass: (s.securityClass ?? null) as CiRecord['securityClass'],
    dataOwner: s.dataOwner ?? null,
    version: meta.version,
    createdAt: meta.createdAt.toISOString(),
    updatedAt: meta.updatedAt.toISOString(),
  };
}

/** Maps the CI store's typed errors to HTTP problems (anything else propagates). */
export function ciStoreError(e: unknown): unknown {
  if (e instanceof CiValidationError) return badRequest(`${e.errors.length} invalid field${e.errors.length === 1 ? '' : 's'}: ${e.errors.map((x) => x.path).join(', ')}`, e.errors);
  if (e instanceof CiConflictError) return conflict(e.message);
  if (e instanceof CiNotFoundError) return new HttpError(404, 'Not found', e.message);
  return e;
}

export const CI_WRITERS: readonly Role[] = ['admin', 'change_manager'];
const IdParam = '/api/v1/cis/:id';

/**
 * The CMDB's CIs. Every write goes through db/ci-store (one CiVersion per change, with
 * field-level before/after); a CI is never deleted, only retired.
 */
export function ciRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/cis',
      summary: 'Register a configuration item (attributes validated per class)',
      tag: 'CMDB',
      roles: CI_WRITERS,
      body: CreateCiBody,
      response: CiRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        try {
          const attributes = validateAttributes(body.class, body.attributes);
          const at = new Date();
          const retiredAt = body.status === 'retired' ? at.toISOString() : null;
          return ciView(await createCi(deps.db, { ...body, attributes, retiredAt }, { actor: user.id, at }));
        } catch (e) {
          throw ciStoreError(e);
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/cis',
      summary: 'List configuration items (newest first; filter by class, status, environment, securityClass, q in name or number)',
      tag: 'CMDB',
      roles: 'any',
      query: ListQuery.extend(CiListQuery.shape),
      response: listOf(CiRecord),
      handler: ({ query, deps }) => {
        const filter = { ...(query.class ? { class: query.class } : {}), ...(query.status ? { status: query.status } : {}), ...(query.environment ? { environment: query.environment } : {}), ...(query.securityClass ? { securityClass: query.securityClass } : {}) };
        const q = query.q;
        return listPage(
          query,
          filter,
          async (args) => {
            if (!q) return deps.db.configurationItem.findMany(args);
            // Text search: the page's ids by plain substring (wildcards are characters), then the rows.
            const before = (args.where.id as { lt?: string } | undefined)?.lt;
            const ids = await ciIdsContaining(deps.db, q, filter, { ...(before ? { before } : {}), take: args.take });
            const rows = await deps.db.configurationItem.findMany({ where: { id: { in: ids } } });
            return rows.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
          },
          ciView,
        );
      },
    }),
    route({
      method: 'get',
      path: IdParam,
      summary: 'Get a configuration item by id or number; ?at=<ISO timestamp> returns it as it was then',
      tag: 'CMDB',
      roles: 'any',
      query: CiGetQuery,
      response: CiRecord,
      async handler({ params, query, deps }) {
        const row = await requireCi(deps.db, params.id);
        if (!query.at) return ciView(row);
        const at = new Date(query.at);
        const past = await ciAt(deps.db, row.id, at);
        if (!past) throw notFound(`configuration item ${params.id} at ${at.toISOString()} (it was created at ${row.createdAt.toISOString()})`);
        return ciSnapshotView(past.snapshot, { version: past.version, createdAt: row.createdAt, updatedAt: past.at });
      },
    }),
    route({
      method: 'patch',
      path: IdParam,
      summary: 'Update a configuration item (attributes merged per key, null removes one); versioned',
      tag: 'CMDB',
      roles: CI_WRITERS,
      body: UpdateCiBody,
      response: CiRecord,
      // Another CI with the same identity (natural key or class and name), or a concurrent change.
      errors: [409],
      async handler({ params, body, user, deps }) {
        const row = await requireCi(deps.db, params.id);
        try {
          return ciView(await patchCi(deps.db, row.id, body, { actor: user.id, at: new Date() }));
        } catch (e) {
          throw ciStoreError(e);
        }
      },
    }),
    route({
      method: 'delete',
      path: IdParam,
      summary: 'Retire a configuration item (never deleted); 409 while open records reference it',
      tag: 'CMDB',
      roles: CI_WRITERS,
      response: CiRecord,
      errors: [409],
      async handler({ params, user, deps }) {
        const row = await requireCi(deps.db, params.id);
        try {
          return ciView(await retireCi(deps.db, row.id, { actor: user.id, at: new Date() }));
        } catch (e) {
          throw ciStoreError(e);
        }
      },
    }),
    route({
      method: 'get',
      path: `${IdParam}/history`,
      summary: 'Every version of a configuration item, oldest first: who, when, through which record, field-level changes',
      tag: 'CMDB',
      roles: 'any',
      response: z.array(CiHistoryEntry),
      async handler({ params, deps }) {
        const row = await requireCi(deps.db, params.id);
        return (await ciHistory(deps.db, row.id)).map((v) => ({ ...v, at: v.at.toISOString() }));
      },
    }),
  ];
}
