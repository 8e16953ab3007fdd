import type { AssignmentRule } from '../../generated/prisma-sqlite/client';
import { AssignmentRuleRecord, CreateAssignmentRuleBody } from '../../domain/schemas/assignment-rule';
import type { Db } from '../../db/client';
import { findGroup } from '../../db/people-store';
import { newId } from '../../infra/ids';
import { badRequest, notFound } from '../errors';
import { resolveCiField } from '../refs';
import { route, type RouteDef } from '../route';
import { z } from '../../domain/schemas/zod';

const ADMINS = ['admin'] as const;
/** Who routes work: the desk reads the rules, admins change them. */
const READERS = ['agent', 'admin'] as const;

async function ruleView(db: Db, rules: AssignmentRule[]): Promise<AssignmentRuleRecord[]> {
  const serviceIds = [...new Set(rules.flatMap((r) => (r.serviceId ? [r.serviceId] : [])))];
  const services = new Map((await db.configurationItem.findMany({ where: { id: { in: serviceIds } }, select: { id: true, number: true } })).map((s) => [s.id, s.number]));
  return rules.map((r) => ({
    id: r.id,
    order: r.order,
    match: { serviceId: r.serviceId, serviceNumber: r.serviceId ? (services.get(r.serviceId) ?? null) : null, ciClass: r.ciClass, category: r.category, priority: r.priority },
    group: r.group,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
  }));
}

async function requireRule(db: Db, id: string): Promise<AssignmentRule> {
  const rule = await db.assignmentRule.findUnique({ where: { id } });
  if (!rule) throw notFound(`assignment rule ${id}`);
  return rule;
}

/** Assignment rules: where a new incident goes (domain/incident/routing.ts), tried in `order`. */
export function assignmentRuleRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/assignment-rules',
      summary: 'Add an assignment rule: new incidents matching it go to its group (the first matching rule by order wins)',
      tag: 'People',
      roles: ADMINS,
      body: CreateAssignmentRuleBody,
      response: AssignmentRuleRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const group = await findGroup(deps.db, body.group);
        if (!group) throw badRequest('group does not exist', [{ path: 'group', message: `no group ${body.group}` }]);
        const serviceId = await resolveCiField(deps.db, body.match.serviceId, 'match.serviceId', { class: 'service' });
        const rule = await deps.db.assignmentRule.create({
          data: {
            id: newId('asr'),
            order: body.order,
            serviceId: serviceId ?? null,
            ciClass: body.match.ciClass ?? null,
            category: body.match.category?.toLowerCase() ?? null,
            priority: body.match.priority ?? null,
            group: group.name,
            createdBy: user.id,
          },
        });
        return (await ruleView(deps.db, [rule]))[0];
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/assignment-rules',
      summary: 'The assignment rules in the order they are tried',
      tag: 'People',
      roles: READERS,
      response: z.array(AssignmentRuleRecord),
      handler: async ({ deps }) => ruleView(deps.db, await deps.db.assignmentRule.findMany({ orderBy: [{ order: 'asc' }, { id: 'asc' }] })),
    }),
    route({
      method: 'get',
      path: '/api/v1/assignment-rules/:id',
      summary: 'One assignment rule',
      tag: 'People',
      roles: READERS,
      response: AssignmentRuleRecord,
      handler: async ({ params, deps }) => (await ruleView(deps.db, [await requireRule(deps.db, params.id)]))[0],
    }),
    route({
      method: 'delete',
      path: '/api/v1/assignment-rules/:id',
      summary: 'Remove an assignment rule (incidents it routed keep their group and the history says which rule it was)',
      tag: 'People',
      roles: ADMINS,
      status: 204,
      async handler({ params, deps }) {
        await deps.db.assignmentRule.delete({ where: { id: (await requireRule(deps.db, params.id)).id } });
        return null;
      },
    }),
  ];
}
