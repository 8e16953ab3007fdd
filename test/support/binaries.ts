import path from 'node:path';
import { existsSync } from 'node:fs';

const bin = path.join(__dirname, '..', '..', '.tools', 'venv', 'bin');
export const TEMPORAL_CLI = path.join(bin, 'temporal');
export const TEMPORAL_TEST_SERVER = path.join(bin, 'temporal-test-server');

export function assertBinaries(): void {
  for (const p of [TEMPORAL_CLI, TEMPORAL_TEST_SERVER]) {
    if (!existsSync(p)) throw new Error(`${p} is missing: run \`node scripts/bootstrap.mjs\` (npm test does it)`);
  }
}
