/**
 * The cost report at scale: 50 services, 2,000 depreciating assets each run on by one service
 * (found through the CMDB), 20,000 incidents with 100,000 entries of logged time over one year,
 * 200 supplier contracts and a budget per service and month, written straight to the database;
 * then the year's cost report by service and one month's by cost centre, as the route and the
 * month close compute it (services/finance.ts), on SQLite and PostgreSQL. `--quick`: a tenth.
 *
 *   npx tsx bench/finance.ts [--quick] [--sqlite|--postgres] [--samples N]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTestDatabase } from '../test/support/database';
import { costReport } from '../services/finance';
import { monthList } from '../domain/finance/months';
import { dist, seededRandom } from './support';

const YEAR_START = Date.parse('2025-01-01T00:00:00Z');
const YEAR_END = Date.parse('2026-01-01T00:00:00Z');
const ROLES = ['agent', 'problem_manager', 'change_manager'];

async function chunks<T>(rows: T[], size: number, write: (part: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += size) await write(rows.slice(i, i + size));
}

async function bench(provider: 'sqlite' | 'postgres', scale: number, samples: number) {
  const tdb = await createTestDatabase(provider);
  const db = tdb.db;
  const rnd = seededRandom(20261204);
  const t0 = performance.now();
  const services = Array.from({ length: 50 }, (_, i) => ({ id: `svc-b${i}`, number: `CI9${String(i).padStart(6, '0')}`, name: `Service ${i}`, class: 'service', status: 'live', costCentre: `CC-${i % 10}` }));
  const assets = Array.from({ length: 2_000 * scale }, (_, i) => ({
    id: `ast-b${i}`, number: `CI8${String(i).padStart(6, '0')}`, name: `Host ${i}`, class: 'server', status: 'live',
    purchaseDate: new Date(YEAR_START - Math.floor(rnd() * 700) * 86_400_000), cost: 1_000 + Math.floor(rnd() * 9_000), currency: 'EUR',
    depreciationMethod: rnd() < 0.5 ? 'straight_line' : 'declining_balance', depreciationYears: 3 + Math.floor(rnd() * 3), costCentre: rnd() < 0.3 ? 'CC-INFRA' : null,
  }));
  await chunks([...services, ...assets], 500, (data) => db.configurationItem.createMany({ data }));
  await chunks(assets.map((a, i) => ({ id: `rel-b${i}`, sourceId: services[i % services.length].id, targetId: a.id, type: 'runs_on', createdBy: 'bench' })), 500, (data) => db.ciRelationship.createMany({ data }));
  const incidents = Array.from({ length: 20_000 * scale }, (_, i) => ({
    id: `inc-b${i}`, number: `INC${String(i).padStart(7, '0')}`, workflowId: `incident-b${i}`, type: 'incident', title: 'Bench', impact: 'low', urgency: 'low', priority: 'P5', state: 'closed',
    serviceId: services[i % services.length].id, openedAt: new Date(YEAR_START + Math.floor(rnd() * (YEAR_END - YEAR_START))), sla: '{}', createdBy: 'bench',
  }));
  await chunks(incidents, 500, (data) => db.incident.createMany({ data }));
  const entries = Array.from({ length: 100_000 * scale }, (_, i) => {
    const inc = incidents[i % incidents.length];
    return { id: `aud-b${i}`, recordType: 'incident', recordId: inc.id, seq: 2 + Math.floor(i / incidents.length), at: new Date(inc.openedAt.getTime() + Math.floor(rnd() * 3_600_000)), actor: `usr-${ROLES[i % ROLES.length]}`, action: 'notes', data: '{}', timeSpent: 5 + Math.floor(rnd() * 120) };
  });
  await chunks(entries, 1_000, (data) => db.auditEvent.createMany({ data }));
  for (const [i, role] of ROLES.entries()) await db.labourRate.create({ data: { role, hourlyRate: 50 + 20 * i } });
  await chunks(Array.from({ length: 200 }, (_, i) => ({ id: `ctr-b${i}`, number: `CTR${String(i).padStart(7, '0')}`, workflowId: `contract-b${i}`, supplierId: 'sup-b', title: 'Bench', state: 'active', value: 12_000, startDate: new Date(YEAR_START - i * 86_400_000), endDate: new Date(YEAR_START + (365 - i) * 86_400_000 + 365 * 86_400_000), noticeDays: 30, renewal: 'manual', ownerGroup: 'bench', serviceId: services[i % services.length].id, detail: '{}', createdBy: 'bench' })), 100, (data) => db.contract.createMany({ data }));
  await chunks(services.flatMap((s, i) => monthList('2025-01', '2025-12').map((period) => ({ id: `bud-b${i}-${period}`, serviceId: s.id, period, amount: 20_000, createdBy: 'bench' }))), 500, (data) => db.budget.createMany({ data }));
  const loadS = (performance.now() - t0) / 1000;

  const time = async (q: Parameters<typeof costReport>[1], n: number) => {
    const ms: number[] = [];
    let rows = 0;
    for (let k = 0; k < n; k++) {
      const s = performance.now();
      rows = (await costReport(db, q, Date.now())).rows.length;
      ms.push(performance.now() - s);
    }
    return { ...dist(ms, 0), rows };
  };
  await time({ groupBy: 'service', from: '2025-01', to: '2025-12' }, 1); // warm-up (the CMDB graph is loaded once)
  const year = await time({ groupBy: 'service', from: '2025-01', to: '2025-12' }, samples);
  const month = await time({ groupBy: 'costCentre', from: '2025-06', to: '2025-06' }, samples);
  await tdb.dispose();
  return { provider, assets: assets.length, incidents: incidents.length, entries: entries.length, loadS: Math.round(loadS * 10) / 10, year, month };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--samples');
  const samples = i >= 0 ? Number(argv[i + 1]) : quick ? 3 : 10;
  (async () => {
    const results = [];
    if (!argv.includes('--postgres')) results.push(await bench('sqlite', quick ? 0.1 : 1, samples));
    if (!argv.includes('--sqlite')) {
      const pg = spawnSync('bash', [path.join(__dirname, '..', 'scripts', 'postgres-for-tests.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      process.env.TEST_POSTGRES_URL ??= pg.status === 0 ? pg.stdout.trim().split('\n').pop() : undefined;
      if (process.env.TEST_POSTGRES_URL) results.push(await bench('postgres', quick ? 0.1 : 1, samples));
      else console.log('PostgreSQL unavailable: SQLite only');
    }
    console.log(JSON.stringify(results, null, 2));
    console.log(results.map((r) => `${r.provider.padEnd(8)} ${r.entries} time entries, ${r.assets} assets: year by service p50 ${r.year.p50} / p99 ${r.year.p99} ms · a month by cost centre p50 ${r.month.p50} / p99 ${r.month.p99} ms`).join('\n'));
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
