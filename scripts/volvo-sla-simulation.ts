/**
 * What-if on the real BPIC 2013 Volvo IT incident log: business hours against 24x7.
 *
 *   npx tsx scripts/volvo-sla-simulation.ts [--postgres] [--json out.json]
 *
 * Loads the log's 7,554 incidents into a temporary database (SQLite; PostgreSQL with --postgres
 * and TEST_POSTGRES_URL) as incidents of one 24x7 agreement with the default targets, each with
 * the audit trail its workflow would have recorded: the lifecycle (bench/volvo-log.ts maps the
 * log's status changes onto commands) goes through the incident lifecycle's own functions at the
 * logged times (bench/volvo-lifecycle.ts), and is written through the incident store and audit
 * rows as the transition activity writes them — not through workflows, which would take an hour
 * for 60,000 transitions and add nothing the SLA clock reads. Then it simulates the agreement
 * over the whole log with the pages the simulation workflow runs (services/sla-simulation.ts):
 * unchanged (nothing may flip), and on business hours.
 *
 * Business hours are an assumption, the log does not say: Volvo IT Belgium's office hours,
 * Monday to Friday 08:00–18:00 Europe/Brussels, Belgian public holidays 2010–2012 closed.
 * Priority from the log's impact (Major P1, High P2, Medium P3, Low P5; bench/volvo-log.ts);
 * a hold pauses when awaiting the user or customer (the agreement's default pauseOn).
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadVolvoIncidents } from '../bench/volvo-log';
import { VOLVO_BUSINESS_HOURS, volvoLifecycle, writeLifecycles } from '../bench/volvo-lifecycle';
import { slaPolicyOf } from '../db/columns';
import { DEFAULT_TARGETS } from '../domain/sla/policy';
import { simulationResult, type SimulationResult } from '../domain/sla/simulation';
import type { SimulationChanges } from '../domain/schemas/sla-simulation';
import { createAgreement } from '../services/agreements';
import { proposedPolicy, simulatePeriod } from '../services/sla-simulation';
import { createTestDatabase } from '../test/support/database';

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);

function table(title: string, r: SimulationResult): string {
  const pct = (v: number | null) => (v === null ? '  –   ' : `${v.toFixed(1).padStart(5)}%`);
  const lines = [title, 'priority  incidents  response before → after   resolution before → after'];
  for (const row of [...r.byPriority.map((x) => ({ ...x, label: x.priority })), { ...r.total, label: 'all', priority: 'all' }]) {
    lines.push(`${row.label.padEnd(8)}  ${String(row.response.incidents).padStart(9)}  ${pct(row.response.before.attainment)} → ${pct(row.response.after.attainment)}          ${pct(row.resolution.before.attainment)} → ${pct(row.resolution.after.attainment)}`);
  }
  lines.push(`records that flip: ${r.flipsTotal} (met → breached ${r.flips.filter((f) => f.after.breached).length} of the ${r.flips.length} listed)`);
  return lines.join('\n');
}

async function main() {
  const provider = argv.includes('--postgres') ? 'postgres' : 'sqlite';
  const incidents = loadVolvoIncidents();
  const tdb = await createTestDatabase(provider);
  const db = tdb.db;
  try {
    const sla = await createAgreement(db, 'volvo-log', { name: 'Volvo IT 24x7', kind: 'SLA', calendar: '24x7', targets: DEFAULT_TARGETS, pauseOn: ['awaiting_caller'], isDefault: true }, null);
    const policy = slaPolicyOf(sla);
    let t0 = performance.now();
    const lifecycles = incidents.map((inc, i) => volvoLifecycle(inc, { id: `inc-${inc.srNumber}`, number: `INC${String(i + 1).padStart(7, '0')}` }, policy));
    for (let k = 0; k < lifecycles.length; k += 250) await writeLifecycles(db, lifecycles.slice(k, k + 250));
    const transitions = lifecycles.reduce((n, l) => n + l.transitions.length, 0);
    const opened = lifecycles.map((l) => l.snapshot.openedAt);
    const scope = { slaId: sla.id, from: Math.min(...opened), to: Math.max(...opened) + 1 };
    const asOf = Math.max(...lifecycles.map((l) => l.snapshot.updatedAt));
    console.log(`Volvo BPIC 2013 on ${provider}: ${lifecycles.length} incidents, ${transitions} transitions, opened ${new Date(scope.from).toISOString()} – ${new Date(scope.to).toISOString()}, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const results: Record<string, SimulationResult> = {};
    for (const [name, changes] of [
      ['24x7 (unchanged)', {}],
      ['business hours (Mon–Fri 08:00–18:00 Europe/Brussels, Belgian holidays)', { calendar: VOLVO_BUSINESS_HOURS }],
    ] as [string, SimulationChanges][]) {
      t0 = performance.now();
      const tally = await simulatePeriod(db, scope, { policy: proposedPolicy(sla, changes), asOf, limit: 500 });
      const seconds = (performance.now() - t0) / 1000;
      results[name] = simulationResult(tally);
      console.log(`\n${table(`${name}: recorded (24x7) → simulated, ${tally.processed} incidents re-clocked in ${seconds.toFixed(1)} s (${Math.round(tally.processed / seconds)}/s)`, results[name])}`);
    }
    const json = arg('--json');
    if (json) writeFileSync(json, JSON.stringify(results, null, 2));
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
