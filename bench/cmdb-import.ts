/**
 * CSV import rate of the CMDB, through the real code path: HTTP POST /api/v1/cis/import on an
 * in-process API (the same createApp the server runs) over a fresh, migrated SQLite database.
 *
 *   npx tsx bench/cmdb-import.ts [--quick] [--no-relationships]
 *
 * Generates a layered CMDB as one CSV (services → applications → virtual machines → servers,
 * plus storage, network devices and desktops; typed attributes, asset columns on the
 * hardware), imports it once (every row `created`), then imports the same file again (every
 * row `unchanged`) and prints CIs per second for both. 10,000 rows; --quick: 1,000.
 * The relationships column is filled (a service depends on an application, which runs on a VM,
 * hosted on a server, backed up by a storage array: ~half as many relationships as CIs), and
 * those are written in the same request, so the rate includes them; --no-relationships leaves
 * the column empty.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createApp } from '../api/app';
import { createLogger } from '../infra/logger';
import { csvLine } from '../domain/cmdb/csv';
import { demoUsers, upsertUser } from '../db/seed';
import { createTestDatabase } from '../test/support/database';

export interface ImportBenchResult {
  rows: number;
  seconds: number;
  perSecond: number;
  relationships: number;
  /** The same file again: every row answered `unchanged`. */
  reimportSeconds: number;
  reimportPerSecond: number;
}

const COLUMNS = ['name', 'class', 'status', 'environment', 'ownerGroup', 'purchaseDate', 'cost', 'currency', 'depreciationMethod', 'depreciationYears', 'location', 'supplier',
  'attr.hostname', 'attr.ip', 'attr.os', 'attr.cpuCores', 'attr.memoryGb', 'attr.vendor', 'attr.version', 'attr.criticality', 'attr.capacityTb', 'attr.serial', 'attr.model', 'attr.ports', 'relationships'];

/** A layered CMDB of `n` CIs as CSV text. */
export function generateCmdbCsv(n: number, withRelationships = false): { csv: string; relationships: number } {
  const count = (share: number) => Math.max(1, Math.floor(n * share));
  const layers = { service: count(0.01), application: count(0.09), virtual_machine: count(0.3), server: count(0.1), storage: count(0.02), network_device: count(0.03) };
  const desktops = n - Object.values(layers).reduce((a, b) => a + b, 0);
  const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const lines: string[] = [csvLine(COLUMNS)];
  let rels = 0;
  const row = (v: Record<string, string | number>) => lines.push(csvLine(COLUMNS.map((c) => (v[c] === undefined ? '' : String(v[c])))));
  const rel = (type: string, target: string) => (withRelationships ? (rels++, `${type}:${target}`) : '');
  const asset = (i: number, cost: number) => ({ purchaseDate: `202${i % 5}-0${1 + (i % 9)}-15`, cost, currency: i % 4 === 0 ? 'USD' : 'EUR', depreciationMethod: i % 2 ? 'straight_line' : 'declining_balance', depreciationYears: 3 + (i % 5), location: `DC${1 + (i % 3)}`, supplier: 'Acme, Inc.' });
  for (let i = 0; i < layers.service; i++) row({ name: `Service ${i}`, class: 'service', ownerGroup: 'service-desk', 'attr.criticality': ['low', 'medium', 'high', 'critical'][i % 4], relationships: rel('depends_on', `application:app ${i * 9}`) });
  for (let i = 0; i < layers.application; i++) row({ name: `App ${i}`, class: 'application', environment: 'production', 'attr.vendor': 'In-house', 'attr.version': `${1 + (i % 7)}.${i % 10}`, relationships: rel('runs_on', `virtual_machine:vm-${String(i * 3).padStart(5, '0')}`) });
  for (let i = 0; i < layers.virtual_machine; i++) row({ name: `VM ${i}`, class: 'virtual_machine', environment: i % 5 ? 'production' : 'test', 'attr.hostname': `vm-${String(i).padStart(5, '0')}`, 'attr.ip': ip(i), 'attr.os': 'Linux', 'attr.cpuCores': 2 + (i % 4) * 2, 'attr.memoryGb': 4 * (1 + (i % 8)), relationships: rel('hosted_on', `server:srv-${String(i % layers.server).padStart(5, '0')}`) });
  for (let i = 0; i < layers.server; i++) row({ name: `Server ${i}`, class: 'server', environment: 'production', ...asset(i, 8000 + (i % 10) * 500), 'attr.hostname': `srv-${String(i).padStart(5, '0')}`, 'attr.ip': ip(100_000 + i), 'attr.os': 'ESXi "8.0", build 2', 'attr.cpuCores': 64, 'attr.memoryGb': 512, 'attr.serial': `SN-S${i}`, relationships: rel('backed_up_by', `storage:st-${i % layers.storage}`) });
  for (let i = 0; i < layers.storage; i++) row({ name: `Array ${i}`, class: 'storage', ...asset(i, 50_000), 'attr.model': 'FlashArray', 'attr.capacityTb': 200, 'attr.serial': `st-${i}` });
  for (let i = 0; i < layers.network_device; i++) row({ name: `Switch ${i}`, class: 'network_device', ...asset(i, 3000), 'attr.hostname': `sw-${i}`, 'attr.ip': ip(200_000 + i), 'attr.model': 'N9K', 'attr.ports': 48, 'attr.serial': `SN-N${i}` });
  for (let i = 0; i < desktops; i++) row({ name: `Desktop ${i}`, class: 'desktop', status: i % 10 ? 'live' : 'in_store', ...asset(i, 900), 'attr.hostname': `pc-${i}`, 'attr.os': 'Windows 11', 'attr.serial': `SN-D${i}` });
  return { csv: lines.join(''), relationships: rels };
}

/** Imports `rows` generated CIs (with relationships unless `relationships: false`) into a fresh SQLite database over HTTP. */
export async function benchImport(opts: { rows: number; relationships?: boolean }): Promise<ImportBenchResult> {
  const tdb = await createTestDatabase('sqlite');
  for (const u of demoUsers()) await upsertUser(tdb.db, u);
  // The import path needs no Temporal: a stand-in client keeps the bench self-contained.
  const app = createApp({
    db: tdb.db,
    temporal: {} as Client,
    env: { TEMPORAL_TASK_QUEUE: 'bench', AUTO_CLOSE_AFTER: 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000, MAX_BODY_BYTES: 1_048_576 },
    log: createLogger('silent'),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/cis/import`;
  try {
    const { csv, relationships } = generateCmdbCsv(opts.rows, opts.relationships ?? true);
    const post = async (expect: string) => {
      const t0 = process.hrtime.bigint();
      const res = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer dev-admin', 'content-type': 'text/csv' }, body: csv });
      const body = (await res.json()) as { summary: Record<string, number>; relationships: { summary: Record<string, number> }; rows: { status: string; error?: string }[] };
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (res.status !== 200) throw new Error(`import answered ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
      if (body.summary[expect] !== opts.rows) throw new Error(`expected ${opts.rows} ${expect}, got ${JSON.stringify(body.summary)}; first error: ${body.rows.find((r) => r.error)?.error}`);
      if (body.relationships.summary.error) throw new Error(`relationship errors: ${JSON.stringify(body.relationships.summary)}`);
      return seconds;
    };
    const seconds = await post('created');
    const reimportSeconds = await post('unchanged');
    const stored = await tdb.db.configurationItem.count();
    if (stored !== opts.rows) throw new Error(`${stored} CIs stored, expected ${opts.rows}`);
    const r = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    return { rows: opts.rows, seconds: r(seconds), perSecond: Math.round(opts.rows / seconds), relationships, reimportSeconds: r(reimportSeconds), reimportPerSecond: Math.round(opts.rows / reimportSeconds) };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await tdb.dispose();
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const rows = argv.includes('--quick') ? 1_000 : 10_000;
  benchImport({ rows, relationships: !argv.includes('--no-relationships') })
    .then((r) => {
      console.log(`CMDB CSV import (HTTP, in-process API, fresh SQLite): ${r.rows} CIs${r.relationships ? ` + ${r.relationships} relationships` : ''}`);
      console.log(`  first import (all created):  ${r.seconds.toFixed(2)} s  → ${r.perSecond} CIs/s`);
      console.log(`  re-import (all unchanged):   ${r.reimportSeconds.toFixed(2)} s  → ${r.reimportPerSecond} CIs/s`);
      console.log(JSON.stringify(r));
    })
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
