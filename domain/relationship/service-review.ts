/**
 * Service reviews: the agenda a customer's review is generated with (per subscribed service,
 * the period's SLA attainment, availability against target and satisfaction; the actions still
 * open from earlier reviews), and when a review action is overdue.
 */
import type { SatisfactionRow } from './satisfaction';

export interface AgendaSla {
  due: number;
  met: number;
  breached: number;
  attainmentPct: number | null;
}
export interface AgendaAvailability {
  availability: number | null;
  target: number | null;
  meetsTarget: boolean | null;
  outages: number;
}
export interface AgendaService {
  serviceId: string;
  label: string;
  sla: AgendaSla | null;
  availability: AgendaAvailability | null;
  satisfaction: Omit<SatisfactionRow, 'key'> | null;
}
export interface Agenda {
  periodFrom: string;
  periodTo: string;
  services: AgendaService[];
  satisfaction: Omit<SatisfactionRow, 'key'> | null;
  openActions: { id: string; title: string; owner: string; dueAt: string | null; overdue: boolean }[];
  /** The points to discuss, in order: breaches and missed targets first. */
  items: string[];
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100) / 100}%`);

/** The talking points, from the figures: what fell short first, then each service's standing, then the open actions. */
export function agendaItems(a: Omit<Agenda, 'items'>): string[] {
  const short: string[] = [];
  const standing: string[] = [];
  for (const s of a.services) {
    if (s.sla && s.sla.breached > 0) short.push(`${s.label}: ${s.sla.breached} of ${s.sla.due} resolution targets breached (attainment ${pct(s.sla.attainmentPct)})`);
    if (s.availability?.meetsTarget === false) short.push(`${s.label}: availability ${pct(s.availability.availability)} below its target ${pct(s.availability.target)}`);
    if (s.satisfaction?.csat !== null && s.satisfaction !== null && s.satisfaction.csat < 0.8) short.push(`${s.label}: satisfaction ${Math.round(s.satisfaction.csat! * 100)}% (${s.satisfaction.responses} responses)`);
    standing.push(`${s.label}: SLA ${pct(s.sla?.attainmentPct ?? null)}, availability ${pct(s.availability?.availability ?? null)}, CSAT ${s.satisfaction?.csat == null ? 'n/a' : `${Math.round(s.satisfaction.csat * 100)}%`}`);
  }
  const actions = a.openActions.map((x) => `Open action${x.overdue ? ' (overdue)' : ''}: ${x.title} (${x.owner})`);
  return [...short, ...standing, ...actions];
}

/** An action is overdue while open past its due date. */
export const isOverdue = (a: { state: string; dueAt: number | null }, now: number) => a.state === 'open' && a.dueAt !== null && a.dueAt < now;
