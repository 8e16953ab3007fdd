/**
 * The layer rules (.dependency-cruiser.cjs, described in ARCHITECTURE.md) hold for the
 * product's code, and the checker does catch each kind of violation: a fixture tree with
 * one of each must fail with exactly those rules.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

function cruise(cwd: string, targets: string[]): { violations: { rule: string; from: string; to: string }[] } {
  const out = execFileSync(BIN, ['--config', CONFIG, '--output-type', 'json', ...targets], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const result = JSON.parse(out) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return { violations: result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })) };
}

test('the product obeys the layer rules and has no import cycles', () => {
  const r = cruise(ROOT, ['api', 'activities', 'config', 'db', 'domain', 'infra', 'services', 'temporal', 'workflows', 'worker.ts'].filter((t) => existsSync(path.join(ROOT, t))));
  expect(r.violations).toEqual([]);
}, 60_000);

test('the checker flags impure domain code, workflows calling activities directly, the API importing a workflow body, and cycles', () => {
  const r = cruise(path.join(ROOT, 'test', 'fixtures', 'layers'), ['api', 'activities', 'db', 'domain', 'workflows']);
  const rules = new Set(r.violations.map((v) => `${v.rule}: ${v.from} → ${v.to}`));
  expect(rules).toEqual(
    new Set([
      'domain-is-pure: domain/impure.ts → db/store.ts',
      'workflows-reach-the-world-through-activities: workflows/wf.ts → activities/act.ts',
      'callers-use-contracts: api/route.ts → workflows/wf.ts',
      'no-cycles: db/a.ts → db/b.ts',
      'no-type-cycles-across-layers: db/a.ts → db/b.ts',
    ]),
  );
}, 60_000);
