/**
 * What the workflow bundle carries. In the reusable V8 context every cached workflow instantiates
 * the bundle's modules anew, so a library pulled in by a value import (zod in a domain module, as
 * it once was) costs memory per open record: it doubled an incident workflow's footprint and a
 * worker holding 8,000 of them ran out of heap (bench/cache-memory.ts measures the footprint).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedBundle } from '../support/temporal';

const root = path.join(__dirname, '..', '..');

test('the workflow bundle holds only the SDK and its own small dependencies, no validation or database library', async () => {
  const given = await sharedBundle();
  const code = 'codePath' in given ? readFileSync(given.codePath, 'utf8') : given.code;
  const packages = new Set([...code.matchAll(/"\.\/node_modules\/((?:@[^/"]+\/)?[^/"]+)\//g)].map((m) => m[1]));
  expect([...packages].sort()).toEqual(['@temporalio/common', '@temporalio/workflow', 'long', 'ms', 'nexus-rpc']);
});

test("the bundle's entry evaluates a process's module only when its workflow first runs, so a workflow instantiates only its own process's graph", () => {
  // A fresh Node process, so no other test's imports are in its module cache.
  const script = `
    const loaded = () => Object.keys(require.cache).filter((f) => /[\\\\/]workflows[\\\\/][^\\\\/]+\\.ts$/.test(f)).map((f) => f.split(/[\\\\/]/).pop()).sort();
    const entry = require('./workflows/index.ts');
    const before = loaded();
    try { Promise.resolve(entry.changeWorkflow({})).catch(() => undefined); } catch {} // outside a workflow it fails; the require has happened
    console.log(JSON.stringify({ before, after: loaded(), names: [entry.incidentWorkflow.name, entry.changeWorkflow.name] }));`;
  const out = execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['-e', script], { cwd: root, encoding: 'utf8' });
  const { before, after, names } = JSON.parse(out.trim().split('\n').pop()!) as { before: string[]; after: string[]; names: string[] };
  expect(before).toEqual(['index.ts']);
  expect(after).toEqual(['change.ts', 'index.ts']);
  // Clients and the worker read the workflow type from the export's name.
  expect(names).toEqual(['incidentWorkflow', 'changeWorkflow']);
});
