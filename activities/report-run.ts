import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { subscriptionEventsOf } from '../db/columns';
import { toJson } from '../db/json';
import { nextNumber } from '../db/numbers';
import { isUniqueViolation } from '../db/people-store';
import { canonicalJson } from '../domain/reports/canonical-json';
import { newId } from '../infra/ids';
import { ValidationFailed } from '../services/errors';
import { REPORTS, type ReportDefinition, type ReportName } from '../services/report-registry';
import { REPORT_FAILURE, type ReportRunTrigger } from '../workflows/contracts/report-run';
import type { ActivityDeps } from './deps';
import { mailNotifications } from './record-transition';
import { dispatchEvents, subscriptionMatches } from './webhooks';

export const REPORT_READY_EVENT = 'report.ready';

export interface ProduceReportRun {
  idempotencyKey: string;
  scheduleId: string;
  report: string;
  params: Record<string, unknown>;
  period?: string;
  periodFrom: string;
  periodTo: string;
  /** The instant the report is as of: the run's scheduled time. */
  asOf: number;
  trigger: ReportRunTrigger;
  recipients: string[];
}

const invalid = (message: string, details: unknown[] = []) => ApplicationFailure.create({ type: REPORT_FAILURE.invalidParams, nonRetryable: true, message, details });

/** Scheduled reports: compute, store once, announce (workflows/report-run.ts). */
export function createReportRunActivities(deps: ActivityDeps) {
  const { db } = deps;

  /** After the commit (or on a retry finding it committed): webhook delivery and e-mail, both safe to repeat. */
  async function announce(runId: string, recipients: number): Promise<void> {
    const pending = await db.outboxEvent.findMany({ where: { recordType: 'report_run', recordId: runId, dispatchedAt: null }, select: { id: true } });
    if (pending.length) await dispatchEvents(deps, pending.map((e) => e.id));
    await mailNotifications(deps, Array.from({ length: recipients }, (_, i) => `ntf-${runId}-${i}`));
  }

  return {
    /**
     * Computes the report with its route's own code, as the system, as of the scheduled time, and
     * stores it as an immutable run with its checksum, the `report.ready` event and a notification
     * per recipient, in one transaction. Idempotent by the workflow execution: a retry returns the
     * run an earlier attempt stored.
     */
    async produceReportRun(input: ProduceReportRun): Promise<{ runId: string; number: string; checksum: string }> {
      const done = await db.reportRun.findUnique({ where: { idempotencyKey: input.idempotencyKey } });
      if (done) {
        await announce(done.id, input.recipients.length);
        return { runId: done.id, number: done.number, checksum: done.checksum };
      }
      const def: ReportDefinition | undefined = Object.hasOwn(REPORTS, input.report) ? REPORTS[input.report as ReportName] : undefined;
      if (!def) throw invalid(`unknown report '${input.report}'`);
      const params = def.params.strict().safeParse(input.params);
      if (!params.success) throw invalid(`the ${input.report} report refuses these parameters`, params.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
      let result: unknown;
      try {
        result = await def.compute(db, params.data, { from: input.periodFrom, to: input.periodTo, now: input.asOf });
      } catch (e) {
        // The report's own 400: the same parameters fail the same way on every attempt.
        if (e instanceof ValidationFailed) throw invalid(`the ${input.report} report refuses these parameters: ${e.message}`, e.errors);
        throw e;
      }
      const text = canonicalJson(result);
      const checksum = createHash('sha256').update(text).digest('hex');
      const id = newId('rpt');
      const at = new Date();
      let number: string;
      try {
        number = await db.$transaction(async (tx) => {
          const n = await nextNumber(tx, 'report_run');
          const schedule = await tx.reportSchedule.findUnique({ where: { id: input.scheduleId }, select: { number: true } });
          await tx.reportRun.create({
            data: {
              id,
              number: n,
              scheduleId: input.scheduleId,
              report: input.report,
              params: toJson({ ...params.data, ...(input.period ? { period: input.period } : {}), from: input.periodFrom, to: input.periodTo }),
              periodFrom: new Date(input.periodFrom),
              periodTo: new Date(input.periodTo),
              result: text,
              checksum,
              trigger: input.trigger,
              idempotencyKey: input.idempotencyKey,
              createdAt: at,
            },
          });
          const subscriptions = await tx.webhookSubscription.findMany({ where: { active: true }, select: { id: true, events: true } });
          const wanted = subscriptions.some((sub) => subscriptionMatches(subscriptionEventsOf(sub), REPORT_READY_EVENT));
          const data = { runId: id, runNumber: n, scheduleId: input.scheduleId, scheduleNumber: schedule?.number ?? null, report: input.report, periodFrom: input.periodFrom, periodTo: input.periodTo, trigger: input.trigger, checksum };
          await tx.outboxEvent.create({ data: { id: `evt-${id}-ready`, type: REPORT_READY_EVENT, recordType: 'report_run', recordId: id, occurredAt: at, data: toJson(data), dispatchedAt: wanted ? null : at } });
          for (const [i, e] of (def.events?.(result) ?? []).entries()) {
            const wants = subscriptions.some((sub) => subscriptionMatches(subscriptionEventsOf(sub), e.type));
            await tx.outboxEvent.create({ data: { id: `evt-${id}-${i}`, type: e.type, recordType: 'report_run', recordId: id, occurredAt: at, data: toJson({ ...data, ...e.data }), dispatchedAt: wants ? null : at } });
          }
          const period = input.periodFrom === input.periodTo ? `as of ${input.periodTo}` : `${input.periodFrom} – ${input.periodTo}`;
          for (const [i, recipient] of input.recipients.entries()) {
            await tx.notification.create({ data: { id: `ntf-${id}-${i}`, recordType: 'report_run', recordId: id, recipient, kind: 'report_ready', message: `Report ${n} is ready: ${input.report}, ${period} (${schedule?.number ?? input.scheduleId})`, createdAt: at } });
          }
          return n;
        });
      } catch (e) {
        // Two attempts at once (a timed-out one still running): the other stored it.
        if (!isUniqueViolation(e)) throw e;
        const other = await db.reportRun.findUnique({ where: { idempotencyKey: input.idempotencyKey } });
        if (!other) throw e;
        await announce(other.id, input.recipients.length);
        return { runId: other.id, number: other.number, checksum: other.checksum };
      }
      await announce(id, input.recipients.length);
      deps.log.info('report run stored', { run: number, report: input.report, trigger: input.trigger, periodFrom: input.periodFrom, periodTo: input.periodTo });
      return { runId: id, number, checksum };
    },
  };
}
export type ReportRunActivities = ReturnType<typeof createReportRunActivities>;
