import { ListQuery, listOf } from '../../domain/schemas/common';
import { CreateWebhookBody, WebhookDeliveryRecord, WebhookRecord } from '../../domain/schemas/webhook';
import { deliveryOutcomeOf, statusClassOf } from '../../domain/webhook-delivery';
import type { WebhookDelivery, WebhookSubscription } from '../../generated/prisma-sqlite/client';
import { badRequest, notFound } from '../errors';
import { redactUrl, refusedWebhookTarget } from '../../infra/network-policy';
import { parseSecretsKey, sealSecret } from '../../infra/secret-box';
import { newId } from '../../infra/ids';
import { listPage, listPageByTime } from '../pagination';
import { route, type RouteDef } from '../route';

/** The secret is write-only: it signs deliveries and is never returned; credentials in the URL are redacted. */
export function webhookView(row: WebhookSubscription): WebhookRecord {
  return { id: row.id, url: redactUrl(row.url), events: JSON.parse(row.events), active: row.active, createdAt: row.createdAt.toISOString() };
}

function deliveryView(d: WebhookDelivery): WebhookDeliveryRecord {
  const outcome = deliveryOutcomeOf(d);
  return {
    id: d.id,
    eventId: d.eventId,
    status: WebhookDeliveryRecord.shape.status.parse(d.status),
    attempts: d.attempts,
    lastOutcome: outcome,
    lastStatusClass: outcome === 'delivered' || outcome === 'receiver_error' ? statusClassOf(d.lastStatusCode) : null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
  };
}

export function webhookRoutes(): RouteDef[] {
  const find = async (db: Parameters<RouteDef['handler']>[0]['deps']['db'], id: string) => {
    // Unsubscribed rows stay for their delivery history, but the subscription is gone.
    const row = await db.webhookSubscription.findUnique({ where: { id } });
    if (!row || !row.active) throw notFound(`webhook ${id}`);
    return row;
  };
  return [
    route({
      method: 'post',
      path: '/api/v1/webhooks',
      summary: 'Subscribe a URL to events (signed with HMAC-SHA256)',
      tag: 'Webhooks',
      roles: ['admin'],
      body: CreateWebhookBody,
      response: WebhookRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const refused = deps.env.WEBHOOK_ALLOW_PRIVATE ? null : refusedWebhookTarget(new URL(body.url));
        if (refused) throw badRequest('url is not an allowed webhook target', [{ path: 'url', message: `${refused}: webhooks may not reach the server's own network (WEBHOOK_ALLOW_PRIVATE)` }]);
        const row = await deps.db.webhookSubscription.create({
          data: { id: newId('whk'), url: body.url, events: JSON.stringify(body.events), secret: sealSecret(body.secret, parseSecretsKey(deps.env.SECRETS_KEY)), createdBy: user.id },
        });
        return webhookView(row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/webhooks',
      summary: 'List webhook subscriptions',
      tag: 'Webhooks',
      roles: ['admin'],
      query: ListQuery,
      response: listOf(WebhookRecord),
      handler: ({ query, deps }) => listPage(query, { active: true }, (args) => deps.db.webhookSubscription.findMany(args), webhookView),
    }),
    route({
      method: 'get',
      path: '/api/v1/webhooks/:id',
      summary: 'Get a webhook subscription',
      tag: 'Webhooks',
      roles: ['admin'],
      response: WebhookRecord,
      handler: async ({ params, deps }) => webhookView(await find(deps.db, params.id)),
    }),
    route({
      method: 'delete',
      path: '/api/v1/webhooks/:id',
      summary: 'Unsubscribe (pending deliveries are cancelled)',
      tag: 'Webhooks',
      roles: ['admin'],
      status: 204,
      async handler({ params, deps }) {
        await find(deps.db, params.id);
        await deps.db.webhookSubscription.update({ where: { id: params.id }, data: { active: false } });
        return null;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/webhooks/:id/deliveries',
      summary: 'Delivery attempts of a subscription (newest first)',
      tag: 'Webhooks',
      roles: ['admin'],
      query: ListQuery,
      response: listOf(WebhookDeliveryRecord),
      async handler({ params, query, deps }) {
        await find(deps.db, params.id);
        const timeOf = async (id: string) => (await deps.db.webhookDelivery.findFirst({ where: { id, subscriptionId: params.id }, select: { createdAt: true } }))?.createdAt ?? null;
        return listPageByTime(query, { subscriptionId: params.id }, timeOf, (args) => deps.db.webhookDelivery.findMany(args), deliveryView);
      },
    }),
  ];
}
