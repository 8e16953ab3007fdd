import type { WorkflowHandle } from '@temporalio/client';
import { z } from '../../domain/schemas/zod';
import { ListQuery, listOf } from '../../domain/schemas/common';
import {
  CalendarQuery,
  CalendarResponse,
  ChangeCommandBodies,
  ChangeListQuery,
  ChangeRecord,
  CreateChangeBody,
  VoteBody,
  type ChangeCommandName,
} from '../../domain/schemas/change';
import { AuditEntry } from '../../domain/schemas/incident';
import { changeView, type ChangeSnapshot, type ChangeView } from '../../domain/change/snapshot';
import { clashes } from '../../domain/change/schedule';
import { isTerminal, type ChangeState } from '../../domain/change/state-machine';
import type { Db } from '../../db/client';
import type { Change } from '../../generated/prisma-sqlite/client';
import { changeCommandUpdates, voteOutcomeUpdate, voteSignal, type SubmitChange } from '../../workflows/contracts/change';
import { changeConfigFromEnv, submitChange } from '../../temporal/open-change';
import type { Principal, Role } from '../../domain/access';
import { conflict, forbidden, notFound } from '../errors';
import { changeFromRow } from '../../db/change-store';
import { findProblem } from '../../db/problem-store';
import { readReferences, type ReadReference } from '../../db/references';
import { resolveSubmission } from '../../services/change-submission';
import { newId } from '../../infra/ids';
import { listPage } from '../pagination';
import { route, type ApiDeps, type RouteDef } from '../route';
import { commandError } from '../temporal-errors';
import { commandRoutes } from '../command-routes';
import { auditEntries } from './history';
import { freezeView } from './change-freezes';

export const toChangeView = (row: Change) => changeView(changeFromRow(row));

const GROUP = 'group:';
/** A CAB approver's name: the user's, or the group's for a `group:<name>` entry. */
const approverName = (ref: ReadReference, approver: string) => (approver.startsWith(GROUP) ? approver.slice(GROUP.length) : ref('user', approver));

/** Changes as the API shows them: each reference by id and number or name, one read per kind for a whole page. */
export async function presentChanges(db: Db, views: ChangeView[]) {
  const ref = await readReferences(db, views, (v) => ({
    ci: [...v.ciIds, ...v.ciUpdates.map((u) => u.ciId)],
    template: [v.templateId],
    freeze: [v.freezeId],
    user: [v.changeManager, ...(v.cab?.approvers.map((a) => a.approver) ?? []), ...(v.cab?.votes.map((x) => x.member) ?? [])],
  }));
  return views.map((v) => ({
    ...v,
    ciNumbers: v.ciIds.map((id) => ref('ci', id)),
    ciUpdates: v.ciUpdates.map((u) => ({ ...u, ciNumber: ref('ci', u.ciId) })),
    templateName: ref('template', v.templateId),
    freezeName: ref('freeze', v.freezeId),
    changeManagerName: ref('user', v.changeManager),
    cab: v.cab
      ? {
          ...v.cab,
          approvers: v.cab.approvers.map((a) => ({ ...a, approverName: approverName(ref, a.approver) })),
          votes: v.cab.votes.map((x) => ({ ...x, memberName: ref('user', x.member) })),
        }
      : null,
  }));
}
export const presentChange = async (db: Db, view: ChangeView) => (await presentChanges(db, [view]))[0];

export async function findChange(db: Db, ref: string): Promise<Change> {
  const row = await db.change.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
  if (!row) throw notFound(`change ${ref}`);
  return row;
}

export function changeWorkflowConfig(deps: ApiDeps) {
  return changeConfigFromEnv(deps.env, deps.searchAttributes !== false);
}

const RAISERS: readonly Role[] = ['agent', 'change_manager', 'problem_manager', 'release_manager', 'admin'];
const IMPLEMENTERS: readonly Role[] = ['agent', 'change_manager', 'release_manager', 'admin'];
const MANAGERS: readonly Role[] = ['change_manager', 'admin'];
/** Roles that sit on a CAB; anyone else may vote only if the change names them (or their group) as a required approver. */
const CAB_ROLES: readonly Role[] = ['cab_member', 'change_manager', 'admin'];

export const CHANGE_COMMAND_ROLES: Record<ChangeCommandName, readonly Role[]> = {
  start: IMPLEMENTERS,
  complete: IMPLEMENTERS,
  review: MANAGERS,
  close: MANAGERS,
  cancel: [...MANAGERS, 'agent', 'problem_manager', 'release_manager'],
  reschedule: [...MANAGERS, 'agent', 'release_manager'],
};


/**
 * What became of a signalled vote. A vote that decides the CAB against the change ends the
 * workflow, which may then close before the Update reaches it: its result is then the answer.
 */
async function voteOutcome(handle: WorkflowHandle, voteId: string): Promise<{ counted: boolean; change: ChangeView }> {
  try {
    return await handle.executeUpdate(voteOutcomeUpdate, { args: [{ voteId }] });
  } catch (e) {
    const description = await handle.describe().catch(() => null);
    if (!description || description.status.name === 'RUNNING') throw e;
    const change = (await handle.result()) as ChangeView | null;
    if (!change) throw e;
    return { counted: true, change };
  }
}

function duplicateVote(number: string, counted: { decision: string; at: number }) {
  return conflict(`you already voted '${counted.decision}' on ${number} at ${new Date(counted.at).toISOString()}; that vote is counted and a member votes once`);
}

/** May this person vote on this change? CAB roles always (a vote they are not required for is recorded and ignored). */
function mayVote(user: Principal, s: ChangeSnapshot): boolean {
  if (CAB_ROLES.includes(user.role)) return true;
  return (s.cab?.required ?? []).some((r) => r.approver === user.id || user.groups.some((g) => r.approver === `group:${g}`));
}

/** States shown on the change calendar: everything still planned or already done, not withdrawn. */
const CALENDAR_EXCLUDES: ChangeState[] = ['rejected', 'cancelled'];

const IdParam = '/api/v1/changes/:id';

export function changeRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/changes',
      summary: 'Submit a request for change (starts its workflow)',
      tag: 'Changes',
      roles: RAISERS,
      body: CreateChangeBody,
      response: ChangeRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const submission = await resolveSubmission(deps.db, body);
        try {
          const view = await submitChange({ db: deps.db, temporal: deps.temporal, taskQueue: deps.env.TEMPORAL_TASK_QUEUE, config: changeWorkflowConfig(deps) }, user.id, submission);
          return await presentChange(deps.db, view);
        } catch (e) {
          throw commandError(e, 'change');
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/changes',
      summary: 'List changes (newest first)',
      tag: 'Changes',
      roles: 'any',
      query: ListQuery.extend(ChangeListQuery.shape),
      response: listOf(ChangeRecord),
      async handler({ query, deps }) {
        const { limit, cursor, state, type, risk, problemId } = query;
        const problem = problemId ? await findProblem(deps.db, problemId) : null;
        if (problemId && !problem) return { items: [], nextCursor: null };
        const where = { ...(state ? { state } : {}), ...(type ? { type } : {}), ...(risk ? { riskLevel: risk } : {}), ...(problem ? { problemId: problem.id } : {}) };
        const page = await listPage({ limit, cursor }, where, (args) => deps.db.change.findMany(args), toChangeView);
        return { ...page, items: await presentChanges(deps.db, page.items) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/changes/calendar',
      summary: 'Change windows and freezes in a period, with clashes on the same CI flagged',
      tag: 'Changes',
      roles: 'any',
      query: CalendarQuery,
      response: CalendarResponse,
      async handler({ query, deps }) {
        const from = new Date(query.from);
        const to = new Date(query.to);
        const rows = await deps.db.change.findMany({
          where: { state: { notIn: CALENDAR_EXCLUDES }, plannedStart: { lt: to }, plannedEnd: { gt: from } },
          orderBy: [{ plannedStart: 'asc' }, { number: 'asc' }],
          take: 5000,
        });
        const snapshots = rows.map(changeFromRow);
        const conflicts = clashes(snapshots.map((s) => ({ number: s.number, ciIds: s.ciIds, start: s.plannedStart, end: s.plannedEnd })));
        const freezes = await deps.db.changeFreeze.findMany({ where: { start: { lt: to }, end: { gt: from } }, orderBy: { start: 'asc' } });
        const ref = await readReferences(deps.db, snapshots, (c) => ({ ci: c.ciIds }));
        return {
          from: from.toISOString(),
          to: to.toISOString(),
          changes: snapshots.map((s) => ({
            id: s.id,
            number: s.number,
            title: s.title,
            type: s.type,
            state: s.state,
            risk: s.risk?.level ?? null,
            plannedStart: new Date(s.plannedStart).toISOString(),
            plannedEnd: new Date(s.plannedEnd).toISOString(),
            ciIds: s.ciIds,
            ciNumbers: s.ciIds.map((id) => ref('ci', id)),
            conflicts: conflicts.get(s.number) ?? [],
          })),
          freezes: freezes.map(freezeView),
        };
      },
    }),
    route({
      method: 'get',
      path: IdParam,
      summary: 'Get a change by id or number (risk, impact, CAB)',
      tag: 'Changes',
      roles: 'any',
      response: ChangeRecord,
      handler: async ({ params, deps }) => presentChange(deps.db, toChangeView(await findChange(deps.db, params.id))),
    }),
    route({
      method: 'get',
      path: `${IdParam}/history`,
      summary: 'The audit trail of a change, votes included',
      tag: 'Changes',
      roles: 'any',
      response: z.array(AuditEntry),
      async handler({ params, deps }) {
        const row = await findChange(deps.db, params.id);
        return auditEntries(deps.db, row.id);
      },
    }),
    route({
      method: 'post',
      path: `${IdParam}/votes`,
      summary: "A CAB member's vote (delivered to the workflow as a signal; one vote per member counts)",
      tag: 'Changes',
      roles: 'any',
      body: VoteBody,
      response: ChangeRecord,
      async handler({ params, body, user, deps, req }) {
        const row = await findChange(deps.db, params.id);
        const s = changeFromRow(row);
        if (!mayVote(user, s)) throw forbidden(`role '${user.role}' may not vote on ${row.number}: not a CAB role and not a required approver`);
        if (s.state !== 'cab_review') throw conflict(`cannot vote on a change in state '${s.state}' (votes are taken in cab_review)`);
        const counted = s.cab?.votes.find((v) => v.member === user.id && v.countsFor.length > 0);
        if (counted) throw duplicateVote(row.number, counted);
        const voteId = newId('vote');
        const handle = deps.temporal.workflow.getHandle(row.workflowId);
        let outcome: { counted: boolean; change: ChangeView };
        try {
          await handle.signal(voteSignal, { voteId, member: user.id, groups: user.groups, decision: body.decision, ...(body.comment ? { comment: body.comment } : {}) });
          // The workflow answers once it has recorded the vote (and the decision it settles): no polling.
          outcome = await voteOutcome(handle, voteId);
        } catch (e) {
          throw commandError(e, `change ${row.number}`);
        }
        if (!outcome.counted) {
          // Raced with another vote from the same member: recorded, not counted, and said so.
          const first = outcome.change.cab?.votes.find((v) => v.member === user.id && v.counted);
          if (first) throw duplicateVote(row.number, { decision: first.decision, at: Date.parse(first.at) });
        }
        return presentChange(deps.db, outcome.change);
      },
    }),
    ...commandRoutes({
      recordType: 'change',
      tag: 'Changes',
      path: IdParam,
      bodies: ChangeCommandBodies,
      roles: CHANGE_COMMAND_ROLES,
      updates: changeCommandUpdates,
      response: ChangeRecord,
      find: findChange,
      isTerminal: (state) => isTerminal(state as ChangeState),
      present: (deps, answer) => presentChange(deps.db, answer as ChangeView),
    }),
  ];
}
