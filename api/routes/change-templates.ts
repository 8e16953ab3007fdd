import { ListQuery, listOf } from '../../domain/schemas/common';
import { CreateTemplateBody, TemplateRecord } from '../../domain/schemas/change';
import { conflict, notFound } from '../errors';
import { newId } from '../../infra/ids';
import { listPage } from '../pagination';
import { route, type RouteDef } from '../route';
import { findTemplate, templateView } from '../../db/change-template-store';

/** The catalogue of standard changes: pre-approved, so changes made from them skip the CAB. */
export function changeTemplateRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/change-templates',
      summary: 'Add a standard change template (pre-approved)',
      tag: 'Changes',
      roles: ['admin'],
      body: CreateTemplateBody,
      response: TemplateRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        if (await deps.db.changeTemplate.findUnique({ where: { name: body.name } })) throw conflict(`a change template named '${body.name}' already exists`);
        const row = await deps.db.changeTemplate.create({
          data: {
            id: newId('tpl'),
            name: body.name,
            description: body.description ?? null,
            implementationPlan: body.implementationPlan,
            backoutPlan: body.backoutPlan,
            ciClasses: JSON.stringify(body.ciClasses),
            maxDuration: body.maxDuration ?? null,
            active: body.active,
            createdBy: user.id,
          },
        });
        return templateView(row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/change-templates',
      summary: 'The standard change catalogue',
      tag: 'Changes',
      roles: 'any',
      query: ListQuery,
      response: listOf(TemplateRecord),
      handler: ({ query, deps }) => listPage(query, {}, (args) => deps.db.changeTemplate.findMany(args), templateView),
    }),
    route({
      method: 'get',
      path: '/api/v1/change-templates/:id',
      summary: 'Get a standard change template by id or name',
      tag: 'Changes',
      roles: 'any',
      response: TemplateRecord,
      async handler({ params, deps }) {
        const t = await findTemplate(deps.db, params.id);
        if (!t) throw notFound(`change template ${params.id}`);
        return templateView(t);
      },
    }),
  ];
}
