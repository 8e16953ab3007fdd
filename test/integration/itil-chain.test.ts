/**
 * The whole ITIL chain as one HTTP scenario, against the real stack (Temporal dev server,
 * worker, API; SQLite, and PostgreSQL when TEST_POSTGRES_URL is set), through the real
 * workflows and only the public API:
 *
 *   CMDB (a release unit, its two components, the environments)
 *   → repeated incidents on one component → trend detection opens a problem
 *   → investigation, five whys, a known error → a new incident is offered it and applies the workaround
 *   → an RFC from the problem → the CAB approves by votes
 *   → a verified DSL artifact → a release built, tested, deployed to test, staging and
 *     production (approved before production), reported by the automation token
 *   → the release completes the change → the problem is resolved, its incidents resolved
 *     naming the change → observation → the problem closes itself, its known error retired.
 *
 * Observation: trend detection opens problems with the process setting
 * PROBLEM_OBSERVATION_PERIOD (a detected problem has no observationPeriod of its own), read by
 * the API that runs the detection. This suite runs the stack's API with
 * PROBLEM_OBSERVATION_PERIOD=PT5S, as an operator would configure it, so closure by the
 * durable observation timer is seen for real.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PROVIDERS } from '../support/database';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const OBSERVATION = 'PT5S';


let env: TestWorkflowEnvironment;
let base: string;
beforeAll(async () => {
  env = await startDevServer();
  base = mkdtempSync(path.join(os.tmpdir(), 'itil-chain-'));
});
afterAll(async () => {
  await env?.teardown();
  if (base) rmSync(base, { recursive: true, force: true });
});

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const AGENT = 'dev-agent';
const PM = 'dev-problem_manager';
const CAB = ['dev-cab_member', 'dev-cab_member2', 'dev-cab_member3'];
const RM = 'dev-release_manager';
const BOT = 'dev-automation';
const ADMIN = 'dev-admin';

type Entry = { at: string; actor: string; action: string; from?: string; to?: string; data: any };

describe.each(PROVIDERS)('the ITIL chain end to end on %s', (provider) => {
  let s: Stack;
  let fileRoot: string;

  beforeAll(async () => {
    fileRoot = path.join(base, provider, 'inbox');
    mkdirSync(fileRoot, { recursive: true });
    s = await startStack({ provider, env, apiEnv: { PROBLEM_OBSERVATION_PERIOD: OBSERVATION }, dsl: { dir: path.join(base, provider, 'dsl'), fileRoot, maxBytes: 1024 * 1024, fetchTimeoutMs: 10_000 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  async function ok(res: Promise<{ status: number; body: any }>, status = 200) {
    const r = await res;
    expect([r.status, r.body?.detail, r.body?.errors]).toEqual([status, undefined, undefined]);
    return r.body;
  }
  const get = (p: string, token = AGENT) => ok(s.api('GET', p, { token }));
  const post = (p: string, body: unknown, token: string, status = 200) => ok(s.api('POST', p, { token, body }), status);
  const trail = (p: string, token = AGENT) => get(`${p}/history`, token) as Promise<Entry[]>;
  /** Polls a record until `pred` holds; on time-out says what was last seen. */
  async function until(p: string, pred: (r: any) => boolean, what: string, token = AGENT, timeoutMs = 30_000) {
    let last: any;
    try {
      return await eventually(async () => {
        last = await get(p, token);
        return pred(last) ? last : undefined;
      }, timeoutMs, what);
    } catch (e) {
      throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify({ state: last?.state, gate: last?.gate, stages: last?.stages?.map((x: any) => `${x.stage}=${x.status}`) })}`);
    }
  }

  test('CMDB → incidents → trend → problem → known error → workaround → RFC → CAB → DSL → release → change success → problem resolved, incidents resolved, observed, closed', async () => {
    const u = `${provider}-${Date.now().toString(36)}`;

    // ---- 1. CMDB: the release unit, its two components, the environments ----
    const ci = (body: Record<string, unknown>) => post('/api/v1/cis', body, ADMIN, 201);
    const shop = await ci({ name: `shop-${u}`, class: 'application', status: 'live' });
    const api = await ci({ name: `shop-api-${u}`, class: 'software', status: 'live', attributes: { version: '1.4.0' } });
    const web = await ci({ name: `shop-web-${u}`, class: 'software', status: 'live', attributes: { version: '1.4.0' } });
    for (const c of [api, web]) await post(`/api/v1/cis/${shop.id}/relationships`, { type: 'depends_on', targetId: c.number }, ADMIN, 201);
    const envs: Record<string, any> = {};
    for (const name of ['test', 'staging', 'production']) envs[name] = await ci({ name, class: 'environment' });
    const impact = await get(`/api/v1/cis/${api.number}/impact`);
    expect(impact.affected.map((a: any) => a.id)).toEqual([shop.id]);

    // ---- 2. Five incidents on the API component → trend detection opens a problem ----
    const incidents: any[] = [];
    for (let i = 1; i <= 5; i++) {
      incidents.push(await post('/api/v1/incidents', { title: `Checkout fails with HTTP 502 (${i})`, impact: 'medium', urgency: 'medium', ciId: api.id }, AGENT, 201));
    }
    expect(incidents.map((i) => [i.state, i.knownErrors])).toEqual(incidents.map(() => ['new', []]));
    const period = { from: at(-HOUR), to: at(MIN), window: 'PT1H', threshold: 5 };
    const dry = await post('/api/v1/problems/detect', { ...period, dryRun: true }, PM);
    expect(dry.problems).toEqual([expect.objectContaining({ key: `ci:${api.id}`, status: 'would_open', problem: null, incidents: 5 })]);
    const detected = await post('/api/v1/problems/detect', period, PM);
    expect(detected).toMatchObject({ dryRun: false, threshold: 5, window: 'PT1H' });
    expect(detected.problems).toEqual([expect.objectContaining({ key: `ci:${api.id}`, kind: 'ci', status: 'opened', incidents: 5, linked: 5, problem: expect.stringMatching(/^PRB\d{7}$/) })]);
    const prbNumber: string = detected.problems[0].problem;
    const prbPath = `/api/v1/problems/${prbNumber}`;
    const opened = await get(prbPath, PM);
    expect(opened).toMatchObject({ state: 'new', createdBy: 'system', ciId: api.id, observationPeriod: OBSERVATION, title: expect.stringContaining('5 incidents on') });
    expect([...opened.incidentIds].sort()).toEqual(incidents.map((i) => i.id).sort());
    expect(opened.impact.cis.map((c: any) => c.id)).toEqual([api.id]);
    const prbId: string = opened.id;
    expect((await trail(prbPath, PM))[0]).toMatchObject({ action: 'create', data: { trend: `ci:${api.id}`, incidents: incidents.map((i) => i.number) } });
    // Linked both ways: each incident shows the problem, on its own audit trail too.
    for (const i of incidents) {
      const linked = await until(`/api/v1/incidents/${i.id}`, (x) => x.problemId === prbId, `${i.number} linked to ${prbNumber}`);
      expect(linked.problemNumber).toBe(prbNumber);
      expect((await trail(`/api/v1/incidents/${i.id}`)).find((h) => h.action === 'problem_linked')?.data).toMatchObject({ problemId: prbId, problemNumber: prbNumber });
    }
    // A repeat run opens nothing more: the incidents are in an open problem now.
    expect((await post('/api/v1/problems/detect', period, PM)).problems).toEqual([]);

    // ---- 3. Investigation, five whys, the known error; a new incident is offered it ----
    expect((await post(`${prbPath}/investigate`, { note: 'five 502 storms this hour' }, PM)).state).toBe('investigating');
    const whys = [
      { why: 'Why does checkout fail with 502?', answer: 'The API pods restart under load' },
      { why: 'Why do they restart?', answer: 'They run out of memory' },
      { why: 'Why do they run out of memory?', answer: 'The session cache grows without bound' },
      { why: 'Why does it grow without bound?', answer: 'Entries have no expiry' },
      { why: 'Why have they no expiry?', answer: 'The TTL setting was dropped in the 1.4 refactoring' },
    ];
    const analysed = await post(`${prbPath}/rca`, { method: 'five_whys', entries: whys }, PM);
    expect(analysed.rca).toMatchObject({ method: 'five_whys', entries: whys.map((w) => ({ ...w, method: 'five_whys', author: 'usr-problem_manager' })) });
    const workaround = `restart the shop-api-${u} pods and clear the session cache`;
    const ke = await post(`${prbPath}/known-error`, { rootCause: 'session cache entries have no TTL since 1.4', workaround, symptoms: 'checkout returns HTTP 502 under load' }, PM);
    expect(ke).toMatchObject({ state: 'known_error', knownErrorNumber: expect.stringMatching(/^KE\d{7}$/), knownError: { status: 'active', workaround, ciIds: [api.id] } });
    const keNumber: string = ke.knownErrorNumber;
    expect((await get(`/api/v1/known-errors?ciId=${api.number}`)).items.map((k: any) => k.number)).toEqual([keNumber]);

    const sixth = await post('/api/v1/incidents', { title: 'Checkout fails again with 502', impact: 'medium', urgency: 'high', ciId: api.number }, AGENT, 201);
    expect(sixth.knownErrors).toEqual([{ id: ke.knownErrorId, number: keNumber, title: opened.title, workaround }]);
    expect(sixth.problemId).toBeNull();
    const applied = await post(`/api/v1/incidents/${sixth.number}/apply-workaround`, { knownErrorId: keNumber }, AGENT);
    expect(applied).toMatchObject({ problemId: prbId, problemNumber: prbNumber, knownErrorId: ke.knownErrorId });
    expect((await trail(`/api/v1/incidents/${sixth.id}`)).find((h) => h.action === 'workaround_applied')).toMatchObject({ actor: 'usr-agent', data: { knownError: keNumber, problemNumber: prbNumber, workaround } });
    await until(prbPath, (p) => p.incidentIds.includes(sixth.id), `${prbNumber} holding ${sixth.number}`, PM);
    expect((await get(`/api/v1/known-errors/${keNumber}`)).workaroundApplied).toBe(1);
    const allIncidents = [...incidents, sixth];

    // ---- 4. The RFC from the problem; the CAB approves by votes ----
    const pending = await post(`${prbPath}/request-change`, {
      title: `Restore the session cache TTL in shop ${u}`,
      type: 'normal',
      ciIds: [api.id, web.id],
      plannedStart: at(-MIN),
      plannedEnd: at(4 * HOUR),
      implementationPlan: 'ship shop 1.5.0 (TTL restored) through the release pipeline',
      backoutPlan: 'roll back to 1.4.0 through the release pipeline',
    }, PM);
    expect(pending).toMatchObject({ state: 'change_pending', changes: [{ outcome: null }] });
    const chgNumber: string = pending.changes[0].number;
    const chgPath = `/api/v1/changes/${chgNumber}`;
    const rfc = await until(chgPath, (c) => c.state === 'cab_review', `${chgNumber} in CAB review`);
    expect(rfc).toMatchObject({ type: 'normal', problemId: prbId, problemNumber: prbNumber, cab: { required: expect.arrayContaining(['usr-cab_member', 'usr-cab_member2', 'usr-cab_member3']), votes: [] } });
    expect([...rfc.ciIds].sort()).toEqual([api.id, web.id].sort());
    expect(rfc.impact.cis.map((c: any) => c.id)).toEqual(expect.arrayContaining([api.id, web.id]));
    for (const token of CAB) await post(`${chgPath}/votes`, { decision: 'approve', comment: `${token}: fine` }, token);
    const approved = await until(chgPath, (c) => c.state === 'scheduled' && c.windowOpenedAt !== null, `${chgNumber} approved and its window open`);
    expect(approved.cab.votes.map((v: any) => [v.member, v.decision, v.counted])).toEqual([
      ['usr-cab_member', 'approve', true],
      ['usr-cab_member2', 'approve', true],
      ['usr-cab_member3', 'approve', true],
    ]);
    expect((await trail(chgPath)).map((h) => h.to).filter(Boolean)).toEqual(expect.arrayContaining(['cab_review', 'approved', 'scheduled']));

    // ---- 5. A verified DSL artifact, then the release ----
    const bytes = Buffer.from(`shop ${u} 1.5.0\n${'x'.repeat(4096)}`);
    const file = path.join(fileRoot, `shop-${u}-1.5.0.tgz`);
    writeFileSync(file, bytes);
    const registered = await post('/api/v1/dsl/artifacts', { name: `shop-${u}`, version: '1.5.0', uri: pathToFileURL(file).href, sha256: sha(bytes) }, RM, 201);
    expect(registered.status).toBe('pending');
    const art = await until(`/api/v1/dsl/artifacts/${registered.id}`, (a) => a.status !== 'pending', 'the artifact verified', RM);
    expect(art).toMatchObject({ status: 'verified', actualSha256: sha(bytes), sizeBytes: bytes.length });

    const rel = await post('/api/v1/releases', { name: `Shop ${u}`, version: '1.5.0', type: 'full', unitId: shop.number, changeIds: [chgNumber], artifactIds: [art.id] }, RM, 201);
    expect(rel).toMatchObject({ number: expect.stringMatching(/^REL\d{7}$/), type: 'full', unitId: shop.id, changeIds: [approved.id], artifactIds: [art.id], environments: ['test', 'staging', 'production'] });
    expect([...rel.ciIds].sort()).toEqual([api.id, web.id].sort());
    const relPath = `/api/v1/releases/${rel.number}`;
    const linkedChange = await until(chgPath, (c) => c.releaseNumber === rel.number, `${chgNumber} showing ${rel.number}`);
    expect(linkedChange.releaseId).toBe(rel.id);
    expect((await trail(chgPath)).some((h) => h.action === 'release_linked')).toBe(true);

    const stage = (r: any, name: string) => r.stages.find((x: any) => x.stage === name);
    const report = (name: string) => post(`${relPath}/stages/${name}/result`, { status: 'succeeded', details: `pipeline ${u}` }, BOT);
    await until(relPath, (r) => r.state === 'building' && stage(r, 'build')?.status === 'running', 'building', RM);
    await report('build');
    await until(relPath, (r) => r.state === 'testing', 'testing', RM);
    await report('test');
    for (const e of ['test', 'staging']) {
      await until(relPath, (r) => stage(r, `deploy:${e}`)?.status === 'running', `deploy:${e} requested`, RM);
      await report(`deploy:${e}`);
      await report(`verify:${e}`);
    }
    const waiting = await until(relPath, (r) => r.state === 'awaiting_approval' && r.gate?.environment === 'production', 'the production gate', RM);
    expect(waiting.gate.reasons).toEqual(["production needs the release manager's approval"]);
    expect(waiting.deployed).toEqual(['test', 'staging']);
    // The change is not started before production.
    expect((await get(chgPath)).state).toBe('scheduled');
    await post(`${relPath}/approve`, { comment: 'staging is green' }, RM);
    await until(relPath, (r) => stage(r, 'deploy:production')?.status === 'running', 'deploy:production requested', RM);
    expect((await get(chgPath)).state).toBe('implementing');
    await report('deploy:production');
    await report('verify:production');
    const deployed = await until(relPath, (r) => r.state === 'deployed', 'deployed', RM);
    expect(deployed.deployed).toEqual(['test', 'staging', 'production']);
    // The release's audit trail: who reported what, the gate, the approval, the change started by the release.
    const perEnvironment = (e: string) => [
      ['system', 'deploy_requested', 'deploying'],
      ['usr-automation', `stage_result deploy:${e}`, 'deploying'],
      ['usr-automation', `stage_result verify:${e}`, 'deploying'],
      ['system', 'environment_deployed', 'deploying'],
    ];
    const relTrail = await trail(relPath, RM);
    expect(relTrail.map((h) => [h.actor, h.action === 'stage_result' ? `${h.action} ${h.data.stage}` : h.action, h.to])).toEqual([
      ['usr-release_manager', 'create', 'planned'],
      ['system', 'build', 'building'],
      ['usr-automation', 'stage_succeeded', 'testing'],
      ['usr-automation', 'stage_succeeded', 'awaiting_approval'],
      ...perEnvironment('test'),
      ...perEnvironment('staging'),
      ['system', 'gate_held', 'awaiting_approval'],
      ['usr-release_manager', 'approve', 'awaiting_approval'],
      [rel.number, 'changes_started', 'awaiting_approval'],
      ...perEnvironment('production'),
      ['system', 'deployed', 'deployed'],
    ]);
    expect(relTrail.find((h) => h.action === 'changes_started')?.data).toEqual({ changes: { [chgNumber]: 'done' } });
    const requested = relTrail.filter((h) => h.action === 'deploy_requested').map((h) => h.data);
    expect(requested.map((d) => d.environment)).toEqual(['test', 'staging', 'production']);
    expect(requested[0]).toMatchObject({ releaseNumber: rel.number, artifacts: [{ id: art.id, sha256: sha(bytes) }] });

    // What runs where, in the CMDB and the DSL.
    for (const c of [api, web]) {
      expect((await get(`/api/v1/cis/${c.id}`)).attributes.version).toBe('1.5.0');
      const versions = (await get(`/api/v1/cis/${c.id}/history`)) as { via: string | null; changes: Record<string, unknown> }[];
      const viaRelease = versions.filter((v) => v.via === rel.number).flatMap((v) => Object.keys(v.changes));
      expect(viaRelease).toEqual(expect.arrayContaining(['attributes.version', ...Object.values(envs).map((e) => `relationships.deployed_in.${e.id}`)]));
    }
    expect((await get(`/api/v1/dsl/artifacts/${art.id}`, RM)).deployedIn).toEqual([rel.number]);

    // ---- 6. The change completed by the release → the problem resolved → its incidents resolved → observed → closed ----
    const done = await until(chgPath, (c) => c.state === 'implemented', `${chgNumber} implemented`);
    expect(done).toMatchObject({ outcome: 'success', releaseNumber: rel.number, completionNotes: `deployed by ${rel.number} (Shop ${u} 1.5.0) to test, staging, production` });
    // Raised by the problem manager, approved by the CAB, carried, started and completed by the release.
    const chgTrail = await trail(chgPath);
    expect(chgTrail.map((h) => [h.actor, h.action, h.to])).toEqual([
      ['usr-problem_manager', 'submit', 'submitted'],
      ['system', 'assessing', 'assessing'],
      ['system', 'cab_review', 'cab_review'],
      ...CAB.map((token) => [token.replace('dev-', 'usr-'), 'vote', 'cab_review']),
      ['system', 'approved', 'approved'],
      ['system', 'scheduled', 'scheduled'],
      ['system', 'window_opened', 'scheduled'],
      ['usr-release_manager', 'release_linked', 'scheduled'],
      [rel.number, 'start', 'implementing'],
      [rel.number, 'implemented', 'implemented'],
    ]);
    expect(chgTrail.find((h) => h.action === 'approved')?.data).toMatchObject({ approvals: 3, rejections: 0 });

    const observed = await until(prbPath, (p) => p.state === 'under_observation', `${prbNumber} under observation`, PM);
    expect(observed).toMatchObject({ resolutionCode: 'fix_applied', resolutionNotes: `fixed by ${chgNumber}`, changes: [{ number: chgNumber, outcome: 'success' }], observationPeriod: OBSERVATION });
    expect(Date.parse(observed.observationUntil) - Date.parse(observed.resolvedAt)).toBeGreaterThanOrEqual(5000);
    const note = `Resolved by problem ${prbNumber}: fixed by change ${chgNumber}`;
    for (const i of allIncidents) {
      const resolved = await until(`/api/v1/incidents/${i.id}`, (x) => x.state === 'resolved', `${i.number} resolved by the fix`);
      expect(resolved).toMatchObject({ resolutionCode: 'fix_applied', resolutionNotes: note, problemNumber: prbNumber });
      const incTrail = await trail(`/api/v1/incidents/${i.id}`);
      const linkedBy = i === sixth ? ['usr-agent', 'workaround_applied', 'new'] : ['system', 'problem_linked', 'new'];
      expect(incTrail.map((h) => [h.actor, h.action, h.to])).toEqual([['usr-agent', 'create', 'new'], linkedBy, ['system', 'resolve', 'resolved']]);
      expect(incTrail.at(-1)?.data).toEqual({ code: 'fix_applied', notes: note });
    }

    const closed = await until(prbPath, (p) => p.state === 'closed', `${prbNumber} closed by the observation timer`, PM, 30_000);
    expect(closed).toMatchObject({ knownError: { status: 'retired' }, observationUntil: null });
    expect((await get(`/api/v1/known-errors/${keNumber}`)).status).toBe('retired');
    const prbTrail = await trail(prbPath, PM);
    expect(prbTrail.map((h) => [h.action, h.actor, h.to])).toEqual([
      ['create', 'system', 'new'], // opened by trend detection
      ['investigate', 'usr-problem_manager', 'investigating'],
      ...whys.map(() => ['rca', 'usr-problem_manager', 'investigating']),
      ['known_error', 'usr-problem_manager', 'known_error'],
      ['incidents_linked', 'usr-agent', 'known_error'],
      ['change_requested', 'usr-problem_manager', 'change_pending'],
      ['resolve', 'system', 'resolved'],
      ['observe', 'system', 'under_observation'],
      ['close', 'system', 'closed'],
    ]);
    expect(prbTrail.find((h) => h.action === 'change_requested')?.data).toMatchObject({ changeNumber: chgNumber });
    expect(prbTrail.find((h) => h.action === 'resolve')?.data).toMatchObject({ code: 'fix_applied', changeNumber: chgNumber, outcome: 'success' });
    expect(prbTrail.at(-1)?.data).toMatchObject({ how: 'observation_ended' });
  });
});
