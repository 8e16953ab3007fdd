import { WithStartWorkflowOperation } from '@temporalio/client';
import type { CmdbVerification, DiscoverySnapshot } from '../../generated/prisma-sqlite/client';
import { naturalKeyOf } from '../../domain/cmdb/classes';
import type { Discrepancy as DiscrepancyData } from '../../domain/cmdb/verification';
import { listOf } from '../../domain/schemas/common';
import {
  CreateSnapshotBody,
  RunVerificationBody,
  SnapshotDetail,
  SnapshotRecord,
  VerificationListQuery,
  VerificationRecord,
  VerificationReport,
  VerificationReportQuery,
  type DiscoveredItem,
} from '../../domain/schemas/discovery';
import type { Env } from '../../config/env';
import { verificationConfig } from '../../temporal/schedules';
import { CMDB_VERIFICATION_WORKFLOW, cmdbVerificationWorkflowId, verificationAcceptedUpdate, type CmdbVerificationInput } from '../../workflows/contracts/cmdb-verification';
import * as SA from '../../workflows/contracts/search-attributes';
import type { Role } from '../../domain/access';
import { badRequest, conflict, notFound } from '../errors';
import { newId } from '../../infra/ids';
import { listPage } from '../pagination';
import { route, type ApiDeps, type RouteDef } from '../route';
import { commandError } from '../temporal-errors';

/** Discovery tools post with a token of one of these roles; they also run verifications. */
const CMDB_WRITERS: readonly Role[] = ['admin', 'change_manager'];

interface StoredItem {
  class: string;
  name: string;
  naturalKey: string;
  attributes: Record<string, unknown>;
}

function snapshotView(row: DiscoverySnapshot, items: StoredItem[]) {
  return {
    id: row.id,
    source: row.source,
    takenAt: row.takenAt.toISOString(),
    itemCount: items.length,
    classes: [...new Set(items.map((i) => i.class))].sort() as SnapshotRecord['classes'],
    createdAt: row.createdAt.toISOString(),
  };
}

function verificationView(row: CmdbVerification) {
  return {
    id: row.id,
    workflowId: row.workflowId,
    snapshotId: row.snapshotId,
    status: row.status as VerificationRecord['status'],
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    summary: JSON.parse(row.summary) as VerificationRecord['summary'],
  };
}

/** The API process's verification settings, where its environment has them (defaults otherwise). */
function apiVerificationConfig(deps: ApiDeps) {
  const env = deps.env;
  return verificationConfig(env, deps.searchAttributes !== false);
}

export function discoveryRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/discovery/snapshots',
      summary: 'Record what a discovery tool observed (CIs and their attributes)',
      tag: 'CMDB verification',
      roles: CMDB_WRITERS,
      body: CreateSnapshotBody,
      response: SnapshotRecord,
      status: 201,
      creates: true,
      async handler({ body, deps }) {
        const items: StoredItem[] = (body.items as DiscoveredItem[]).map((i) => ({ class: i.class, name: i.name, naturalKey: naturalKeyOf(i), attributes: i.attributes }));
        const row = await deps.db.discoverySnapshot.create({
          data: { id: newId('snp'), source: body.source, takenAt: body.takenAt ? new Date(body.takenAt) : new Date(), items: JSON.stringify(items) },
        });
        return snapshotView(row, items);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/discovery/snapshots/:id',
      summary: 'A discovery snapshot with its observed items',
      tag: 'CMDB verification',
      roles: 'any',
      response: SnapshotDetail,
      async handler({ params, deps }) {
        const row = await deps.db.discoverySnapshot.findUnique({ where: { id: params.id } });
        if (!row) throw notFound(`discovery snapshot ${params.id}`);
        const items = JSON.parse(row.items) as StoredItem[];
        return { ...snapshotView(row, items), items };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/cmdb/verifications',
      summary: 'Run a CMDB verification now (the Schedule runs one daily); answers once the run is recorded',
      tag: 'CMDB verification',
      roles: CMDB_WRITERS,
      body: RunVerificationBody,
      response: VerificationRecord,
      status: 202,
      creates: true,
      async handler({ body, user, deps }) {
        if (body.snapshotId) {
          if (!(await deps.db.discoverySnapshot.findUnique({ where: { id: body.snapshotId }, select: { id: true } }))) {
            throw badRequest('snapshotId does not exist', [{ path: 'snapshotId', message: `no discovery snapshot ${body.snapshotId}` }]);
          }
        } else if ((await deps.db.discoverySnapshot.count()) === 0) {
          throw conflict('no discovery snapshot has been received yet: POST /api/v1/discovery/snapshots first');
        }
        const id = newId('ver');
        const workflowId = cmdbVerificationWorkflowId(id);
        const searchAttributes = deps.searchAttributes !== false;
        const startWorkflowOperation = new WithStartWorkflowOperation(CMDB_VERIFICATION_WORKFLOW, {
          workflowId,
          taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
          args: [{ verificationId: id, snapshotId: body.snapshotId, trigger: 'api', requestedBy: user.id, config: apiVerificationConfig(deps) } satisfies CmdbVerificationInput],
          workflowIdConflictPolicy: 'FAIL',
          memo: { title: `CMDB verification requested by ${user.id}` },
          ...(searchAttributes
            ? { typedSearchAttributes: [{ key: SA.RecordType, value: 'cmdb_verification' }, { key: SA.RecordNumber, value: id }, { key: SA.RecordState, value: 'running' }] }
            : {}),
        });
        try {
          await deps.temporal.workflow.executeUpdateWithStart(verificationAcceptedUpdate, { args: [], startWorkflowOperation });
        } catch (e) {
          throw commandError(e, `verification ${id}`);
        }
        const row = await deps.db.cmdbVerification.findUnique({ where: { id } });
        if (!row) throw notFound(`verification ${id}`);
        return verificationView(row);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/cmdb/verifications',
      summary: 'CMDB verification runs, newest first (summaries; the report has the discrepancies)',
      tag: 'CMDB verification',
      roles: 'any',
      query: VerificationListQuery,
      response: listOf(VerificationRecord),
      handler: ({ query, deps }) =>
        listPage(
          query,
          query.status ? { status: query.status } : {},
          (args) => deps.db.cmdbVerification.findMany({ ...args, omit: { discrepancies: true } }) as Promise<CmdbVerification[]>,
          verificationView,
        ),
    }),
    route({
      method: 'get',
      path: '/api/v1/cmdb/verifications/:id',
      summary: 'A CMDB verification report: summary counts and every discrepancy (?kind= filters)',
      tag: 'CMDB verification',
      roles: 'any',
      query: VerificationReportQuery,
      response: VerificationReport,
      async handler({ params, query, deps }) {
        const row = await deps.db.cmdbVerification.findFirst({ where: { OR: [{ id: params.id }, { workflowId: params.id }] } });
        if (!row) throw notFound(`verification ${params.id}`);
        const all = JSON.parse(row.discrepancies) as DiscrepancyData[];
        return { ...verificationView(row), discrepancies: query.kind ? all.filter((d) => d.kind === query.kind) : all };
      },
    }),
  ];
}
