/**
 * Whether a service's support chain can keep its SLA: an incident may pass through every
 * group with an OLA on the service and wait on every supplier with a UC, one after the other,
 * so the chain's resolution targets added up must fit inside the SLA's, per priority; and no
 * group may have longer to acknowledge than the SLA gives. Durations are compared as written
 * (business time where the agreements' calendars differ is left to the reader, said in the message).
 */
import { parseIsoDuration } from '../duration';
import { PRIORITIES, type Priority } from '../priority';
import type { Calendar } from '../calendar';
import type { ClockTargets } from './policy';
import type { SlaWarning } from '../schemas/sla';

export interface ChainAgreement {
  id: string;
  name: string;
  kind: 'SLA' | 'OLA' | 'UC';
  calendar: Calendar;
  targets: Record<Priority, ClockTargets>;
}

const sameCalendar = (a: Calendar, b: Calendar) => JSON.stringify(a) === JSON.stringify(b);

export function chainWarnings(serviceId: string | null, sla: ChainAgreement, chain: readonly ChainAgreement[]): SlaWarning[] {
  const out: SlaWarning[] = [];
  const mixed = chain.some((a) => !sameCalendar(a.calendar, sla.calendar)) ? ' (their calendars differ: compared as written)' : '';
  for (const p of PRIORITIES) {
    const slaTarget = sla.targets[p].resolution;
    const total = chain.reduce((sum, a) => sum + parseIsoDuration(a.targets[p].resolution), 0);
    if (chain.length > 0 && total > parseIsoDuration(slaTarget)) {
      out.push({
        code: 'chain_exceeds_sla',
        serviceId,
        priority: p,
        sla: { id: sla.id, name: sla.name, target: slaTarget },
        chain: chain.map((a) => ({ id: a.id, name: a.name, kind: a.kind, target: a.targets[p].resolution })),
        message: `${p}: the OLA and UC resolution targets add up to ${Math.round(total / 60_000)} min, longer than the ${sla.name} resolution target ${slaTarget}${mixed}`,
      });
    }
    for (const a of chain) {
      if (a.kind !== 'OLA' || parseIsoDuration(a.targets[p].response) <= parseIsoDuration(sla.targets[p].response)) continue;
      out.push({
        code: 'ola_response_exceeds_sla',
        serviceId,
        priority: p,
        sla: { id: sla.id, name: sla.name, target: sla.targets[p].response },
        chain: [{ id: a.id, name: a.name, kind: a.kind, target: a.targets[p].response }],
        message: `${p}: ${a.name} gives its group ${a.targets[p].response} to acknowledge, longer than the ${sla.name} response target ${sla.targets[p].response}${mixed}`,
      });
    }
  }
  return out;
}
