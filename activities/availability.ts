import { Prisma } from '../generated/prisma-sqlite/client';
import { toJson } from '../db/json';
import { slaCalendarOf, subscriptionEventsOf } from '../db/columns';
import { monthAround, projectedBreach, type AvailabilityFigures } from '../domain/reports/availability';
import { serviceAgreement, serviceAvailability } from '../services/availability';
import type { ActivityDeps } from './deps';
import { dispatchEvents, subscriptionMatches } from './webhooks';

export const AVAILABILITY_AT_RISK = 'service.availability.at_risk';

/** One event per service per month (the agreement's month): its id says which, so a second breach finds it and raises nothing. */
export const availabilityEventId = (serviceId: string, month: string) => `evt-availability-${serviceId}-${month}`;

/** Run by the incident workflow after an outage is recorded or ended (workflows/incident.ts). */
export function createAvailabilityActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * Projects this month's availability (downtime so far, the rest of the month up) against the
     * service's target and raises `service.availability.at_risk` through the outbox when it cannot
     * be met. Safe to repeat.
     */
    async checkServiceAvailability(input: { serviceId: string; at: number; incidentNumber: string }): Promise<{ atRisk: boolean; raised: boolean }> {
      const terms = await serviceAgreement(db, input.serviceId);
      if (terms?.availabilityTarget == null) return { atRisk: false, raised: false };
      const calendar = slaCalendarOf(terms);
      const month = monthAround(input.at, calendar === '24x7' ? 'UTC' : calendar.timezone);
      const { agreement, figures } = await serviceAvailability(db, input.serviceId, { from: month.start, to: month.end }, input.at);
      if (!projectedBreach(figures)) return { atRisk: false, raised: false };
      const id = availabilityEventId(input.serviceId, month.month);
      const raised = !(await db.outboxEvent.findUnique({ where: { id }, select: { id: true } })) && (await raise(id, month.month, agreement!.id, figures, input));
      // Also a retry's: an event raised by an attempt that failed before handing it on.
      await dispatchEvents(deps, [id]);
      if (raised) deps.log.info('service availability at risk', { serviceId: input.serviceId, month: month.month, projected: figures.projectedAvailability, target: figures.target });
      return { atRisk: true, raised };
    },
  };

  /** False when another outage of the service raised it meanwhile: once a month is once. */
  async function raise(id: string, month: string, agreementId: string, figures: AvailabilityFigures, input: { serviceId: string; at: number; incidentNumber: string }): Promise<boolean> {
    const service = await db.configurationItem.findUnique({ where: { id: input.serviceId }, select: { number: true, name: true } });
    const at = new Date(input.at);
    const subscriptions = await db.webhookSubscription.findMany({ where: { active: true }, select: { id: true, events: true } });
    const wanted = subscriptions.some((sub) => subscriptionMatches(subscriptionEventsOf(sub), AVAILABILITY_AT_RISK));
    const data = {
      serviceId: input.serviceId,
      serviceNumber: service?.number ?? null,
      serviceName: service?.name ?? null,
      month,
      agreementId,
      target: figures.target,
      projectedAvailability: figures.projectedAvailability,
      availability: figures.availability,
      downtimeMs: figures.downtimeMs,
      outages: figures.outages,
      incidentNumber: input.incidentNumber,
    };
    try {
      await db.outboxEvent.create({ data: { id, type: AVAILABILITY_AT_RISK, recordType: 'service', recordId: input.serviceId, occurredAt: at, data: toJson(data), dispatchedAt: wanted ? null : at } });
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') return false;
      throw e;
    }
    return true;
  }
}
export type AvailabilityActivities = ReturnType<typeof createAvailabilityActivities>;
