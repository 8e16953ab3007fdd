/**
 * What-if figures: each incident's recorded clock against its clock replayed under proposed terms
 * (./replay.ts), summed per priority, with the records whose outcome would flip. Counts add up
 * batch by batch (the simulation workflow pages through a period), so a tally is plain data.
 */
import { PRIORITIES, type Priority } from '../priority';
import type { SlaClock } from './clock';
import { outcomeOf, replayClock, type ClockOutcome, type ReplayedIncident, type ReplayPolicy } from './replay';

export type SimulatedClock = 'response' | 'resolution';
const CLOCKS: readonly SimulatedClock[] = ['response', 'resolution'];

/** Met: given in time; breached: given late or overdue now; pending: not given, not yet due. */
export interface OutcomeCounts {
  met: number;
  breached: number;
  pending: number;
}
export interface Tally {
  incidents: number;
  before: Record<SimulatedClock, OutcomeCounts>;
  after: Record<SimulatedClock, OutcomeCounts>;
}

export interface Flip {
  incidentId: string;
  number: string;
  priority: Priority;
  clock: SimulatedClock;
  before: { dueAt: string; breached: boolean };
  after: { dueAt: string; breached: boolean };
}

/** A batch's (or a whole period's) figures; `flips` holds at most the cap, `flipsTotal` counts them all. */
export interface SimulationTally {
  processed: number;
  byPriority: Partial<Record<Priority, Tally>>;
  flips: Flip[];
  flipsTotal: number;
}

/** Keyset position in a simulated period: incidents in opening order, ties by id. */
export interface SimulationCursor {
  openedAt: number;
  id: string;
}

/** The records listed as flipping: enough to read, bounded so a year of flips stays one row. */
export const FLIPS_CAP = 500;

export const emptyTally = (): SimulationTally => ({ processed: 0, byPriority: {}, flips: [], flipsTotal: 0 });
const noCounts = (): OutcomeCounts => ({ met: 0, breached: 0, pending: 0 });
const noTally = (): Tally => ({ incidents: 0, before: { response: noCounts(), resolution: noCounts() }, after: { response: noCounts(), resolution: noCounts() } });

function count(into: OutcomeCounts, o: ClockOutcome): void {
  if (o.breached) into.breached++;
  else if (o.metAt !== null) into.met++;
  else into.pending++;
}

export interface SimulatedIncident extends ReplayedIncident {
  id: string;
  number: string;
  /** The clock the workflow recorded (what happened). */
  recorded: SlaClock;
}

/** Adds incidents to a tally: recorded against replayed under `policy`, both as of `asOf`. */
export function tallyIncidents(tally: SimulationTally, incidents: readonly SimulatedIncident[], policy: ReplayPolicy, asOf: number): SimulationTally {
  // A JSON copy, not structuredClone: the workflow sandbox merges tallies too.
  const out: SimulationTally = JSON.parse(JSON.stringify(tally));
  for (const inc of incidents) {
    const before = outcomeOf(inc.recorded, asOf);
    const after = outcomeOf(replayClock(inc, policy), asOf);
    const t = (out.byPriority[inc.priority] ??= noTally());
    t.incidents++;
    for (const c of CLOCKS) {
      count(t.before[c], before[c]);
      count(t.after[c], after[c]);
      if (before[c].breached === after[c].breached) continue;
      out.flipsTotal++;
      if (out.flips.length < FLIPS_CAP) {
        out.flips.push({
          incidentId: inc.id,
          number: inc.number,
          priority: inc.priority,
          clock: c,
          before: { dueAt: new Date(before[c].dueAt).toISOString(), breached: before[c].breached },
          after: { dueAt: new Date(after[c].dueAt).toISOString(), breached: after[c].breached },
        });
      }
    }
    out.processed++;
  }
  return out;
}

function addCounts(a: OutcomeCounts, b: OutcomeCounts): OutcomeCounts {
  return { met: a.met + b.met, breached: a.breached + b.breached, pending: a.pending + b.pending };
}

/** Two tallies as one: counts summed, flips in order up to the cap. */
export function mergeTallies(a: SimulationTally, b: SimulationTally): SimulationTally {
  const byPriority: Partial<Record<Priority, Tally>> = {};
  for (const p of PRIORITIES) {
    const x = a.byPriority[p];
    const y = b.byPriority[p];
    if (!x || !y) {
      if (x ?? y) byPriority[p] = JSON.parse(JSON.stringify(x ?? y));
      continue;
    }
    const sum = (side: 'before' | 'after') => ({ response: addCounts(x[side].response, y[side].response), resolution: addCounts(x[side].resolution, y[side].resolution) });
    byPriority[p] = { incidents: x.incidents + y.incidents, before: sum('before'), after: sum('after') };
  }
  return { processed: a.processed + b.processed, byPriority, flips: [...a.flips, ...b.flips].slice(0, FLIPS_CAP), flipsTotal: a.flipsTotal + b.flipsTotal };
}

/** Percent met of those decided (met or breached), two decimals; none decided: null. */
export function attainment(c: OutcomeCounts): number | null {
  const decided = c.met + c.breached;
  return decided === 0 ? null : Math.round((c.met / decided) * 10_000) / 100;
}

export interface ClockComparison {
  incidents: number;
  before: OutcomeCounts & { attainment: number | null };
  after: OutcomeCounts & { attainment: number | null };
}
export interface SimulationResult {
  byPriority: { priority: Priority; response: ClockComparison; resolution: ClockComparison }[];
  total: { incidents: number; response: ClockComparison; resolution: ClockComparison };
  flips: Flip[];
  flipsTotal: number;
}

/** The figures as the API answers them: attainment per priority and over all, before and after. */
export function simulationResult(t: SimulationTally): SimulationResult {
  const compare = (incidents: number, before: OutcomeCounts, after: OutcomeCounts): ClockComparison => ({
    incidents,
    before: { ...before, attainment: attainment(before) },
    after: { ...after, attainment: attainment(after) },
  });
  const rows = PRIORITIES.flatMap((p) => {
    const x = t.byPriority[p];
    return x ? [{ priority: p, response: compare(x.incidents, x.before.response, x.after.response), resolution: compare(x.incidents, x.before.resolution, x.after.resolution) }] : [];
  });
  const all = Object.values(t.byPriority).reduce<Tally>(
    (s, x) => ({
      incidents: s.incidents + x.incidents,
      before: { response: addCounts(s.before.response, x.before.response), resolution: addCounts(s.before.resolution, x.before.resolution) },
      after: { response: addCounts(s.after.response, x.after.response), resolution: addCounts(s.after.resolution, x.after.resolution) },
    }),
    noTally(),
  );
  return {
    byPriority: rows,
    total: { incidents: all.incidents, response: compare(all.incidents, all.before.response, all.after.response), resolution: compare(all.incidents, all.before.resolution, all.after.resolution) },
    flips: t.flips,
    flipsTotal: t.flipsTotal,
  };
}
