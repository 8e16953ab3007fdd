/**
 * `npm run bench`: every benchmark, one after another in its own process (each starts
 * what it measures and exits cleanly). `--quick` is passed to each for a smoke run.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const quick = process.argv.includes('--quick') ? ['--quick'] : [];
const suites: [string, string[]][] = [
  ['incidents: throughput vs baseline, SLA timer lateness, API latency', ['bench/run.ts', ...quick]],
  ['CMDB: impact analysis on a generated layered CMDB', ['bench/cmdb-impact.ts', ...quick]],
  ['CMDB: CSV import rate', ['bench/cmdb-import.ts', ...quick]],
  ['problems: KEDB search over 10,000 known errors (ranked full-text)', ['bench/kedb-search.ts', ...quick]],
  ['problems: trend detection over 100,000 incidents (p50/p99 of a run)', ['bench/problem-trends.ts', ...quick]],
  ['changes: CAB decision latency (last vote → approved visible through the API) vs a bare signal → query', ['bench/cab.ts', ...quick]],
  ['releases: deployed through test, staging and production per minute vs a bare parent/children workflow; rollback of 3 environments', ['bench/release.ts', ...quick]],
  ['service reporting: the SLA report over 100,000 incidents in one year (p50/p99, SQLite and PostgreSQL)', ['bench/sla-report.ts', ...quick]],
  ['service levels: what-if simulation throughput over the real Volvo IT log (incidents re-clocked per second)', ['bench/sla-simulation.ts', ...quick]],
  ['monitoring events: a burst of events for 100 alert keys through the API, one incident per key, every event counted', ['bench/monitoring-burst.ts', ...quick]],
  ['financial management: the cost report over 100,000 logged time entries, 2,000 assets and 200 contracts (a year by service, a month by cost centre; SQLite and PostgreSQL)', ['bench/finance.ts', ...quick]],
  ['capacity: metric ingest through the API (points/s) and the forecast fit over 10,000 series', ['bench/capacity.ts', ...quick]],
];

let failed = 0;
for (const [title, args] of suites) {
  console.log(`\n=== ${title} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
