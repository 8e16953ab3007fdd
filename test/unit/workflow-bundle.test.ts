/**
 * What the workflow bundle carries. In the reusable V8 context every cached workflow instantiates
 * the bundle's modules anew, so a library pulled in by a value import (zod in a domain module, as
 * it once was) costs memory per open record: it doubled an incident workflow's footprint and a
 * worker holding 8,000 of them ran out of heap (bench/cache-memory.ts measures the footprint).
 */
import { readFileSync } from 'node:fs';
import { sharedBundle } from '../support/temporal';

test('the workflow bundle holds only the SDK and its own small dependencies, no validation or database library', async () => {
  const given = await sharedBundle();
  const code = 'codePath' in given ? readFileSync(given.codePath, 'utf8') : given.code;
  const packages = new Set([...code.matchAll(/"\.\/node_modules\/((?:@[^/"]+\/)?[^/"]+)\//g)].map((m) => m[1]));
  expect([...packages].sort()).toEqual(['@temporalio/common', '@temporalio/workflow', 'long', 'ms', 'nexus-rpc']);
});
