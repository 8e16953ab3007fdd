/**
 * What-if simulation throughput: incidents re-clocked per second. The real Volvo IT log (7,554
 * incidents, 71,047 transitions; bench/volvo-lifecycle.ts) loaded into SQLite as incidents of a
 * 24x7 agreement with their audit trails, then simulated over the whole log page by page as the
 * simulation workflow's activities do (services/sla-simulation.ts: read a page of incidents and
 * their audit events, replay, tally), under business hours (Brussels, holidays) and 24x7; and the
 * replay alone, in memory, to show what the database reads cost. Median of the samples.
 * `--quick`: the first 1,000 incidents.
 *
 *   npx tsx bench/sla-simulation.ts [--quick] [--samples N]
 */
import { performance } from 'node:perf_hooks';
import { slaPolicyOf } from '../db/columns';
import { DEFAULT_TARGETS } from '../domain/sla/policy';
import { emptyTally, tallyIncidents, type SimulatedIncident } from '../domain/sla/simulation';
import { createAgreement } from '../services/agreements';
import { loadSimulatedIncidents, proposedPolicy, simulatePeriod } from '../services/sla-simulation';
import { createTestDatabase } from '../test/support/database';
import { mergeIntoLatest } from './support';
import { loadVolvoIncidents } from './volvo-log';
import { VOLVO_BUSINESS_HOURS, volvoLifecycle, writeLifecycles } from './volvo-lifecycle';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--samples');
  const samples = i >= 0 ? Number(argv[i + 1]) : quick ? 1 : 3;
  const incidents = loadVolvoIncidents().slice(0, quick ? 1000 : undefined);
  const tdb = await createTestDatabase('sqlite');
  try {
    const sla = await createAgreement(tdb.db, 'bench', { name: 'Volvo IT 24x7', kind: 'SLA', calendar: '24x7', targets: DEFAULT_TARGETS, pauseOn: ['awaiting_caller'], isDefault: true }, null);
    const lifecycles = incidents.map((inc, k) => volvoLifecycle(inc, { id: `inc-${inc.srNumber}`, number: `INC${String(k + 1).padStart(7, '0')}` }, slaPolicyOf(sla)));
    for (let k = 0; k < lifecycles.length; k += 250) await writeLifecycles(tdb.db, lifecycles.slice(k, k + 250));
    const opened = lifecycles.map((l) => l.snapshot.openedAt);
    const scope = { slaId: sla.id, from: Math.min(...opened), to: Math.max(...opened) + 1 };
    const asOf = Math.max(...lifecycles.map((l) => l.snapshot.updatedAt));
    const policies = { businessHours: proposedPolicy(sla, { calendar: VOLVO_BUSINESS_HOURS }), '24x7': proposedPolicy(sla, {}) };

    const rate = async (run: () => Promise<number>) => {
      const rates: number[] = [];
      for (let s = 0; s < samples; s++) {
        const t0 = performance.now();
        const n = await run();
        rates.push(n / ((performance.now() - t0) / 1000));
      }
      return Math.round(median(rates));
    };
    const throughDb = {
      businessHours: await rate(async () => (await simulatePeriod(tdb.db, scope, { policy: policies.businessHours, asOf, limit: 500 })).processed),
      '24x7': await rate(async () => (await simulatePeriod(tdb.db, scope, { policy: policies['24x7'], asOf, limit: 500 })).processed),
    };
    const loaded: SimulatedIncident[] = [];
    for (let page = await loadSimulatedIncidents(tdb.db, scope, null, 500); page.length; page = await loadSimulatedIncidents(tdb.db, scope, page[page.length - 1], 500)) loaded.push(...page);
    const inMemory = {
      businessHours: await rate(async () => tallyIncidents(emptyTally(), loaded, policies.businessHours, asOf).processed),
      '24x7': await rate(async () => tallyIncidents(emptyTally(), loaded, policies['24x7'], asOf).processed),
    };
    const result = { incidents: lifecycles.length, transitions: lifecycles.reduce((n, l) => n + l.transitions.length, 0), samples, incidentsPerSecond: { sqlite: throughDb, replayOnly: inMemory } };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `\nSLA simulation, ${result.incidents} real incidents (${result.transitions} transitions): SQLite pages ${throughDb.businessHours}/s on business hours, ${throughDb['24x7']}/s on 24x7; replay alone ${inMemory.businessHours}/s and ${inMemory['24x7']}/s (incidents re-clocked per second)`,
    );
    if (!quick) mergeIntoLatest({ sla_simulation_incidents_per_s: throughDb.businessHours, sla_simulation_24x7_incidents_per_s: throughDb['24x7'], sla_simulation_replay_only_incidents_per_s: inMemory.businessHours }, (m) => console.log(m));
  } finally {
    await tdb.dispose();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
