import type { ConfigurationItem } from '../../generated/prisma-sqlite/client';
import { CiConflictError, updateCiTx, type ChangeContext } from '../../db/ci-store';
import type { Tx } from '../../db/client';
import { CheckoutBody, DhsListQuery, DhsRecord, ReturnBody } from '../../domain/schemas/asset';
import { listOf } from '../../domain/schemas/common';
import { z } from '../../domain/schemas/zod';
import { badRequest, conflict } from '../errors';
import { listPage } from '../pagination';
import { findCi } from '../refs';
import { route, type ApiDeps, type RouteDef } from '../route';
import { assetView, requireCiTx } from './assets';

/** Who may move items in and out of the definitive hardware store. */
export const DHS_WRITE_ROLES = ['admin', 'change_manager', 'release_manager'] as const;

export function dhsView(row: ConfigurationItem, asOf = new Date()): z.infer<typeof DhsRecord> {
  return { ...assetView(row, asOf), checkedOut: row.checkedOutTo !== null };
}

/** `to` is a CI when it looks like a CI id or number (then it must exist), else a location. */
const looksLikeCiRef = (s: string) => /^CI\d{7,}$/.test(s) || /^ci_[0-9a-z]{26}$/.test(s);

/**
 * The movement's reason goes into the version the movement wrote, as a `reason` entry next to
 * the field-level changes, so the history shows why. (ci-store has no place for a note yet.)
 */
async function noteReason(tx: Tx, row: ConfigurationItem, reason: string | undefined) {
  if (!reason) return;
  const v = await tx.ciVersion.findUnique({ where: { ciId_version: { ciId: row.id, version: row.version } } });
  if (!v) return;
  const changes = { ...(JSON.parse(v.changes) as Record<string, unknown>), reason: { before: null, after: reason } };
  await tx.ciVersion.update({ where: { id: v.id }, data: { changes: JSON.stringify(changes) } });
}

async function move(deps: ApiDeps, ref: string, ctx: ChangeContext, apply: (tx: Tx, current: ConfigurationItem) => Promise<ConfigurationItem>) {
  try {
    const row = await deps.db.$transaction(async (tx) => apply(tx, await requireCiTx(tx, ref)));
    return dhsView(row);
  } catch (e) {
    if (e instanceof CiConflictError) throw conflict(e.message);
    throw e;
  }
}

export function dhsRoutes(): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/v1/dhs',
      summary: 'The definitive hardware store: spare items (status in_store), and whether each is checked out',
      tag: 'Assets',
      roles: 'any',
      query: DhsListQuery,
      response: listOf(DhsRecord),
      handler: ({ query, deps }) => {
        const now = new Date();
        return listPage(
          query,
          {
            status: 'in_store',
            ...(query.class ? { class: query.class } : {}),
            ...(query.location ? { location: query.location } : {}),
            ...(query.checkedOut === 'true' ? { checkedOutTo: { not: null } } : query.checkedOut === 'false' ? { checkedOutTo: null } : {}),
          },
          (args) => deps.db.configurationItem.findMany(args),
          (row) => dhsView(row, now),
        );
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/dhs/:id/checkout',
      summary: 'Check a spare item out of the store to a location or a CI (temporary use)',
      tag: 'Assets',
      roles: DHS_WRITE_ROLES,
      body: CheckoutBody,
      response: DhsRecord,
      async handler({ params, body, user, deps }) {
        let to = body.to;
        let targetId: string | null = null;
        if (looksLikeCiRef(to)) {
          const target = await findCi(deps.db, to);
          if (!target) throw badRequest('to does not exist', [{ path: 'to', message: `no configuration item ${to}` }]);
          to = target.number;
          targetId = target.id;
        }
        const at = new Date();
        return move(deps, params.id, { actor: user.id, via: body.via ?? null, at }, async (tx, current) => {
          if (current.status !== 'in_store') throw conflict(`${current.number} is in status '${current.status}': only items in status 'in_store' can be checked out`);
          if (current.checkedOutTo !== null) throw conflict(`${current.number} (status 'in_store') is already checked out to ${current.checkedOutTo}; return it first`);
          if (targetId === current.id) throw badRequest('an item cannot be checked out to itself', [{ path: 'to', message: 'is the item itself' }]);
          const row = await updateCiTx(tx, current, { checkedOutTo: to, checkedOutAt: at.toISOString() }, { actor: user.id, via: body.via ?? null, at }, 'checkout');
          await noteReason(tx, row!, body.reason);
          return row!;
        });
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/dhs/:id/return',
      summary: 'Return a checked-out item to the store (optionally to another location)',
      tag: 'Assets',
      roles: DHS_WRITE_ROLES,
      body: ReturnBody,
      response: DhsRecord,
      async handler({ params, body, user, deps }) {
        const at = new Date();
        const ctx = { actor: user.id, via: body.via ?? null, at };
        return move(deps, params.id, ctx, async (tx, current) => {
          if (current.status !== 'in_store') throw conflict(`${current.number} is in status '${current.status}': only items in status 'in_store' that are checked out can be returned`);
          if (current.checkedOutTo === null) throw conflict(`${current.number} (status 'in_store') is not checked out`);
          const row = await updateCiTx(tx, current, { checkedOutTo: null, checkedOutAt: null, ...(body.location ? { location: body.location } : {}) }, ctx, 'return');
          await noteReason(tx, row!, body.reason);
          return row!;
        });
      },
    }),
  ];
}
