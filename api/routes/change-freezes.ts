import { ListQuery, listOf } from '../../domain/schemas/common';
import { CreateFreezeBody, FreezeRecord } from '../../domain/schemas/change';
import type { ChangeState } from '../../domain/change/state-machine';
import type { Db } from '../../db/client';
import { recheckScheduleSignal } from '../../workflows/contracts/change';
import { recheckGateSignal } from '../../workflows/contracts/release';
import { notFound } from '../errors';
import { newId } from '../../infra/ids';
import { listPage } from '../pagination';
import { route, type ApiDeps, type RouteDef } from '../route';

export function freezeView(f: { id: string; name: string; start: Date; end: Date; reason: string; createdBy: string; createdAt: Date }) {
  return { id: f.id, name: f.name, start: f.start.toISOString(), end: f.end.toISOString(), reason: f.reason, createdBy: f.createdBy, createdAt: f.createdAt.toISOString() };
}

/** States in which a change's window is still to be honoured: a freeze may hold it. */
const SCHEDULABLE: ChangeState[] = ['approved', 'held', 'scheduled'];

/**
 * Tells every change whose window touches [start, end) to check its schedule again. The
 * workflows decide (emergencies ignore freezes); this only wakes them. A change that cannot
 * be signalled (its workflow just ended) has nothing left to schedule.
 */
async function recheckChanges(deps: ApiDeps, db: Db, window: { start: Date; end: Date }): Promise<string[]> {
  const rows = await db.change.findMany({
    where: { state: { in: SCHEDULABLE }, type: { not: 'emergency' }, plannedStart: { lt: window.end }, plannedEnd: { gt: window.start } },
    select: { number: true, workflowId: true },
  });
  await Promise.all(
    rows.map((r) =>
      deps.temporal.workflow
        .getHandle(r.workflowId)
        .signal(recheckScheduleSignal)
        .catch((e: unknown) => deps.log.warn('freeze recheck not delivered', { change: r.number, error: (e as Error).message })),
    ),
  );
  // Releases waiting at a gate ask it again: the freeze is checked at the moment of deployment too.
  const releases = await db.release.findMany({ where: { state: 'awaiting_approval' }, select: { number: true, workflowId: true } });
  await Promise.all(
    releases.map((r) =>
      deps.temporal.workflow
        .getHandle(r.workflowId)
        .signal(recheckGateSignal)
        .catch((e: unknown) => deps.log.warn('freeze recheck not delivered', { release: r.number, error: (e as Error).message })),
    ),
  );
  return rows.map((r) => r.number);
}

export function changeFreezeRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/change-freezes',
      summary: 'Declare a change freeze (normal and standard changes inside it are held)',
      tag: 'Changes',
      roles: ['change_manager', 'admin'],
      body: CreateFreezeBody,
      response: FreezeRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const row = await deps.db.changeFreeze.create({
          data: { id: newId('frz'), name: body.name, start: new Date(body.start), end: new Date(body.end), reason: body.reason, createdBy: user.id },
        });
        await recheckChanges(deps, deps.db, row);
        return freezeView(row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/change-freezes',
      summary: 'Change freezes (newest first)',
      tag: 'Changes',
      roles: 'any',
      query: ListQuery,
      response: listOf(FreezeRecord),
      handler: ({ query, deps }) => listPage(query, {}, (args) => deps.db.changeFreeze.findMany(args), freezeView),
    }),
    route({
      method: 'delete',
      path: '/api/v1/change-freezes/:id',
      summary: 'Lift a change freeze: the changes it held are scheduled again',
      tag: 'Changes',
      roles: ['change_manager', 'admin'],
      status: 204,
      async handler({ params, deps }) {
        const row = await deps.db.changeFreeze.findUnique({ where: { id: params.id } });
        if (!row) throw notFound(`change freeze ${params.id}`);
        await deps.db.changeFreeze.delete({ where: { id: row.id } });
        await recheckChanges(deps, deps.db, row);
        return null;
      },
    }),
  ];
}
