import { z } from '../../domain/schemas/zod';
import { listOf } from '../../domain/schemas/common';
import { AuditEntry } from '../../domain/schemas/incident';
import { CreateReleaseBody, GateAnswer, GateQuery, ReleaseCommandBodies, ReleaseListQuery, ReleaseRecord, StageName, StageResultBody, type ReleaseCommandName } from '../../domain/schemas/release';
import type { Role } from '../../domain/access';
import { evaluateGate } from '../../domain/release/gate';
import { releaseView } from '../../domain/release/snapshot';
import { isTerminal, type ReleaseState } from '../../domain/release/state-machine';
import type { Db } from '../../db/client';
import { readGateFacts } from '../../db/release-gate';
import { findRelease, releaseFromRow } from '../../db/release-store';
import type { Release } from '../../generated/prisma-sqlite/client';
import { resolveReleaseSubmission } from '../../services/release-submission';
import { openRelease, releaseConfigFromEnv, releaseDefaultsFromEnv } from '../../temporal/open-release';
import { releaseCommandUpdates, type StageResult } from '../../workflows/contracts/release';
import type { CommandInput } from '../../workflows/contracts/record';
import { badRequest, conflict, notFound } from '../errors';
import { findCi } from '../refs';
import { listPage } from '../pagination';
import { route, type RouteDef } from '../route';
import { commandError } from '../temporal-errors';
import { commandRoutes } from '../command-routes';
import { auditEntries } from './history';

/** Release managers run releases; build, test and deployment systems report with their own `automation` tokens. */
const OWNERS: readonly Role[] = ['release_manager', 'admin'];
const REPORTERS: readonly Role[] = ['automation', ...OWNERS];
const READERS: readonly Role[] = ['agent', 'problem_manager', 'change_manager', 'cab_member', 'automation', ...OWNERS];
const COMMAND_ROLES: Record<ReleaseCommandName, readonly Role[]> = { approve: OWNERS, cancel: OWNERS };

const IdParam = '/api/v1/releases/:id';
const toView = (row: Release) => releaseView(releaseFromRow(row), Date.now());

async function requireRelease(db: Db, ref: string): Promise<Release> {
  const row = await findRelease(db, ref);
  if (!row) throw notFound(`release ${ref}`);
  return row;
}

export function releaseRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/releases',
      summary: 'Plan a release (starts its workflow): CIs checked against the release unit, changes linked, artifacts fixed by digest',
      tag: 'Releases',
      roles: OWNERS,
      body: CreateReleaseBody,
      response: ReleaseRecord,
      status: 201,
      creates: true,
      async handler({ body, user, deps }) {
        const submission = await resolveReleaseSubmission(deps.db, body, releaseDefaultsFromEnv(deps.env));
        try {
          return await openRelease(
            { db: deps.db, temporal: deps.temporal, taskQueue: deps.env.TEMPORAL_TASK_QUEUE, config: releaseConfigFromEnv(deps.env, deps.searchAttributes !== false) },
            user.id,
            submission,
          );
        } catch (e) {
          throw commandError(e, 'the new release');
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/releases',
      summary: 'List releases (newest first)',
      tag: 'Releases',
      roles: READERS,
      query: ReleaseListQuery,
      response: listOf(ReleaseRecord),
      async handler({ query, deps }) {
        const { limit, cursor, state, unitId } = query;
        const unit = unitId ? await findCi(deps.db, unitId) : null;
        if (unitId && !unit) return { items: [], nextCursor: null };
        const where = { ...(state ? { state } : {}), ...(unit ? { unitId: unit.id } : {}) };
        return listPage({ limit, cursor }, where, (args) => deps.db.release.findMany(args), toView);
      },
    }),
    route({
      method: 'get',
      path: IdParam,
      summary: 'Get a release by id or number',
      tag: 'Releases',
      roles: READERS,
      response: ReleaseRecord,
      handler: async ({ params, deps }) => toView(await requireRelease(deps.db, params.id)),
    }),
    route({
      method: 'get',
      path: `${IdParam}/history`,
      summary: 'The audit trail of a release (every stage result, gate decision, deployment and rollback)',
      tag: 'Releases',
      roles: READERS,
      response: z.array(AuditEntry),
      handler: async ({ params, deps }) => auditEntries(deps.db, (await requireRelease(deps.db, params.id)).id),
    }),
    route({
      method: 'get',
      path: `${IdParam}/gate`,
      summary: 'May the release deploy to an environment now? For CI/CD tools: awaiting, allowed, prevented or invalid, with every reason',
      tag: 'Releases',
      roles: READERS,
      query: GateQuery,
      response: GateAnswer,
      async handler({ params, query, deps }) {
        const s = releaseFromRow(await requireRelease(deps.db, params.id));
        const now = Date.now();
        const { state, reasons } = evaluateGate(s, query.environment, await readGateFacts(deps.db, s.changes.map((c) => c.id), now), now);
        return { state, reasons };
      },
    }),
    route({
      method: 'post',
      path: `${IdParam}/stages/:stage/result`,
      summary: 'A build, test, deployment, verification or rollback system reports a stage result (a repeated report changes nothing)',
      tag: 'Releases',
      roles: REPORTERS,
      body: StageResultBody,
      response: ReleaseRecord,
      async handler({ params, body, user, deps }) {
        const row = await requireRelease(deps.db, params.id);
        const parsed = StageName.safeParse(params.stage);
        if (!parsed.success) throw badRequest(`invalid stage '${params.stage}'`, [{ path: 'params.stage', message: parsed.error.issues[0].message }]);
        if (isTerminal(row.state as ReleaseState)) {
          // A late repeat of a result already recorded is still a success: the sender may retry freely.
          const s = releaseFromRow(row);
          const st = s.stages.find((x) => x.stage === params.stage);
          if (st && st.status === body.status) return releaseView(s, Date.now());
          throw conflict(`cannot report ${params.stage} for a release in state '${row.state}'`);
        }
        const payload: StageResult = { stage: params.stage, ...body };
        try {
          return await deps.temporal.workflow.getHandle(row.workflowId).executeUpdate(releaseCommandUpdates['stage-result'], { args: [{ actor: user.id, body: payload } satisfies CommandInput<StageResult>] });
        } catch (e) {
          throw commandError(e, `release ${row.number}`);
        }
      },
    }),
    ...commandRoutes({
      recordType: 'release',
      tag: 'Releases',
      path: IdParam,
      bodies: ReleaseCommandBodies,
      roles: COMMAND_ROLES,
      updates: releaseCommandUpdates,
      response: ReleaseRecord,
      find: requireRelease,
      isTerminal: (state) => isTerminal(state as ReleaseState),
    }),
  ];
}
