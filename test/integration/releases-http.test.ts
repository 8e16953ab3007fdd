/**
 * Release management over HTTP against the real stack (dev server, worker, API, SQLite and
 * PostgreSQL when TEST_POSTGRES_URL is set): a release built, tested and deployed through
 * three environments with its change driven by it; the gate; failure and rollback; cancel
 * mid-deployment; validation against the CMDB, the changes and the DSL; roles.
 */
import { createHash } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { newId } from '../../infra/ids';
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

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();
const paths = (body: { errors?: { path: string }[] }) => (body?.errors ?? []).map((e) => e.path).sort();
const RM = 'dev-release_manager';
const BOT = 'dev-automation';

describe.each(PROVIDERS)('releases over HTTP on %s', (provider) => {
  let s: Stack;
  let seq = 0;
  let template: string;

  beforeAll(async () => {
    s = await startStack({ provider, env });
    template = (await ok(s.api('POST', '/api/v1/change-templates', { token: 'dev-admin', body: { name: `deploy-${provider}`, description: 'Deploy a release', implementationPlan: 'run the pipeline', backoutPlan: 'roll back the pipeline', maxDuration: 'PT8H' } }), 201)).id;
    for (const name of ['test', 'staging', 'production']) {
      if (!(await s.tdb.db.configurationItem.findFirst({ where: { class: 'environment', name } }))) await createCi({ name, class: 'environment' });
    }
  });
  afterAll(async () => {
    await s?.close();
  });

  const uniq = () => `${provider}-${++seq}-${Date.now().toString(36)}`;
  async function ok(res: Promise<{ status: number; body: any }>, status = 200) {
    const r = await res;
    expect([r.status, r.body?.detail, r.body?.errors]).toEqual([status, undefined, undefined]);
    return r.body;
  }
  const createCi = (body: Record<string, unknown>) => ok(s.api('POST', '/api/v1/cis', { token: 'dev-admin', body }), 201);

  /** An application (the release unit) depending on two software components. */
  async function unit() {
    const u = uniq();
    const app = await createCi({ name: `shop-${u}`, class: 'application' });
    const api = await createCi({ name: `shop-api-${u}`, class: 'software', attributes: { version: '1.0.0' } });
    const web = await createCi({ name: `shop-web-${u}`, class: 'software', attributes: { version: '1.0.0' } });
    for (const c of [api, web]) await ok(s.api('POST', `/api/v1/cis/${app.id}/relationships`, { token: 'dev-admin', body: { type: 'depends_on', targetId: c.id } }), 201);
    return { app, api, web, u };
  }

  /** A verified DSL artifact, as the library records one after fetching it. */
  async function artifact(name: string, status = 'verified') {
    const sha = createHash('sha256').update(name).digest('hex');
    const row = await s.tdb.db.dslArtifact.create({ data: { id: newId('art'), name, version: '2.0.0', uri: `file:///dsl/${name}.tgz`, sha256: sha, actualSha256: status === 'verified' ? sha : null, status, createdBy: 'usr-release_manager' } });
    return row;
  }

  /** A standard (pre-approved) change over the CIs, its window open now. */
  async function change(ciIds: string[], window = { plannedStart: at(-MIN), plannedEnd: at(4 * HOUR) }) {
    const c = await ok(s.api('POST', '/api/v1/changes', { token: RM, body: { type: 'standard', templateId: template, title: 'Deploy shop 2.0', ciIds, ...window } }), 201);
    return eventually(async () => {
      const v = await ok(s.api('GET', `/api/v1/changes/${c.id}`));
      return v.state === 'scheduled' ? v : undefined;
    }, 20_000, 'the change scheduled');
  }

  async function planned(opts: Record<string, unknown> = {}) {
    const t = await unit();
    const chg = await change([t.api.id, t.web.id]);
    const art = await artifact(`shop-${t.u}`);
    const rel = await ok(s.api('POST', '/api/v1/releases', { token: RM, body: { name: 'Shop', version: '2.0.0', type: 'full', unitId: t.app.number, changeIds: [chg.number], artifactIds: [art.id], ...opts } }), 201);
    return { ...t, chg, art, rel };
  }

  const get = (id: string) => ok(s.api('GET', `/api/v1/releases/${id}`));
  const until = async (id: string, pred: (r: any) => boolean, what: string) => {
    let last: any;
    try {
      return await eventually(async () => {
        last = await get(id);
        return pred(last) ? last : undefined;
      }, 30_000, what);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify({ state: last?.state, gate: last?.gate, current: last?.current, rollback: last?.rollback, stages: last?.stages?.map((x: any) => `${x.stage}=${x.status}`) })}`);
    }
  };
  const report = (id: string, stage: string, status: 'succeeded' | 'failed', token = BOT, details?: string) =>
    s.api('POST', `/api/v1/releases/${id}/stages/${stage}/result`, { token, body: { status, ...(details ? { details } : {}) } });
  const stage = (r: any, name: string) => r.stages.find((x: any) => x.stage === name);
  const history = async (id: string) => (await ok(s.api('GET', `/api/v1/releases/${id}/history`))) as { action: string; actor: string; data: any }[];
  const events = async (recordId: string) =>
    (await s.tdb.db.outboxEvent.findMany({ where: { recordId }, orderBy: { occurredAt: 'asc' } })).map((e) => e.type);

  /** Build and test pass; then each environment deploys and verifies in order. */
  async function deployThrough(id: string, envs: string[]) {
    for (const e of envs) {
      await until(id, (r) => stage(r, `deploy:${e}`)?.status === 'running', `deploy:${e} requested`);
      await ok(report(id, `deploy:${e}`, 'succeeded'));
      await ok(report(id, `verify:${e}`, 'succeeded'));
    }
  }

  test('build → test → deploy to test, staging and production: the change is started and completed by the release, the CMDB and the DSL record what runs where', async () => {
    const spare = await createCi({ name: `spare-disk-${uniq()}`, class: 'hardware', status: 'in_store', attributes: { serial: `SN-${uniq()}` } });
    const { rel, chg, art, api, web, app } = await planned({ dhsItemIds: [spare.number] });
    expect(rel.dhsItems).toEqual([expect.objectContaining({ id: spare.id, number: spare.number })]);
    expect(rel).toMatchObject({ number: expect.stringMatching(/^REL\d{7}$/), type: 'full', unitId: app.id, changeIds: [chg.id], artifactIds: [art.id], environments: ['test', 'staging', 'production'], buildRequired: true });
    expect(rel.ciIds.sort()).toEqual([api.id, web.id].sort());
    // Each reference by id and number: the unit, the CIs and the changes.
    expect(rel).toMatchObject({ unitNumber: app.number, changes: [{ id: chg.id, number: chg.number }] });
    expect(rel.cis.map((c: { id: string; number: string }) => [c.id, c.number]).sort()).toEqual([[api.id, api.number], [web.id, web.number]].sort());
    const byUnit = await ok(s.api('GET', `/api/v1/releases?unitId=${app.number}`));
    expect(byUnit.items.map((r: { id: string }) => r.id)).toEqual([rel.id]);
    expect(byUnit.items[0]).toMatchObject({ unitId: app.id, unitNumber: app.number });
    expect(rel.artifacts[0]).toMatchObject({ id: art.id, sha256: art.sha256, url: expect.stringMatching(new RegExp(`/api/v1/dsl/artifacts/${art.id}/content$`)) });
    // The change shows the release that carries it.
    await eventually(async () => ((await ok(s.api('GET', `/api/v1/changes/${chg.id}`))).releaseNumber === rel.number ? true : undefined), 20_000, 'releaseNumber on the change');

    const building = await until(rel.id, (r) => r.state === 'building', 'building');
    expect(stage(building, 'build').status).toBe('running');
    await ok(report(rel.id, 'build', 'succeeded', BOT, 'pipeline #42'));
    // A repeated callback changes nothing.
    const again = await ok(report(rel.id, 'build', 'succeeded'));
    expect(again.stages.filter((x: any) => x.stage === 'build')).toHaveLength(1);
    // A different verdict for a finished stage, or a stage never requested, is a conflict.
    expect((await report(rel.id, 'build', 'failed')).status).toBe(409);
    expect((await report(rel.id, 'deploy:production', 'succeeded')).status).toBe(409);
    expect((await report(rel.id, 'deploy:qa', 'succeeded')).status).toBe(400);
    expect((await report(rel.id, 'launch', 'succeeded')).status).toBe(400);
    expect((await report(rel.id, 'test', 'succeeded', 'dev-agent')).status).toBe(403);

    await ok(report(rel.id, 'test', 'succeeded'));
    await deployThrough(rel.id, ['test', 'staging']);
    // Production waits for the release manager.
    const waiting = await until(rel.id, (r) => r.state === 'awaiting_approval' && r.gate?.environment === 'production', 'production gate');
    expect(waiting.gate.reasons).toEqual(["production needs the release manager's approval"]);
    expect(await ok(s.api('GET', `/api/v1/releases/${rel.id}/gate?environment=production`, { token: BOT }))).toEqual({ state: 'awaiting', reasons: ["production needs the release manager's approval"] });
    expect(await ok(s.api('GET', `/api/v1/releases/${rel.id}/gate?environment=staging`, { token: BOT }))).toEqual({ state: 'allowed', reasons: ['staging is deployed'] });
    expect((await ok(s.api('GET', `/api/v1/releases/${rel.id}/gate?environment=qa`))).state).toBe('invalid');
    expect((await s.api('POST', `/api/v1/releases/${rel.id}/approve`, { token: BOT, body: {} })).status).toBe(403);
    await ok(s.api('POST', `/api/v1/releases/${rel.id}/approve`, { token: RM, body: { comment: 'go' } }));
    expect((await s.api('POST', `/api/v1/releases/${rel.id}/approve`, { token: RM, body: {} })).status).toBe(409);

    await until(rel.id, (r) => stage(r, 'deploy:production')?.status === 'running', 'production requested');
    const implementing = await ok(s.api('GET', `/api/v1/changes/${chg.id}`));
    expect(implementing.state).toBe('implementing');
    await deployThrough(rel.id, ['production']);
    const done = await until(rel.id, (r) => r.state === 'deployed', 'deployed');
    expect(done.deployed).toEqual(['test', 'staging', 'production']);
    expect(done.deployedAt).not.toBeNull();

    const finished = await ok(s.api('GET', `/api/v1/changes/${chg.id}`));
    expect(finished).toMatchObject({ state: 'implemented', outcome: 'success' });
    const changeTrail = (await ok(s.api('GET', `/api/v1/changes/${chg.id}/history`))) as { action: string; actor: string }[];
    expect(changeTrail.filter((e) => e.actor === rel.number).map((e) => e.action)).toEqual(['start', 'implemented']);
    expect(changeTrail.some((e) => e.action === 'release_linked')).toBe(true);

    const ci = await ok(s.api('GET', `/api/v1/cis/${api.id}`));
    expect(ci.attributes.version).toBe('2.0.0');
    const ciHistory = (await ok(s.api('GET', `/api/v1/cis/${api.id}/history`))) as { via: string | null }[];
    expect(ciHistory.some((v) => v.via === rel.number)).toBe(true);
    const rels = await s.tdb.db.ciRelationship.findMany({ where: { sourceId: api.id, type: 'deployed_in' } });
    expect(rels).toHaveLength(3);
    // The spare from the definitive hardware store is in service, its history naming the release.
    expect((await ok(s.api('GET', `/api/v1/cis/${spare.id}`))).status).toBe('live');
    expect(((await ok(s.api('GET', `/api/v1/cis/${spare.id}/history`))) as { via: string | null }[]).some((v) => v.via === rel.number)).toBe(true);
    const stored = await s.tdb.db.dslArtifact.findUniqueOrThrow({ where: { id: art.id } });
    expect(JSON.parse(stored.deployedIn)).toEqual([rel.number]);

    expect(await events(rel.id)).toEqual(expect.arrayContaining(['release.created', 'release.stage_succeeded', 'release.deploy_requested', 'release.deployed']));
    const requested = await s.tdb.db.outboxEvent.findMany({ where: { recordId: rel.id, type: 'release.deploy_requested' }, orderBy: { occurredAt: 'asc' } });
    expect(requested.map((e) => JSON.parse(e.data).environment)).toEqual(['test', 'staging', 'production']);
    expect(JSON.parse(requested[0].data)).toMatchObject({ releaseId: rel.id, releaseNumber: rel.number, environment: 'test', artifacts: [{ id: art.id, sha256: art.sha256 }] });
    // A late repeat after the end is still answered as a success; anything else is refused.
    expect((await report(rel.id, 'verify:production', 'succeeded')).status).toBe(200);
    expect((await report(rel.id, 'verify:production', 'failed')).status).toBe(409);
    const trail = await history(rel.id);
    expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['create', 'build', 'stage_succeeded', 'deploy_requested', 'stage_result', 'environment_deployed', 'approve', 'changes_started', 'deployed']));
  });

  test('a deployment failing in staging rolls test back; the release ends rolled_back and its change is not started', async () => {
    const { rel, chg } = await planned({ buildRequired: false });
    const testing = await until(rel.id, (r) => r.state === 'testing', 'testing');
    expect(stage(testing, 'build')).toMatchObject({ status: 'skipped' });
    await ok(report(rel.id, 'test', 'succeeded'));
    await deployThrough(rel.id, ['test']);
    await until(rel.id, (r) => stage(r, 'deploy:staging')?.status === 'running', 'staging requested');
    await ok(report(rel.id, 'deploy:staging', 'failed', BOT, 'disk full'));
    const rolling = await until(rel.id, (r) => r.state === 'rolling_back' && stage(r, 'rollback:test')?.status === 'running', 'rolling back test');
    expect(rolling.rollback).toMatchObject({ queue: ['test'], reason: 'deploy:staging failed: disk full' });
    await ok(report(rel.id, 'rollback:test', 'succeeded'));
    const done = await until(rel.id, (r) => r.state === 'rolled_back', 'rolled back');
    expect(done).toMatchObject({ deployed: [], rollback: { done: ['test'], failed: [] }, failure: { stage: 'deploy:staging' } });
    expect((await ok(s.api('GET', `/api/v1/changes/${chg.id}`))).state).toBe('scheduled');
    expect(await events(rel.id)).toEqual(expect.arrayContaining(['release.stage_failed', 'release.rollback_requested', 'release.rolled_back']));
  });

  test('a failed verification in production rolls back production, staging and test in reverse; the started change fails with its backout', async () => {
    const { rel, chg } = await planned({ buildRequired: false, environments: ['test', 'production'] });
    await until(rel.id, (r) => r.state === 'testing', 'testing');
    await ok(report(rel.id, 'test', 'succeeded'));
    await deployThrough(rel.id, ['test']);
    await until(rel.id, (r) => r.state === 'awaiting_approval', 'awaiting approval');
    await ok(s.api('POST', `/api/v1/releases/${rel.id}/approve`, { token: RM, body: {} }));
    await until(rel.id, (r) => stage(r, 'deploy:production')?.status === 'running', 'production requested');
    await ok(report(rel.id, 'deploy:production', 'succeeded'));
    await ok(report(rel.id, 'verify:production', 'failed', BOT, 'error rate 12%'));
    await until(rel.id, (r) => stage(r, 'rollback:production')?.status === 'running', 'rolling back production');
    await ok(report(rel.id, 'rollback:production', 'succeeded'));
    await until(rel.id, (r) => stage(r, 'rollback:test')?.status === 'running', 'rolling back test');
    // A rollback that fails leaves the release failed, naming the stage.
    await ok(report(rel.id, 'rollback:test', 'failed', BOT, 'snapshot missing'));
    const done = await until(rel.id, (r) => r.state === 'failed', 'failed');
    expect(done.rollback).toMatchObject({ done: ['production'], failed: ['test'] });
    expect(done.failure.stage).toBe('rollback:test');
    const c = await eventually(async () => {
      const v = await ok(s.api('GET', `/api/v1/changes/${chg.id}`));
      return v.state === 'failed' ? v : undefined;
    }, 20_000, 'change failed');
    expect(c.backout).not.toBeNull();
    const notes = await s.tdb.db.notification.findMany({ where: { kind: 'release_rollback_failed' } });
    expect(notes.length).toBeGreaterThan(0);
  });

  test('cancel mid-deployment stops the waiting deployment and rolls back what was deployed; cancel before deploying just ends it', async () => {
    const { rel } = await planned({ buildRequired: false });
    await until(rel.id, (r) => r.state === 'testing', 'testing');
    await ok(report(rel.id, 'test', 'succeeded'));
    await deployThrough(rel.id, ['test']);
    await until(rel.id, (r) => stage(r, 'deploy:staging')?.status === 'running', 'staging requested');
    expect((await s.api('POST', `/api/v1/releases/${rel.id}/cancel`, { token: RM, body: {} })).status).toBe(400);
    await ok(s.api('POST', `/api/v1/releases/${rel.id}/cancel`, { token: RM, body: { reason: 'wrong build' } }));
    // The deployment in flight may be partly applied: it is undone too, then test.
    const rolling = await until(rel.id, (r) => r.state === 'rolling_back', 'rolling back');
    expect(rolling.rollback.queue).toEqual(['staging', 'test']);
    for (const e of ['staging', 'test']) {
      await until(rel.id, (r) => stage(r, `rollback:${e}`)?.status === 'running', `rollback:${e}`);
      await ok(report(rel.id, `rollback:${e}`, 'succeeded'));
    }
    const done = await until(rel.id, (r) => r.state === 'rolled_back', 'rolled back');
    expect(done.cancelReason).toBe('wrong build');
    expect(stage(done, 'deploy:staging').status).toBe('cancelled');

    const other = await planned();
    await until(other.rel.id, (r) => r.state === 'building', 'building');
    const cancelled = await ok(s.api('POST', `/api/v1/releases/${other.rel.id}/cancel`, { token: RM, body: { reason: 'not needed' } }));
    expect(cancelled).toMatchObject({ state: 'cancelled', cancelReason: 'not needed' });
    expect(stage(cancelled, 'build').status).toBe('cancelled');
    expect((await s.api('POST', `/api/v1/releases/${other.rel.id}/cancel`, { token: RM, body: { reason: 'again' } })).status).toBe(409);
    expect((await report(other.rel.id, 'build', 'succeeded')).status).toBe(409);
  });

  test('the gate waits for the change: a change in CAB review holds the release until approved; a change whose window has not opened holds it until it does', async () => {
    const t = await unit();
    const art = await artifact(`shop-${t.u}`);
    const normal = await ok(s.api('POST', '/api/v1/changes', { token: RM, body: { type: 'normal', title: 'Deploy', ciIds: [t.api.id, t.web.id], plannedStart: at(-MIN), plannedEnd: at(4 * HOUR), implementationPlan: 'pipeline', backoutPlan: 'rollback' } }), 201);
    const rel = await ok(s.api('POST', '/api/v1/releases', { token: RM, body: { name: 'Shop', version: '2.1.0', type: 'full', unitId: t.app.id, changeIds: [normal.id], artifactIds: [art.id], buildRequired: false, environments: ['test'] } }), 201);
    // The release manager may approve early; the change still holds the deployment.
    await ok(s.api('POST', `/api/v1/releases/${rel.id}/approve`, { token: RM, body: {} }));
    await until(rel.id, (r) => r.state === 'testing', 'testing');
    await ok(report(rel.id, 'test', 'succeeded'));
    const held = await until(rel.id, (r) => r.state === 'awaiting_approval' && r.gate?.reasons.some((x: string) => x.includes(normal.number)), 'held by the change');
    expect(held.gate.state).toBe('awaiting');
    expect((await ok(s.api('GET', `/api/v1/releases/${rel.id}/gate?environment=test`))).state).toBe('awaiting');
    // The CAB approves: the change moves, tells the release, the release deploys (no polling).
    await eventually(async () => ((await ok(s.api('GET', `/api/v1/changes/${normal.id}`))).state === 'cab_review' ? true : undefined), 20_000, 'cab review');
    for (const token of ['dev-cab_member', 'dev-cab_member2', 'dev-cab_member3', 'dev-change_manager']) {
      const r = await s.api('POST', `/api/v1/changes/${normal.id}/votes`, { token, body: { decision: 'approve' } });
      expect([200, 201, 409]).toContain(r.status);
    }
    await until(rel.id, (r) => stage(r, 'deploy:test')?.status === 'running', 'deploy:test after approval');

    const t2 = await unit();
    const art2 = await artifact(`shop-${t2.u}`);
    const later = await change([t2.api.id, t2.web.id], { plannedStart: at(2 * HOUR), plannedEnd: at(4 * HOUR) });
    const rel2 = await ok(s.api('POST', '/api/v1/releases', { token: RM, body: { name: 'Shop', version: '2.2.0', type: 'full', unitId: t2.app.id, changeIds: [later.id], artifactIds: [art2.id], buildRequired: false } }), 201);
    await until(rel2.id, (r) => r.state === 'testing', 'testing');
    await ok(report(rel2.id, 'test', 'succeeded'));
    const waiting = await until(rel2.id, (r) => r.state === 'awaiting_approval' && !!r.gate, 'waiting for the window');
    expect(waiting.gate.reasons).toEqual([`${later.number}'s window opens at ${later.plannedStart}`]);
    expect(waiting.gate.state).toBe('awaiting');
  });

  test('creation is checked against the CMDB, the changes and the DSL: each problem named (400), roles enforced, unknown release 404', async () => {
    const t = await unit();
    const chg = await change([t.api.id]);
    const good = await artifact(`good-${t.u}`);
    const pending = await artifact(`pending-${t.u}`, 'pending');
    const base = { name: 'Shop', version: '3.0.0', type: 'full', unitId: t.app.id, changeIds: [chg.id], artifactIds: [good.id] };
    const post = (body: Record<string, unknown>, token = RM) => s.api('POST', '/api/v1/releases', { token, body });

    // A full release must carry every component; the change covers only one of them.
    const missing = await post({ ...base, ciIds: [t.api.id] });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.find((e: any) => e.path === 'ciIds').message).toContain(t.web.number);
    const uncovered = await post(base);
    expect(uncovered.status).toBe(400);
    expect(uncovered.body.errors.find((e: any) => e.path === 'changeIds').message).toContain(t.web.number);

    expect(paths((await post({ ...base, artifactIds: [pending.id, 'art_nope'] })).body)).toEqual(expect.arrayContaining(['artifactIds.0', 'artifactIds.1']));
    expect(paths((await post({ ...base, changeIds: ['CHG9999999'] })).body)).toContain('changeIds.0');
    expect(paths((await post({ ...base, unitId: t.api.id })).body)).toContain('unitId');
    expect(paths((await post({ ...base, type: 'delta', unitId: undefined })).body)).toEqual(['unitId']);
    expect(paths((await post({ ...base, type: 'package', unitId: undefined })).body)).toEqual(['ciIds']);
    expect(paths((await post({ ...base, environments: ['test', 'test'] })).body)).toEqual(['environments.1']);
    expect(paths((await post({ ...base, ciIds: [t.api.id, t.web.id], dhsItemIds: [t.api.id] })).body)).toEqual(expect.arrayContaining(['dhsItemIds.0']));
    expect(paths((await post({ ...base, healthChecks: { qa: 'http://127.0.0.1/health' } })).body)).toEqual(['healthChecks.qa']);
    expect((await post(base, 'dev-agent')).status).toBe(403);
    expect((await post(base, BOT)).status).toBe(403);
    expect((await s.api('GET', '/api/v1/releases/REL9999999')).status).toBe(404);
    expect((await s.api('GET', '/api/v1/releases', { token: 'dev-requester' })).status).toBe(403);

    // A package may group components of several units; a delta carries only what changed since the last deployed release.
    const pkg = await ok(post({ name: 'Bundle', version: '1', type: 'package', ciIds: [t.api.id], changeIds: [chg.id], artifactIds: [good.id] }), 201);
    expect(pkg.ciIds).toEqual([t.api.id]);
    // The change is now carried by an open release: another may not take it.
    expect(paths((await post({ name: 'Again', version: '1', type: 'package', ciIds: [t.api.id], changeIds: [chg.id], artifactIds: [good.id] })).body)).toEqual(['changeIds.0']);
    // Every release, one page at a time: none missing, none repeated.
    const total = await s.tdb.db.release.count();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await ok(s.api('GET', `/api/v1/releases?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
    expect(total).toBeGreaterThan(2);
    expect((await ok(s.api('GET', `/api/v1/releases?unitId=${t.app.number}`))).items.every((r: any) => r.unitId === t.app.id && r.unitNumber === t.app.number)).toBe(true);
    expect((await s.api('GET', '/api/v1/releases?state=bogus')).status).toBe(400);
  });
});
