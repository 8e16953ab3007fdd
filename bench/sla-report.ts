/**
 * The SLA report at scale: 100,000 incidents over one year on 5 services (three 24x7, two on
 * London business hours with holidays), their clocks made by the domain's clock code (answered,
 * paused, resolved on time or late), written straight to the database; then the report over
 * HTTP, a whole year grouped by month and one month grouped by service, on SQLite and on
 * PostgreSQL. Goal: p99 under 1 s for the year. `--quick`: 10,000 incidents.
 *
 *   npx tsx bench/sla-report.ts [--quick] [--sqlite|--postgres] [--samples N]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Calendar } from '../domain/calendar';
import * as clock from '../domain/sla/clock';
import { slaColumnsOf } from '../db/incident-store';
import { createTestDatabase } from '../test/support/database';
import { startApiOnly } from '../test/support/api-only';
import { mergeIntoLatest, seededRandom } from './support';

const H = 3_600_000;
const YEAR_START = Date.parse('2025-01-01T00:00:00Z');
const YEAR_END = Date.parse('2026-01-01T00:00:00Z');
const london: Calendar = { timezone: 'Europe/London', hours: { mon: ['09:00', '17:00'], tue: ['09:00', '17:00'], wed: ['09:00', '17:00'], thu: ['09:00', '17:00'], fri: ['09:00', '17:00'] }, holidays: ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26'] };
const SERVICES = [
  { id: 'svc-mail', calendar: '24x7' as Calendar },
  { id: 'svc-web', calendar: '24x7' as Calendar },
  { id: 'svc-vpn', calendar: '24x7' as Calendar },
  { id: 'svc-payroll', calendar: london },
  { id: 'svc-hr', calendar: london },
];
const TARGETS: Record<string, { response: string; resolution: string }> = {
  P1: { response: 'PT15M', resolution: 'PT4H' },
  P2: { response: 'PT30M', resolution: 'PT8H' },
  P3: { response: 'PT1H', resolution: 'P1D' },
  P4: { response: 'PT4H', resolution: 'P3D' },
  P5: { response: 'P1D', resolution: 'P5D' },
};
const GROUPS = ['service-desk', 'l2-support', 'l3-support', 'network', 'apps'];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const round = (x: number) => Math.round(x * 10) / 10;

async function bench(provider: 'sqlite' | 'postgres', incidents: number, samples: number) {
  const tdb = await createTestDatabase(provider);
  const rnd = seededRandom(20261204);
  const started = performance.now();
  const batch = 400;
  for (let i = 0; i < incidents; i += batch) {
    const rows = [];
    for (let j = i; j < Math.min(incidents, i + batch); j++) {
      const svc = SERVICES[j % SERVICES.length];
      const priority = `P${1 + Math.floor(rnd() * 5)}`;
      const openedAt = YEAR_START + Math.floor(rnd() * (YEAR_END - YEAR_START - 10 * 24 * H));
      let c = clock.startClock(openedAt, svc.calendar, TARGETS[priority]);
      const responseDue = clock.responseDueAt(c);
      c = clock.meetResponse(c, openedAt + Math.floor((responseDue - openedAt) * rnd() * 1.3));
      if (rnd() < 0.2) c = clock.resume(clock.pause(c, openedAt + H), openedAt + H + Math.floor(rnd() * 6 * H));
      const due = clock.resolutionDueAt(c, openedAt);
      const resolvedAt = openedAt + Math.floor((due - openedAt) * rnd() * 1.25);
      c = clock.meetResolution(c, resolvedAt);
      const n = String(j + 1).padStart(7, '0');
      rows.push({
        id: `inc-bench-${n}`,
        number: `INC${n}`,
        workflowId: `incident-INC${n}`,
        type: 'incident',
        title: `Bench incident ${n}`,
        impact: 'medium',
        urgency: 'medium',
        priority,
        state: 'closed',
        serviceId: svc.id,
        assignmentGroup: GROUPS[j % GROUPS.length],
        sla: JSON.stringify({ slaId: `sla-${svc.id}`, clock: c }),
        openedAt: new Date(openedAt),
        resolvedAt: new Date(resolvedAt),
        closedAt: new Date(resolvedAt + 3 * 24 * H),
        createdBy: 'bench',
        ...slaColumnsOf(`sla-${svc.id}`, c),
      });
    }
    await tdb.db.incident.createMany({ data: rows });
  }
  const loadMs = performance.now() - started;
  const http = await startApiOnly(tdb.db);
  const time = async (url: string, n: number) => {
    const ms: number[] = [];
    let body: { rows: { resolution: { due: number } }[] } | null = null;
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      const res = await fetch(http.base + url, { headers: { authorization: 'Bearer dev-agent' } });
      body = (await res.json()) as typeof body;
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
      ms.push(performance.now() - t0);
    }
    return { p50Ms: round(pct(ms, 50)), p99Ms: round(pct(ms, 99)), due: body!.rows.reduce((a, r) => a + r.resolution.due, 0) };
  };
  const yearUrl = `/reports/sla?from=${new Date(YEAR_START).toISOString()}&to=${new Date(YEAR_END).toISOString()}&groupBy=month`;
  const monthUrl = `/reports/sla?from=2025-06-01T00:00:00Z&to=2025-07-01T00:00:00Z&groupBy=service`;
  await time(yearUrl, 1); // warm-up
  const year = await time(yearUrl, samples);
  const month = await time(monthUrl, samples * 2);
  await http.close();
  await tdb.dispose();
  return { provider, incidents, loadS: round(loadMs / 1000), year, month };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--samples');
  const samples = i >= 0 ? Number(argv[i + 1]) : quick ? 5 : 20;
  const incidents = quick ? 10_000 : 100_000;
  (async () => {
    const results = [];
    if (!argv.includes('--postgres')) results.push(await bench('sqlite', incidents, samples));
    if (!argv.includes('--sqlite')) {
      const pg = spawnSync('bash', [path.join(__dirname, '..', 'scripts', 'postgres-for-tests.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      process.env.TEST_POSTGRES_URL ??= pg.status === 0 ? pg.stdout.trim().split('\n').pop() : undefined;
      if (process.env.TEST_POSTGRES_URL) results.push(await bench('postgres', incidents, samples));
      else console.log('PostgreSQL unavailable: SQLite only');
    }
    console.log(JSON.stringify(results, null, 2));
    console.log(['', `SLA report over HTTP, ${incidents} incidents in one year (goal: year p99 <= 1000 ms):`, ...results.map((r) => `${r.provider.padEnd(8)} year by month p50 ${r.year.p50Ms} / p99 ${r.year.p99Ms} ms (${r.year.due} resolutions due) · one month by service p50 ${r.month.p50Ms} / p99 ${r.month.p99Ms} ms (${r.month.due})`)].join('\n'));
    if (!quick) {
      const sqlite = results.find((r) => r.provider === 'sqlite');
      const pg = results.find((r) => r.provider === 'postgres');
      mergeIntoLatest(
        {
          ...(sqlite ? { sla_report_year_p99_ms: sqlite.year.p99Ms, sla_report_year_p99_ratio_to_goal: round(sqlite.year.p99Ms / 1000), sla_report_month_p99_ms: sqlite.month.p99Ms } : {}),
          ...(pg ? { sla_report_pg_year_p99_ms: pg.year.p99Ms, sla_report_pg_month_p99_ms: pg.month.p99Ms } : {}),
        },
        (m) => console.log(m),
      );
    }
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
