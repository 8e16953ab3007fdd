import { ApplicationFailure } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { compareSnapshot, driftIncidentBody, wantsIncident, DRIFT_INCIDENT_CATEGORY, type RecordedCi, type VerificationCounts } from '../domain/cmdb/verification';
import type { IncidentWorkflowConfig } from '../workflows/contracts/incident';
import type { VerificationBegun, VerificationOutcome, VerificationSummaryData } from '../workflows/contracts/cmdb-verification';
import type { StoredVerificationSummary } from '../domain/schemas/discovery';
import type { Agree } from '../domain/schemas/zod';
import { openIncident, reserveIncident } from '../temporal/open-incident';
import type { ActivityDeps } from './deps';
import { beat } from './heartbeat';
import { toJson } from '../db/json';
import { ciAttributesOf, snapshotItemsOf, verificationDiscrepanciesOf, verificationStatusOf, verificationSummaryOf } from '../db/columns';

/** Incidents left open by earlier runs that already cover a CI's drift. */
const CLOSED_INCIDENT_STATES = ['resolved', 'closed', 'cancelled'];
const CI_PAGE = 5_000;

// The contract's report summary is what the row's `summary` column is read back with.
true satisfies Agree<VerificationSummaryData, typeof StoredVerificationSummary>;

function notFound(what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${what} not found`, 'NotFound');
}

export function createCmdbVerificationActivities(deps: ActivityDeps) {
  const { db } = deps;

  async function load(verificationId: string) {
    const row = await db.cmdbVerification.findUnique({ where: { id: verificationId } });
    if (!row) throw notFound(`verification ${verificationId}`);
    return row;
  }

  /** CIs of the covered classes, a page at a time (better-sqlite3 blocks the worker while a query runs). */
  async function recordedCis(classes: string[]): Promise<RecordedCi[]> {
    const out: RecordedCi[] = [];
    let after: string | undefined;
    for (;;) {
      const rows = await db.configurationItem.findMany({
        where: { class: { in: classes }, ...(after ? { id: { gt: after } } : {}) },
        select: { id: true, number: true, name: true, class: true, status: true, attributes: true, createdAt: true },
        orderBy: { id: 'asc' },
        take: CI_PAGE,
      });
      beat({ cisRead: out.length });
      for (const r of rows) out.push({ id: r.id, number: r.number, name: r.name, class: r.class, status: r.status, attributes: ciAttributesOf(r), createdAt: r.createdAt.getTime() });
      if (rows.length < CI_PAGE) return out;
      after = rows[rows.length - 1].id;
    }
  }

  return {
    /** Records the run (status running) against the requested or latest snapshot. Idempotent by verification id. */
    async beginCmdbVerification(input: { verificationId: string; workflowId: string; snapshotId: string | null; trigger: string; requestedBy: string | null }): Promise<VerificationBegun> {
      const view = (r: { id: string; workflowId: string; snapshotId: string | null; status: string; startedAt: Date }): VerificationBegun => ({
        id: r.id,
        workflowId: r.workflowId,
        snapshotId: r.snapshotId,
        status: verificationStatusOf(r),
        startedAt: r.startedAt.toISOString(),
      });
      const existing = await db.cmdbVerification.findUnique({ where: { id: input.verificationId } });
      if (existing) return view(existing);
      const snapshot = input.snapshotId
        ? await db.discoverySnapshot.findUnique({ where: { id: input.snapshotId }, select: { id: true, source: true, takenAt: true } })
        : await db.discoverySnapshot.findFirst({ orderBy: [{ takenAt: 'desc' }, { createdAt: 'desc' }], select: { id: true, source: true, takenAt: true } });
      if (input.snapshotId && !snapshot) throw notFound(`discovery snapshot ${input.snapshotId}`);
      const summary: VerificationSummaryData = snapshot
        ? { snapshotId: snapshot.id, source: snapshot.source, takenAt: snapshot.takenAt.toISOString(), trigger: input.trigger, requestedBy: input.requestedBy }
        : { snapshotId: null, trigger: input.trigger, requestedBy: input.requestedBy, note: 'no discovery snapshot has been received yet: nothing to verify' };
      try {
        const row = await db.cmdbVerification.create({
          data: { id: input.verificationId, workflowId: input.workflowId, snapshotId: snapshot?.id ?? null, status: 'running', startedAt: new Date(), summary: toJson(summary) },
        });
        return view(row);
      } catch (e) {
        // A concurrent attempt got there first: its row is the run's.
        const raced = await db.cmdbVerification.findUnique({ where: { id: input.verificationId } });
        if (raced) return view(raced);
        throw e;
      }
    },

    /**
     * Compares the run's snapshot with the CMDB and stores the discrepancies. The snapshot
     * and the CIs stay in this activity; history carries only the counts. Once stored, a
     * retry returns the stored result rather than comparing against a CMDB that moved on.
     */
    async compareCmdbVerification(input: { verificationId: string }): Promise<VerificationCounts> {
      const row = await load(input.verificationId);
      const summary = verificationSummaryOf(row);
      if (summary.comparedAt) {
        const d = verificationDiscrepanciesOf(row);
        return {
          observed: summary.observed ?? 0,
          recorded: summary.recorded ?? 0,
          matched: summary.matched ?? 0,
          missingInCmdb: d.filter((x) => x.kind === 'missing_in_cmdb').length,
          missingInReality: d.filter((x) => x.kind === 'missing_in_reality').length,
          attributeDrift: d.filter((x) => x.kind === 'attribute_drift').length,
          driftedFields: summary.driftedFields ?? 0,
        };
      }
      if (!row.snapshotId) throw notFound(`discovery snapshot of verification ${row.id}`);
      const snapshot = await db.discoverySnapshot.findUnique({ where: { id: row.snapshotId } });
      if (!snapshot) throw notFound(`discovery snapshot ${row.snapshotId}`);
      const items = snapshotItemsOf(snapshot);
      const classes = [...new Set(items.map((i) => i.class))];
      const result = compareSnapshot(items, await recordedCis(classes), { takenAt: snapshot.takenAt.getTime() });
      await db.cmdbVerification.update({
        where: { id: row.id },
        data: {
          discrepancies: toJson(result.discrepancies),
          summary: toJson({ ...summary, classes: result.classes, ...result.counts, comparedAt: new Date().toISOString() } satisfies VerificationSummaryData),
        },
      });
      return result.counts;
    },

    /**
     * Opens the incidents for up to `limit` drifted CIs whose status is in `statuses`,
     * exactly once each, however often it is retried:
     * - a CI that already has an open `cmdb_drift` incident (from an earlier run) is linked to it;
     * - otherwise the incident's number is reserved and stored in the report BEFORE its
     *   workflow starts, so a retry reopens the same reservation: Update-with-Start on the
     *   same workflow id attaches to the running workflow, whose `create` is idempotent.
     */
    async openCmdbDriftIncidents(input: { verificationId: string; statuses: string[]; incident: IncidentWorkflowConfig; limit: number }): Promise<{ opened: number; existing: number; remaining: number }> {
      const row = await load(input.verificationId);
      const summary = verificationSummaryOf(row);
      const discrepancies = verificationDiscrepanciesOf(row);
      const pending = () => discrepancies.filter((d) => wantsIncident(d, input.statuses) && (!d.incident || d.incident.status === 'reserved'));
      const batch = pending().slice(0, Math.max(1, input.limit));
      const save = () => db.cmdbVerification.update({ where: { id: row.id }, data: { discrepancies: toJson(discrepancies) } });
      let opened = 0;
      let existing = 0;

      for (const d of batch) {
        if (d.incident) continue;
        const open = await db.incident.findFirst({
          where: { ciId: d.ciId, category: DRIFT_INCIDENT_CATEGORY, state: { notIn: CLOSED_INCIDENT_STATES } },
          orderBy: { openedAt: 'desc' },
          select: { id: true, number: true },
        });
        if (open) {
          d.incident = { id: open.id, number: open.number, status: 'existing' };
          existing++;
        } else {
          d.incident = { ...(await reserveIncident(db)), status: 'reserved' };
        }
      }
      await save();

      const target = { db, temporal: deps.temporal, taskQueue: deps.taskQueue, config: input.incident };
      try {
        for (const d of batch) {
          const incident = d.incident;
          if (!incident || incident.status !== 'reserved') continue;
          beat({ opening: incident.number });
          const body = driftIncidentBody(d, { verificationId: row.id, snapshotId: row.snapshotId ?? '', source: summary.source, takenAt: summary.takenAt });
          try {
            await openIncident(target, { id: incident.id, number: incident.number }, 'system', body, { reuseRunning: true });
            incident.status = 'opened';
            opened++;
          } catch (e) {
            if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
            // That workflow has already closed: it opened the incident, or gave up waiting
            // for it (then the reservation is void and the next call reserves anew).
            if (await db.incident.findUnique({ where: { id: incident.id }, select: { id: true } })) {
              incident.status = 'opened';
              opened++;
            } else {
              delete d.incident;
            }
          }
        }
      } finally {
        await save();
      }
      if (opened > 0 || existing > 0) deps.log.info('cmdb verification incidents', { verificationId: row.id, opened, existing });
      return { opened, existing, remaining: pending().length };
    },

    /** Records the outcome (completed or failed) and the incident counts. Idempotent. */
    async finishCmdbVerification(input: { verificationId: string; status: 'completed' | 'failed'; error: string | null }): Promise<VerificationOutcome> {
      const row = await load(input.verificationId);
      const summary = verificationSummaryOf(row);
      if (row.status !== 'running') return { id: row.id, status: verificationStatusOf(row), summary };
      const discrepancies = verificationDiscrepanciesOf(row);
      const final: VerificationSummaryData = {
        ...summary,
        incidentsOpened: discrepancies.filter((d) => d.incident?.status === 'opened').length,
        incidentsExisting: discrepancies.filter((d) => d.incident?.status === 'existing').length,
        ...(input.error ? { error: input.error } : {}),
      };
      await db.cmdbVerification.updateMany({
        where: { id: row.id, status: 'running' },
        data: { status: input.status, finishedAt: new Date(), summary: toJson(final) },
      });
      return { id: row.id, status: input.status, summary: final };
    },
  };
}
export type CmdbVerificationActivities = ReturnType<typeof createCmdbVerificationActivities>;
