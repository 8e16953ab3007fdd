import type { Notification, NotificationRead } from '../../generated/prisma-sqlite/client';
import type { Principal } from '../../domain/access';
import { listOf } from '../../domain/schemas/common';
import { NotificationListQuery, NotificationPreferences, NotificationRecord } from '../../domain/schemas/notification';
import type { Db } from '../../db/client';
import { notFound } from '../errors';
import { listPageByTime } from '../pagination';
import { route, type RouteDef } from '../route';

/** Everything addressed to the caller: to them by id, or to a group they are in. */
const addressedTo = (user: Principal) => ({ recipient: { in: [`user:${user.id}`, ...user.groups.map((g) => `group:${g}`)] } });

const view = (n: Notification & { reads: NotificationRead[] }): NotificationRecord => ({
  id: n.id,
  recordType: n.recordType,
  recordId: n.recordId,
  recipient: n.recipient,
  kind: n.kind,
  message: n.message,
  createdAt: n.createdAt.toISOString(),
  read: n.reads.length > 0,
  readAt: n.reads[0]?.readAt.toISOString() ?? null,
});

async function preferencesOf(db: Db, userId: string): Promise<NotificationPreferences> {
  const rows = await db.notificationPreference.findMany({ where: { userId }, orderBy: { kind: 'asc' } });
  return { email: Object.fromEntries(rows.map((r) => [r.kind, r.email])) };
}

/** The in-app inbox: the notifications the workflows raised (assignment, warnings, breaches, escalations, CAB, problems), per user. */
export function notificationRoutes(): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/v1/me/notification-preferences',
      summary: 'Which kinds of notification the caller gets by e-mail (a kind not listed: yes)',
      tag: 'People',
      roles: 'any',
      response: NotificationPreferences,
      handler: async ({ user, deps }) => preferencesOf(deps.db, user.id),
    }),
    route({
      method: 'patch',
      path: '/api/v1/me/notification-preferences',
      summary: 'Set, per kind, whether the caller gets it by e-mail (kinds not named keep their setting)',
      tag: 'People',
      roles: 'any',
      body: NotificationPreferences,
      response: NotificationPreferences,
      async handler({ body, user, deps }) {
        await deps.db.$transaction(async (tx) => {
          for (const [kind, email] of Object.entries(body.email)) {
            await tx.notificationPreference.upsert({ where: { userId_kind: { userId: user.id, kind } }, create: { userId: user.id, kind, email }, update: { email } });
          }
        });
        return preferencesOf(deps.db, user.id);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/notifications',
      summary: "The caller's notifications, newest first (their own and their groups'); ?unread=true for those not yet read",
      tag: 'People',
      roles: 'any',
      query: NotificationListQuery,
      response: listOf(NotificationRecord),
      async handler({ query, user, deps }) {
        const where = { ...addressedTo(user), ...(query.unread ? { reads: { none: { userId: user.id } } } : {}) };
        return listPageByTime(
          query,
          where,
          async (id) => (await deps.db.notification.findFirst({ where: { id, ...addressedTo(user) }, select: { createdAt: true } }))?.createdAt ?? null,
          (args) => deps.db.notification.findMany({ ...args, include: { reads: { where: { userId: user.id } } } }),
          view,
        );
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/notifications/:id/read',
      summary: 'Mark a notification read for the caller (again is a no-op)',
      tag: 'People',
      roles: 'any',
      response: NotificationRecord,
      async handler({ params, user, deps }) {
        const n = await deps.db.notification.findFirst({ where: { id: params.id, ...addressedTo(user) } });
        if (!n) throw notFound(`notification ${params.id}`);
        await deps.db.notificationRead.upsert({ where: { notificationId_userId: { notificationId: n.id, userId: user.id } }, create: { notificationId: n.id, userId: user.id, readAt: new Date() }, update: {} });
        return view(await deps.db.notification.findUniqueOrThrow({ where: { id: n.id }, include: { reads: { where: { userId: user.id } } } }));
      },
    }),
  ];
}
