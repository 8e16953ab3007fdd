import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadEnv, ConfigError, defaultMaxCachedWorkflows, CACHED_WORKFLOW_BUDGET_BYTES } from '../../config/env';
import { changePolicyWith, DEFAULT_CHANGE_POLICY } from '../../domain/change/policy';

describe('configuration from the environment', () => {
  test('embedded defaults', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({ DATABASE_URL: 'file:./.data/itsm.db', TEMPORAL_ADDRESS: 'localhost:7233', TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 'itsm', PORT: 3000, AUTO_CLOSE_AFTER: 'P3D', SEED_DEMO_DATA: false });
  });

  test("the worker's workflow cache is sized from the heap: half of it at the budget per workflow, between 600 and 20,000", () => {
    const GiB = 2 ** 30;
    expect(defaultMaxCachedWorkflows(4 * GiB)).toBe((2 * GiB) / CACHED_WORKFLOW_BUDGET_BYTES);
    expect(defaultMaxCachedWorkflows(4 * GiB)).toBe(16_384);
    expect(defaultMaxCachedWorkflows(64 * 2 ** 20)).toBe(600);
    expect(defaultMaxCachedWorkflows(64 * GiB)).toBe(20_000);
    expect(loadEnv({}).WORKER_MAX_CACHED_WORKFLOWS).toBe(defaultMaxCachedWorkflows());
    expect(loadEnv({ WORKER_MAX_CACHED_WORKFLOWS: '5000' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(5000);
  });

  test('PostgreSQL and an external cluster are configuration, not code', () => {
    const env = loadEnv({ DATABASE_URL: 'postgresql://u:p@db:5432/itsm', TEMPORAL_ADDRESS: 'temporal.prod:7233', TEMPORAL_NAMESPACE: 'itsm-prod', PORT: '8080' });
    expect(env).toMatchObject({ DATABASE_URL: 'postgresql://u:p@db:5432/itsm', TEMPORAL_ADDRESS: 'temporal.prod:7233', PORT: 8080 });
  });

  test.each([
    ['DATABASE_URL', 'mysql://x'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['PORT', 'eighty'],
    ['AUTO_CLOSE_AFTER', '3 days'],
    ['LOG_LEVEL', 'loud'],
    ['SEED_DEMO_DATA', 'maybe'],
  ])('a wrong %s is named in the error', (name, value) => {
    expect(() => loadEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => loadEnv({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  test('a custom priority matrix is validated JSON', () => {
    const matrix = { high: { high: 'P1', medium: 'P1', low: 'P2' }, medium: { high: 'P2', medium: 'P3', low: 'P4' }, low: { high: 'P3', medium: 'P4', low: 'P5' } };
    expect(loadEnv({ PRIORITY_MATRIX: JSON.stringify(matrix) }).PRIORITY_MATRIX).toEqual(matrix);
    expect(() => loadEnv({ PRIORITY_MATRIX: '{"high":' })).toThrow(/PRIORITY_MATRIX: must be JSON/);
    expect(() => loadEnv({ PRIORITY_MATRIX: JSON.stringify({ ...matrix, low: { high: 'P9' } }) })).toThrow(/PRIORITY_MATRIX\.low/);
  });

  test('the change policy is a validated partial override of the defaults', () => {
    const env = loadEnv({ CHANGE_POLICY: JSON.stringify({ boards: { cab: { quorum: 2, deadline: 'P1D' } }, risk: { thresholds: { medium: 20, high: 50 } } }) });
    const policy = changePolicyWith(env.CHANGE_POLICY);
    expect(policy.boards.cab).toEqual({ ...DEFAULT_CHANGE_POLICY.boards.cab, quorum: 2, deadline: 'P1D' });
    expect(policy.boards.ecab).toEqual(DEFAULT_CHANGE_POLICY.boards.ecab);
    expect(policy.risk.thresholds).toEqual({ medium: 20, high: 50 });
    expect(policy.risk.type).toEqual(DEFAULT_CHANGE_POLICY.risk.type);
    expect(changePolicyWith(loadEnv({}).CHANGE_POLICY)).toEqual(DEFAULT_CHANGE_POLICY);
    expect(() => loadEnv({ CHANGE_POLICY: '{' })).toThrow(/CHANGE_POLICY: must be JSON/);
    expect(() => loadEnv({ CHANGE_POLICY: JSON.stringify({ boards: { cab: { deadline: 'two days' } } }) })).toThrow(/CHANGE_POLICY\.boards\.cab\.deadline/);
    expect(() => loadEnv({ CHANGE_POLICY: JSON.stringify({ boards: { cab: { quorum: 0 } } }) })).toThrow(/CHANGE_POLICY\.boards\.cab\.quorum/);
    expect(() => loadEnv({ CHANGE_POLICY: JSON.stringify({ cabGroupp: 'x' }) })).toThrow(/CHANGE_POLICY/);
  });

  test('demo tokens are never seeded in production', () => {
    expect(() => loadEnv({ NODE_ENV: 'production', SEED_DEMO_DATA: 'true' })).toThrow(/SEED_DEMO_DATA/);
  });

  test('the API process exits with the variable named, not a stack trace', () => {
    const root = path.join(__dirname, '..', '..');
    const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'api/server.ts'], { cwd: root, env: { ...process.env, PORT: 'not-a-port' }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('PORT:');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
