/**
 * Trend detection's dry run on the real BPIC 2013 Volvo IT incident log: loads its 7,554
 * incidents into a temporary SQLite database and replays detection over the whole period
 * as a daily Schedule would have run it, printing what it would have opened.
 *
 *   npx tsx scripts/volvo-trends.ts [--window P7D] [--threshold 5] [--json out.json]
 *
 * Mapping: the incident opens at its first status change; its CI is its `Product` (the log
 * has no CMDB, so no dependencies); its category is the support team that first handled it
 * (`Involved ST`), the nearest the log has to a classification; no service.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadVolvoIncidents } from '../bench/volvo-log';
import { runTrendDetection, wouldOpen } from '../db/incident-trends';
import { parseIsoDuration } from '../domain/duration';
import { createTestDatabase } from '../test/support/database';

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const windowMs = parseIsoDuration(arg('--window') ?? 'P7D');
const threshold = Number(arg('--threshold') ?? 5);

async function main() {
  const incidents = loadVolvoIncidents();
  const tdb = await createTestDatabase('sqlite');
  const db = tdb.db;
  try {
    const products = [...new Set(incidents.map((i) => i.events[0].product))];
    await db.configurationItem.createMany({ data: products.map((p) => ({ id: `prod-${p}`, number: p, name: p, class: 'application', status: 'live' })) });
    const rows = incidents.map((i) => ({
      id: `inc-${i.srNumber}`,
      number: i.srNumber,
      workflowId: `incident-${i.srNumber}`,
      type: 'incident',
      title: `Volvo ${i.srNumber}`,
      impact: i.events[0].impact.toLowerCase(),
      urgency: 'medium',
      priority: 'P3',
      state: 'closed',
      ciId: `prod-${i.events[0].product}`,
      category: i.events[0].team,
      sla: '{}',
      openedAt: i.events[0].at,
      createdBy: 'volvo',
    }));
    for (let k = 0; k < rows.length; k += 2000) await db.incident.createMany({ data: rows.slice(k, k + 2000) });
    const times = rows.map((r) => r.openedAt.getTime());
    const from = Math.min(...times);
    const to = Math.max(...times) + 1;
    const t0 = performance.now();
    const report = await runTrendDetection(db, { from, to, windowMs, threshold, maxProblems: 1000 }, wouldOpen);
    const seconds = (performance.now() - t0) / 1000;
    const byKind = (k: string) => report.problems.filter((p) => p.kind === k);
    const linked = report.problems.reduce((n, p) => n + p.linked, 0);
    console.log(`Volvo BPIC 2013: ${rows.length} incidents on ${products.length} products, ${new Date(from).toISOString()} – ${new Date(to).toISOString()}`);
    console.log(`dry run: ${report.runs} daily runs, window ${arg('--window') ?? 'P7D'}, threshold ${threshold}, in ${seconds.toFixed(1)} s`);
    console.log(`would have opened ${report.problems.length} problems (by product ${byKind('ci').length}, by first team ${byKind('category').length}), linking ${linked} incidents (${((100 * linked) / rows.length).toFixed(1)}%)`);
    const top = [...report.problems].sort((a, b) => b.incidents - a.incidents).slice(0, 12);
    for (const p of top) console.log(`  ${p.window.to.slice(0, 10)}  ${String(p.incidents).padStart(4)}  ${p.title}`);
    const perMonth = new Map<string, number>();
    for (const p of report.problems) perMonth.set(p.window.to.slice(0, 7), (perMonth.get(p.window.to.slice(0, 7)) ?? 0) + 1);
    console.log(`per month: ${[...perMonth].map(([m, n]) => `${m}:${n}`).join(' ')}`);
    const json = arg('--json');
    if (json) writeFileSync(json, JSON.stringify(report, null, 2));
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
