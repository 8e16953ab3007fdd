/**
 * Trend detection over 100,000 incidents: `runTrendDetection` with the dry run's opener, i.e.
 * everything a scheduled run does except opening the problems (an update-with-start each,
 * measured by bench/run.ts): group counts in SQL, then the recount of each due group.
 *
 *   npx tsx bench/problem-trends.ts [--quick] [--postgres] [--count N] [--out result.json]
 *
 * A generated CMDB (hosts, applications running on them, services depending on
 * applications) and N incidents (default 100,000) with a skew towards a few CIs, categories
 * and services, in two shapes: all of them inside the 7-day window (the worst case: every
 * incident is counted), and spread over a year (a scheduled run's usual case). Goal: p99 of a
 * detection under 5 s on SQLite.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runTrendDetection, wouldOpen } from '../db/incident-trends';
import type { Db } from '../db/client';
import { createTestDatabase } from '../test/support/database';
import { dist, fmt, round, seededRandom } from './support';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const POSTGRES = argv.includes('--postgres');
const COUNT = Number(argv[argv.indexOf('--count') + 1] || 0) || (QUICK ? 20_000 : 100_000);
const RUNS = QUICK ? 5 : 20;
const GOAL_MS = 5_000;
const DAY = 86_400_000;
const WINDOW = 7 * DAY;
const outIdx = argv.indexOf('--out');

const HOSTS = 500;
const APPS = 1_500;
const SERVICES = 40;
const CATEGORIES = ['network', 'storage', 'database', 'email', 'printing', 'access', 'hardware', 'software', 'vpn', 'backup', 'dns', 'certificates', 'monitoring', 'erp', 'payroll', 'telephony', 'web', 'identity', 'security', 'middleware'];


async function seed(db: Db, spreadMs: number, end: number, random: () => number): Promise<void> {
  const ci = (id: string, cls: string) => ({ id, number: id.toUpperCase(), name: id, class: cls, status: 'live' });
  await db.configurationItem.createMany({
    data: [
      ...Array.from({ length: HOSTS }, (_, i) => ci(`host${i}`, 'server')),
      ...Array.from({ length: APPS }, (_, i) => ci(`app${i}`, 'application')),
      ...Array.from({ length: SERVICES }, (_, i) => ci(`svc${i}`, 'service')),
    ],
  });
  const rels = [
    ...Array.from({ length: APPS }, (_, i) => ({ id: `r-a${i}`, sourceId: `app${i}`, targetId: `host${i % HOSTS}`, type: 'runs_on', createdBy: 'bench' })),
    ...Array.from({ length: APPS }, (_, i) => ({ id: `r-s${i}`, sourceId: `svc${i % SERVICES}`, targetId: `app${i}`, type: 'depends_on', createdBy: 'bench' })),
  ];
  await db.ciRelationship.createMany({ data: rels });
  const skew = (n: number) => Math.floor(n * random() ** 3);
  const BATCH = 5_000;
  for (let start = 0; start < COUNT; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(COUNT, start + BATCH); i++) {
      const onApp = random() < 0.7;
      const n = String(i + 1).padStart(7, '0');
      rows.push({
        id: `inc_${n}`,
        number: `INC${n}`,
        workflowId: `incident-INC${n}`,
        type: 'incident',
        title: 'bench',
        impact: 'low',
        urgency: 'low',
        priority: 'P4',
        state: 'closed',
        ciId: random() < 0.9 ? (onApp ? `app${skew(APPS)}` : `host${skew(HOSTS)}`) : null,
        serviceId: random() < 0.5 ? `svc${skew(SERVICES)}` : null,
        category: random() < 0.95 ? CATEGORIES[skew(CATEGORIES.length)] : null,
        sla: '{}',
        openedAt: new Date(end - 1 - Math.floor(random() * (spreadMs - 1))),
        createdBy: 'bench',
      });
    }
    await db.incident.createMany({ data: rows });
  }
}

async function scenario(name: string, spreadMs: number) {
  const tdb = await createTestDatabase(POSTGRES ? 'postgres' : 'sqlite');
  const db = tdb.db;
  try {
    const end = Date.parse('2026-06-01T00:00:00Z');
    const t0 = performance.now();
    await seed(db, spreadMs, end, seededRandom(11));
    const seedS = (performance.now() - t0) / 1000;
    const inWindow = await db.incident.count({ where: { openedAt: { gte: new Date(end - WINDOW), lt: new Date(end) } } });
    const params = { from: end - WINDOW, to: end, windowMs: WINDOW, threshold: 5 };
    const ms: number[] = [];
    let last = await runTrendDetection(db, params, wouldOpen); // warm
    for (let r = 0; r < RUNS; r++) {
      const a = performance.now();
      last = await runTrendDetection(db, params, wouldOpen);
      ms.push(performance.now() - a);
    }
    const d = dist(ms);
    const out = {
      scenario: name,
      incidents: COUNT,
      inWindow,
      seedSeconds: round(seedS, 1),
      runs: RUNS,
      detectionMs: d,
      wouldOpen: last.problems.length,
      byKind: Object.fromEntries(['ci', 'service', 'category'].map((k) => [k, last.problems.filter((p) => p.kind === k).length])),
      skipped: last.skipped.length,
      deferred: last.deferred,
      p99RatioToGoal: round(d.p99 / GOAL_MS, 3),
    };
    console.log(`  ${name}: ${inWindow.toLocaleString()} of ${COUNT.toLocaleString()} incidents in the window; detection p50 ${fmt(d.p50, 0)} ms  p99 ${fmt(d.p99, 0)} ms  max ${fmt(d.max, 0)} ms (${RUNS} runs; goal < ${GOAL_MS} ms: p99 ratio ${out.p99RatioToGoal})`);
    console.log(`    would open ${out.wouldOpen} (ci ${out.byKind.ci}, service ${out.byKind.service}, category ${out.byKind.category}), ${out.skipped} due groups left empty by earlier ones, ${out.deferred} deferred to later runs`);
    return out;
  } finally {
    await tdb.dispose();
  }
}

async function main() {
  console.log(`Problem trend detection over ${COUNT.toLocaleString()} incidents on ${POSTGRES ? 'postgres' : 'sqlite'} (window P7D, threshold 5, ${HOSTS} hosts, ${APPS} applications, ${SERVICES} services, ${CATEGORIES.length} categories):`);
  const all = await scenario('all in the window', WINDOW);
  const year = await scenario('spread over a year', 365 * DAY);
  const result = { provider: POSTGRES ? 'postgres' : 'sqlite', goalMs: GOAL_MS, scenarios: [all, year] };
  if (outIdx >= 0) writeFileSync(argv[outIdx + 1], JSON.stringify(result, null, 2));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
