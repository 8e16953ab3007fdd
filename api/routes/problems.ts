import { z } from '../../domain/schemas/zod';
import { withReferenceNames } from '../../db/incident-references';
import { readReferences } from '../../db/references';
import { ListQuery, listOf } from '../../domain/schemas/common';
import { AuditEntry, IncidentRecord } from '../../domain/schemas/incident';
import {
  ApplyWorkaroundBody,
  CreateProblemBody,
  KnownErrorQuery,
  KnownErrorRecord,
  type KnownErrorView,
  ProblemCommandBodies,
  ProblemListQuery,
  ProblemRecord,
  RaiseProblemBody,
  type ProblemView,
  type ProblemCommandName,
  OFFSET_CURSOR_PATTERN,
} from '../../domain/schemas/problem';
import type { Role } from '../../domain/access';
import type { CreateChangeBody } from '../../domain/schemas/change';
import { isTerminal as isTerminalIncident, type IncidentState } from '../../domain/incident/state-machine';
import { problemView } from '../../domain/problem/snapshot';
import { isTerminal, type ProblemState } from '../../domain/problem/state-machine';
import type { Db } from '../../db/client';
import { findKnownError, findProblem, knownErrorView, knownErrorsByIds, problemFromRow, searchKnownErrors } from '../../db/problem-store';
import type { Problem } from '../../generated/prisma-sqlite/client';
import { resolveSubmission } from '../../services/change-submission';
import { changeConfigFromEnv } from '../../temporal/open-change';
import { observationMsFromEnv, openProblem, problemConfigFromEnv } from '../../temporal/open-problem';
import { applyWorkaroundUpdate } from '../../workflows/contracts/incident';
import { problemCommandUpdates, type ProblemCommandPayloads } from '../../workflows/contracts/problem';
import { badRequest, conflict, notFound } from '../errors';
import { listPage } from '../pagination';
import { findCi, resolveCiField } from '../refs';
import { route, type ApiDeps, type RouteDef } from '../route';
import { commandError } from '../temporal-errors';
import { commandRoutes } from '../command-routes';
import { auditEntries } from './history';
import { toStartedRecord } from '../../temporal/record-starts';

/** Problem management belongs to problem managers; the desk may raise and link, and search the KEDB. */
const OWNERS: readonly Role[] = ['problem_manager', 'admin'];
const DESK: readonly Role[] = ['agent', ...OWNERS];
const READERS: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'cab_member', 'release_manager', 'admin'];
export const PROBLEM_COMMAND_ROLES: Record<ProblemCommandName, readonly Role[]> = {
  'link-incidents': DESK,
  investigate: OWNERS,
  rca: OWNERS,
  'known-error': OWNERS,
  communicate: OWNERS,
  'request-change': OWNERS,
  'accept-risk': OWNERS,
  'mark-duplicate': OWNERS,
  resolve: OWNERS,
  close: OWNERS,
  cancel: OWNERS,
};

const IdParam = '/api/v1/problems/:id';
const toView = (row: Problem) => problemView(problemFromRow(row), Date.now());

type KnownErrorRefs = Pick<KnownErrorView, 'ciIds' | 'serviceIds'>;
const knownErrorCis = (k: KnownErrorRefs | null) => (k ? [...k.ciIds, ...k.serviceIds] : []);
const knownErrorNumbers = <K extends KnownErrorRefs>(k: K, ref: (kind: 'ci', id: string) => string | null) => ({
  ...k,
  ciNumbers: k.ciIds.map((id) => ref('ci', id)),
  serviceNumbers: k.serviceIds.map((id) => ref('ci', id)),
});

/** Problems as the API shows them: each CI and service as id and number, one read for a whole page. */
export async function presentProblems(db: Db, views: ProblemView[]): Promise<ProblemRecord[]> {
  const ref = await readReferences(db, views, (v) => ({ ci: [v.serviceId, v.ciId, ...knownErrorCis(v.knownError)] }));
  return views.map((v) => ({
    ...v,
    serviceNumber: ref('ci', v.serviceId),
    ciNumber: ref('ci', v.ciId),
    knownError: v.knownError ? knownErrorNumbers(v.knownError, ref) : null,
  }));
}
const presentProblem = async (db: Db, view: ProblemView) => (await presentProblems(db, [view]))[0];

/** Known errors as the API shows them: their CIs and services by number too, one read for a page. */
async function presentKnownErrors(db: Db, views: KnownErrorView[]): Promise<KnownErrorRecord[]> {
  const ref = await readReferences(db, views, (k) => ({ ci: knownErrorCis(k) }));
  return views.map((k) => knownErrorNumbers(k, ref));
}

async function requireProblem(db: Db, ref: string): Promise<Problem> {
  const row = await findProblem(db, ref);
  if (!row) throw notFound(`problem ${ref}`);
  return row;
}

async function findIncident(db: Db, ref: string) {
  return db.incident.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
}

/** Incident references in a body, resolved to ids; every unknown one named. */
async function resolveIncidentRefs(db: Db, refs: string[], field: string): Promise<string[]> {
  const rows = await Promise.all(refs.map((ref) => findIncident(db, ref)));
  const errors = rows.flatMap((r, i) => (r ? [] : [{ path: `${field}.${i}`, message: `no incident ${refs[i]}` }]));
  if (errors.length) throw badRequest(`${field} names incidents that do not exist`, errors);
  return [...new Set(rows.map((r) => r!.id))];
}

const problemDeps = (deps: ApiDeps) => ({
  db: deps.db,
  temporal: deps.temporal,
  taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
  config: problemConfigFromEnv(deps.env, deps.searchAttributes !== false),
});

/** The Update payload of a command: the body, with references resolved where the workflow needs ids. */
async function payloadOf(deps: ApiDeps, row: Problem, verb: ProblemCommandName, body: unknown): Promise<unknown> {
  switch (verb) {
    case 'link-incidents':
      return { incidentIds: await resolveIncidentRefs(deps.db, (body as { incidentIds: string[] }).incidentIds, 'incidentIds') } satisfies ProblemCommandPayloads['link-incidents'];
    case 'mark-duplicate': {
      const ref = (body as { of: string }).of;
      const of = await findProblem(deps.db, ref);
      if (!of) throw badRequest('of does not exist', [{ path: 'of', message: `no problem ${ref}` }]);
      if (of.id === row.id) throw badRequest('a problem cannot be a duplicate of itself', [{ path: 'of', message: 'names this problem' }]);
      if (isTerminal(of.state as ProblemState)) throw conflict(`${of.number} is ${of.state}: a duplicate must point at an open problem`);
      return { of: { id: of.id, number: of.number } } satisfies ProblemCommandPayloads['mark-duplicate'];
    }
    case 'request-change': {
      const change = await resolveSubmission(deps.db, { ...(body as CreateChangeBody), problemId: row.id });
      return { change, config: changeConfigFromEnv(deps.env, deps.searchAttributes !== false) } satisfies ProblemCommandPayloads['request-change'];
    }
    default:
      return body;
  }
}

export function problemRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/problems',
      summary: 'Open a problem (starts its workflow), optionally from incidents',
      tag: 'Problems',
      roles: OWNERS,
      body: CreateProblemBody,
      response: ProblemRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const serviceId = await resolveCiField(deps.db, body.serviceId, 'serviceId', { class: 'service' });
        const ciId = await resolveCiField(deps.db, body.ciId, 'ciId');
        const incidentIds = body.incidentIds?.length ? await resolveIncidentRefs(deps.db, body.incidentIds, 'incidentIds') : undefined;
        try {
          return await presentProblem(deps.db, await openProblem(problemDeps(deps), user.id, {
            title: body.title,
            ...(body.description !== undefined ? { description: body.description } : {}),
            ...(serviceId ? { serviceId } : {}),
            ...(ciId ? { ciId } : {}),
            ...(body.category ? { category: body.category } : {}),
            ...(incidentIds ? { incidentIds } : {}),
            observationMs: observationMsFromEnv(deps.env, body.observationPeriod),
          }));
        } catch (e) {
          throw commandError(e, 'the new problem');
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/problems',
      summary: 'List problems (newest first)',
      tag: 'Problems',
      roles: READERS,
      query: ListQuery.extend(ProblemListQuery.shape),
      response: listOf(ProblemRecord),
      async handler({ query, deps }) {
        const { limit, cursor, state, serviceId, ciId } = query;
        const service = serviceId ? await findCi(deps.db, serviceId) : null;
        const ci = ciId ? await findCi(deps.db, ciId) : null;
        if ((serviceId && !service) || (ciId && !ci)) return { items: [], nextCursor: null };
        const where = { ...(state ? { state } : {}), ...(service ? { serviceId: service.id } : {}), ...(ci ? { ciId: ci.id } : {}) };
        const page = await listPage({ limit, cursor }, where, (args) => deps.db.problem.findMany(args), toView);
        return { ...page, items: await presentProblems(deps.db, page.items) };
      },
    }),
    route({
      method: 'get',
      path: IdParam,
      summary: 'Get a problem by id or number',
      tag: 'Problems',
      roles: READERS,
      response: ProblemRecord,
      handler: async ({ params, deps }) => presentProblem(deps.db, toView(await requireProblem(deps.db, params.id))),
    }),
    route({
      method: 'get',
      path: `${IdParam}/history`,
      summary: 'The audit trail of a problem (every RCA entry, link and outcome)',
      tag: 'Problems',
      roles: READERS,
      response: z.array(AuditEntry),
      handler: async ({ params, deps }) => auditEntries(deps.db, (await requireProblem(deps.db, params.id)).id),
    }),
    ...commandRoutes({
      recordType: 'problem',
      tag: 'Problems',
      path: IdParam,
      bodies: ProblemCommandBodies,
      roles: PROBLEM_COMMAND_ROLES,
      updates: problemCommandUpdates,
      response: ProblemRecord,
      find: requireProblem,
      isTerminal: (state) => isTerminal(state as ProblemState),
      payload: payloadOf,
      present: (deps, answer) => presentProblem(deps.db, answer as ProblemView),
    }),
    route({
      method: 'post',
      path: '/api/v1/incidents/:id/problem',
      summary: 'Raise a problem from an incident (linked both ways)',
      tag: 'Problems',
      roles: DESK,
      body: RaiseProblemBody,
      response: ProblemRecord,
      status: 201,
      creates: true,
      async handler({ params, body, user, deps }) {
        const incident = await findIncident(deps.db, params.id);
        if (!incident) throw notFound(`incident ${params.id}`);
        try {
          return await presentProblem(deps.db, await openProblem(problemDeps(deps), user.id, {
            title: body.title ?? incident.title,
            ...((body.description ?? incident.description) ? { description: body.description ?? incident.description ?? undefined } : {}),
            ...(incident.serviceId ? { serviceId: incident.serviceId } : {}),
            ...(incident.ciId ? { ciId: incident.ciId } : {}),
            ...(incident.category ? { category: incident.category } : {}),
            incidentIds: [incident.id],
            observationMs: observationMsFromEnv(deps.env),
          }));
        } catch (e) {
          throw commandError(e, 'the new problem');
        }
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/incidents/:id/apply-workaround',
      summary: "Apply a known error's workaround to an incident (links it to the problem, counted for the known error)",
      tag: 'Incidents',
      roles: DESK,
      body: ApplyWorkaroundBody,
      response: IncidentRecord,
      async handler({ params, body, user, deps }) {
        const incident = await findIncident(deps.db, params.id);
        if (!incident) throw notFound(`incident ${params.id}`);
        const ke = await findKnownError(deps.db, body.knownErrorId);
        if (!ke) throw badRequest('knownErrorId does not exist', [{ path: 'knownErrorId', message: `no known error ${body.knownErrorId}` }]);
        if (ke.status !== 'active') throw conflict(`${ke.number} is ${ke.status}: its workaround is no longer offered`);
        if (isTerminalIncident(incident.state as IncidentState)) throw conflict(`cannot apply a workaround to an incident in state '${incident.state}'`);
        const problem = await deps.db.problem.findUniqueOrThrow({ where: { id: ke.problemId }, select: { id: true, number: true } });
        try {
          const view = await toStartedRecord(deps, incident.workflowId, () =>
            deps.temporal.workflow.getHandle(incident.workflowId).executeUpdate(applyWorkaroundUpdate, {
              args: [{ actor: user.id, body: { knownErrorId: ke.id, knownErrorNumber: ke.number, problemId: problem.id, problemNumber: problem.number, workaround: ke.workaround } }],
            }),
          );
          return (await withReferenceNames(deps.db, [view]))[0];
        } catch (e) {
          throw commandError(e, `incident ${incident.number}`);
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/known-errors',
      summary: 'Search the known-error database (ranked full-text over title, symptoms, workaround and root cause)',
      tag: 'Problems',
      roles: READERS,
      query: ListQuery.extend(KnownErrorQuery.shape),
      response: listOf(KnownErrorRecord),
      async handler({ query, deps }) {
        const offset = decodeOffset(query.cursor);
        const ci = query.ciId ? await findCi(deps.db, query.ciId) : null;
        const service = query.serviceId ? await findCi(deps.db, query.serviceId) : null;
        if ((query.ciId && !ci) || (query.serviceId && !service)) return { items: [], nextCursor: null };
        const hits = await searchKnownErrors(deps.db, {
          ...(query.q ? { q: query.q } : {}),
          ...(ci ? { ciIds: [ci.id] } : {}),
          ...(service ? { serviceId: service.id } : {}),
          ...(query.category ? { category: query.category } : {}),
          status: query.status,
          limit: query.limit + 1,
          offset,
        });
        const more = hits.length > query.limit;
        const shown = hits.slice(0, query.limit);
        const rank = new Map(shown.map((h) => [h.id, h.rank]));
        const rows = await knownErrorsByIds(deps.db, shown.map((h) => h.id));
        const items = await presentKnownErrors(
          deps.db,
          rows.map((row) => {
            const r = rank.get(row.id);
            return knownErrorView(row, r === null || r === undefined ? {} : { rank: r });
          }),
        );
        return { items, nextCursor: more ? `o:${offset + query.limit}` : null };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/known-errors/:id',
      summary: 'Get a known error by id or number',
      tag: 'Problems',
      roles: READERS,
      response: KnownErrorRecord,
      async handler({ params, deps }) {
        const ke = await findKnownError(deps.db, params.id);
        if (!ke) throw notFound(`known error ${params.id}`);
        const [shown] = await presentKnownErrors(deps.db, [knownErrorView(ke, { workaroundApplied: await deps.db.incident.count({ where: { knownErrorId: ke.id } }) })]);
        return shown;
      },
    }),
  ];
}

/** Ranked results page by position (a rank is not a stable key): the cursor is `o:<offset>` (OFFSET_CURSOR_PATTERN). */
function decodeOffset(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const m = OFFSET_CURSOR_PATTERN.exec(cursor);
  if (!m) throw badRequest('invalid cursor', [{ path: 'query.cursor', message: 'not a cursor returned by this API' }]);
  return Number(m[1]);
}
