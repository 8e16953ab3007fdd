import type { Incident, Outage } from '../generated/prisma-sqlite/client';
import type { incidentScope } from '../domain/access';
import { incidentScopeSql } from './incident-scope-sql';
import { slaBreached, type IncidentSnapshot } from '../domain/incident/snapshot';
import { clockColumns, type SlaClock } from '../domain/sla/clock';
import { agreementClockRow } from '../domain/sla/agreement-clocks';
import { IncidentEnumColumns, IncidentKnownErrorsColumn, IncidentSecurityColumn, IncidentSlaColumn } from '../domain/schemas/incident';
import { selectRows, type Db, type Tx } from './client';
import { parseJson, parseStored, toJson } from './json';
import { writeIfNewer, type RecordStore } from './record-store';
import { inChunks, placeholders, sql, type SqlBody, type SqlValue } from './sql';
import { nextNumber } from './numbers';
import { newId } from '../infra/ids';
import { surveyToken, surveyTokenDigest } from '../infra/survey-token';
import { SURVEY_VALID_MS, surveyRecipient } from '../domain/relationship/satisfaction';

const dateOrNull = (ms: number | null) => (ms === null ? null : new Date(ms));
/** The SLA clock's instants as columns (reports, the at-risk view). */
export function slaColumnsOf(slaId: string, clock: SlaClock) {
  const c = clockColumns(clock);
  return {
    slaId,
    responseDueAt: new Date(c.responseDueAt),
    respondedAt: dateOrNull(c.respondedAt),
    resolutionDueAt: dateOrNull(c.resolutionDueAt),
    slaPausedMs: c.pausedMs,
    responseBusinessMs: c.responseBusinessMs,
    resolutionBusinessMs: c.resolutionBusinessMs,
  };
}

/**
 * The OLA/UC clocks as rows for reports, upserted, so a retried write converges. All of them:
 * an incident has a handful, and a clock that breached while running changes its row too.
 */
async function writeAgreementClocks(tx: Tx, s: IncidentSnapshot): Promise<void> {
  const clocks = s.clocks ?? [];
  for (let seq = 0; seq < clocks.length; seq++) {
    const row = agreementClockRow(clocks[seq], s.updatedAt);
    await tx.incidentClock.upsert({ where: { incidentId_seq: { incidentId: s.id, seq } }, create: { incidentId: s.id, seq, ...row }, update: row });
  }
}

/**
 * The outage the incident records, as its Outage row (availability reads these), numbered when
 * first written and updated in place after. A snapshot without one leaves the row alone (one read
 * back from the incident row carries none); only a history that overrules a later write takes
 * one back.
 */
async function writeOutage(tx: Tx, s: IncidentSnapshot, replace: boolean): Promise<void> {
  if (!s.outage) {
    if (replace && s.outage === null) await tx.outage.deleteMany({ where: { incidentId: s.id } });
    return;
  }
  const row = { serviceId: s.outage.serviceId, start: new Date(s.outage.start), end: s.outage.end === null ? null : new Date(s.outage.end) };
  const updated = await tx.outage.updateMany({ where: { incidentId: s.id }, data: row });
  if (updated.count === 0) await tx.outage.create({ data: { id: newId('out'), number: await nextNumber(tx, 'outage'), incidentId: s.id, kind: 'unplanned', createdBy: s.outage.recordedBy ?? s.createdBy, ...row } });
}

/**
 * Closing an incident invites its caller to rate it: the Survey row and the invitation (with the
 * one-time link) are written with the close, in its transaction, so the incident workflow's
 * commands do not change. The ids are the incident's, so a retried write invites once; the
 * customer is the one the caller is a contact of.
 */
const surveyNotificationId = (incidentId: string) => `ntf-svy-${incidentId}`;

const surveyRecipientOf = (s: IncidentSnapshot) => (s.state === 'closed' && s.closedAt !== null ? surveyRecipient(s) : null);

/** The Survey row and its invitation for a closed incident (`customerId`: its caller's customer). */
function surveyRows(s: IncidentSnapshot, recipient: string, customerId: string | null) {
  const id = `svy-${s.id}`;
  const token = surveyToken(id);
  const closedAt = s.closedAt as number;
  return {
    survey: { id, incidentId: s.id, serviceId: s.serviceId, team: s.assignmentGroup, customerId, recipient, tokenHash: surveyTokenDigest(token), sentAt: new Date(closedAt), expiresAt: new Date(closedAt + SURVEY_VALID_MS) },
    notification: { id: surveyNotificationId(s.id), recordType: 'incident', recordId: s.id, recipient, kind: 'survey_invitation', message: `How did we do on ${s.number}? Rate it 1-5 (once, within ${SURVEY_VALID_MS / 86_400_000} days): POST /api/v1/surveys/${token} {"score": 1-5, "comment": "..."}`, createdAt: new Date(closedAt) },
  };
}

async function writeSurvey(tx: Tx, s: IncidentSnapshot): Promise<void> {
  const recipient = surveyRecipientOf(s);
  if (!recipient || (await tx.survey.findUnique({ where: { incidentId: s.id }, select: { id: true } }))) return;
  const contact = s.callerId ? await tx.customerContact.findUnique({ where: { userId: s.callerId }, select: { customerId: true } }) : null;
  const rows = surveyRows(s, recipient, contact?.customerId ?? null);
  await tx.survey.create({ data: rows.survey });
  await tx.notification.create({ data: rows.notification });
}

/** The incident's own row: typed columns for every field the API filters on, the SLA clock as JSON. */
function incidentRow(s: IncidentSnapshot, seq: number) {
  return {
    number: s.number,
    workflowId: s.workflowId,
    type: s.type,
    title: s.title,
    description: s.description,
    impact: s.impact,
    urgency: s.urgency,
    priority: s.priority,
    state: s.state,
    serviceId: s.serviceId,
    ciId: s.ciId,
    category: s.category,
    callerId: s.callerId,
    callerEmail: s.callerEmail ?? null,
    restricted: (s.restrictedTo ?? []).length > 0,
    assignmentGroup: s.assignmentGroup,
    assignee: s.assignee,
    escalationLevel: s.escalationLevel,
    holdReason: s.holdReason,
    resolutionCode: s.resolutionCode,
    resolutionNotes: s.resolutionNotes,
    problemId: s.problemId,
    problemNumber: s.problemNumber,
    knownErrors: s.knownErrors.length ? toJson(s.knownErrors) : null,
    knownErrorId: s.knownErrorId,
    security: s.security ? toJson(s.security) : null,
    // The supplier a hold waits on travels with the clocks it drives.
    sla: toJson({ slaId: s.slaId, slaVersion: s.slaVersion, clock: s.clock, clocks: s.clocks?.length ? s.clocks : undefined, holdSupplier: s.holdSupplier ?? undefined }),
    slaVersion: s.slaVersion ?? 1,
    slaBreached: slaBreached(s, s.updatedAt),
    ...slaColumnsOf(s.slaId, s.clock),
    openedAt: new Date(s.openedAt),
    resolvedAt: s.resolvedAt === null ? null : new Date(s.resolvedAt),
    closedAt: s.closedAt === null ? null : new Date(s.closedAt),
    createdBy: s.createdBy,
    version: seq,
  };
}

/**
 * The same write as `incidentStore.write`, on the driver (db/sql.ts): every transition of an
 * incident without an outage or a restriction (those, rare, take Prisma's write). Kept in step
 * with `write` by test/integration/transition-writer.test.ts, which compares the rows both make.
 */
function* writeIncidentSql(s: IncidentSnapshot, seq: number): SqlBody<void> {
  const now = new Date();
  const row = incidentRow(s, seq);
  const updated = yield* sql.update('Incident', { ...row, updatedAt: now }, { id: s.id }, { text: '"version" < ?', params: [seq] });
  if (updated === 0 && (yield* sql.all('SELECT "id" FROM "Incident" WHERE "id" = ?', [s.id])).length === 0) {
    // The customer an incident is for: its caller's, when the caller is a customer contact (read once, at creation).
    const contact = s.callerId ? (yield* sql.all<{ customerId: string }>('SELECT "customerId" FROM "CustomerContact" WHERE "userId" = ?', [s.callerId]))[0] : undefined;
    yield* sql.insert('Incident', { id: s.id, ...row, customerId: contact?.customerId ?? null, createdAt: now, updatedAt: now });
  }
  for (const [i, c] of (s.clocks ?? []).entries()) {
    const clockRow = agreementClockRow(c, s.updatedAt);
    const cols = Object.keys(clockRow);
    yield* sql.insert('IncidentClock', { incidentId: s.id, seq: i, ...clockRow }, `ON CONFLICT ("incidentId", "seq") DO UPDATE SET ${cols.map((k) => `"${k}" = excluded."${k}"`).join(', ')}`);
  }
  const recipient = surveyRecipientOf(s);
  if (recipient && (yield* sql.all('SELECT "id" FROM "Survey" WHERE "incidentId" = ?', [s.id])).length === 0) {
    const contact = s.callerId ? (yield* sql.all<{ customerId: string }>('SELECT "customerId" FROM "CustomerContact" WHERE "userId" = ?', [s.callerId]))[0] : undefined;
    const rows = surveyRows(s, recipient, contact?.customerId ?? null);
    yield* sql.insert('Survey', rows.survey);
    yield* sql.insert('Notification', rows.notification);
  }
}

/** Incidents: their row, OLA/UC clocks, outage, survey and restriction. */
export const incidentStore: RecordStore<IncidentSnapshot> = {
  recordType: 'incident',
  notificationsOf: (s) => (s.state === 'closed' ? [surveyNotificationId(s.id)] : []),
  sqlWrite: (s, _seq, replace) => (replace || s.outage || (s.restrictedTo ?? []).length > 0 ? null : writeIncidentSql),
  async write(tx: Tx, s: IncidentSnapshot, seq: number, replace = false) {
    const row = incidentRow(s, seq);
    const created = await writeIfNewer(tx.incident, s.id, seq, row, replace);
    // The customer an incident is for: its caller's, when the caller is a customer contact (read once, at creation).
    if (created && s.callerId) {
      const contact = await tx.customerContact.findUnique({ where: { userId: s.callerId }, select: { customerId: true } });
      if (contact) await tx.incident.update({ where: { id: s.id }, data: { customerId: contact.customerId } });
    }
    await writeAgreementClocks(tx, s);
    await writeOutage(tx, s, replace);
    await writeSurvey(tx, s);
    // Restriction is set at creation: rewritten as a whole, so a retried write converges.
    if ((s.restrictedTo ?? []).length > 0) {
      await tx.incidentAccess.deleteMany({ where: { incidentId: s.id } });
      await tx.incidentAccess.createMany({ data: [...new Set(s.restrictedTo)].map((group) => ({ incidentId: s.id, group })) });
    }
  },
};

/** The row as a snapshot: the enum columns and the `sla` JSON are checked, a mismatch is a CorruptRecordError naming the field. */
export function incidentFromRow(row: Incident): IncidentSnapshot {
  const at = { recordType: incidentStore.recordType, recordId: row.id };
  const sla = parseJson(IncidentSlaColumn, row.sla, { ...at, field: 'sla' });
  const { type, impact, urgency, priority, state, holdReason } = parseStored(IncidentEnumColumns, row, at);
  return {
    id: row.id,
    number: row.number,
    workflowId: row.workflowId,
    type,
    title: row.title,
    description: row.description,
    impact,
    urgency,
    priority,
    state,
    serviceId: row.serviceId,
    ciId: row.ciId,
    category: row.category,
    callerId: row.callerId,
    callerEmail: row.callerEmail,
    // Which groups is read only where shown (row.restricted says whether there are any).
    restrictedTo: [],
    assignmentGroup: row.assignmentGroup,
    assignee: row.assignee,
    escalationLevel: row.escalationLevel,
    holdReason,
    holdSupplier: sla.holdSupplier ?? null,
    resolutionCode: row.resolutionCode,
    resolutionNotes: row.resolutionNotes,
    problemId: row.problemId,
    problemNumber: row.problemNumber,
    knownErrors: row.knownErrors === null ? [] : parseJson(IncidentKnownErrorsColumn, row.knownErrors, { ...at, field: 'knownErrors' }),
    knownErrorId: row.knownErrorId,
    slaId: sla.slaId,
    slaVersion: sla.slaVersion,
    clock: sla.clock,
    clocks: sla.clocks ?? [],
    ...(row.security === null ? {} : { security: parseJson(IncidentSecurityColumn, row.security, { ...at, field: 'security' }) }),
    openedAt: row.openedAt.getTime(),
    resolvedAt: row.resolvedAt?.getTime() ?? null,
    closedAt: row.closedAt?.getTime() ?? null,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt.getTime(),
  };
}


/**
 * An incident by id or number within the caller's visibility (`incidentScope`), or null. Every
 * command and read of one incident starts here: on the driver (db/sql.ts), with the scope as the
 * SQL the aggregate reports use (db/incident-scope-sql.ts).
 */
export async function findVisibleIncident(db: Db, ref: string, scope: ReturnType<typeof incidentScope>): Promise<Incident | null> {
  const visible = incidentScopeSql(scope);
  const rows = await selectRows<Incident>(db, 'Incident', `SELECT * FROM "Incident" i WHERE (i."id" = ? OR i."number" = ?) AND ${visible.sql} LIMIT 1`, [ref, ref, ...(visible.values as SqlValue[])]);
  return rows[0] ?? null;
}

/** The Outage rows recorded on these incidents (one read, on the driver). */
export function outagesOf(db: Db, incidentIds: string[]): Promise<Outage[]> {
  return inChunks(incidentIds, (ids) => selectRows<Outage>(db, 'Outage', `SELECT * FROM "Outage" WHERE "incidentId" IN (${placeholders(ids)})`, ids));
}
