/**
 * A customer's service review: the agenda generated from the period's SLA, availability and
 * satisfaction figures for the services the customer subscribes to (the same report functions
 * the API and the scheduled reports use, as the system), stored once per scheduled action.
 */
import type { Db } from '../db/client';
import { isUniqueViolation } from '../db/people-store';
import { nextNumber } from '../db/numbers';
import { REPORT_RUN_SCOPE } from '../domain/access';
import { agendaItems, isOverdue, type Agenda, type AgendaService } from '../domain/relationship/service-review';
import { satisfactionRows } from '../domain/relationship/satisfaction';
import type { ServiceReviewRecord } from '../domain/schemas/relationship';
import { newId } from '../infra/ids';
import { availabilityReport } from './availability';
import { computeSlaReport } from './reports';

export interface ProduceServiceReview {
  /** The scheduled action (workflow execution): a retried activity, or a second attempt, stores one review. */
  idempotencyKey: string;
  customerId: string;
  periodFrom: string;
  periodTo: string;
  asOf: number;
}

/** A satisfaction row without its grouping key (the agenda names the service itself). */
function withoutKey<R extends { key: unknown }>(r: R | undefined): Omit<R, 'key'> | null {
  if (!r) return null;
  const rest: Partial<R> = { ...r };
  delete rest.key;
  return rest as Omit<R, 'key'>;
}

export function serviceReviewView(row: { id: string; number: string; customerId: string; periodFrom: Date; periodTo: Date; state: string; agenda: string; createdAt: Date }): ServiceReviewRecord {
  return { id: row.id, number: row.number, customerId: row.customerId, periodFrom: row.periodFrom.toISOString(), periodTo: row.periodTo.toISOString(), state: row.state as 'open' | 'closed', agenda: JSON.parse(row.agenda) as Agenda, createdAt: row.createdAt.toISOString() };
}

/** The agenda of [from, to) for a customer, as of `asOf`. */
export async function reviewAgenda(db: Db, customerId: string, from: string, to: string, asOf: number): Promise<Agenda> {
  const start = new Date(from);
  const end = new Date(to);
  const subs = await db.subscription.findMany({ where: { customerId, since: { lt: end }, OR: [{ until: null }, { until: { gt: start } }] }, orderBy: { serviceId: 'asc' } });
  const serviceIds = subs.map((s) => s.serviceId);
  const labels = new Map((await db.configurationItem.findMany({ where: { id: { in: serviceIds } }, select: { id: true, number: true, name: true } })).map((c) => [c.id, `${c.number} ${c.name}`]));
  const sla = serviceIds.length ? await computeSlaReport(db, REPORT_RUN_SCOPE, { from, to, groupBy: 'service', atRisk: 'PT1H', kind: 'SLA' }, asOf) : { rows: [] };
  const facts = await db.survey.findMany({ where: { customerId, sentAt: { gte: start, lt: end } }, select: { serviceId: true, team: true, customerId: true, score: true } });
  const byService = new Map(satisfactionRows(facts, 'service').map((r) => [r.key, r]));
  const services: AgendaService[] = [];
  for (const serviceId of serviceIds) {
    const row = sla.rows.find((r) => r.key === serviceId);
    const availability = await availabilityReport(db, { serviceId, from, to }, asOf, REPORT_RUN_SCOPE);
    services.push({
      serviceId,
      label: labels.get(serviceId) ?? serviceId,
      sla: row ? { due: row.resolution.due, met: row.resolution.met, breached: row.resolution.breached, attainmentPct: row.resolution.attainmentPct } : null,
      availability: { availability: availability.availability, target: availability.target, meetsTarget: availability.meetsTarget, outages: availability.outages },
      satisfaction: withoutKey(byService.get(serviceId)),
    });
  }
  const open = await db.reviewAction.findMany({ where: { state: 'open', reviewId: { in: (await db.serviceReview.findMany({ where: { customerId }, select: { id: true } })).map((r) => r.id) } }, orderBy: { createdAt: 'asc' } });
  const agenda = {
    periodFrom: start.toISOString(),
    periodTo: end.toISOString(),
    services,
    satisfaction: withoutKey(satisfactionRows(facts, 'customer')[0]),
    openActions: open.map((a) => ({ id: a.id, title: a.title, owner: a.owner, dueAt: a.dueAt?.toISOString() ?? null, overdue: isOverdue({ state: a.state, dueAt: a.dueAt?.getTime() ?? null }, asOf) })),
  };
  return { ...agenda, items: agendaItems(agenda) };
}

/** Generates and stores the review, with a notification to the account manager; once per idempotency key. */
export async function produceServiceReview(db: Db, input: ProduceServiceReview): Promise<{ reviewId: string; number: string }> {
  const done = await db.serviceReview.findUnique({ where: { idempotencyKey: input.idempotencyKey } });
  if (done) return { reviewId: done.id, number: done.number };
  const customer = await db.customer.findUniqueOrThrow({ where: { id: input.customerId } });
  const agenda = await reviewAgenda(db, customer.id, input.periodFrom, input.periodTo, input.asOf);
  const id = newId('srv');
  try {
    return await db.$transaction(async (tx) => {
      const number = await nextNumber(tx, 'service_review');
      await tx.serviceReview.create({ data: { id, number, customerId: customer.id, periodFrom: new Date(input.periodFrom), periodTo: new Date(input.periodTo), agenda: JSON.stringify(agenda), state: 'open', idempotencyKey: input.idempotencyKey } });
      if (customer.accountManager) {
        await tx.notification.create({ data: { id: `ntf-${id}-0`, recordType: 'service_review', recordId: id, recipient: `user:${customer.accountManager}`, kind: 'service_review_ready', message: `Service review ${number} for ${customer.number} ${customer.name} (${input.periodFrom.slice(0, 10)} to ${input.periodTo.slice(0, 10)}): ${agenda.items.length} agenda items` } });
      }
      return { reviewId: id, number };
    });
  } catch (e) {
    // Two attempts at once: the other stored it.
    if (!isUniqueViolation(e)) throw e;
    const other = await db.serviceReview.findUniqueOrThrow({ where: { idempotencyKey: input.idempotencyKey } });
    return { reviewId: other.id, number: other.number };
  }
}
