/**
 * Writes the workflow bundle to a file (`npm run build` → dist/workflow-bundle.js), so a worker
 * started with WORKFLOW_BUNDLE_PATH loads it instead of bundling the workflows at every start.
 *
 *   tsx scripts/build-workflow-bundle.ts <output file>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from '../temporal/worker';

export async function writeWorkflowBundle(out: string): Promise<number> {
  const bundle = await bundleWorkflows();
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, bundle.code);
  return Buffer.byteLength(bundle.code);
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: tsx scripts/build-workflow-bundle.ts <output file>');
    process.exit(64);
  }
  writeWorkflowBundle(path.resolve(out)).then(
    (bytes) => console.log(`workflow bundle: ${out} (${(bytes / 1024).toFixed(0)} KiB)`),
    (e) => {
      console.error(`bundling failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
