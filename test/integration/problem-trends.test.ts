/**
 * Trend detection end to end: Temporal dev server, real worker, real database (SQLite, and
 * PostgreSQL when TEST_POSTGRES_URL is set). Incidents are opened through the API (so each
 * has its workflow and the problem links them for real); every test uses its own CIs and
 * category, so groups of different tests never meet.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTrendSchedule } from '../../temporal/trend-schedule';
import { PROVIDERS } from '../support/database';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

const PM = 'dev-problem_manager';
const paths = (body: { errors?: { path: string }[] }) => (body?.errors ?? []).map((e) => e.path).sort();

describe.each(PROVIDERS)('problem trend detection on %s', (provider) => {
  let s: Stack;
  let seq = 0;
  beforeAll(async () => {
    s = await startStack({ provider, env });
  });
  afterAll(async () => {
    await s?.close();
  });

  const uniq = () => `${provider}-${++seq}-${Date.now().toString(36)}`;
  const ok = async (res: Promise<{ status: number; body: any }>, status = 200) => {
    const r = await res;
    expect([r.status, r.body?.detail, r.body?.errors]).toEqual([status, undefined, undefined]);
    return r.body;
  };
  const server = (name: string) => ok(s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name, class: 'server', attributes: { hostname: name, cpuCores: 2, memoryGb: 4 } } }), 201);
  const incidents = async (n: number, body: Record<string, unknown>) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await ok(s.api('POST', '/api/v1/incidents', { body: { title: `Trend ${i}`, impact: 'low', urgency: 'low', ...body } }), 201));
    return out as { id: string; number: string }[];
  };
  /** The last hour and a minute ahead: every incident these tests open. */
  const period = (extra: Record<string, unknown> = {}) => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), ...extra });
  const detect = (body: Record<string, unknown>, token = PM) => s.api('POST', '/api/v1/problems/detect', { token, body });
  const trendProblems = (key: string) => s.tdb.db.problem.findMany({ where: { trendKey: key }, select: { id: true, number: true, state: true } });

  test('a group at the threshold opens one problem with its incidents linked (a dependent CI counts), and tells the problem managers', async () => {
    const u = uniq();
    const host = await server(`host-${u}`);
    const app = await ok(s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: `app-${u}`, class: 'application', attributes: { vendor: 'ACME' } } }), 201);
    await ok(s.api('POST', `/api/v1/cis/${app.id}/relationships`, { token: 'dev-admin', body: { type: 'runs_on', targetId: host.id } }), 201);
    const onHost = await incidents(3, { ciId: host.id, category: `Disk-${u}` });
    const onApp = await incidents(2, { ciId: app.id, category: `disk-${u}` });

    const report = await ok(detect(period()));
    expect(report).toMatchObject({ dryRun: false, threshold: 5, window: 'P7D', runs: 1 });
    const found = report.problems.filter((p: any) => [`ci:${host.id}`, `ci:${app.id}`, `category:disk-${u.toLowerCase()}`].includes(p.key));
    expect(found).toEqual([expect.objectContaining({ key: `ci:${host.id}`, status: 'opened', incidents: 5, linked: 5 })]);
    // The category held the same five incidents: they went to the CI's problem, so it is not due any more.
    expect(report.skipped).toContainEqual({ key: `category:disk-${u.toLowerCase()}`, reason: '0 incidents left once earlier groups took theirs' });

    const [row] = await trendProblems(`ci:${host.id}`);
    expect(row.number).toBe(found[0].problem);
    const problem = await ok(s.api('GET', `/api/v1/problems/${row.number}`, { token: PM }));
    expect(problem.incidentIds.sort()).toEqual([...onHost, ...onApp].map((i) => i.id).sort());
    expect(problem.ciId).toBe(host.id);
    expect(problem.title).toContain('5 incidents on');
    for (const i of [...onHost, ...onApp]) {
      await eventually(async () => ((await s.api('GET', `/api/v1/incidents/${i.id}`)).body.problemId === row.id ? true : undefined), 20_000, `${i.number} linked`);
    }
    const notes = await s.tdb.db.notification.findMany({ where: { recordId: row.id, kind: 'problem_trend_detected' } });
    expect(notes).toEqual([expect.objectContaining({ recipient: 'group:problem-management', message: expect.stringContaining(row.number) })]);

    // Again, and over an overlapping window: nothing new for the key.
    const again = await ok(detect(period()));
    expect(again.problems.filter((p: any) => p.key === `ci:${host.id}`)).toEqual([]);
    const shifted = await ok(detect({ from: new Date(Date.now() - 1_800_000).toISOString(), to: new Date(Date.now() + 120_000).toISOString() }));
    expect(shifted.problems.filter((p: any) => p.key === `ci:${host.id}`)).toEqual([]);
    // A new incident on the host does not reopen the trend while its problem is open: the key has one.
    await incidents(5, { ciId: host.id });
    const held = await ok(detect(period()));
    expect(held.problems.filter((p: any) => p.key === `ci:${host.id}`)).toEqual([]);
    expect(held.existing).toContainEqual({ key: `ci:${host.id}`, label: expect.stringContaining(`host-${u}`), incidents: 5, problem: row.number });
    expect(await trendProblems(`ci:${host.id}`)).toHaveLength(1);
  });

  test('two detections at once open one problem for a group', async () => {
    const host = await server(`race-${uniq()}`);
    await incidents(5, { ciId: host.id });
    const [a, b] = await Promise.all([ok(detect(period())), ok(detect(period()))]);
    const mine = (r: any) => r.problems.filter((p: any) => p.key === `ci:${host.id}`);
    expect(mine(a).length + mine(b).length).toBe(1);
    expect(await trendProblems(`ci:${host.id}`)).toHaveLength(1);
  });

  test('incidents already in an open problem do not count', async () => {
    const host = await server(`linked-${uniq()}`);
    const linked = await incidents(5, { ciId: host.id });
    await ok(s.api('POST', '/api/v1/problems', { token: PM, body: { title: 'Known trouble', incidentIds: linked.map((i) => i.number) } }), 201);
    await incidents(4, { ciId: host.id });
    const report = await ok(detect(period()));
    expect(report.problems.filter((p: any) => p.key === `ci:${host.id}`)).toEqual([]);
    expect(await trendProblems(`ci:${host.id}`)).toEqual([]);
    // A fifth unlinked one makes the group due.
    await incidents(1, { ciId: host.id });
    const due = await ok(detect({ ...period(), dryRun: true }));
    expect(due.problems.filter((p: any) => p.key === `ci:${host.id}`)).toEqual([expect.objectContaining({ incidents: 5, status: 'would_open' })]);
  });

  test('a dry run reports what it would open and opens nothing; the real run then opens the same', async () => {
    const host = await server(`dry-${uniq()}`);
    const mine = await incidents(6, { ciId: host.id });
    const before = await s.tdb.db.problem.count();
    const dry = await ok(detect({ ...period(), dryRun: true, threshold: 6 }));
    expect(dry).toMatchObject({ dryRun: true, threshold: 6 });
    const would = dry.problems.filter((p: any) => p.key === `ci:${host.id}`);
    expect(would).toEqual([expect.objectContaining({ status: 'would_open', problem: null, incidents: 6, sample: mine.map((i) => i.number) })]);
    expect(await s.tdb.db.problem.count()).toBe(before);
    expect(await s.tdb.db.problemTrendClaim.count({ where: { trendKey: `ci:${host.id}` } })).toBe(0);
    const real = await ok(detect({ ...period(), threshold: 6 }));
    expect(real.problems.filter((p: any) => p.key === `ci:${host.id}`)).toEqual([expect.objectContaining({ status: 'opened', incidents: 6, title: would[0].title })]);
  });

  test('bad input is a 400 naming the field; agents may not run it', async () => {
    const now = Date.now();
    const r1 = await detect({ from: new Date(now).toISOString(), to: new Date(now - 1000).toISOString() });
    expect([r1.status, paths(r1.body)]).toEqual([400, ['to']]);
    const r2 = await detect({ to: new Date(now).toISOString() });
    expect([r2.status, paths(r2.body)]).toEqual([400, ['from']]);
    const r3 = await detect({ ...period(), threshold: 1, window: 'seven days' });
    expect([r3.status, paths(r3.body)]).toEqual([400, ['threshold', 'window']]);
    const r4 = await detect({ ...period(), dryRun: 'yes' });
    expect([r4.status, paths(r4.body)]).toEqual([400, ['dryRun']]);
    const r5 = await detect(period(), 'dev-agent');
    expect(r5.status).toBe(403);
  });

  test('the Schedule starts the detection workflow, which opens the problem', async () => {
    const host = await server(`sched-${uniq()}`);
    await incidents(5, { ciId: host.id });
    const scheduleId = `problem-trends-test-${uniq()}`;
    const ensured = await ensureTrendSchedule(
      s.env.client,
      { TEMPORAL_TASK_QUEUE: s.taskQueue, CONTINUE_AS_NEW_AFTER_EVENTS: 5000, PROBLEM_TREND_CRON: '0 3 1 1 *', PROBLEM_TREND_WINDOW: 'PT1H', PROBLEM_TREND_THRESHOLD: 5 },
      { scheduleId },
    );
    expect(ensured.result).toBe('created');
    const handle = s.env.client.schedule.getHandle(scheduleId);
    try {
      const described = await handle.describe();
      expect(described.policies.overlap).toBe('SKIP');
      await handle.trigger();
      const run = await eventually(async () => (await handle.describe()).info.recentActions[0]?.action.workflow, 30_000, 'the scheduled run');
      expect(run.workflowId).toMatch(new RegExp(`^${scheduleId}-run-`));
      const report = await s.env.client.workflow.getHandle(run.workflowId).result();
      expect(report.problems.filter((p: any) => p.key === `ci:${host.id}`)).toEqual([expect.objectContaining({ status: 'opened', incidents: 5 })]);
      const [row] = await trendProblems(`ci:${host.id}`);
      const claim = await s.tdb.db.problemTrendClaim.findUniqueOrThrow({ where: { trendKey: `ci:${host.id}` } });
      expect(claim).toMatchObject({ problemId: row.id, problemNumber: row.number, runId: run.workflowId });
      expect((await ensureTrendSchedule(s.env.client, { TEMPORAL_TASK_QUEUE: s.taskQueue, CONTINUE_AS_NEW_AFTER_EVENTS: 5000, PROBLEM_TREND_CRON: '0 3 1 1 *', PROBLEM_TREND_WINDOW: 'PT1H', PROBLEM_TREND_THRESHOLD: 5 }, { scheduleId })).result).toBe('unchanged');
    } finally {
      await handle.delete();
    }
  });
});
