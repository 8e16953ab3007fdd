/**
 * The short fuzzing pass that CI runs with `npm test`: `npm run fuzz`'s script (scripts/fuzz.ts)
 * with a two-minute budget, a few examples per operation and cycle, and a fixed seed so a red run
 * can be replayed (FUZZ_SEED overrides it; `npm run fuzz` itself draws a new seed every time).
 * Every schemathesis check is on; the bar is no failure at all: no 5xx, no response outside its
 * schema, no undocumented status, no schema-valid request refused, no invalid one accepted.
 * Needs Python 3 (the fuzzer is installed into .tools/venv-fuzz on first use).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const BUDGET_S = Number(process.env.FUZZ_CI_MAX_TIME ?? 120);

test(`schemathesis finds nothing in a ${BUDGET_S} s pass over every operation`, async () => {
  const started = Date.now();
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'scripts', 'fuzz.ts')], {
      cwd: root,
      env: {
        ...process.env,
        FUZZ_MAX_EXAMPLES: process.env.FUZZ_MAX_EXAMPLES ?? '10',
        FUZZ_MAX_TIME: String(BUDGET_S),
        FUZZ_SEED: process.env.FUZZ_SEED ?? '20261203',
        FUZZ_REPORT_DIR: path.join('test-results', 'fuzz-ci'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (c, signal) => resolve({ code: c ?? (signal ? 128 : 1), output: out }));
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  // schemathesis's own summary (operations, phases, failures by kind, seed), whatever the outcome.
  const summary = output.slice(output.lastIndexOf('= SUMMARY ='));
  if (code !== 0) {
    const failures = output.lastIndexOf('= FAILURES =');
    const errors = output.lastIndexOf('= ERRORS =');
    const from = Math.min(...[failures, errors].filter((i) => i >= 0).concat(Math.max(0, output.length - 20_000)));
    console.error(`fuzz pass failed (exit ${code}, ${seconds} s):\n${output.slice(from)}`);
  } else {
    console.log(`fuzz pass green in ${seconds} s\n${summary}`);
  }
  expect(code).toBe(0);
  expect(summary).toMatch(/Tested: \d+/);
}, (BUDGET_S + 300) * 1000);
