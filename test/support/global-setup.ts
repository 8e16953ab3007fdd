/**
 * Bundles the workflows once for the whole run. Every test file has its own module registry, so
 * a bundle cached in a module is rebuilt by each of the fifty files that start a worker (about
 * five seconds of webpack each); the files read this one instead (`sharedBundle`). A fresh run
 * always bundles afresh, so the bundle is the code under test.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflows } from '../../temporal/worker';

export const BUNDLE_ENV = 'ITSM_TEST_WORKFLOW_BUNDLE';

export default async function globalSetup(): Promise<void> {
  const { code } = await bundleWorkflows();
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'itsm-test-bundle-')), 'workflows.js');
  writeFileSync(file, code);
  // Test files run after this in processes started from this one: they inherit the variable.
  process.env[BUNDLE_ENV] = file;
}
