/**
 * Agreements (SLA, OLA, UC) as versioned terms: every create and every edit of the terms
 * writes an immutable SlaVersion row beside the agreement, whose own columns always hold the
 * latest version. Incidents carry the version their clocks run on (workflows/incident.ts).
 */
import type { Sla } from '../generated/prisma-sqlite/client';
import { selectRows, type Db } from '../db/client';
import type { SqlValue } from '../db/sql';
import { nextNumber } from '../db/numbers';
import { slaKindOf, slaTermsOf } from '../db/columns';
import { newId } from '../infra/ids';
import { chainWarnings, type ChainAgreement } from '../domain/sla/consistency';
import type { CreateSlaBody, SlaWarning, UpdateSlaBody } from '../domain/schemas/sla';

/** Another edit was saved between this one's read and its write: the caller reads again. */
export class AgreementChanged extends Error {
  constructor(readonly number: string) {
    super(`${number} was changed by someone else meanwhile: read it again and repeat the edit`);
    this.name = 'AgreementChanged';
  }
}

type Terms = Pick<Sla, 'name' | 'calendar' | 'targets' | 'escalation' | 'pauseOn' | 'availabilityTarget'>;

function termsOf(row: Sla): Terms {
  return { name: row.name, calendar: row.calendar, targets: row.targets, escalation: row.escalation, pauseOn: row.pauseOn, availabilityTarget: row.availabilityTarget };
}

const versionRow = (slaId: string, version: number, terms: Terms, actor: string | null) => ({ slaId, version, ...terms, createdBy: actor });

export async function createAgreement(db: Db, actor: string, body: CreateSlaBody, serviceId: string | null): Promise<Sla> {
  const id = newId('sla');
  const terms: Terms = {
    name: body.name,
    calendar: JSON.stringify(body.calendar),
    targets: JSON.stringify(body.targets),
    escalation: JSON.stringify(body.escalation ?? {}),
    pauseOn: JSON.stringify(body.pauseOn),
    availabilityTarget: body.availabilityTarget ?? null,
  };
  const number = await nextNumber(db, 'sla');
  return db.$transaction(async (tx) => {
    const row = await tx.sla.create({ data: { id, number, kind: body.kind, serviceId, supplier: body.supplier ?? null, team: body.team ?? null, isDefault: body.isDefault, ...terms } });
    await tx.slaVersion.create({ data: versionRow(id, 1, terms, actor) });
    return row;
  });
}

/**
 * New terms become the next version; an edit that changes nothing makes none (a repeated PATCH
 * is harmless). Versions are numbered by a conditional update, so two concurrent edits cannot
 * both become version n + 1: the later one gets AgreementChanged.
 */
export async function reviseAgreement(db: Db, actor: string, row: Sla, body: UpdateSlaBody): Promise<Sla> {
  const current = termsOf(row);
  const next: Terms = {
    name: body.name ?? current.name,
    calendar: body.calendar !== undefined ? JSON.stringify(body.calendar) : current.calendar,
    targets: body.targets !== undefined ? JSON.stringify(body.targets) : current.targets,
    escalation: body.escalation !== undefined ? JSON.stringify(body.escalation) : current.escalation,
    pauseOn: body.pauseOn !== undefined ? JSON.stringify(body.pauseOn) : current.pauseOn,
    availabilityTarget: body.availabilityTarget !== undefined ? body.availabilityTarget : current.availabilityTarget,
  };
  if (JSON.stringify(next) === JSON.stringify(current)) return row;
  const version = row.version + 1;
  return db.$transaction(async (tx) => {
    const moved = await tx.sla.updateMany({ where: { id: row.id, version: row.version }, data: { ...next, version, updatedAt: new Date(), updatedBy: actor } });
    if (moved.count !== 1) throw new AgreementChanged(row.number);
    await tx.slaVersion.create({ data: versionRow(row.id, version, next, actor) });
    return tx.sla.findUniqueOrThrow({ where: { id: row.id } });
  });
}

/**
 * The SLA in force for a service: the one scoped to it, else the default one (a retired
 * agreement is given to nothing new); null when there is neither.
 */
export async function agreementInForce(db: Db, serviceId: string | null): Promise<Sla | null> {
  // Read for every new incident: on the driver (db/sql.ts), not through Prisma's query compiler.
  const newest = async (where: string, params: SqlValue[]) => (await selectRows<Sla>(db, 'Sla', `SELECT * FROM "Sla" WHERE ${where} AND "retiredAt" IS NULL ORDER BY "createdAt" DESC LIMIT 1`, params))[0] ?? null;
  return (serviceId ? await newest(`"serviceId" = ? AND "kind" = 'SLA'`, [serviceId]) : null) ?? (await newest('"isDefault" = ?', [true]));
}

export async function agreementVersions(db: Db, slaId: string) {
  return db.slaVersion.findMany({ where: { slaId }, orderBy: { version: 'desc' } });
}

function chainAgreement(row: Sla): ChainAgreement {
  const t = slaTermsOf(row);
  return { id: row.id, name: row.name, kind: slaKindOf(row), calendar: t.calendar, targets: t.targets };
}

/**
 * Where the support chain of the agreement's service (the default SLA's for an agreement on no
 * service) cannot keep the SLA: computed when an agreement is saved, answered with it.
 */
export async function agreementWarnings(db: Db, row: Sla): Promise<SlaWarning[]> {
  const inForce = { retiredAt: null };
  const sla =
    row.serviceId === null
      ? await db.sla.findFirst({ where: { ...inForce, kind: 'SLA', isDefault: true }, orderBy: { createdAt: 'desc' } })
      : await db.sla.findFirst({ where: { ...inForce, kind: 'SLA', serviceId: row.serviceId }, orderBy: { createdAt: 'desc' } });
  if (!sla) return [];
  const chain = await db.sla.findMany({ where: { ...inForce, kind: { in: ['OLA', 'UC'] }, serviceId: row.serviceId }, orderBy: { createdAt: 'asc' } });
  return chainWarnings(row.serviceId, chainAgreement(sla), chain.map(chainAgreement));
}
