#!/usr/bin/env node
// Installs the API fuzzer (schemathesis, from PyPI, pinned in scripts/fuzz/requirements.txt)
// into .tools/venv-fuzz, the way bootstrap.mjs installs the Temporal binaries into .tools/venv:
// skipped when a stamp shows the pins unchanged and the binary present. `npm run fuzz` (and the
// fuzz test) call it, so a fresh clone needs no manual step; `npm start` never pays for it.
// Plain Node with no dependencies. Prints the schemathesis executable's path on stdout.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requirements = join(root, 'scripts', 'fuzz', 'requirements.txt');
export const FUZZ_VENV = join(root, '.tools', 'venv-fuzz');
export const SCHEMATHESIS = join(FUZZ_VENV, 'bin', 'schemathesis');
const stamp = join(root, '.tools', 'stamps', 'fuzz');

const read = (p) => (existsSync(p) ? readFileSync(p, 'utf8') : '');

/** Installs (or reinstalls after a pin changed) and returns the schemathesis executable. */
export function installFuzzTools({ log = (msg) => process.stderr.write(`[fuzz] ${msg}\n`) } = {}) {
  const want = createHash('sha256').update(read(requirements)).digest('hex');
  if (existsSync(SCHEMATHESIS) && read(stamp) === want) return SCHEMATHESIS;
  const pinned = read(requirements).split('\n').find((l) => l.startsWith('schemathesis=='));
  log(`installing ${pinned} into .tools/venv-fuzz…`);
  const python = process.env.PYTHON ?? 'python3';
  const run = (cmd, argv) => execFileSync(cmd, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (!existsSync(join(FUZZ_VENV, 'bin', 'pip'))) run(python, ['-m', 'venv', FUZZ_VENV]);
  run(join(FUZZ_VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, want);
  return SCHEMATHESIS;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${installFuzzTools()}\n`);
}
