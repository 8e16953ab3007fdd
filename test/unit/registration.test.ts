/**
 * A process is registered in three entry lists (workflows/index.ts for the workflow bundle,
 * activities/processes.ts for the worker, api/routes/index.ts for the API): these checks
 * keep them in step, so a process cannot be half-added.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import * as bundle from '../../workflows/index';
import { PROCESSES } from '../../activities/processes';
import { createActivities } from '../../activities';
import type { ActivityDeps } from '../../activities/deps';

const CONTRACTS = path.join(__dirname, '..', '..', 'workflows', 'contracts');
const contractModules = readdirSync(CONTRACTS)
  .filter((f) => f.endsWith('.ts') && !['record.ts', 'search-attributes.ts'].includes(f))
  .map((f) => ({ file: f, exports: require(path.join(CONTRACTS, f)) as Record<string, unknown> }));

test('every workflow type a contract names is exported by the workflow bundle', () => {
  const named = contractModules.flatMap(({ exports }) => Object.entries(exports).filter(([k, v]) => /_WORKFLOW$/.test(k) && typeof v === 'string').map(([, v]) => v as string));
  expect(named.length).toBeGreaterThanOrEqual(4);
  for (const type of named) expect([type, typeof (bundle as Record<string, unknown>)[type]]).toEqual([type, 'function']);
});

test('every process in the worker list has a contract whose workflow is in the bundle', () => {
  const contracts = new Set(contractModules.map((c) => c.file.replace(/\.ts$/, '')));
  for (const p of PROCESSES) expect([p.name, contracts.has(p.name)]).toEqual([p.name, true]);
});

test('two processes defining one activity name are refused at start-up', () => {
  const deps = {} as ActivityDeps; // the factories only close over deps; nothing is called
  expect(() => createActivities(deps)).not.toThrow();
  const clash = { name: 'impostor', activities: () => ({ loadSlaPolicy: async () => null }) };
  expect(() => createActivities(deps, [...PROCESSES, clash])).toThrow("activity 'loadSlaPolicy' is defined by both incident and impostor");
});
