/**
 * Known-error database search: `GET /api/v1/known-errors?q=` runs `searchKnownErrors` (FTS5
 * bm25 on SQLite, a weighted tsvector with ts_rank on PostgreSQL) and then reads the page.
 *
 *   npx tsx bench/kedb-search.ts [--quick] [--postgres] [--count N] [--out result.json]
 *
 * Writes N known errors (default 10,000) through the problem store, exactly as problem
 * workflows write them (row, match targets, full-text entry), with text drawn from an IT
 * vocabulary with a Zipf-like skew, then times one- to three-word searches as the service
 * desk types them, one at a time. Goal: p99 under 20 ms.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { knownErrorsByIds, problemStore, searchKnownErrors } from '../db/problem-store';
import { knownErrorEffect, newProblem } from '../domain/problem/lifecycle';
import { createTestDatabase } from '../test/support/database';
import { dist, fmt, seededRandom } from './support';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const POSTGRES = argv.includes('--postgres');
const COUNT = Number(argv[argv.indexOf('--count') + 1] || 0) || (QUICK ? 2_000 : 10_000);
const SEARCHES = QUICK ? 300 : 2_000;
const GOAL_P99_MS = 20;
const outIdx = argv.indexOf('--out');

const WORDS = `disk full log rotation database deadlock timeout certificate expired dns resolution failure memory leak
 cpu spike network latency packet loss vpn tunnel down authentication ldap kerberos ticket printer spooler queue
 email delivery smtp relay bounce mailbox quota exceeded backup job failed tape library storage array raid degraded
 firmware upgrade driver crash blue screen kernel panic oom killer java heap garbage collection pause thread pool
 exhaustion connection pool jdbc oracle listener sql server tempdb index fragmentation slow query lock escalation
 load balancer health check ssl handshake proxy cache stale session replication cluster failover split brain quorum
 nfs mount stale handle permission denied service account password expiry group policy windows update patch reboot
 citrix session hang vdi profile corruption outlook search index teams meeting audio sap batch job payroll interface
 idoc queue stuck middleware message broker kafka lag consumer rebalance api gateway rate limit token refresh oauth
 saml assertion clock skew ntp drift time sync cron schedule overlap scheduler agent antivirus scan quarantine false
 positive firewall rule change port blocked switch port flapping spanning tree loop wifi roaming dhcp lease exhausted`
  .split(/\s+/)
  .filter(Boolean);

const random = seededRandom(7);
/** Skewed towards the first words, as real symptom texts repeat a few terms a lot. */
const word = () => WORDS[Math.floor(WORDS.length * random() ** 2)];
const phrase = (n: number) => Array.from({ length: n }, word).join(' ');

async function main() {
  const tdb = await createTestDatabase(POSTGRES ? 'postgres' : 'sqlite');
  const db = tdb.db;
  try {
    const t0 = performance.now();
    const BATCH = 250;
    for (let start = 0; start < COUNT; start += BATCH) {
      await db.$transaction(async (tx) => {
        for (let i = start; i < Math.min(COUNT, start + BATCH); i++) {
          const number = `PRB${String(i + 1).padStart(7, '0')}`;
          const base = newProblem({ id: `prb_${i}`, number, workflowId: `problem-${number}` }, 'bench', { title: phrase(5), description: phrase(20), category: word(), observationMs: 0 }, [], { services: [], cis: [] }, Date.now());
          const ke = knownErrorEffect({ ...base, state: 'investigating' }, 'known_error', { rootCause: phrase(15), workaround: phrase(15), symptoms: phrase(25), rcaWaived: 'bench' }, { id: `ke_${i}`, number: `KE${String(i + 1).padStart(7, '0')}` }, Date.now());
          await problemStore.write(tx, ke.snapshot, 1);
        }
      });
    }
    const writeS = (performance.now() - t0) / 1000;
    const queries = Array.from({ length: SEARCHES }, () => phrase(1 + Math.floor(random() * 3)));
    for (const q of queries.slice(0, 50)) await searchKnownErrors(db, { q, status: 'active', limit: 21, offset: 0 }); // warm caches and statements
    const searchMs: number[] = [];
    const pageMs: number[] = [];
    let hits = 0;
    for (const q of queries) {
      const a = performance.now();
      const found = await searchKnownErrors(db, { q, status: 'active', limit: 21, offset: 0 });
      const b = performance.now();
      await knownErrorsByIds(db, found.slice(0, 20).map((h) => h.id));
      const c = performance.now();
      searchMs.push(b - a);
      pageMs.push(c - a);
      hits += found.length;
    }
    const search = dist(searchMs);
    const page = dist(pageMs);
    const result = {
      provider: POSTGRES ? 'postgres' : 'sqlite',
      knownErrors: COUNT,
      writesPerSec: Math.round(COUNT / writeS),
      searches: SEARCHES,
      meanHitsPerSearch: Math.round((hits / SEARCHES) * 10) / 10,
      searchMs: search,
      firstPageMs: page,
      goalP99Ms: GOAL_P99_MS,
      p99RatioToGoal: Math.round((page.p99 / GOAL_P99_MS) * 100) / 100,
    };
    console.log(`KEDB search over ${COUNT.toLocaleString()} known errors on ${result.provider} (${SEARCHES} searches of 1–3 words, first page of 20):`);
    console.log(`  written at ${result.writesPerSec}/s through the problem store`);
    console.log(`  ranked search  p50 ${fmt(search.p50, 2)} ms  p99 ${fmt(search.p99, 2)} ms  max ${fmt(search.max, 2)} ms`);
    console.log(`  + page read    p50 ${fmt(page.p50, 2)} ms  p99 ${fmt(page.p99, 2)} ms  (goal p99 < ${GOAL_P99_MS} ms: ratio ${result.p99RatioToGoal})`);
    if (outIdx >= 0) writeFileSync(argv[outIdx + 1], JSON.stringify(result, null, 2));
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
