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
const SEED = '20261203';

test(`schemathesis finds nothing in a ${BUDGET_S} s pass over every operation`, async () => {
  const started = Date.now();
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'scripts', 'fuzz.ts')], {
      cwd: root,
      env: {
        ...process.env,
        FUZZ_MAX_EXAMPLES: process.env.FUZZ_MAX_EXAMPLES ?? '10',
        FUZZ_MAX_TIME: String(BUDGET_S),
        FUZZ_SEED: process.env.FUZZ_SEED ?? SEED,
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
  // schemathesis's own lines, without the stack's (JSON log lines, one object each).
  const own = output
    .split('\n')
    .filter((line) => !line.startsWith('{"time"'))
    .join('\n');
  // schemathesis's own summary (operations, phases, failures by kind, seed), whatever the outcome.
  const summary = own.slice(own.lastIndexOf('= SUMMARY ='));
  if (code !== 0) {
    const failures = own.lastIndexOf('= FAILURES =');
    const errors = own.lastIndexOf('= ERRORS =');
    const from = Math.min(...[failures, errors].filter((i) => i >= 0).concat(Math.max(0, own.length - 20_000)));
    // Up to the warnings (missing test data and the like, which fail nothing), at most 8,000 characters.
    const warnings = own.indexOf('= WARNINGS =', from);
    const failed = own.slice(from, warnings > from ? warnings : undefined).slice(0, 8000);
    // Thrown, not logged: the failing test's message is what the end of a long CI log keeps.
    throw new Error(`schemathesis exited ${code} after ${seconds} s (seed ${process.env.FUZZ_SEED ?? SEED}):\n${failed}`);
  }
  console.log(`fuzz pass green in ${seconds} s\n${summary}`);
  expect(summary).toMatch(/Tested: \d+/);
}, (BUDGET_S + 300) * 1000);
