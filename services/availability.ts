/**
 * Availability of a service (issue 11): its recorded outages and the planned windows of the
 * changes on it or on what it depends on, measured against its agreement by the pure arithmetic
 * of domain/reports/availability.ts. The report route, the at-risk check after each outage and
 * scheduled runs all compute it here.
 *
 * Outages count whichever incident recorded them, restricted or not: the service was down for
 * everyone, and only the desk and managers read the report.
 */
import { agreementInForce } from './agreements';
import type { Db } from '../db/client';
import type { Sla } from '../generated/prisma-sqlite/client';
import { findCi } from '../db/ci-store';
import { slaCalendarOf } from '../db/columns';
import { walkImpact } from '../db/impact';
import { availability, type AvailabilityFigures } from '../domain/reports/availability';
import type { AvailabilityQuery, AvailabilityReport } from '../domain/schemas/availability';
import type { Calendar } from '../domain/calendar';
import { ValidationFailed } from './errors';
import type { IncidentFilter } from './reports';

/** How far a service's dependencies are followed for the changes that take it down (as incident intake follows a CI to its service). */
const DEPENDENCY_DEPTH = 6;
/** Changes whose window is planned downtime: approved and not withdrawn (held ones wait outside a freeze, rejected and cancelled never ran). */
const PLANNED_STATES = ['approved', 'scheduled', 'implementing', 'implemented', 'failed', 'reviewed', 'closed'];
const MAX_RANGE_DAYS = 366;
const DAY = 86_400_000;

/** The agreement a service's availability is measured against: its SLA in force, else the default one. */
export const serviceAgreement = (db: Db, serviceId: string): Promise<Sla | null> => agreementInForce(db, serviceId);

interface Period {
  from: number;
  to: number;
}

/** The changes whose implementation window overlaps the period, on the service or a CI it depends on. */
async function plannedChanges(db: Db, serviceId: string, p: Period) {
  const upstream = (await walkImpact(db, serviceId, { depth: DEPENDENCY_DEPTH, direction: 'upstream' })).all().map((r) => r.id);
  const links = await db.changeCi.findMany({ where: { ciId: { in: [serviceId, ...upstream] } }, select: { changeId: true } });
  if (links.length === 0) return [];
  return db.change.findMany({
    where: { id: { in: [...new Set(links.map((l) => l.changeId))] }, state: { in: PLANNED_STATES }, plannedStart: { lt: new Date(p.to) }, plannedEnd: { gt: new Date(p.from) } },
    select: { id: true, number: true, title: true, plannedStart: true, plannedEnd: true },
    orderBy: { plannedStart: 'asc' },
  });
}

async function recordedOutages(db: Db, serviceId: string, p: Period) {
  const rows = await db.outage.findMany({
    where: { serviceId, kind: 'unplanned', start: { lt: new Date(p.to) }, OR: [{ end: null }, { end: { gt: new Date(p.from) } }] },
    orderBy: { start: 'asc' },
  });
  const incidentIds = rows.flatMap((r) => (r.incidentId ? [r.incidentId] : []));
  const incidents = incidentIds.length ? await db.incident.findMany({ where: { id: { in: incidentIds } }, select: { id: true, number: true } }) : [];
  const numberOf = new Map(incidents.map((i) => [i.id, i.number]));
  return rows.map((r) => ({ ...r, incidentNumber: r.incidentId ? (numberOf.get(r.incidentId) ?? null) : null }));
}

/** The outages as a caller sees them: all count, but an incident the caller may not see (a security incident, say) is not named. */
async function namingVisibleIncidents<O extends { incidentId: string | null; incidentNumber: string | null }>(db: Db, outages: O[], scope: IncidentFilter): Promise<O[]> {
  const ids = outages.flatMap((o) => (o.incidentId ? [o.incidentId] : []));
  const visible = new Set(ids.length ? (await db.incident.findMany({ where: { AND: [{ id: { in: ids } }, scope] }, select: { id: true } })).map((i) => i.id) : []);
  return outages.map((o) => (o.incidentId && !visible.has(o.incidentId) ? { ...o, incidentId: null, incidentNumber: null } : o));
}

export interface ServiceAvailability {
  agreement: Sla | null;
  calendar: Calendar;
  figures: AvailabilityFigures;
  outages: Awaited<ReturnType<typeof recordedOutages>>;
  planned: Awaited<ReturnType<typeof plannedChanges>>;
}

/** The figures of one service in [from, to) as of `now`. */
export async function serviceAvailability(db: Db, serviceId: string, p: Period, now: number): Promise<ServiceAvailability> {
  const agreement = await serviceAgreement(db, serviceId);
  const calendar: Calendar = agreement ? slaCalendarOf(agreement) : '24x7';
  const [outages, planned] = [await recordedOutages(db, serviceId, p), await plannedChanges(db, serviceId, p)];
  const figures = availability({
    from: p.from,
    to: p.to,
    now,
    calendar,
    outages: outages.map((o) => ({ start: o.start.getTime(), end: o.end?.getTime() ?? null })),
    planned: planned.map((c) => ({ start: c.plannedStart.getTime(), end: c.plannedEnd.getTime() })),
    target: agreement?.availabilityTarget ?? null,
  });
  return { agreement, calendar, figures, outages, planned };
}

const iso = (ms: number) => new Date(ms).toISOString();
const minutes = (ms: number) => Math.round(ms / 600) / 100;

/** `GET /reports/availability`: the service and the period checked (400 naming the field), then the figures. */
export async function availabilityReport(db: Db, query: Pick<AvailabilityQuery, 'serviceId' | 'from' | 'to'>, now: number, scope: IncidentFilter): Promise<AvailabilityReport> {
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  if (!(to > from)) throw new ValidationFailed('to must be after from', [{ path: 'to', message: 'must be after from' }]);
  if (to - from > MAX_RANGE_DAYS * DAY) throw new ValidationFailed(`the range may span at most ${MAX_RANGE_DAYS} days`, [{ path: 'to', message: `the range may span at most ${MAX_RANGE_DAYS} days` }]);
  const service = await findCi(db, query.serviceId);
  if (!service) throw new ValidationFailed('serviceId does not exist', [{ path: 'serviceId', message: `no configuration item ${query.serviceId}` }]);
  if (service.class !== 'service') throw new ValidationFailed('serviceId must be a service', [{ path: 'serviceId', message: `${query.serviceId} is a ${service.class}, not a service` }]);
  const { agreement, figures: f, outages: all, planned } = await serviceAvailability(db, service.id, { from, to }, now);
  const outages = await namingVisibleIncidents(db, all, scope);
  return {
    serviceId: service.id,
    serviceNumber: service.number,
    serviceName: service.name,
    from: iso(from),
    to: iso(to),
    asOf: iso(f.asOf),
    generatedAt: iso(now),
    agreement: agreement ? { id: agreement.id, number: agreement.number, name: agreement.name } : null,
    availability: f.availability,
    projectedAvailability: f.projectedAvailability,
    target: f.target,
    meetsTarget: f.meetsTarget,
    agreedMs: f.agreedMs,
    downtimeMs: f.downtimeMs,
    downtimeMinutes: minutes(f.downtimeMs),
    plannedDowntimeMs: f.plannedDowntimeMs,
    plannedDowntimeMinutes: minutes(f.plannedDowntimeMs),
    outages: f.outages,
    mtbfMs: f.mtbfMs,
    mtrsMs: f.mtrsMs,
    mtbsiMs: f.mtbsiMs,
    records: {
      outages: outages.map((o) => ({ number: o.number, incidentId: o.incidentId, incidentNumber: o.incidentNumber, start: o.start.toISOString(), end: o.end?.toISOString() ?? null })),
      planned: planned.map((c) => ({ changeId: c.id, changeNumber: c.number, title: c.title, start: c.plannedStart.toISOString(), end: c.plannedEnd.toISOString() })),
    },
  };
}
