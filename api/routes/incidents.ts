import { z } from '../../domain/schemas/zod';
import { incidentView, type IncidentSnapshot, type IncidentView } from '../../domain/incident/snapshot';
import { withReferenceNames } from '../../db/incident-references';
import { isTerminal, type IncidentState } from '../../domain/incident/state-machine';
import type { SlaClock } from '../../domain/sla/clock';
import { ListQuery, listOf } from '../../domain/schemas/common';
import {
  AuditEntry,
  CreateIncidentBody,
  IncidentCommandBodies,
  IncidentListQuery,
  IncidentRecord,
  type IncidentCommandBody,
  type IncidentCommandName,
} from '../../domain/schemas/incident';
import type { Db } from '../../db/client';
import { findVisibleIncident, incidentFromRow, outagesOf } from '../../db/incident-store';
import type { Incident } from '../../generated/prisma-sqlite/client';
import { incidentCommandUpdates, type IncidentWorkflowInput } from '../../workflows/contracts/incident';
import { UnstorableIncident, incidentConfigFromEnv, openIncident, recordIncident, reserveIncident } from '../../temporal/open-incident';
import { incidentScope, visibilityFor, type Principal, type Role } from '../../domain/access';
import { checkAttachmentIds } from '../../services/attachments';
import { attachmentRoutes } from '../attachment-routes';
import { HttpError, badRequest, notFound } from '../errors';
import { listPage } from '../pagination';
import { findCi, resolveCiField } from '../refs';
import { route, type ApiDeps, type RouteDef } from '../route';
import { commandError } from '../temporal-errors';
import { commandRoutes } from '../command-routes';
import { auditEntries } from './history';
import { checkAssignment } from '../../services/incident-assignment';
import { parseIsoDuration } from '../../domain/duration';
import { checkNewIncident, namedPeople, restrictionGroups } from '../../services/incident-intake';
import { splitAccess } from '../../domain/incident/security';
import { findUser } from '../../db/people-store';
import { resolveMentions } from '../../services/note-mentions';
import { outageAfter, outageRequested, outageView } from '../../domain/incident/outage';

export const toView = (row: Incident): IncidentView => ({ ...incidentView(incidentFromRow(row), Date.now()), restricted: row.restricted });

/** The groups of the restricted ones among these views, in one read (none when nothing is restricted). */
async function withRestrictions(db: Db, views: IncidentView[]): Promise<IncidentView[]> {
  const ids = views.filter((v) => v.restricted && v.restrictedTo.length === 0 && v.namedPeople.length === 0).map((v) => v.id);
  if (ids.length === 0) return views;
  const rows = await db.incidentAccess.findMany({ where: { incidentId: { in: ids } }, orderBy: { group: 'asc' } });
  return views.map((v) => {
    if (!ids.includes(v.id)) return v;
    const { groups, people } = splitAccess(rows.filter((r) => r.incidentId === v.id).map((r) => r.group));
    return { ...v, restrictedTo: groups, namedPeople: people };
  });
}

/** The outages recorded on these incidents (their Outage rows, which the incident row does not carry), in one read. */
async function withOutages(db: Db, views: IncidentView[]): Promise<IncidentView[]> {
  const rows = await outagesOf(db, views.map((v) => v.id));
  return views.map((v) => {
    const row = rows.find((r) => r.incidentId === v.id);
    const outage = row ? { serviceId: row.serviceId, start: row.start.getTime(), end: row.end?.getTime() ?? null } : null;
    return { ...v, outage: outageView(outage), outageRequested: outageRequested(v, outage) };
  });
}

/** Incidents as the API shows them: each reference as id and number or name (db/incident-references.ts). */
export const presentIncidents = async (db: Db, views: IncidentView[]) => withReferenceNames(db, await withOutages(db, await withRestrictions(db, views)));
export const presentIncident = async (db: Db, view: IncidentView) => (await presentIncidents(db, [view]))[0];

/** An incident by id or number, within what the caller may see (incidentScope): others' are a 404. */
async function findIncident(db: Db, ref: string, user: Principal): Promise<Incident> {
  const row = await findVisibleIncident(db, ref, incidentScope(user));
  if (!row) throw notFound(`incident ${ref}`);
  return row;
}

export function incidentWorkflowConfig(deps: ApiDeps): IncidentWorkflowInput['config'] {
  return incidentConfigFromEnv(deps.env, deps.searchAttributes !== false);
}

const AGENTS: readonly Role[] = ['agent', 'admin'];
/** The caller may confirm, reopen or comment on their own ticket; everything else is the desk's. */
export const COMMAND_ROLES: Record<IncidentCommandName, readonly Role[]> = {
  assign: AGENTS,
  acknowledge: AGENTS,
  hold: AGENTS,
  resume: AGENTS,
  resolve: AGENTS,
  reopen: [...AGENTS, 'requester'],
  close: [...AGENTS, 'requester'],
  cancel: AGENTS,
  escalate: [...AGENTS, 'problem_manager'],
  notes: [...AGENTS, 'requester', 'problem_manager', 'change_manager'],
  impact: AGENTS,
  restrict: AGENTS,
  outage: AGENTS,
  review: AGENTS,
};

const IdParam = '/api/v1/incidents/:id';
/** An at-risk window longer than a year is a year (and never an instant past the end of time). */
const MAX_WINDOW_MS = 366 * 86_400_000;

/** Notes are recorded with their visibility: the desk's are work notes unless made public; a requester's are public. */
type NoteBody = IncidentCommandBody<'notes'>;
async function checkNote(db: Db, row: Incident, user: Principal, body: NoteBody): Promise<NoteBody> {
  const visibility = visibilityFor(user, body.visibility);
  if (!visibility) throw badRequest('visibility must be public', [{ path: 'visibility', message: "required to be public for a requester: work notes are the desk's" }]);
  // Files named by a note are already attached to this incident (POST …/attachments).
  const mentions = await resolveMentions(db, row.id, { text: body.text, visibility, mentions: body.mentions });
  return {
    text: body.text,
    visibility,
    ...(body.attachmentIds ? { attachmentIds: await checkAttachmentIds(db, row.id, body.attachmentIds, user) } : {}),
    ...(mentions.length ? { mentions } : {}),
  };
}

/** An outage as the desk records it: the service resolved (id or number), the rules of domain/incident/outage.ts checked against the stored outage, each broken one named. */
type OutageBody = IncidentCommandBody<'outage'>;
async function checkOutage(db: Db, row: Incident, body: OutageBody): Promise<OutageBody> {
  const serviceId = await resolveCiField(db, body.serviceId, 'serviceId', { class: 'service' });
  const stored = await db.outage.findUnique({ where: { incidentId: row.id } });
  const current = stored ? { serviceId: stored.serviceId, start: stored.start.getTime(), end: stored.end?.getTime() ?? null } : null;
  const checked = { ...body, ...(serviceId ? { serviceId } : {}) };
  const { errors } = outageAfter(current, { serviceId: row.serviceId, openedAt: row.openedAt.getTime() }, checked, Date.now());
  if (errors.length) throw badRequest('the outage cannot be recorded so', errors);
  return checked;
}

/** A restriction names groups and people that exist (kept by name and by id). */
async function checkRestriction(db: Db, body: IncidentCommandBody<'restrict'>): Promise<IncidentCommandBody<'restrict'>> {
  const groups = await restrictionGroups(db, body.groups, 'groups');
  return body.people === undefined ? { groups } : { groups, people: await namedPeople(db, body.people, 'people') };
}

/** A post-incident review names its reviewer as a user (id or address), kept by id. */
type ReviewBody = IncidentCommandBody<'review'>;
async function checkReview(db: Db, body: ReviewBody): Promise<ReviewBody> {
  const reviewer = await findUser(db, body.reviewer);
  if (!reviewer) throw badRequest('unknown reviewer', [{ path: 'reviewer', message: `no user ${body.reviewer}` }]);
  return { ...body, reviewer: reviewer.id };
}

export function incidentRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/incidents',
      summary: 'Open an incident or service request (starts its workflow)',
      tag: 'Incidents',
      roles: 'any',
      body: CreateIncidentBody,
      response: IncidentRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps, reserve }) {
        const checked = await checkNewIncident(deps.db, user, body);
        const serviceId = await resolveCiField(deps.db, body.serviceId, 'serviceId', { class: 'service' });
        const ciId = await resolveCiField(deps.db, body.ciId, 'ciId');
        const { value: reservation, resumed } = await reserve(() => reserveIncident(deps.db));
        const opening = { db: deps.db, temporal: deps.temporal, taskQueue: deps.env.TEMPORAL_TASK_QUEUE, config: incidentWorkflowConfig(deps), log: deps.log };
        const incident = { ...checked, serviceId, ciId };
        try {
          // Answered once written; the few incidents only Prisma writes open through the engine.
          const view = (await recordIncident(opening, reservation, user.id, incident, { resumed })) ?? (await openIncident(opening, reservation, user.id, incident, { reuseRunning: resumed }));
          return await presentIncident(deps.db, view);
        } catch (e) {
          if (e instanceof UnstorableIncident) throw new HttpError(400, 'Invalid request', `incident ${reservation.number}: ${e.message}`);
          throw commandError(e, `incident ${reservation.number}`);
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/incidents',
      summary: 'List incidents (newest first)',
      tag: 'Incidents',
      roles: 'any',
      query: ListQuery.extend(IncidentListQuery.shape),
      response: listOf(IncidentRecord),
      async handler({ query, user, deps }) {
        const { limit, cursor, state, priority, group, assignee, breached, serviceId, type, atRisk } = query;
        const now = Date.now();
        const service = serviceId ? await findCi(deps.db, serviceId) : null;
        if (serviceId && !service) return { items: [], nextCursor: null };
        const window = atRisk ? { gte: new Date(now), lte: new Date(now + Math.min(parseIsoDuration(atRisk), MAX_WINDOW_MS)) } : null;
        // OLA and UC clocks count too: running (a paused one has no due time), not breached, due within the window.
        const olaAtRisk = window ? (await deps.db.incidentClock.findMany({ where: { stoppedAt: null, breached: false, dueAt: window }, select: { incidentId: true } })).map((c) => c.incidentId) : [];
        const where = {
          ...(state ? { state } : {}),
          ...(priority ? { priority } : {}),
          ...(group ? { assignmentGroup: group } : {}),
          ...(assignee ? { assignee } : {}),
          ...(breached !== undefined ? { slaBreached: breached } : {}),
          ...(service ? { serviceId: service.id } : {}),
          ...(type ? { type } : {}),
          AND: [
            incidentScope(user),
            // At risk: open, clock running (a paused clock has no due time), due within the window.
            window ? { state: { in: ['new', 'assigned', 'in_progress', 'on_hold'] }, OR: [{ resolutionDueAt: window }, ...(olaAtRisk.length ? [{ id: { in: olaAtRisk } }] : [])] } : {},
          ],
        };
        const page = await listPage({ limit, cursor }, where, (args) => deps.db.incident.findMany(args), toView);
        return { ...page, items: await presentIncidents(deps.db, page.items) };
      },
    }),
    route({
      method: 'get',
      path: IdParam,
      summary: 'Get an incident by id or number',
      tag: 'Incidents',
      roles: 'any',
      response: IncidentRecord,
      handler: async ({ params, user, deps }) => presentIncident(deps.db, toView(await findIncident(deps.db, params.id, user))),
    }),
    route({
      method: 'get',
      path: `${IdParam}/history`,
      summary: 'The audit trail of an incident',
      tag: 'Incidents',
      roles: 'any',
      response: z.array(AuditEntry),
      async handler({ params, user, deps }) {
        const row = await findIncident(deps.db, params.id, user);
        const entries = await auditEntries(deps.db, row.id);
        // Work notes are the desk's: a requester sees public notes and their own.
        return user.role === 'requester' ? entries.filter((e) => e.action !== 'notes' || e.data.visibility === 'public' || e.actor === user.id) : entries;
      },
    }),
    ...attachmentRoutes({ recordType: 'incident', tag: 'Incidents', path: IdParam, roles: COMMAND_ROLES.notes, find: findIncident }),
    ...commandRoutes({
      recordType: 'incident',
      tag: 'Incidents',
      path: IdParam,
      bodies: IncidentCommandBodies,
      roles: COMMAND_ROLES,
      updates: incidentCommandUpdates,
      response: IncidentRecord,
      find: findIncident,
      isTerminal: (state) => isTerminal(state as IncidentState),
      // An assignment names a group that exists and an active member of it (resolved to name and id).
      present: (deps, answer) => presentIncident(deps.db, answer as IncidentView),
      payload: async (deps, row, verb, body, user) =>
        verb === 'assign' ? checkAssignment(deps.db, row, body as { group?: string; assignee?: string }) : verb === 'notes'
            ? checkNote(deps.db, row, user, body as NoteBody)
            : verb === 'restrict'
              ? await checkRestriction(deps.db, body as IncidentCommandBody<'restrict'>)
              : verb === 'outage'
                ? checkOutage(deps.db, row, body as OutageBody)
                : verb === 'review'
                  ? checkReview(deps.db, body as ReviewBody)
                  : body,
    }),
  ];
}
