
/**
 * Service level attainment from the incidents' recorded clocks: pure arithmetic, so the API, a
 * scheduled run and a regenerated past period give the same figures from the same records.
 *
 * A clock counts in the period its due time falls in. It is *met* when it was answered by its
 * due time, *breached* when answered late or still unanswered after it; one due in the period
 * but still running and not yet due is *pending*, left out of attainment (met ÷ decided).
 */
export interface SlaFact {
  number: string;
  serviceId: string | null;
  priority: string;
  group: string | null;
  slaId: string;
  open: boolean;
  openedAt: number;
  responseDueAt: number;
  respondedAt: number | null;
  /** Null while the clock is paused (its due time moves). */
  resolutionDueAt: number | null;
  resolvedAt: number | null;
  /** Wall time paused (finished pauses). */
  pausedMs: number;
  /** Business time to respond / to resolve (pauses left out), once given: the clock's columns (domain/sla/clock.ts clockColumns). */
  responseBusinessMs: number | null;
  resolutionBusinessMs: number | null;
}

export const SLA_GROUP_BY = ['service', 'priority', 'group', 'agreement', 'month'] as const;
export type SlaGroupBy = (typeof SLA_GROUP_BY)[number];

export type Outcome = 'met' | 'breached' | 'pending';

export interface ClockFigures {
  due: number;
  met: number;
  breached: number;
  pending: number;
  /** met ÷ (met + breached), in percent with one decimal; null when nothing was decided. */
  attainmentPct: number | null;
}

export interface Duration {
  /** Mean elapsed time. */
  wallMs: number;
  /** Mean time inside the agreement's service hours, pauses left out. */
  businessMs: number;
}

export interface SlaReportRow {
  key: string | null;
  response: ClockFigures;
  resolution: ClockFigures;
  /** Open now, clock running, due within the at-risk window and not yet breached. */
  atRiskNow: number;
  /** To acknowledge, over the responses due in the period that were given. */
  mtta: Duration | null;
  /** To resolve, over the resolutions due in the period that were given. */
  mttr: Duration | null;
  /** Wall time the resolutions due in the period spent paused, in total. */
  pausedMs: number;
  records?: { number: string; clock: 'response' | 'resolution'; dueAt: string; outcome: Outcome }[];
}

export interface SlaReportOptions {
  from: number;
  to: number;
  now: number;
  groupBy: SlaGroupBy;
  atRiskMs: number;
  drill?: boolean;
}

export function outcomeOf(dueAt: number, answeredAt: number | null, now: number): Outcome {
  if (answeredAt !== null) return answeredAt <= dueAt ? 'met' : 'breached';
  return now > dueAt ? 'breached' : 'pending';
}

const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);

function keyOf(f: SlaFact, groupBy: SlaGroupBy, dueAt: number): string | null {
  switch (groupBy) {
    case 'service':
      return f.serviceId;
    case 'priority':
      return f.priority;
    case 'group':
      return f.group;
    case 'agreement':
      return f.slaId;
    case 'month':
      return month(dueAt);
  }
}

interface Acc {
  response: ClockFigures;
  resolution: ClockFigures;
  atRiskNow: number;
  mtta: { n: number; wall: number; business: number };
  mttr: { n: number; wall: number; business: number };
  pausedMs: number;
  records: NonNullable<SlaReportRow['records']>;
}

const figures = (): ClockFigures => ({ due: 0, met: 0, breached: 0, pending: 0, attainmentPct: null });

function count(c: ClockFigures, o: Outcome) {
  c.due++;
  c[o]++;
}

const pct = (c: ClockFigures) => (c.met + c.breached === 0 ? null : Math.round((1000 * c.met) / (c.met + c.breached)) / 10);
const mean = (m: { n: number; wall: number; business: number }): Duration | null => (m.n === 0 ? null : { wallMs: Math.round(m.wall / m.n), businessMs: Math.round(m.business / m.n) });

export function slaReport(facts: readonly SlaFact[], o: SlaReportOptions): SlaReportRow[] {
  const groups = new Map<string | null, Acc>();
  const acc = (key: string | null) => {
    let a = groups.get(key);
    if (!a) groups.set(key, (a = { response: figures(), resolution: figures(), atRiskNow: 0, mtta: { n: 0, wall: 0, business: 0 }, mttr: { n: 0, wall: 0, business: 0 }, pausedMs: 0, records: [] }));
    return a;
  };
  const inPeriod = (t: number | null): t is number => t !== null && t >= o.from && t < o.to;
  for (const f of facts) {
    if (inPeriod(f.responseDueAt)) {
      const a = acc(keyOf(f, o.groupBy, f.responseDueAt));
      const outcome = outcomeOf(f.responseDueAt, f.respondedAt, o.now);
      count(a.response, outcome);
      if (f.respondedAt !== null) {
        a.mtta.n++;
        a.mtta.wall += f.respondedAt - f.openedAt;
        a.mtta.business += f.responseBusinessMs ?? 0;
      }
      if (o.drill) a.records.push({ number: f.number, clock: 'response', dueAt: new Date(f.responseDueAt).toISOString(), outcome });
    }
    if (inPeriod(f.resolutionDueAt)) {
      const a = acc(keyOf(f, o.groupBy, f.resolutionDueAt));
      const outcome = outcomeOf(f.resolutionDueAt, f.resolvedAt, o.now);
      count(a.resolution, outcome);
      a.pausedMs += f.pausedMs;
      if (f.resolvedAt !== null) {
        a.mttr.n++;
        a.mttr.wall += f.resolvedAt - f.openedAt;
        a.mttr.business += f.resolutionBusinessMs ?? 0;
      }
      if (o.drill) a.records.push({ number: f.number, clock: 'resolution', dueAt: new Date(f.resolutionDueAt).toISOString(), outcome });
    }
    if (f.open && f.resolutionDueAt !== null && f.resolutionDueAt >= o.now && f.resolutionDueAt <= o.now + o.atRiskMs) {
      acc(keyOf(f, o.groupBy, f.resolutionDueAt)).atRiskNow++;
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0))
    .map(([key, a]) => ({
      key,
      response: { ...a.response, attainmentPct: pct(a.response) },
      resolution: { ...a.resolution, attainmentPct: pct(a.resolution) },
      atRiskNow: a.atRiskNow,
      mtta: mean(a.mtta),
      mttr: mean(a.mttr),
      pausedMs: a.pausedMs,
      ...(o.drill ? { records: a.records } : {}),
    }));
}

/** Open incidents by age: the buckets a backlog report shows. */
export const AGE_BUCKETS = [
  { label: '<1d', maxMs: 86_400_000 },
  { label: '1-3d', maxMs: 3 * 86_400_000 },
  { label: '3-7d', maxMs: 7 * 86_400_000 },
  { label: '7-30d', maxMs: 30 * 86_400_000 },
  { label: '>30d', maxMs: Infinity },
] as const;

export function ageBucket(openedAt: number, now: number): string {
  const age = now - openedAt;
  return AGE_BUCKETS.find((b) => age < b.maxMs)!.label;
}
