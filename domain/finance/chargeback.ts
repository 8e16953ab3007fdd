/**
 * A customer's chargeback statement for a month (pure). Each service the customer subscribes to
 * is one line: the subscription's agreed `monthlyCharge` when it has one (charged in full for
 * every month the subscription is in force for any part of), else the service's actual cost that
 * month shared by usage: the customer's incidents on the service over all incidents on it (none
 * on it: nothing to share, a zero line). Subscriptions carry no currency: a monthly charge is in
 * DEFAULT_CURRENCY; a usage share keeps each currency the service's costs are in.
 */
import { roundCents } from '../cmdb/depreciation';
import { monthBounds } from './months';

export const DEFAULT_CURRENCY = 'EUR';

export interface SubscriptionTerms {
  serviceId: string;
  monthlyCharge: number | null;
  since: number;
  until: number | null;
}

export interface ServiceUsage {
  /** Incidents opened on the service in the month: the customer's, and everyone's. */
  customer: number;
  all: number;
  /** The service's actual cost that month, per currency. */
  cost: { currency: string; amount: number }[];
}

export interface ChargebackLineFigures {
  serviceId: string;
  basis: 'subscription' | 'usage';
  customerIncidents: number | null;
  serviceIncidents: number | null;
  serviceCost: number | null;
  amount: number;
  currency: string;
}

export const inForce = (s: Pick<SubscriptionTerms, 'since' | 'until'>, month: string) => {
  const { start, end } = monthBounds(month);
  return s.since < end && (s.until === null || s.until > start);
};

export function chargebackLines(subscriptions: SubscriptionTerms[], month: string, usageOf: (serviceId: string) => ServiceUsage): ChargebackLineFigures[] {
  const lines: ChargebackLineFigures[] = [];
  for (const s of subscriptions.filter((x) => inForce(x, month))) {
    if (s.monthlyCharge !== null) {
      lines.push({ serviceId: s.serviceId, basis: 'subscription', customerIncidents: null, serviceIncidents: null, serviceCost: null, amount: roundCents(s.monthlyCharge), currency: DEFAULT_CURRENCY });
      continue;
    }
    const u = usageOf(s.serviceId);
    const costs = u.cost.length ? u.cost : [{ currency: DEFAULT_CURRENCY, amount: 0 }];
    for (const c of costs) {
      const share = u.all > 0 ? (c.amount * u.customer) / u.all : 0;
      lines.push({ serviceId: s.serviceId, basis: 'usage', customerIncidents: u.customer, serviceIncidents: u.all, serviceCost: roundCents(c.amount), amount: roundCents(share), currency: c.currency });
    }
  }
  return lines;
}

export function totals(lines: Pick<ChargebackLineFigures, 'amount' | 'currency'>[]): { currency: string; amount: number }[] {
  const by = new Map<string, number>();
  for (const l of lines) by.set(l.currency, (by.get(l.currency) ?? 0) + l.amount);
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, amount]) => ({ currency, amount: roundCents(amount) }));
}
