import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { ReportRun, ReportSchedule } from '../../generated/prisma-sqlite/client';
import type { Role } from '../../domain/access';
import { listOf, ListQuery } from '../../domain/schemas/common';
import { BackfillAnswer, BackfillBody, ReportRunListQuery, ReportRunRecord, ReportScheduleRecord, TriggerAnswer } from '../../domain/schemas/report-schedule';
import { z } from '../../domain/schemas/zod';
import { scheduledTimesFor, type ReportPeriod } from '../../domain/reports/period';
import { nextNumber } from '../../db/numbers';
import type { Db } from '../../db/client';
import { newId } from '../../infra/ids';
import { CreateReportScheduleBody, REPORT_NAMES, type CreateReportSchedule } from '../../services/report-registry';
import { manualReportRunWorkflowId, REPORT_RUN_WORKFLOW, reportRunWorkflowIdPrefix, reportScheduleId, type ReportRunInput } from '../../workflows/contracts/report-run';
import * as SA from '../../workflows/contracts/search-attributes';
import { badRequest, conflict, notFound } from '../errors';
import { engineRefusal } from '../temporal-errors';
import { listPage } from '../pagination';
import { route, type ApiDeps, type RouteDef } from '../route';

/** Schedules are defined by admins; runs hold every incident's figures (computed as the system), so only managers and admins read them. */
const OWNERS: readonly Role[] = ['admin'];
const READERS: readonly Role[] = ['problem_manager', 'change_manager', 'release_manager', 'admin'];

/**
 * A run missed while the Temporal server was down is still started within a day of its time
 * (a monthly report a few hours late beats none); older ones are for a backfill. The same bound
 * tells a run it was backfilled: the Schedule never starts one later than this.
 */
const CATCHUP_WINDOW = '1d';
const CATCHUP_WINDOW_MS = 86_400_000;

const storedParams = (row: Pick<ReportSchedule, 'params'>): Record<string, unknown> => JSON.parse(row.params);

function scheduleView(row: ReportSchedule, nextRunTimes?: Date[]): ReportScheduleRecord {
  return {
    id: row.id,
    number: row.number,
    report: row.report,
    params: storedParams(row),
    cron: row.cron,
    timezone: row.timezone,
    recipients: JSON.parse(row.recipients),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    deletedAt: row.deletedAt?.toISOString() ?? null,
    temporalScheduleId: reportScheduleId(row.number),
    ...(nextRunTimes ? { nextRunTimes: nextRunTimes.map((t) => t.toISOString()) } : {}),
  };
}

/** What every run of the schedule starts with (the Schedule's action, and a run by hand). */
function runInput(row: Pick<ReportSchedule, 'id' | 'number' | 'report' | 'params' | 'timezone' | 'recipients'>, searchAttributes: boolean): ReportRunInput {
  const { period, ...params } = storedParams(row);
  return {
    scheduleId: row.id,
    scheduleNumber: row.number,
    report: row.report,
    params,
    ...(period ? { period: period as ReportPeriod } : {}),
    timezone: row.timezone,
    recipients: JSON.parse(row.recipients),
    catchupWindowMs: CATCHUP_WINDOW_MS,
    searchAttributes,
  };
}

const runMeta = (row: Pick<ReportSchedule, 'number' | 'report'>, searchAttributes: boolean) => ({
  memo: { title: `Report ${row.report} (${row.number})` },
  ...(searchAttributes ? { typedSearchAttributes: [{ key: SA.RecordType, value: 'report_run' }, { key: SA.RecordNumber, value: row.number }] } : {}),
});


async function findSchedule(db: Db, ref: string): Promise<ReportSchedule> {
  const row = await db.reportSchedule.findFirst({ where: { OR: [{ id: ref }, { number: ref }] } });
  if (!row) throw notFound(`report schedule ${ref}`);
  return row;
}

const activeSchedule = async (db: Db, ref: string) => {
  const row = await findSchedule(db, ref);
  if (row.deletedAt) throw conflict(`report schedule ${row.number} was deleted`);
  return row;
};

async function nextRunTimes(temporal: Client, row: ReportSchedule): Promise<Date[]> {
  if (row.deletedAt) return [];
  try {
    return (await temporal.schedule.getHandle(reportScheduleId(row.number)).describe()).info.nextActionTimes;
  } catch (e) {
    if (e instanceof ScheduleNotFoundError) return [];
    throw e;
  }
}

async function presentRuns(db: Db, rows: ReportRun[], withResult: boolean): Promise<ReportRunRecord[]> {
  const ids = [...new Set(rows.flatMap((r) => (r.scheduleId ? [r.scheduleId] : [])))];
  const numbers = new Map((await db.reportSchedule.findMany({ where: { id: { in: ids } }, select: { id: true, number: true } })).map((s) => [s.id, s.number]));
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    scheduleId: r.scheduleId,
    scheduleNumber: r.scheduleId ? (numbers.get(r.scheduleId) ?? null) : null,
    report: r.report,
    params: JSON.parse(r.params),
    periodFrom: r.periodFrom.toISOString(),
    periodTo: r.periodTo.toISOString(),
    trigger: r.trigger as ReportRunRecord['trigger'],
    checksum: r.checksum,
    workflowId: r.idempotencyKey,
    createdAt: r.createdAt.toISOString(),
    ...(withResult ? { result: JSON.parse(r.result) } : {}),
  }));
}

/** Every recipient names an existing user or group: a typo would tell nobody, silently. */
async function checkRecipients(db: Db, recipients: string[]): Promise<void> {
  const errors = [];
  for (const [i, r] of recipients.entries()) {
    const [scheme, name] = [r.slice(0, r.indexOf(':')), r.slice(r.indexOf(':') + 1)];
    const found = scheme === 'user' ? await db.user.findUnique({ where: { id: name }, select: { id: true } }) : await db.group.findUnique({ where: { name }, select: { id: true } });
    if (!found) errors.push({ path: `recipients.${i}`, message: `no ${scheme} ${name}` });
  }
  if (errors.length) throw badRequest(`${errors.length} unknown recipient${errors.length === 1 ? '' : 's'}`, errors);
}

function scheduleOptions(row: Pick<ReportSchedule, 'id' | 'number' | 'report' | 'params' | 'timezone' | 'recipients' | 'cron'>, deps: ApiDeps): ScheduleOptions {
  const searchAttributes = deps.searchAttributes !== false;
  return {
    scheduleId: reportScheduleId(row.number),
    spec: { cronExpressions: [row.cron], timezone: row.timezone },
    action: {
      type: 'startWorkflow',
      workflowType: REPORT_RUN_WORKFLOW,
      // The Schedule appends each run's scheduled time, which is also the period the run resolves.
      workflowId: reportRunWorkflowIdPrefix(row.number),
      taskQueue: deps.env.TEMPORAL_TASK_QUEUE,
      args: [runInput(row, searchAttributes)],
      ...runMeta(row, searchAttributes),
    },
    // Every period gets its report, one run at a time: a slow run delays the next instead of
    // skipping it (SKIP would lose a month) or competing with it for the database (ALLOW_ALL).
    policies: { overlap: ScheduleOverlapPolicy.BUFFER_ALL, catchupWindow: CATCHUP_WINDOW, pauseOnFailure: false },
    memo: { title: `Report ${row.report} (${row.number}): ${row.cron} ${row.timezone}` },
    state: { note: `report schedule ${row.number}` },
  };
}

/** Scheduled reports: definitions run on Temporal Schedules; each run an immutable snapshot (`report.ready`). */
export function reportScheduleRoutes(): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/report-schedules',
      summary: "Schedule a report: its parameters (the report route's own, plus the period each run reports), a cron and timezone, and who is told; runs on a Temporal Schedule",
      tag: 'Reports',
      roles: OWNERS,
      body: CreateReportScheduleBody,
      response: ReportScheduleRecord,
      status: 201,
      creates: true,
      async handler({ body: parsed, user, deps, reserve }) {
        const body = parsed as unknown as CreateReportSchedule;
        await checkRecipients(deps.db, body.recipients);
        const { value: ids, resumed } = await reserve(async () => ({ id: newId('rps'), number: await nextNumber(deps.db, 'report_schedule') }));
        const row = { ...ids, report: body.report, params: JSON.stringify(body.params), cron: body.cron, timezone: body.timezone, recipients: JSON.stringify(body.recipients), createdBy: user.id };
        const options = scheduleOptions(row, deps);
        // The engine judges the cron (and knows its zones) before anything is stored.
        try {
          await deps.temporal.schedule.create(options);
        } catch (e) {
          // A retry under the same Idempotency-Key finds the Schedule its first attempt made.
          if (!(e instanceof ScheduleAlreadyRunning && resumed)) {
            // Not ours: one left in the engine by an earlier database whose numbers this one reuses.
            if (e instanceof ScheduleAlreadyRunning) throw conflict(`a Temporal Schedule ${options.scheduleId} already exists without a definition here; delete it in the engine or try again (the next number is used)`);
            const refusal = engineRefusal(e);
            if (refusal === null) throw e;
            const path = /time ?zone|location/i.test(refusal) ? 'timezone' : 'cron';
            throw badRequest(`the schedule engine refused the ${path}`, [{ path, message: `not ${path === 'cron' ? 'a cron expression' : 'a timezone'} the schedule engine accepts: ${refusal}` }]);
          }
        }
        try {
          const saved = await deps.db.reportSchedule.upsert({ where: { id: ids.id }, create: row, update: {} });
          return scheduleView(saved);
        } catch (e) {
          // Neither or both: a Schedule without its definition would run unseen.
          await deps.temporal.schedule.getHandle(reportScheduleId(ids.number)).delete().catch(() => undefined);
          throw e;
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/report-schedules',
      summary: 'List report schedules (deleted ones left out)',
      tag: 'Reports',
      roles: READERS,
      query: ListQuery,
      response: listOf(ReportScheduleRecord),
      handler: async ({ query, deps }) => listPage(query, { deletedAt: null }, (args) => deps.db.reportSchedule.findMany(args), (row) => scheduleView(row)),
    }),
    route({
      method: 'get',
      path: '/api/v1/report-schedules/:id',
      summary: "A report schedule by id or number, with its Schedule's next run times",
      tag: 'Reports',
      roles: READERS,
      response: ReportScheduleRecord,
      async handler({ params, deps }) {
        const row = await findSchedule(deps.db, params.id);
        return scheduleView(row, await nextRunTimes(deps.temporal, row));
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/report-schedules/:id',
      summary: 'Delete a report schedule: its Temporal Schedule goes, the definition stays with deletedAt, its runs stay (repeating it changes nothing)',
      tag: 'Reports',
      roles: OWNERS,
      response: ReportScheduleRecord,
      async handler({ params, deps }) {
        const row = await findSchedule(deps.db, params.id);
        try {
          await deps.temporal.schedule.getHandle(reportScheduleId(row.number)).delete();
        } catch (e) {
          if (!(e instanceof ScheduleNotFoundError)) throw e;
        }
        await deps.db.reportSchedule.updateMany({ where: { id: row.id, deletedAt: null }, data: { deletedAt: new Date() } });
        return scheduleView(await deps.db.reportSchedule.findUniqueOrThrow({ where: { id: row.id } }), []);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/report-schedules/:id/backfill',
      summary: 'Regenerate the periods within [from, to]: a Schedule backfill (overlap ALLOW_ALL) of the scheduled times whose runs report them; each run is a new snapshot of its period',
      tag: 'Reports',
      roles: OWNERS,
      body: BackfillBody,
      response: BackfillAnswer,
      status: 202,
      errors: [409],
      async handler({ params, body, deps }) {
        const row = await activeSchedule(deps.db, params.id);
        const period = storedParams(row).period as ReportPeriod | undefined;
        if (!period) throw conflict(`the ${row.report} report shows the present; a past one cannot be regenerated`);
        const from = Date.parse(body.from);
        const to = Date.parse(body.to);
        if (!(to > from)) throw badRequest('to must be after from', [{ path: 'to', message: 'must be after from' }]);
        if (to > Date.now()) throw badRequest('to is in the future', [{ path: 'to', message: 'must not be in the future: a period not yet over cannot be regenerated' }]);
        const times = scheduledTimesFor(from, to, period, row.timezone);
        if (!(times.end > times.start)) throw badRequest(`no whole ${period} between from and to`, [{ path: 'to', message: `holds no whole ${period.replace('previous_', '')} after from (in ${row.timezone})` }]);
        // Temporal takes both ends as inclusive: the end stops a second short of the next unit.
        await deps.temporal.schedule.getHandle(reportScheduleId(row.number)).backfill([{ start: new Date(times.start), end: new Date(times.end - 1000), overlap: ScheduleOverlapPolicy.ALLOW_ALL }]);
        return { scheduleId: row.id, periods: period, scheduledFrom: new Date(times.start).toISOString(), scheduledTo: new Date(times.end).toISOString() };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/report-schedules/:id/trigger',
      summary: 'Run a report schedule now: its period resolved from this instant',
      tag: 'Reports',
      roles: OWNERS,
      response: TriggerAnswer,
      status: 202,
      errors: [409],
      async handler({ params, deps }) {
        const row = await activeSchedule(deps.db, params.id);
        const searchAttributes = deps.searchAttributes !== false;
        const asOf = new Date().toISOString();
        const workflowId = manualReportRunWorkflowId(row.number, newId('man'));
        // Started here rather than by the Schedule's trigger, so the run knows it was by hand and the caller gets its id.
        await deps.temporal.workflow.start(REPORT_RUN_WORKFLOW, { workflowId, taskQueue: deps.env.TEMPORAL_TASK_QUEUE, args: [{ ...runInput(row, searchAttributes), manualAt: asOf }], ...runMeta(row, searchAttributes) });
        return { scheduleId: row.id, workflowId, asOf };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/report-runs',
      summary: 'Stored report runs, newest first; by schedule (id or number) and report',
      tag: 'Reports',
      roles: READERS,
      query: ReportRunListQuery.extend({ report: z.enum(REPORT_NAMES).optional() }),
      response: listOf(ReportRunRecord),
      async handler({ query, deps }) {
        const { scheduleId, report, ...paging } = query;
        let where: Record<string, unknown> = report ? { report } : {};
        if (scheduleId !== undefined) {
          const s = await deps.db.reportSchedule.findFirst({ where: { OR: [{ id: scheduleId }, { number: scheduleId }] }, select: { id: true } });
          if (!s) throw badRequest('unknown schedule', [{ path: 'query.scheduleId', message: `no report schedule ${scheduleId}` }]);
          where = { ...where, scheduleId: s.id };
        }
        const page = await listPage(paging, where, (args) => deps.db.reportRun.findMany(args), (row) => row);
        return { ...page, items: await presentRuns(deps.db, page.items, false) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/report-runs/:id',
      summary: 'A stored report run by id or number, with its result (immutable: the figures as computed then)',
      tag: 'Reports',
      roles: READERS,
      response: ReportRunRecord,
      async handler({ params, deps }) {
        const row = await deps.db.reportRun.findFirst({ where: { OR: [{ id: params.id }, { number: params.id }] } });
        if (!row) throw notFound(`report run ${params.id}`);
        return (await presentRuns(deps.db, [row], true))[0];
      },
    }),
  ];
}

