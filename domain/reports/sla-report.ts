
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
  /** The assignment group (SLA), the clock's team (OLA) or its supplier (UC). */
  group: string | null;
  /** Only an underpinning contract's clock has one. */
  supplier?: string | null;
  /** The agreement (an SLA's, OLA's or UC's id). */
  slaId: string;
  /** The clock still runs (SLA: the incident is open; OLA/UC: the clock has not stopped). */
  open: boolean;
  /** When the clock started (SLA: the incident opened). */
  openedAt: number;
  /** Null for a clock without a response target (a UC). */
  responseDueAt: number | null;
  respondedAt: number | null;
  /** Null while the clock is paused (its due time moves). */
  resolutionDueAt: number | null;
  resolvedAt: number | null;
  /** Wall time paused (finished pauses). */
  pausedMs: number;
  /** Business time to respond / to resolve (pauses left out), once given: the clock's columns (domain/sla/clock.ts clockColumns); an OLA's row keeps none for its response. */
  responseBusinessMs: number | null;
  resolutionBusinessMs: number | null;
}

/** `supplier` groups underpinning contracts' clocks only: nothing else has a supplier. */
export const SLA_GROUP_BY = ['service', 'priority', 'group', 'agreement', 'month', 'supplier'] as const;
export type SlaGroupBy = (typeof SLA_GROUP_BY)[number];

/** Which agreement's clocks a report counts: the incident's SLA, the support groups' OLAs, the suppliers' UCs. */
export const AGREEMENT_KINDS = ['SLA', 'OLA', 'UC'] as const;
export type ReportKind = (typeof AGREEMENT_KINDS)[number];

/** Why a grouping does not apply to a kind of clock, or null when it does. */
export function groupByRefusal(kind: ReportKind, groupBy: SlaGroupBy): string | null {
  return groupBy === 'supplier' && kind !== 'UC' ? 'only with kind UC (an SLA or OLA clock has no supplier)' : null;
}

/** An incident in these states is open: its SLA clock runs. */
export const OPEN_STATES = ['new', 'assigned', 'in_progress', 'on_hold'] as const;

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
  /** Mean time inside the agreement's service hours, pauses left out; null where the clocks keep none (an OLA's response). */
  businessMs: number | null;
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
    case 'supplier':
      return f.supplier ?? null;
  }
}

export type ClockCounts = Omit<ClockFigures, 'attainmentPct'>;

/** Answered clocks: how many, their wall time in total, and their business time in total over the `businessN` that keep one. */
export interface DurationSums {
  n: number;
  wall: number;
  business: number;
  businessN: number;
}

/**
 * One group's tallies before means and percentages are taken: summed fact by fact here, and by
 * the database with GROUP BY (db/sla-aggregates.ts); `slaRows` finishes either, so both give the
 * same figures.
 */
export interface SlaTally {
  response: ClockCounts;
  resolution: ClockCounts;
  atRiskNow: number;
  mtta: DurationSums;
  mttr: DurationSums;
  pausedMs: number;
}

interface Acc extends SlaTally {
  records: NonNullable<SlaReportRow['records']>;
}

const counts = (): ClockCounts => ({ due: 0, met: 0, breached: 0, pending: 0 });
const sums = (): DurationSums => ({ n: 0, wall: 0, business: 0, businessN: 0 });

/** A group with nothing counted yet. */
export const emptyTally = (): SlaTally => ({ response: counts(), resolution: counts(), atRiskNow: 0, mtta: sums(), mttr: sums(), pausedMs: 0 });

function count(c: ClockCounts, o: Outcome) {
  c.due++;
  c[o]++;
}

function answered(m: DurationSums, wallMs: number, businessMs: number | null) {
  m.n++;
  m.wall += wallMs;
  if (businessMs !== null) {
    m.business += businessMs;
    m.businessN++;
  }
}

const pct = (c: ClockCounts) => (c.met + c.breached === 0 ? null : Math.round((1000 * c.met) / (c.met + c.breached)) / 10);
const mean = (m: DurationSums): Duration | null => (m.n === 0 ? null : { wallMs: Math.round(m.wall / m.n), businessMs: m.businessN === 0 ? null : Math.round(m.business / m.businessN) });

/** The report's rows from each group's tallies, null key last. */
export function slaRows(groups: Iterable<[string | null, SlaTally & { records?: Acc['records'] }]>, drill = false): SlaReportRow[] {
  return [...groups]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0))
    .map(([key, a]) => ({
      key,
      response: { ...a.response, attainmentPct: pct(a.response) },
      resolution: { ...a.resolution, attainmentPct: pct(a.resolution) },
      atRiskNow: a.atRiskNow,
      mtta: mean(a.mtta),
      mttr: mean(a.mttr),
      pausedMs: a.pausedMs,
      ...(drill ? { records: a.records ?? [] } : {}),
    }));
}

export function slaReport(facts: readonly SlaFact[], o: SlaReportOptions): SlaReportRow[] {
  const groups = new Map<string | null, Acc>();
  const acc = (key: string | null) => {
    let a = groups.get(key);
    if (!a) groups.set(key, (a = { ...emptyTally(), records: [] }));
    return a;
  };
  const inPeriod = (t: number | null): t is number => t !== null && t >= o.from && t < o.to;
  for (const f of facts) {
    if (inPeriod(f.responseDueAt)) {
      const a = acc(keyOf(f, o.groupBy, f.responseDueAt));
      const outcome = outcomeOf(f.responseDueAt, f.respondedAt, o.now);
      count(a.response, outcome);
      if (f.respondedAt !== null) answered(a.mtta, f.respondedAt - f.openedAt, f.responseBusinessMs);
      if (o.drill) a.records.push({ number: f.number, clock: 'response', dueAt: new Date(f.responseDueAt).toISOString(), outcome });
    }
    if (inPeriod(f.resolutionDueAt)) {
      const a = acc(keyOf(f, o.groupBy, f.resolutionDueAt));
      const outcome = outcomeOf(f.resolutionDueAt, f.resolvedAt, o.now);
      count(a.resolution, outcome);
      a.pausedMs += f.pausedMs;
      if (f.resolvedAt !== null) answered(a.mttr, f.resolvedAt - f.openedAt, f.resolutionBusinessMs);
      if (o.drill) a.records.push({ number: f.number, clock: 'resolution', dueAt: new Date(f.resolutionDueAt).toISOString(), outcome });
    }
    if (f.open && f.resolutionDueAt !== null && f.resolutionDueAt >= o.now && f.resolutionDueAt <= o.now + o.atRiskMs) {
      acc(keyOf(f, o.groupBy, f.resolutionDueAt)).atRiskNow++;
    }
  }
  return slaRows(groups, o.drill);
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
