/**
 * Impact-analysis benchmark on a generated, layered CMDB, through the API over HTTP.
 *
 *   npx tsx bench/cmdb-impact.ts [--quick] [--samples N] [--sqlite | --postgres] [--out result.json]
 *
 * Runs on SQLite and then PostgreSQL in one run (TEST_POSTGRES_URL, else the local server
 * scripts/postgres-for-tests.sh starts; `--sqlite` or `--postgres` for one). On a fresh, migrated
 * database it generates services → applications (and databases) → VMs → hosts → storage and a
 * three-tier network (access → distribution → core), 100,000 CIs and 300,000 relationships
 * (--quick: 5,000 / 15,000), inserted with raw multi-row INSERTs together with the graph's change
 * log (the bench measures the query, not the loader). Then it times GET /api/v1/cis/:id/impact
 * (default depth 10, first page of 50, the counts and the nearest 100 services) for bottom CIs (storage arrays
 * and access switches), mid-tier CIs (hosts and databases) and, as the worst case, core switches
 * (on which everything depends), pages through a core switch's whole set checking each CI comes
 * exactly once, and times the answer right after a relationship was added through the API.
 * Without --quick it merges `cmdb_impact_p99_ms` (bottom CIs on SQLite) and the other p99s into
 * bench/results/latest.json.
 *
 * Mix per 100 CIs: 2 services, 12 applications, 4 databases, 60 VMs, 15 hosts, 4 storage,
 * 3 network devices (80% access, 18% distribution, 2% core). Relationships: every VM
 * hosted_on a host and backed_up_by a storage array; every VM runs one application or
 * database; hosts use 2 arrays and connect_to 2 access switches; applications depend_on 1–2
 * databases, front-end ones (70%) on a shared platform application, and 5% of the platform
 * ones on another platform application (a few cycles, as real data has); services depend_on the
 * applications (each application used by 1–3 services); storage connects_to an access switch;
 * access switches part_of a distribution switch, those part_of a core switch. Extra
 * backed_up_by links top the count up to exactly `relationships`. Seeded: reproducible.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Prisma } from '../generated/prisma-sqlite/client';
import type { Db } from '../db/client';
import { createTestDatabase } from '../test/support/database';
import { startApiOnly } from '../test/support/api-only';
import { GRAPH_COUNTER } from '../db/ci-graph';
import { mergeIntoLatest, seededRandom } from './support';
import v8 from 'node:v8';
import vm from 'node:vm';

/** A full collection, to weigh what stays on the heap (the flag can be set at run time; `gc` then exists in a new context). */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export interface ImpactBenchOptions {
  cis: number;
  relationships: number;
  /** Timed impact analyses of bottom CIs (storage and access switches), and as many of mid-tier CIs (hosts and databases). */
  samples: number;
  depth?: number;
  provider?: 'sqlite' | 'postgres';
  /** Core switches timed (worst case: everything depends on them), each once. 0 to skip. */
  worstCaseSamples?: number;
  log?: (line: string) => void;
}

export interface LatencyFigures {
  n: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

type Spread = { min: number; p50: number; max: number; mean: number };

export interface ImpactBenchResult {
  provider: 'sqlite' | 'postgres';
  cis: number;
  relationships: number;
  classes: Record<string, number>;
  generateMs: number;
  insertCisPerSec: number;
  insertRelationshipsPerSec: number;
  depth: number;
  /** The first request of the process: the graph read from the database into memory. */
  graphLoadMs: number;
  /** Live heap added by that first request, garbage collected before and after: the graph held in memory. */
  graphHeapMb: number;
  bottom: LatencyFigures & { affected: Spread; services: Spread };
  midTier: LatencyFigures & { affected: Spread; services: Spread };
  worstCase: (LatencyFigures & { ci: string; affected: number; services: number; pages: number; pageThroughMs: number }) | null;
  /** A relationship added through the API, then the next impact request (it replays the log). */
  afterChange: LatencyFigures;
}

/** The parts of GET /cis/:id/impact the benchmark reads. */
interface ImpactBody {
  counts: { total: number; byDistance: Record<string, number> };
  services: { id: string }[];
  servicesTotal: number;
  affected: { id: string; number: string }[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function latency(xs: number[]): LatencyFigures {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50Ms: round(pct(s, 50)), p90Ms: round(pct(s, 90)), p99Ms: round(pct(s, 99)), maxMs: round(s[s.length - 1]), meanMs: round(s.reduce((a, b) => a + b, 0) / (s.length || 1)) };
}
function spread(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], p50: pct(s, 50), max: s[s.length - 1], mean: round(s.reduce((a, b) => a + b, 0) / (s.length || 1), 1) };
}

/** The shared seeded PRNG (bench/support.ts), so every run builds the same CMDB. */
function rng(seed: number) {
  const next = seededRandom(seed);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

interface GenCi {
  id: string;
  number: string;
  name: string;
  class: string;
  attributes: Record<string, unknown>;
  naturalKey: string;
}
interface GenRel {
  sourceId: string;
  type: string;
  targetId: string;
}

/** The layered topology, as plain rows (ids are deterministic: `ci_<n>`). */
export function generateCmdb(cis: number, relationships: number, seed = 42) {
  const r = rng(seed);
  const mix: [string, number][] = [
    ['service', 0.02],
    ['application', 0.12],
    ['database', 0.04],
    ['virtual_machine', 0.6],
    ['server', 0.15],
    ['storage', 0.04],
    ['network_device', 0.03],
  ];
  const counts = mix.map(([cls, f]) => [cls, Math.max(1, Math.floor(cis * f))] as [string, number]);
  counts[3][1] += cis - counts.reduce((a, [, n]) => a + n, 0); // the rest are VMs
  const rows: GenCi[] = [];
  const byClass: Record<string, GenCi[]> = {};
  for (const [cls, n] of counts) {
    byClass[cls] = [];
    for (let i = 0; i < n; i++) {
      const k = rows.length + 1;
      const name = `${cls.replace('_', '-')}-${String(i + 1).padStart(6, '0')}`;
      const attributes: Record<string, unknown> =
        cls === 'server' || cls === 'virtual_machine' || cls === 'network_device'
          ? { hostname: name, ip: `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}` }
          : cls === 'storage'
            ? { serial: `SN${k}`, capacityTb: 100 }
            : cls === 'service'
              ? { criticality: r.pick(['low', 'medium', 'high', 'critical']) }
              : {};
      const key = (attributes.hostname ?? attributes.serial ?? name) as string;
      const ci = { id: `ci_${String(k).padStart(26, '0')}`, number: `CI${String(k).padStart(7, '0')}`, name, class: cls, attributes, naturalKey: `${cls}:${key.toLowerCase()}` };
      rows.push(ci);
      byClass[cls].push(ci);
    }
  }
  const nets = byClass.network_device;
  const core = nets.slice(0, Math.max(1, Math.round(nets.length * 0.02)));
  const dist = nets.slice(core.length, core.length + Math.max(1, Math.round(nets.length * 0.18)));
  const access = nets.slice(core.length + dist.length);
  if (access.length === 0) access.push(...dist);

  const rels: GenRel[] = [];
  const seen = new Set<string>();
  const add = (s: GenCi, type: string, t: GenCi) => {
    if (s.id === t.id) return false;
    const key = `${s.id}|${type}|${t.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    rels.push({ sourceId: s.id, type, targetId: t.id });
    return true;
  };
  const { service, application, database, virtual_machine: vms, server: hosts, storage } = byClass;
  /** An item of `xs` near relative position `f` (0..1), give or take `spread`: locality. */
  const near = <T>(xs: readonly T[], f: number, spread: number) =>
    xs[Math.min(xs.length - 1, Math.max(0, Math.floor(f * xs.length) + r.int(2 * spread + 1) - spread))];
  // Clusters of 8 hosts share 2 primary arrays and 2 access switches; 10% of the arrays are
  // the backup tier every VM is backed up to.
  const backupTier = storage.slice(0, Math.max(1, Math.round(storage.length * 0.1)));
  const primary = storage.length > backupTier.length ? storage.slice(backupTier.length) : storage;
  const clusters = Math.max(1, Math.ceil(hosts.length / 8));
  const clusterHosts = (k: number) => hosts.slice(k * 8, k * 8 + 8);
  // Network tiers and storage uplinks.
  for (const d of dist) add(d, 'part_of', r.pick(core));
  for (const a of access) add(a, 'part_of', r.pick(dist));
  for (const s of storage) add(s, 'connects_to', r.pick(access));
  for (let k = 0; k < clusters; k++) {
    for (const h of clusterHosts(k)) {
      for (let i = 0; i < 2; i++) add(h, 'uses', primary[(2 * k + i) % primary.length]);
      for (let i = 0; i < 2; i++) add(h, 'connects_to', access[(2 * k + i) % access.length]);
    }
  }
  // Workloads (applications, databases) live in a home cluster near their position; each VM
  // runs one workload (3 in 4 an application) and is hosted in the workload's home cluster.
  const homeCluster = (i: number, n: number) => Math.min(clusters - 1, Math.max(0, Math.floor((i / n) * clusters) + r.int(5) - 2));
  for (const v of vms) {
    const isApp = r.next() < 0.75;
    const list = isApp ? application : database;
    const i = r.int(list.length);
    add(v, 'hosted_on', r.pick(clusterHosts(homeCluster(i, list.length))));
    add(list[i], 'runs_on', v);
  }
  // Applications depend on 1–2 databases of their own area; front-end applications (70%) on a
  // shared platform application (30%); 5% of the platform ones on another (so cycles occur).
  const platform = application.slice(0, Math.max(1, Math.round(application.length * 0.3)));
  application.forEach((a, index) => {
    const n = 1 + r.int(2);
    for (let i = 0; i < n; i++) add(a, 'depends_on', near(database, index / application.length, 3));
    if (index >= platform.length) add(a, 'depends_on', r.pick(platform));
    else if (r.next() < 0.05) add(a, 'depends_on', r.pick(platform));
  });
  // Services depend on applications of their area: each application used by 1–3 services.
  application.forEach((a, index) => {
    const n = 1 + r.int(3);
    for (let i = 0; i < n; i++) add(near(service, index / application.length, 2), 'depends_on', a);
  });
  // Backups top the count up to exactly `relationships`: VMs in turn, backed_up_by the backup tier.
  for (let i = 0, guard = 0; rels.length < relationships && guard < relationships * 20; guard++) if (add(vms[i % vms.length], 'backed_up_by', r.pick(backupTier))) i++;
  if (rels.length > relationships) rels.length = relationships;
  return { cis: rows, relationships: rels, byClass, core, access };
}

async function insertBatches<T>(db: Db, items: T[], batch: number, table: string, columns: string[], values: (x: T) => unknown[]) {
  const head = Prisma.raw(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `);
  // Several batches per transaction: fewer commits, bounded statement size.
  const perTx = 10;
  for (let i = 0; i < items.length; i += batch * perTx) {
    const chunk = items.slice(i, i + batch * perTx);
    await db.$transaction(
      async (tx) => {
        for (let j = 0; j < chunk.length; j += batch) {
          const part = chunk.slice(j, j + batch).map((x) => Prisma.sql`(${Prisma.join(values(x))})`);
          await tx.$executeRaw(Prisma.sql`${head}${Prisma.join(part)}`);
        }
      },
      { timeout: 120_000, maxWait: 60_000 },
    );
  }
}

export async function benchImpact(opts: ImpactBenchOptions): Promise<ImpactBenchResult> {
  const log = opts.log ?? (() => {});
  const provider = opts.provider ?? 'sqlite';
  const depth = opts.depth ?? 10;
  const tdb = await createTestDatabase(provider);
  try {
    const db = tdb.db;
    const t0 = performance.now();
    const g = generateCmdb(opts.cis, opts.relationships);
    const tGen = performance.now();
    const now = new Date();
    await insertBatches(db, g.cis, 1000, 'ConfigurationItem', ['id', 'number', 'name', 'class', 'status', 'environment', 'attributes', 'naturalKey', 'version', 'createdAt', 'updatedAt'], (c) => [
      c.id, c.number, c.name, c.class, 'live', 'production', JSON.stringify(c.attributes), c.naturalKey, 1, now, now,
    ]);
    const tCis = performance.now();
    let k = 0;
    await insertBatches(db, g.relationships, 2000, 'CiRelationship', ['id', 'sourceId', 'targetId', 'type', 'createdBy', 'createdAt'], (rel) => [
      `rel_${String(++k).padStart(26, '0')}`, rel.sourceId, rel.targetId, rel.type, 'bench', now,
    ]);
    await db.counter.upsert({ where: { name: 'ci' }, create: { name: 'ci', value: g.cis.length }, update: { value: g.cis.length } });
    const tRels = performance.now();
    const generateMs = round(tRels - t0, 0);
    const classes = Object.fromEntries(Object.entries(g.byClass).map(([c, xs]) => [c, xs.length]));
    log(`generated ${g.cis.length} CIs and ${g.relationships.length} relationships on ${provider} in ${(generateMs / 1000).toFixed(1)} s ` +
      `(topology ${round(tGen - t0, 0)} ms, CIs ${round(tCis - tGen, 0)} ms, relationships ${round(tRels - tCis, 0)} ms)`);

    // The graph's change log, as the stores write it (db/ci-graph.ts): one `add` per relationship.
    let seq = 0;
    await insertBatches(db, g.relationships, 2000, 'CiGraphChange', ['seq', 'op', 'relId', 'sourceId', 'targetId', 'type', 'at', 'actor'], (rel) => [
      ++seq, 'add', `rel_${String(seq).padStart(26, '0')}`, rel.sourceId, rel.targetId, rel.type, now, 'bench',
    ]);
    await db.counter.upsert({ where: { name: GRAPH_COUNTER }, create: { name: GRAPH_COUNTER, value: seq }, update: { value: seq } });
    // What autovacuum would do after such a load (statistics, visibility map), done now rather than during the timing.
    if (provider === 'postgres') await db.$executeRawUnsafe('VACUUM ANALYZE');

    // The API itself (no engine needed for CMDB reads), timed over HTTP as a client sees it.
    const http = await startApiOnly(db);
    const base = http.base;
    const get = async (p: string) => {
      const res = await fetch(base + p, { headers: { authorization: 'Bearer dev-agent' } });
      const body = (await res.json()) as ImpactBody;
      if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    };
    const impact = (c: GenCi, qs = '') => get(`/cis/${c.id}/impact?depth=${depth}${qs}`);
    try {
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      const tLoad = performance.now();
      await impact(g.core[0]);
      const graphLoadMs = round(performance.now() - tLoad, 0);
      gc();
      const graphHeapMb = round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20, 0);
      log(`first request (the graph read into memory): ${graphLoadMs} ms, heap +${graphHeapMb} MB`);

      const r = rng(7);
      const timed = async (label: string, cis: GenCi[]) => {
        for (const c of cis.slice(0, Math.min(5, cis.length))) await impact(c); // warm-up
        const times: number[] = [];
        const affected: number[] = [];
        const services: number[] = [];
        for (const c of cis) {
          const t = performance.now();
          const body = await impact(c);
          times.push(performance.now() - t);
          affected.push(body.counts.total);
          services.push(body.servicesTotal);
        }
        const figures = { ...latency(times), affected: spread(affected), services: spread(services) };
        log(`${label}: ${cis.length} CIs, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms; ` +
          `reached p50 ${figures.affected.p50} (min ${figures.affected.min}, max ${figures.affected.max}), services p50 ${figures.services.p50} (max ${figures.services.max})`);
        return figures;
      };
      // Bottom CIs: storage arrays and access switches, alternating; mid-tier: hosts and databases, alternating. Seeded.
      const bottom = await timed(`impact (downstream, depth ${depth}, first page of 50) of bottom CIs`, Array.from({ length: opts.samples }, (_, i) => (i % 2 === 0 ? r.pick(g.byClass.storage) : r.pick(g.access))));
      const midTier = await timed('mid-tier CIs (hosts, databases)', Array.from({ length: opts.samples }, (_, i) => (i % 2 === 0 ? r.pick(g.byClass.server) : r.pick(g.byClass.database))));

      let worstCase: ImpactBenchResult['worstCase'] = null;
      const worstN = opts.worstCaseSamples ?? 50;
      if (worstN > 0) {
        const core = g.core[0];
        const wt: number[] = [];
        const first = await impact(core); // warm-up: the first large answers compile the serialisation paths
        // Every other core switch once: each a walk of its own (recent walks are kept per graph version, so repeating one would time the cache).
        for (const other of g.core.slice(1, 1 + worstN)) {
          const t = performance.now();
          await impact(other);
          wt.push(performance.now() - t);
        }
        // Every page of 500, checked: each CI exactly once, as many as counted.
        const seen = new Set<string>();
        let pages = 0;
        const tPages = performance.now();
        for (let cursor: string | null = ''; cursor !== null; ) {
          const body: ImpactBody = await impact(core, `&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
          pages++;
          for (const a of body.affected) {
            if (seen.has(a.id)) throw new Error(`${a.number} repeated on page ${pages}`);
            seen.add(a.id);
          }
          cursor = body.nextCursor;
        }
        const pageThroughMs = round(performance.now() - tPages, 0);
        if (seen.size !== first.counts.total) throw new Error(`paged ${seen.size} CIs, counted ${first.counts.total}`);
        worstCase = { ci: core.number, ...latency(wt), affected: first.counts.total, services: first.servicesTotal, pages, pageThroughMs };
        log(`worst case, ${wt.length} core switches: first page p50 ${worstCase.p50Ms} ms, p99 ${worstCase.p99Ms} ms; ${core.number} reaches ${worstCase.affected} CIs, ` +
          `${worstCase.services} services; all ${pages} pages of 500 in ${pageThroughMs} ms, each CI once`);
      }

      // A relationship through the API, then impact: the reader replays the log before walking.
      // Primary arrays (not the backup tier) have no VM at distance 1, so the new dependent adds one there.
      const at: number[] = [];
      for (let i = 0; i < 20; i++) {
        const vm = g.byClass.virtual_machine[i];
        const target = g.byClass.storage[g.byClass.storage.length - 1 - i];
        const before = (await impact(target)).counts.byDistance['1'] ?? 0;
        const res = await fetch(`${base}/cis/${vm.id}/relationships`, { method: 'POST', headers: { authorization: 'Bearer dev-admin', 'content-type': 'application/json' }, body: JSON.stringify({ type: 'depends_on', targetId: target.id }) });
        if (res.status !== 201) throw new Error(`POST relationship: ${res.status} ${await res.text()}`);
        const t = performance.now();
        const body = await impact(target);
        at.push(performance.now() - t);
        if ((body.counts.byDistance['1'] ?? 0) !== before + 1) throw new Error(`${target.number}'s impact misses the new dependent ${vm.number}`);
      }
      const afterChange = latency(at);
      log(`impact right after a relationship was added (log replayed first): p50 ${afterChange.p50Ms} ms, p99 ${afterChange.p99Ms} ms`);

      return {
        provider,
        cis: g.cis.length,
        relationships: g.relationships.length,
        classes,
        generateMs,
        insertCisPerSec: round(g.cis.length / ((tCis - tGen) / 1000), 0),
        insertRelationshipsPerSec: round(g.relationships.length / ((tRels - tCis) / 1000), 0),
        depth,
        graphLoadMs,
        graphHeapMb,
        bottom,
        midTier,
        worstCase,
        afterChange,
      };
    } finally {
      await http.close();
    }
  } finally {
    await tdb.dispose();
  }
}

// ---------------------------------------------------------------------------------------------

if (require.main === module) {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = argv.includes('--sqlite') ? 'sqlite' : argv.includes('--postgres') ? 'postgres' : null;
  const base = {
    cis: quick ? 5_000 : 100_000,
    relationships: quick ? 15_000 : 300_000,
    samples: Number(arg('--samples') ?? (quick ? 50 : 200)),
    log: (line: string) => console.log(line),
  };
  /** One provider in a process of its own, as a deployment runs one database per process (and one's graph does not weigh on the other's heap). */
  const inChild = (provider: 'sqlite' | 'postgres'): ImpactBenchResult | null => {
    const out = path.join(os.tmpdir(), `cmdb-impact-${process.pid}-${provider}.json`);
    const args = ['--import', 'tsx', __filename, `--${provider}`, '--child', '--out', out, ...(quick ? ['--quick'] : []), ...(arg('--samples') ? ['--samples', arg('--samples')!] : [])];
    const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
    if (r.status !== 0) throw new Error(`the ${provider} run failed (exit ${r.status})`);
    return (JSON.parse(readFileSync(out, 'utf8')) as ImpactBenchResult[])[0] ?? null;
  };
  (async () => {
    const results: ImpactBenchResult[] = [];
    if (argv.includes('--child')) {
      results.push(await benchImpact({ ...base, provider: only === 'postgres' ? 'postgres' : 'sqlite' }));
      writeFileSync(arg('--out')!, JSON.stringify(results));
      return;
    }
    if (only !== 'postgres') results.push(inChild('sqlite')!);
    if (only !== 'sqlite') {
      // Both databases in one run: the local PostgreSQL the tests use, started if needed.
      process.env.TEST_POSTGRES_URL ??= postgresForTests();
      if (process.env.TEST_POSTGRES_URL) results.push(inChild('postgres')!);
      else console.log('PostgreSQL unavailable (scripts/postgres-for-tests.sh failed): SQLite only');
    }
    console.log(JSON.stringify(results, null, 2));
    const out = arg('--out');
    if (out) writeFileSync(out, JSON.stringify(results, null, 2));
    const table = results.map((r) => `${r.provider.padEnd(8)} bottom p50 ${r.bottom.p50Ms} / p99 ${r.bottom.p99Ms} ms · mid-tier ${r.midTier.p50Ms} / ${r.midTier.p99Ms} ms · core switch first page ${r.worstCase?.p50Ms} / ${r.worstCase?.p99Ms} ms · graph load ${r.graphLoadMs} ms`);
    console.log(['', 'Impact analysis (GET /cis/:id/impact over HTTP, goal p99 <= 50 ms):', ...table].join('\n'));
    const sqlite = results.find((r) => r.provider === 'sqlite');
    const pg = results.find((r) => r.provider === 'postgres');
    if (!quick) {
      mergeIntoLatest(
        {
          ...(sqlite ? { cmdb_impact_p99_ms: sqlite.bottom.p99Ms, cmdb_impact_p99_ratio_to_goal: round(sqlite.bottom.p99Ms / 50), cmdb_impact_mid_p99_ms: sqlite.midTier.p99Ms, cmdb_impact_core_p99_ms: sqlite.worstCase?.p99Ms } : {}),
          ...(pg ? { cmdb_impact_pg_p99_ms: pg.bottom.p99Ms, cmdb_impact_pg_mid_p99_ms: pg.midTier.p99Ms, cmdb_impact_pg_core_p99_ms: pg.worstCase?.p99Ms } : {}),
        },
        (m) => console.log(m),
      );
    }
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

function postgresForTests(): string | undefined {
  const r = spawnSync('bash', [path.join(__dirname, '..', 'scripts', 'postgres-for-tests.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
}
