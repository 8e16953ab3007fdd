/**
 * Change management (RFCs, the CAB, templates, freezes, the calendar) end to end over HTTP:
 * Temporal dev server, real worker, real database (SQLite, and PostgreSQL when
 * TEST_POSTGRES_URL is set, as in CI).
 *
 * Every test builds its own CIs, and the freeze and calendar tests use windows days ahead
 * (each in its own day), so no test's freeze or clash can touch another test's changes.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
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

const SEC = 1000;
const HOUR = 3600 * SEC;
const DAY = 24 * HOUR;
/** An ISO timestamp `ms` from now. */
const at = (ms: number) => new Date(Date.now() + ms).toISOString();
const paths = (body: { errors?: { path: string }[] }) => (body?.errors ?? []).map((e) => e.path).sort();
const CAB_USERS = ['usr-change_manager', 'usr-cab_member', 'usr-cab_member2', 'usr-cab_member3'];
const CAB_TOKENS = ['dev-cab_member', 'dev-cab_member2', 'dev-cab_member3'];

describe.each(PROVIDERS)('changes over HTTP on %s', (provider) => {
  let s: Stack;
  let seq = 0;

  beforeAll(async () => {
    s = await startStack({ provider, env });
  });
  afterAll(async () => {
    await s?.close();
  });

  // ---- helpers ----

  const uniq = () => `${provider}-${++seq}-${Date.now().toString(36)}`;

  const createCi = async (body: Record<string, unknown>) => {
    const res = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body });
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    return res.body as { id: string; number: string; name: string; class: string };
  };
  const relate = async (source: string, type: string, target: string) => {
    const res = await s.api('POST', `/api/v1/cis/${source}/relationships`, { token: 'dev-change_manager', body: { type, targetId: target } });
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
  };

  /** server ← app (runs_on) ← service (depends_on): a change to the server reaches the service. */
  async function topology(serviceOwner = 'l2-support') {
    const u = uniq();
    const srv = await createCi({ name: `srv-${u}`, class: 'server', attributes: { hostname: `srv-${u}`, cpuCores: 4, memoryGb: 16 } });
    const app = await createCi({ name: `app-${u}`, class: 'application', attributes: { vendor: 'ACME' } });
    const svc = await createCi({ name: `svc-${u}`, class: 'service', ownerGroup: serviceOwner, attributes: { criticality: 'high' } });
    await relate(app.id, 'runs_on', srv.id);
    await relate(svc.id, 'depends_on', app.id);
    return { srv, app, svc };
  }

  const submit = (body: Record<string, unknown>, token = 'dev-agent', headers: Record<string, string> = {}) =>
    s.api('POST', '/api/v1/changes', {
      token,
      headers,
      body: { title: 'Add memory to the host', type: 'normal', implementationPlan: 'power down, add DIMMs, power up', backoutPlan: 'remove the new DIMMs', ...body },
    });
  const submitOk = async (body: Record<string, unknown>, token = 'dev-agent') => {
    const res = await submit(body, token);
    expect([res.status, res.body.detail, res.body.errors]).toEqual([201, undefined, undefined]);
    return res.body;
  };
  const get = (ref: string, token = 'dev-requester') => s.api('GET', `/api/v1/changes/${ref}`, { token });
  const command = (ref: string, verb: string, body: unknown = {}, token = 'dev-change_manager') => s.api('POST', `/api/v1/changes/${ref}/${verb}`, { token, body });
  const vote = (ref: string, token: string, decision: string = 'approve', comment?: string) =>
    s.api('POST', `/api/v1/changes/${ref}/votes`, { token, body: { decision, ...(comment ? { comment } : {}) } });

  /** Polls GET until `pred` holds; a timeout names the last state seen. */
  const waitFor = (ref: string, pred: (c: any) => boolean, what: string, timeoutMs = 20_000) =>
    eventually(
      async () => {
        const r = await get(ref);
        if (r.status !== 200) throw new Error(`GET ${ref} → ${r.status}`);
        if (!pred(r.body)) throw new Error(`${ref} is ${r.body.state}`);
        return r.body;
      },
      timeoutMs,
      what,
    );
  const waitState = (ref: string, state: string, timeoutMs?: number) => waitFor(ref, (c) => c.state === state, `${ref} to be ${state}`, timeoutMs);

  /** The three CAB members approve (the quorum of a normal change); answers the last vote. */
  async function cabApproves(ref: string) {
    await waitState(ref, 'cab_review');
    let last: any;
    for (const token of CAB_TOKENS) {
      last = await vote(ref, token);
      expect([token, last.status]).toEqual([token, 200]);
    }
    return last;
  }
  const history = async (ref: string) => {
    const res = await s.api('GET', `/api/v1/changes/${ref}/history`);
    expect(res.status).toBe(200);
    return res.body as { action: string; actor: string; from?: string; to?: string; data: any }[];
  };
  const outboxTypes = async (changeId: string) =>
    (await s.tdb.db.outboxEvent.findMany({ where: { recordId: changeId }, orderBy: { occurredAt: 'asc' } })).map((e) => e.type);

  // ---- 1. the normal path ----

  test('normal change: submit → assessing → CAB (three votes) → scheduled → implementing → implemented → reviewed → closed; CMDB updated via the change', async () => {
    const { srv, app, svc } = await topology();
    const plannedStart = at(7 * SEC);
    const created = await submit({
      ciIds: [srv.number],
      plannedStart,
      plannedEnd: at(HOUR),
      description: 'double the RAM',
      ciUpdates: [{ ciId: srv.number, attributes: { memoryGb: 32 } }],
    });
    expect(created.status).toBe(201);
    const number: string = created.body.number;
    expect(number).toMatch(/^CHG\d{7}$/);
    expect(created.body).toMatchObject({
      state: 'submitted',
      type: 'normal',
      workflowId: `change-${number}`,
      ciIds: [srv.id],
      ciNumbers: [srv.number],
      ciUpdates: [{ ciId: srv.id, ciNumber: srv.number, attributes: { memoryGb: 32 } }],
      plannedStart: new Date(plannedStart).toISOString(),
      createdBy: 'usr-agent',
      risk: null,
      cab: null,
      templateId: null,
      templateName: null,
      freezeId: null,
      freezeName: null,
      changeManagerName: null,
    });
    const id: string = created.body.id;

    const review = await waitState(number, 'cab_review');
    expect(review.risk).toEqual({
      score: 25,
      level: 'low',
      factors: [
        { factor: 'type', points: 10, detail: 'normal change' },
        { factor: 'services', points: 15, detail: `${svc.name} (high)` },
      ],
    });
    expect(review.impact.cis).toEqual([{ id: srv.id, number: srv.number, name: srv.name, class: 'server' }]);
    expect(review.impact.affected).toEqual([
      expect.objectContaining({ id: app.id, number: app.number, class: 'application', distance: 1 }),
      expect.objectContaining({ id: svc.id, number: svc.number, class: 'service', distance: 2 }),
    ]);
    expect(review.impact.services).toEqual([{ id: svc.id, number: svc.number, name: svc.name, class: 'service', criticality: 'high', ownerGroup: 'l2-support' }]);
    expect(review.changeManager).toBe('usr-change_manager');
    expect(review).toMatchObject({ changeManagerName: 'Dev change manager', ciNumbers: [srv.number], ciUpdates: [{ ciId: srv.id, ciNumber: srv.number }] });
    // Each approver by name: a user's, or the group's for a group entry.
    expect(review.cab.approvers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ approver: 'usr-cab_member2', approverName: 'Dev cab member 2' }),
        expect.objectContaining({ approver: 'group:l2-support', approverName: 'l2-support' }),
      ]),
    );
    expect(review.cab).toMatchObject({ board: 'cab', votes: [], approvals: 0, rejections: 0, quorum: 3, changeManagerRequired: false });
    expect(review.cab.required).toEqual(expect.arrayContaining([...CAB_USERS, 'group:l2-support']));
    expect(review.cab.required).toHaveLength(5);
    const deadlineIn = Date.parse(review.cab.deadline) - Date.parse(review.submittedAt);
    expect(Math.abs(deadlineIn - 2 * DAY)).toBeLessThan(60 * SEC);

    // Three CAB members vote; each vote is visible in the answer and in a GET right after.
    for (const [i, token] of CAB_TOKENS.entries()) {
      const member = `usr-${token.slice('dev-'.length)}`;
      const res = await vote(number, token, 'approve', `ok from ${member}`);
      expect([token, res.status]).toEqual([token, 200]);
      const mine = res.body.cab.votes.find((v: { member: string }) => v.member === member);
      expect(mine).toMatchObject({ member, decision: 'approve', at: expect.any(String), comment: `ok from ${member}`, counted: true, countsFor: [member], ignoredReason: null });
      expect(mine.memberName).toBe(member === 'usr-cab_member' ? 'Dev cab member' : `Dev cab member ${member.slice(-1)}`);
      expect(Number.isNaN(Date.parse(mine.at))).toBe(false);
      // The deciding vote's answer already shows the CAB's decision.
      if (i < CAB_TOKENS.length - 1) expect(res.body.state).toBe('cab_review');
      else expect(['approved', 'scheduled']).toContain(res.body.state);
      const got = (await get(id)).body;
      expect(got.cab.votes).toHaveLength(i + 1);
      expect(got.cab.votes[i]).toMatchObject({ member, memberName: mine.memberName, decision: 'approve' });
    }

    const scheduled = await waitState(number, 'scheduled');
    expect(scheduled.decision).toMatchObject({ outcome: 'approved', by: 'cab', reason: expect.stringMatching(/quorum/) });
    expect(scheduled.cab.approvals).toBe(3);
    expect(scheduled.windowOpenedAt).toBeNull();
    const actions = (await history(number)).map((h) => h.action);
    expect(actions.indexOf('approved')).toBeGreaterThan(-1);
    expect(actions.indexOf('approved')).toBeLessThan(actions.indexOf('scheduled'));

    // Too early: the window has not opened.
    const early = await command(number, 'start', {}, 'dev-agent');
    expect(early.status).toBe(409);
    expect(early.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(early.body.detail).toContain(`before its window opens at ${new Date(plannedStart).toISOString()}`);
    expect((await get(number)).body.state).toBe('scheduled');

    const opened = await waitFor(number, (c) => c.windowOpenedAt !== null, 'the window to open', 20_000);
    expect(Date.parse(opened.windowOpenedAt)).toBeGreaterThanOrEqual(Date.parse(plannedStart) - 1000);
    const started = await command(number, 'start', { notes: 'starting' }, 'dev-agent');
    expect([started.status, started.body.state]).toEqual([200, 'implementing']);
    expect(started.body.startedAt).not.toBeNull();
    expect((await get(number)).body.state).toBe('implementing');

    const done = await command(number, 'complete', { outcome: 'success', notes: 'RAM doubled' }, 'dev-agent');
    expect([done.status, done.body.state, done.body.outcome]).toEqual([200, 'implemented', 'success']);
    expect(done.body).toMatchObject({ completionNotes: 'RAM doubled', backout: null });
    expect((await get(number)).body.state).toBe('implemented');

    // The CMDB took the change's update, recorded as made through it.
    const ciHistory = await s.api('GET', `/api/v1/cis/${srv.id}/history`);
    expect(ciHistory.status).toBe(200);
    const viaChange = ciHistory.body.filter((v: { via: string | null }) => v.via === number);
    expect(viaChange).toHaveLength(1);
    expect(viaChange[0]).toMatchObject({ actor: 'usr-agent', changes: { 'attributes.memoryGb': { before: 16, after: 32 } } });
    expect((await s.api('GET', `/api/v1/cis/${srv.id}`)).body.attributes.memoryGb).toBe(32);

    const reviewed = await command(number, 'review', { notes: 'went fine' });
    expect([reviewed.status, reviewed.body.state]).toEqual([200, 'reviewed']);
    expect(reviewed.body.review).toMatchObject({ notes: 'went fine', by: 'usr-change_manager' });
    expect((await get(number)).body.state).toBe('reviewed');
    const closed = await command(number, 'close');
    expect([closed.status, closed.body.state]).toEqual([200, 'closed']);
    expect(closed.body.closedAt).not.toBeNull();

    // By id and by number: the same record.
    const byId = await get(id);
    const byNumber = await get(number);
    expect([byId.status, byNumber.status]).toEqual([200, 200]);
    expect(byNumber.body).toEqual(byId.body);
    expect(byId.body.state).toBe('closed');

    const trail = await history(id);
    expect(trail.map((h) => h.action)).toEqual(['submit', 'assessing', 'cab_review', 'vote', 'vote', 'vote', 'approved', 'scheduled', 'window_opened', 'start', 'implemented', 'review', 'close']);
    expect(trail[0]).toMatchObject({ actor: 'usr-agent', to: 'submitted' });
    expect(trail.filter((h) => h.action === 'vote').map((h) => h.actor)).toEqual(['usr-cab_member', 'usr-cab_member2', 'usr-cab_member3']);
    expect(trail.find((h) => h.action === 'implemented')!.data.cmdbUpdates).toEqual([expect.objectContaining({ ciId: srv.id, number: srv.number })]);

    // A closed change takes no more commands, and no more votes.
    const after = await command(number, 'start', {}, 'dev-agent');
    expect(after.status).toBe(409);
    expect(after.body.detail).toMatch(/closed/);
    expect((await vote(number, 'dev-cab_member')).status).toBe(409);

    // Events for webhooks went to the outbox with each transition.
    expect(await outboxTypes(id)).toEqual(['change.submitted', 'change.approved', 'change.scheduled', 'change.implemented', 'change.reviewed', 'change.closed']);
  });

  // ---- 2. a failed change ----

  test('failed change: backout executed, the CMDB untouched, close refused until reviewed', async () => {
    const { srv } = await topology();
    const c = await submitOk({ ciIds: [srv.id], plannedStart: at(4 * SEC), plannedEnd: at(HOUR), ciUpdates: [{ ciId: srv.id, attributes: { os: 'Linux 6.12' } }] });
    await cabApproves(c.number);
    await waitFor(c.number, (x) => x.state === 'scheduled' && x.windowOpenedAt !== null, 'scheduled with its window open');
    expect((await command(c.number, 'start', {}, 'dev-agent')).body.state).toBe('implementing');

    const failed = await command(c.number, 'complete', { outcome: 'failed', notes: 'kernel panic' }, 'dev-agent');
    expect([failed.status, failed.body.state, failed.body.outcome]).toEqual([200, 'failed', 'failed']);
    expect(failed.body.backout).toEqual({ plan: 'remove the new DIMMs', executedAt: expect.any(String), executedBy: 'usr-agent' });
    const got = (await get(c.id)).body;
    expect(got.state).toBe('failed');
    expect(got.backout).not.toBeNull();

    const ciHistory = (await s.api('GET', `/api/v1/cis/${srv.id}/history`)).body;
    expect(ciHistory.length).toBeGreaterThan(0);
    expect(ciHistory.filter((v: { via: string | null }) => v.via === c.number)).toEqual([]);
    expect((await s.api('GET', `/api/v1/cis/${srv.id}`)).body.attributes.os).toBeUndefined();

    const closeEarly = await command(c.number, 'close');
    expect(closeEarly.status).toBe(409);
    expect(closeEarly.body.detail).toMatch(/'failed'/);
    expect(closeEarly.body.detail).toMatch(/review/);
    expect((await get(c.number)).body.state).toBe('failed');

    const reviewed = await command(c.number, 'review', { notes: 'test the kernel in staging first' });
    expect([reviewed.status, reviewed.body.state]).toEqual([200, 'reviewed']);
    const closed = await command(c.number, 'close');
    expect([closed.status, closed.body.state]).toEqual([200, 'closed']);
    expect((await get(c.number)).body.state).toBe('closed');

    const trail = (await history(c.number)).map((h) => h.action);
    expect(trail.slice(-4)).toEqual(['start', 'failed', 'review', 'close']);
    const failedEntry = (await history(c.number)).find((h) => h.action === 'failed')!;
    expect(failedEntry.data).toMatchObject({ outcome: 'failed', backout: { executed: true }, cmdbUpdated: false });
    expect(await outboxTypes(c.id)).toEqual(['change.submitted', 'change.approved', 'change.scheduled', 'change.failed', 'change.reviewed', 'change.closed']);

    // A CI that failed a change recently is riskier to change again.
    const again = await submitOk({ ciIds: [srv.id], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) });
    const assessed = await waitState(again.number, 'cab_review');
    expect(assessed.risk.factors).toEqual(expect.arrayContaining([expect.objectContaining({ factor: 'failed_changes', points: 10, detail: expect.stringContaining(c.number) })]));
  });

  // ---- 3. who may vote, and when ----

  test('votes: 401 without a token, 403 for non-CAB roles, a second vote from a member 409, 409 outside cab_review; 404 for an unknown change', async () => {
    const { srv } = await topology();
    const c = await submitOk({ ciIds: [srv.id], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) });
    await waitState(c.number, 'cab_review');

    expect((await s.api('POST', `/api/v1/changes/${c.number}/votes`, { token: null, body: { decision: 'approve' } })).status).toBe(401);
    expect((await s.api('POST', `/api/v1/changes/${c.number}/votes`, { token: 'not-a-token', body: { decision: 'approve' } })).status).toBe(401);
    for (const token of ['dev-requester', 'dev-agent', 'dev-problem_manager', 'dev-release_manager']) {
      const res = await vote(c.number, token);
      expect([token, res.status]).toEqual([token, 403]);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }

    // Not yet approved: start is refused, naming the state.
    const start = await command(c.number, 'start', {}, 'dev-agent');
    expect(start.status).toBe(409);
    expect(start.body.detail).toMatch(/'cab_review'/);

    const first = await vote(c.number, 'dev-cab_member');
    expect(first.status).toBe(200);
    expect(first.body.cab).toMatchObject({ approvals: 1, rejections: 0 });
    // A second vote from the same member is refused (even a reject), naming the vote that counts.
    const dup = await vote(c.number, 'dev-cab_member', 'reject');
    expect(dup.status).toBe(409);
    expect(dup.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(dup.body.detail).toMatch(new RegExp(`already voted 'approve' on ${c.number} at \\d{4}-`));
    // An admin may vote (a CAB role) but is not a required approver: recorded, not counted.
    const admin = await vote(c.number, 'dev-admin');
    expect(admin.status).toBe(200);
    expect(admin.body.cab.votes[1]).toMatchObject({ member: 'usr-admin', counted: false, ignoredReason: expect.stringMatching(/not a required approver/) });
    const got = (await get(c.number)).body;
    expect(got.state).toBe('cab_review');
    expect(got.cab).toMatchObject({ approvals: 1, rejections: 0 });
    expect(got.cab.votes).toHaveLength(2);

    expect((await vote(c.number, 'dev-cab_member2')).status).toBe(200);
    expect((await vote(c.number, 'dev-cab_member3')).status).toBe(200);
    const scheduled = await waitState(c.number, 'scheduled');
    expect(scheduled.cab.approvals).toBe(3);
    const late = await vote(c.number, 'dev-change_manager');
    expect(late.status).toBe(409);
    expect(late.body.detail).toMatch(/'scheduled'/);
    expect((await get(c.number)).body.cab.votes).toHaveLength(4);

    // A service owner group is a required approver: its members may vote whatever their role.
    const desk = await topology('service-desk');
    const owned = await submitOk({ ciIds: [desk.srv.id], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) });
    const ownedReview = await waitState(owned.number, 'cab_review');
    expect(ownedReview.cab.required).toContain('group:service-desk');
    const agentVote = await vote(owned.number, 'dev-agent');
    expect(agentVote.status).toBe(200);
    expect(agentVote.body.cab.votes[0]).toMatchObject({ member: 'usr-agent', counted: true, countsFor: ['group:service-desk'] });
    // …and a rejection by any required approver rejects the change.
    const reject = await vote(owned.number, 'dev-cab_member', 'reject', 'not during quarter end');
    expect(reject.status).toBe(200);
    const rejected = await waitState(owned.number, 'rejected');
    expect(rejected.decision).toMatchObject({ outcome: 'rejected', by: 'cab', reason: expect.stringMatching(/usr-cab_member/) });
    expect((await command(owned.number, 'start', {}, 'dev-agent')).status).toBe(409);

    // Unknown changes.
    expect((await get('CHG9999999')).status).toBe(404);
    expect((await vote('CHG9999999', 'dev-cab_member')).status).toBe(404);
    expect((await command('CHG9999999', 'start', {}, 'dev-agent')).status).toBe(404);
    expect((await s.api('GET', '/api/v1/changes/CHG9999999/history')).status).toBe(404);
    expect((await s.api('GET', `/api/v1/changes/${c.number}`, { token: null })).status).toBe(401);
    // Roles on commands: a requester may not raise or run changes.
    expect((await submit({ ciIds: [srv.id], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) }, 'dev-requester')).status).toBe(403);
    expect((await command(c.number, 'cancel', { reason: 'no' }, 'dev-requester')).status).toBe(403);
    expect((await command(c.number, 'review', { notes: 'x' }, 'dev-agent')).status).toBe(403);
  });

  // ---- 4. validation ----

  test('invalid input is a 400 problem+json naming every offending field, never a 500', async () => {
    const { srv, app } = await topology();
    const window = { plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) };
    const before = await s.tdb.db.change.count();
    const expect400 = async (res: { status: number; headers: Headers; body: any }, expected: string[]) => {
      expect([res.status, paths(res.body)]).toEqual([400, expected.sort()]);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, title: expect.any(String) });
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts/);
      return res.body;
    };

    await expect400(await s.api('POST', '/api/v1/changes', { body: { ...window, implementationPlan: 'x', backoutPlan: 'y' } }), ['ciIds', 'title', 'type']);
    // Cross-field checks run even when another field is missing: every offending field at once.
    await expect400(await s.api('POST', '/api/v1/changes', { body: { type: 'normal', ciIds: [srv.id], plannedStart: at(2 * HOUR), plannedEnd: at(HOUR) } }), ['backoutPlan', 'implementationPlan', 'plannedEnd', 'title']);
    await expect400(await submit({ ciIds: [srv.id], plannedStart: at(2 * HOUR), plannedEnd: at(HOUR) }), ['plannedEnd']);
    const past = await expect400(await submit({ ciIds: [srv.id], plannedStart: at(-2 * HOUR), plannedEnd: at(-HOUR) }), ['plannedEnd']);
    expect(past.errors[0].message).toMatch(/future/);
    await expect400(await submit({ ciIds: [srv.id], plannedStart: 'tomorrow', plannedEnd: at(HOUR) }), ['plannedStart']);
    const unknown = await expect400(await submit({ ciIds: [srv.id, 'CI9999999'], ...window }), ['ciIds.1']);
    expect(unknown.errors[0].message).toContain('CI9999999');
    await expect400(await submit({ ciIds: [srv.id], ...window, ciUpdates: [{ ciId: app.id, attributes: { version: '2' } }] }), ['ciUpdates.0.ciId']);
    await expect400(await submit({ ciIds: [srv.id], ...window, ciUpdates: [{ ciId: srv.id, attributes: { cpuCores: 'many' } }] }), ['ciUpdates.0.attributes.cpuCores']);
    await expect400(await submit({ ciIds: [srv.id], ...window, ciUpdates: [{ ciId: srv.id }] }), ['ciUpdates.0.attributes']);
    await expect400(await submit({ ciIds: [srv.id], ...window, ciUpdates: [{ ciId: 'CI9999999', attributes: {} }] }), ['ciUpdates.0.ciId']);
    await expect400(await submit({ type: 'standard', ciIds: [srv.id], ...window }), ['templateId']);
    await expect400(await submit({ templateId: 'some-template', ciIds: [srv.id], ...window }), ['templateId']);
    await expect400(await submit({ ciIds: [srv.id], ...window, implementationPlan: undefined, backoutPlan: '' }), ['backoutPlan', 'implementationPlan']);
    await expect400(await submit({ type: 'standard', templateId: 'no-such-template', ciIds: [srv.id], ...window }), ['templateId']);
    await expect400(await submit({ type: 'urgent', ciIds: [], ...window, surprise: 1 }), ['(root)', 'ciIds', 'type']);
    expect(await s.tdb.db.change.count()).toBe(before); // nothing was created

    const c = await submitOk({ ciIds: [srv.id], ...window });
    await waitState(c.number, 'cab_review');
    await expect400(await vote(c.number, 'dev-cab_member', 'maybe'), ['decision']);
    await expect400(await s.api('POST', `/api/v1/changes/${c.number}/votes`, { token: 'dev-cab_member', body: {} }), ['decision']);
    await expect400(await command(c.number, 'complete', { outcome: 'meh' }, 'dev-agent'), ['outcome']);
    await expect400(await command(c.number, 'review', {}), ['notes']);
    await expect400(await command(c.number, 'cancel', { reason: '  ' }), ['reason']);
    await expect400(await command(c.number, 'reschedule', { plannedStart: at(3 * HOUR), plannedEnd: at(2 * HOUR) }), ['plannedEnd']);
    await expect400(await command(c.number, 'reschedule', { plannedStart: at(3 * HOUR) }), ['plannedEnd']);
    // An unreadable timestamp is its own error: the valid one next to it is not blamed.
    await expect400(await command(c.number, 'reschedule', { plannedStart: 'soon', plannedEnd: at(3 * HOUR) }), ['plannedStart']);
    await expect400(await s.api('POST', '/api/v1/change-freezes', { token: 'dev-change_manager', body: { name: 'x', start: 'now', end: at(HOUR), reason: 'y' } }), ['start']);
    const got = (await get(c.number)).body;
    expect(got.state).toBe('cab_review');
    expect(got.cab.votes).toEqual([]);
    expect((await history(c.number)).map((h) => h.action)).toEqual(['submit', 'assessing', 'cab_review']);

    // A window in the past is refused by the workflow too (reschedule): 400, not 409 or 500.
    const { srv: srv2 } = await topology();
    const r = await submitOk({ ciIds: [srv2.id], ...window });
    await cabApproves(r.number);
    await waitState(r.number, 'scheduled');
    const pastWindow = await command(r.number, 'reschedule', { plannedStart: at(-2 * HOUR), plannedEnd: at(-HOUR) });
    expect(pastWindow.status).toBe(400);
    expect(pastWindow.body.detail).toMatch(/future/);
    expect((await get(r.number)).body.plannedStart).toBe(r.plannedStart);
  });

  // ---- 5. standard change templates ----

  test('change templates: admin only, 409 on a duplicate name, readable by id and name; a standard change skips the CAB and takes its plans from the template', async () => {
    const name = `Patch a server ${uniq()}`;
    const body = { name, description: 'monthly OS patching', implementationPlan: 'apply patches, reboot', backoutPlan: 'restore the snapshot', ciClasses: ['server'], maxDuration: 'PT2H' };
    for (const token of ['dev-change_manager', 'dev-agent', 'dev-cab_member']) {
      expect([token, (await s.api('POST', '/api/v1/change-templates', { token, body })).status]).toEqual([token, 403]);
    }
    expect((await s.api('POST', '/api/v1/change-templates', { token: null, body })).status).toBe(401);
    const bad = await s.api('POST', '/api/v1/change-templates', { token: 'dev-admin', body: { name: '', implementationPlan: 'x', maxDuration: 'two hours' } });
    expect([bad.status, paths(bad.body)]).toEqual([400, ['backoutPlan', 'maxDuration', 'name']]);

    const created = await s.api('POST', '/api/v1/change-templates', { token: 'dev-admin', body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...body, id: expect.any(String), active: true, createdBy: 'usr-admin', createdAt: expect.any(String) });
    const tpl = created.body;
    const dup = await s.api('POST', '/api/v1/change-templates', { token: 'dev-admin', body: { ...body, description: 'again' } });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toContain(name);

    const list = await s.api('GET', '/api/v1/change-templates', { token: 'dev-requester' });
    expect(list.status).toBe(200);
    expect(list.body.items.map((t: { id: string }) => t.id)).toContain(tpl.id);
    expect(list.body).toHaveProperty('nextCursor');
    expect((await s.api('GET', `/api/v1/change-templates/${tpl.id}`)).body).toEqual(tpl);
    expect((await s.api('GET', `/api/v1/change-templates/${encodeURIComponent(name)}`)).body).toEqual(tpl);
    expect((await s.api('GET', '/api/v1/change-templates/tpl-nope')).status).toBe(404);

    const { srv, svc } = await topology();
    const std = await submitOk({ type: 'standard', templateId: name, ciIds: [srv.number], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR), implementationPlan: undefined, backoutPlan: undefined });
    expect(std).toMatchObject({ state: 'submitted', type: 'standard', templateId: tpl.id, templateName: name, implementationPlan: body.implementationPlan, backoutPlan: body.backoutPlan });
    const scheduled = await waitState(std.number, 'scheduled');
    expect(scheduled).toMatchObject({ cab: null, decision: { outcome: 'approved', by: 'system', reason: expect.stringContaining(tpl.id) } });
    expect(scheduled.risk).toMatchObject({ score: 15, level: 'low' });
    expect(scheduled.impact.services.map((x: { id: string }) => x.id)).toEqual([svc.id]);
    expect((await history(std.number)).map((h) => h.action)).toEqual(['submit', 'assessing', 'pre_approved', 'scheduled']);
    expect((await vote(std.number, 'dev-cab_member')).status).toBe(409);

    // The pre-approval covers only what the template says.
    const wrongClass = await submit({ type: 'standard', templateId: tpl.id, ciIds: [srv.id, svc.id], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) });
    expect([wrongClass.status, paths(wrongClass.body)]).toEqual([400, ['ciIds.1']]);
    expect(wrongClass.body.errors[0].message).toMatch(/server/);
    const tooLong = await submit({ type: 'standard', templateId: tpl.id, ciIds: [srv.id], plannedStart: at(HOUR), plannedEnd: at(4 * HOUR) });
    expect([tooLong.status, paths(tooLong.body)]).toEqual([400, ['plannedEnd']]);
    expect(tooLong.body.errors[0].message).toContain('PT2H');
    const both = await submit({ type: 'standard', templateId: tpl.id, ciIds: [svc.id], plannedStart: at(HOUR), plannedEnd: at(4 * HOUR) });
    expect([both.status, paths(both.body)]).toEqual([400, ['ciIds.0', 'plannedEnd']]);

    const inactive = await s.api('POST', '/api/v1/change-templates', { token: 'dev-admin', body: { ...body, name: `${name} (retired)`, active: false } });
    expect(inactive.status).toBe(201);
    const useInactive = await submit({ type: 'standard', templateId: inactive.body.id, ciIds: [srv.id], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) });
    expect([useInactive.status, paths(useInactive.body)]).toEqual([400, ['templateId']]);
  });

  // ---- 6. change freezes ----

  test('change freezes: normal changes inside one are held, emergencies go ahead after the ECAB, reschedule and lifting a freeze release held changes', async () => {
    const { srv } = await topology();
    const base = 10 * DAY;
    const freezeBody = { name: `Year end ${uniq()}`, start: at(base), end: at(base + 6 * HOUR), reason: 'financial close' };
    expect((await s.api('POST', '/api/v1/change-freezes', { token: 'dev-agent', body: freezeBody })).status).toBe(403);
    expect((await s.api('POST', '/api/v1/change-freezes', { token: 'dev-cab_member', body: freezeBody })).status).toBe(403);
    const backwards = await s.api('POST', '/api/v1/change-freezes', { token: 'dev-change_manager', body: { ...freezeBody, start: freezeBody.end, end: freezeBody.start } });
    expect([backwards.status, paths(backwards.body)]).toEqual([400, ['end']]);
    expect(backwards.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const missing = await s.api('POST', '/api/v1/change-freezes', { token: 'dev-change_manager', body: { name: 'x' } });
    expect([missing.status, paths(missing.body)]).toEqual([400, ['end', 'reason', 'start']]);

    const created = await s.api('POST', '/api/v1/change-freezes', { token: 'dev-change_manager', body: freezeBody });
    expect(created.status).toBe(201);
    const freeze = created.body;
    expect(freeze).toMatchObject({ id: expect.any(String), name: freezeBody.name, reason: 'financial close', createdBy: 'usr-change_manager', start: new Date(freezeBody.start).toISOString() });
    expect((await s.api('GET', '/api/v1/change-freezes')).body.items.map((f: { id: string }) => f.id)).toContain(freeze.id);

    // A normal change inside the freeze: approved by the CAB, then held.
    const normal = await submitOk({ ciIds: [srv.id], plannedStart: at(base + HOUR), plannedEnd: at(base + 2 * HOUR) });
    await cabApproves(normal.number);
    const held = await waitState(normal.number, 'held');
    expect(held.holdReason).toContain(`'${freezeBody.name}'`);
    expect(held).toMatchObject({ freezeId: freeze.id, freezeName: freezeBody.name, heldUntil: freeze.end, decision: { outcome: 'approved' } });
    expect((await command(normal.number, 'start', {}, 'dev-agent')).status).toBe(409);

    // An emergency change in the same window: the ECAB (two approvals) and it is scheduled regardless.
    const emergency = await submitOk({ type: 'emergency', title: 'Patch the zero-day', ciIds: [srv.id], plannedStart: at(base + HOUR), plannedEnd: at(base + 2 * HOUR) });
    const ecab = await waitState(emergency.number, 'cab_review');
    expect(ecab.cab).toMatchObject({ board: 'ecab', quorum: 2 });
    expect([...ecab.cab.required].sort()).toEqual([...CAB_USERS].sort());
    expect(ecab.risk.level).toBe('medium');
    expect((await vote(emergency.number, 'dev-cab_member')).status).toBe(200);
    expect((await get(emergency.number)).body.state).toBe('cab_review');
    expect((await vote(emergency.number, 'dev-change_manager')).status).toBe(200);
    const emergencyScheduled = await waitState(emergency.number, 'scheduled');
    expect(emergencyScheduled).toMatchObject({ holdReason: null, freezeId: null, cab: { approvals: 2 } });
    const overridden = (await history(emergency.number)).find((h) => h.action === 'scheduled')!;
    expect(overridden.data.freezesOverridden).toEqual([{ id: freeze.id, name: freezeBody.name }]);

    // Rescheduled out of the freeze: scheduled.
    const newWindow = { plannedStart: new Date(Date.now() + base + 8 * HOUR).toISOString(), plannedEnd: new Date(Date.now() + base + 9 * HOUR).toISOString() };
    expect((await command(normal.number, 'reschedule', newWindow, 'dev-requester')).status).toBe(403);
    const moved = await command(normal.number, 'reschedule', newWindow, 'dev-agent');
    expect([moved.status, moved.body.state]).toEqual([200, 'scheduled']);
    expect(moved.body).toMatchObject({ ...newWindow, holdReason: null, freezeId: null, heldUntil: null });
    expect((await get(normal.number)).body).toMatchObject({ state: 'scheduled', ...newWindow });
    const movedEntry = (await history(normal.number)).at(-1)!;
    expect(movedEntry).toMatchObject({ action: 'reschedule', from: 'held', to: 'scheduled', data: { plannedStart: newWindow.plannedStart } });
    // Rescheduling back into the freeze holds it again.
    const backIn = await command(normal.number, 'reschedule', { plannedStart: at(base + 3 * HOUR), plannedEnd: at(base + 4 * HOUR) }, 'dev-agent');
    expect([backIn.status, backIn.body.state, backIn.body.freezeId]).toEqual([200, 'held', freeze.id]);

    // Lifting a freeze releases what it held.
    const base2 = 20 * DAY;
    const f2 = await s.api('POST', '/api/v1/change-freezes', { token: 'dev-admin', body: { name: `Migration ${uniq()}`, start: at(base2), end: at(base2 + 6 * HOUR), reason: 'data centre move' } });
    expect(f2.status).toBe(201);
    const waiting = await submitOk({ ciIds: [srv.id], plannedStart: at(base2 + HOUR), plannedEnd: at(base2 + 2 * HOUR) });
    await cabApproves(waiting.number);
    expect((await waitState(waiting.number, 'held')).freezeId).toBe(f2.body.id);
    expect((await s.api('DELETE', `/api/v1/change-freezes/${f2.body.id}`, { token: 'dev-agent' })).status).toBe(403);
    expect((await s.api('DELETE', '/api/v1/change-freezes/frz-nope', { token: 'dev-change_manager' })).status).toBe(404);
    const lifted = await s.api('DELETE', `/api/v1/change-freezes/${f2.body.id}`, { token: 'dev-change_manager' });
    expect(lifted.status).toBe(204);
    expect((await s.api('GET', '/api/v1/change-freezes')).body.items.map((f: { id: string }) => f.id)).not.toContain(f2.body.id);
    const released = await waitState(waiting.number, 'scheduled');
    expect(released).toMatchObject({ holdReason: null, freezeId: null });

    // Declaring a freeze over an already scheduled change holds it.
    const base3 = 30 * DAY;
    const early = await submitOk({ ciIds: [srv.id], plannedStart: at(base3 + HOUR), plannedEnd: at(base3 + 2 * HOUR) });
    await cabApproves(early.number);
    await waitState(early.number, 'scheduled');
    const f3 = await s.api('POST', '/api/v1/change-freezes', { token: 'dev-change_manager', body: { name: `Audit ${uniq()}`, start: at(base3), end: at(base3 + 6 * HOUR), reason: 'external audit' } });
    expect(f3.status).toBe(201);
    const nowHeld = await waitState(early.number, 'held');
    expect(nowHeld.freezeId).toBe(f3.body.id);
    expect(nowHeld.holdReason).toContain('external audit');

    expect(await outboxTypes(normal.id)).toEqual(expect.arrayContaining(['change.approved', 'change.held', 'change.scheduled']));
    expect(await outboxTypes(early.id)).toEqual(['change.submitted', 'change.approved', 'change.scheduled', 'change.held']);
  });

  // ---- 7. the calendar ----

  test('calendar: changes and freezes in a period, clashes on a common CI flagged; 400 for a bad range', async () => {
    const base = 40 * DAY;
    const origin = Date.now() + base;
    const t = (h: number) => new Date(origin + h * HOUR).toISOString();
    const { srv: x } = await topology();
    const { srv: y } = await topology();
    const a = await submitOk({ title: 'A', ciIds: [x.id], plannedStart: t(1), plannedEnd: t(3) });
    const b = await submitOk({ title: 'B', ciIds: [x.id, y.id], plannedStart: t(2), plannedEnd: t(4) });
    const c = await submitOk({ title: 'C', ciIds: [y.id], plannedStart: t(5), plannedEnd: t(6) });
    const d = await submitOk({ title: 'D', ciIds: [x.id], plannedStart: t(3), plannedEnd: t(5) }); // touches A's end, not inside it
    const e = await submitOk({ title: 'E', ciIds: [y.id], plannedStart: t(1), plannedEnd: t(2) }); // ends as B starts
    const gone = await submitOk({ title: 'cancelled', ciIds: [x.id], plannedStart: t(1), plannedEnd: t(2) });
    await waitState(gone.number, 'cab_review');
    expect((await command(gone.number, 'cancel', { reason: 'duplicate' }, 'dev-agent')).body.state).toBe('cancelled');
    const outside = await submitOk({ title: 'later', ciIds: [x.id], plannedStart: t(30), plannedEnd: t(31) });
    const freeze = await s.api('POST', '/api/v1/change-freezes', { token: 'dev-change_manager', body: { name: `Calendar ${uniq()}`, start: t(10), end: t(12), reason: 'quiet period' } });
    expect(freeze.status).toBe(201);

    const from = t(0);
    const to = t(24);
    const res = await s.api('GET', `/api/v1/changes/calendar?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { token: 'dev-requester' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from, to });
    const byNumber = new Map<string, any>(res.body.changes.map((ch: { number: string }) => [ch.number, ch]));
    expect([...byNumber.keys()].sort()).toEqual([a.number, b.number, c.number, d.number, e.number].sort());
    expect(byNumber.get(a.number)).toMatchObject({ id: a.id, title: 'A', type: 'normal', plannedStart: a.plannedStart, ciIds: [x.id], ciNumbers: [x.number] });
    expect(byNumber.get(a.number).conflicts).toEqual([{ with: b.number, ciIds: [x.id] }]);
    expect(byNumber.get(b.number).conflicts).toEqual(expect.arrayContaining([{ with: a.number, ciIds: [x.id] }, { with: d.number, ciIds: [x.id] }]));
    expect(byNumber.get(b.number).conflicts).toHaveLength(2);
    expect(byNumber.get(d.number).conflicts).toEqual([{ with: b.number, ciIds: [x.id] }]);
    expect(byNumber.get(c.number).conflicts).toEqual([]);
    expect(byNumber.get(e.number).conflicts).toEqual([]);
    expect(res.body.freezes.map((f: { id: string }) => f.id)).toEqual([freeze.body.id]);
    // Ordered by start.
    const starts = res.body.changes.map((ch: { plannedStart: string }) => Date.parse(ch.plannedStart));
    expect(starts).toEqual([...starts].sort((p: number, q: number) => p - q));

    const narrow = await s.api('GET', `/api/v1/changes/calendar?from=${encodeURIComponent(t(4.5))}&to=${encodeURIComponent(t(5.5))}`);
    expect(narrow.body.changes.map((ch: { number: string }) => ch.number).sort()).toEqual([c.number, d.number].sort());
    expect(narrow.body.freezes).toEqual([]);
    const later = await s.api('GET', `/api/v1/changes/calendar?from=${encodeURIComponent(t(29))}&to=${encodeURIComponent(t(32))}`);
    expect(later.body.changes.map((ch: { number: string }) => ch.number)).toEqual([outside.number]);

    const bad = async (query: string, expected: string[]) => {
      const r = await s.api('GET', `/api/v1/changes/calendar${query}`);
      expect([query, r.status, paths(r.body)]).toEqual([query, 400, expected.sort()]);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    };
    await bad('', ['query.from', 'query.to']);
    await bad(`?from=${encodeURIComponent(from)}`, ['query.to']);
    await bad(`?from=yesterday&to=${encodeURIComponent(to)}`, ['query.from']);
    await bad(`?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`, ['query.to']);
    await bad(`?from=${encodeURIComponent(from)}&to=${encodeURIComponent(new Date(Date.parse(from) + 400 * DAY).toISOString())}`, ['query.to']);
    expect((await s.api('GET', `/api/v1/changes/calendar?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { token: null })).status).toBe(401);
  });

  // ---- 8. the list ----

  test('GET /changes filters by state, type and risk and paginates with cursors', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { srv } = await topology();
      const c = await submitOk({ type: 'emergency', title: `listed ${i}`, ciIds: [srv.id], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) });
      mine.push(c.id);
    }
    for (const id of mine) expect((await waitState(id, 'cab_review')).risk.level).toBe('medium');

    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/v1/changes?type=emergency&risk=medium&state=cab_review&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await s.api('GET', q, { token: 'dev-requester' });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(pages).toBeGreaterThanOrEqual(2);
    const ids = seen.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(mine));
    expect(seen.every((c) => c.type === 'emergency' && c.risk.level === 'medium' && c.state === 'cab_review')).toBe(true);

    const first = await s.api('GET', '/api/v1/changes?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));

    const normals = await s.api('GET', '/api/v1/changes?type=normal');
    expect(normals.body.items.every((c: { type: string }) => c.type === 'normal')).toBe(true);
    expect(normals.body.items.map((c: { id: string }) => c.id)).not.toContain(mine[0]);
    const low = await s.api('GET', '/api/v1/changes?risk=low');
    expect(low.body.items.every((c: { risk: { level: string } }) => c.risk.level === 'low')).toBe(true);
    const cancelled = await s.api('GET', '/api/v1/changes?state=cancelled&type=emergency');
    expect(cancelled.body.items.map((c: { id: string }) => c.id)).not.toContain(mine[0]);
    expect((await command(mine[0], 'cancel', { reason: 'not needed after all' }, 'dev-agent')).body.state).toBe('cancelled');
    const nowCancelled = await s.api('GET', '/api/v1/changes?state=cancelled&type=emergency');
    expect(nowCancelled.body.items.map((c: { id: string }) => c.id)).toContain(mine[0]);

    const bad = await s.api('GET', '/api/v1/changes?state=sleeping&type=quick&risk=extreme&limit=0');
    expect([bad.status, paths(bad.body)]).toEqual([400, ['query.limit', 'query.risk', 'query.state', 'query.type']]);
    expect((await s.api('GET', '/api/v1/changes?cursor=garbage')).status).toBe(400);
    expect((await s.api('GET', '/api/v1/changes', { token: null })).status).toBe(401);
  });

  // ---- 9. idempotency ----

  test('Idempotency-Key: a repeated submission returns the first change and starts nothing new', async () => {
    const { srv } = await topology();
    const key = `chg-key-${uniq()}`;
    const title = `Idempotent ${key}`;
    const body = { title, ciIds: [srv.id], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) };
    const first = await submit(body, 'dev-agent', { 'idempotency-key': key });
    const second = await submit(body, 'dev-agent', { 'idempotency-key': key });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.number).toBe(first.body.number);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await s.tdb.db.change.count({ where: { title } })).toBe(1);
    const other = await submit({ ...body, title: 'different' }, 'dev-agent', { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(await s.tdb.db.change.count({ where: { title: 'different' } })).toBe(0);
    await waitState(first.body.number, 'cab_review');
  });

  // ---- 10. the CMDB refuses to retire a CI an open change still needs ----

  test('DELETE /cis/:id of a CI referenced by an open change is a 409 naming the change; allowed once it is cancelled', async () => {
    const { srv } = await topology();
    const c = await submitOk({ ciIds: [srv.number], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) });
    const refused = await s.api('DELETE', `/api/v1/cis/${srv.id}`, { token: 'dev-admin' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(c.number);
    expect((await s.api('GET', `/api/v1/cis/${srv.id}`)).body.status).toBe('live');

    await waitState(c.number, 'cab_review');
    const cancelled = await command(c.number, 'cancel', { reason: 'hardware returned' }, 'dev-agent');
    expect([cancelled.status, cancelled.body.state, cancelled.body.cancelReason]).toEqual([200, 'cancelled', 'hardware returned']);
    expect((await command(c.number, 'cancel', { reason: 'again' }, 'dev-agent')).status).toBe(409);
    const retired = await s.api('DELETE', `/api/v1/cis/${srv.id}`, { token: 'dev-admin' });
    expect([retired.status, retired.body.status]).toEqual([200, 'retired']);

    const onRetired = await submit({ ciIds: [srv.id], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) });
    expect([onRetired.status, paths(onRetired.body)]).toEqual([400, ['ciIds.0']]);
    expect(onRetired.body.errors[0].message).toMatch(/retired/);
    expect(await outboxTypes(c.id)).toEqual(['change.submitted', 'change.cancelled']);
  });

  // ---- 11. webhooks ----

  test('the change endpoints are in the OpenAPI document with their schemas', async () => {
    const doc = await s.api('GET', '/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    const paths = doc.body.paths as Record<string, Record<string, any>>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/changes',
        '/api/v1/changes/calendar',
        '/api/v1/changes/{id}',
        '/api/v1/changes/{id}/history',
        '/api/v1/changes/{id}/votes',
        ...['start', 'complete', 'review', 'close', 'cancel', 'reschedule'].map((v) => `/api/v1/changes/{id}/${v}`),
        '/api/v1/change-templates',
        '/api/v1/change-templates/{id}',
        '/api/v1/change-freezes',
        '/api/v1/change-freezes/{id}',
      ]),
    );
    const submitBody = paths['/api/v1/changes'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(submitBody)).toContain('implementationPlan');
    expect(JSON.stringify(paths['/api/v1/changes/{id}/votes'].post.requestBody)).toContain('approve');
  });

  test('a webhook receiver gets the change events it subscribed to, signed', async () => {
    const secret = 'change-hook-secret-0123456789';
    const received: { body: string; signature: string | undefined }[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-itsm-signature'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    let hookId: string | undefined;
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const hook = await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url, events: ['change.submitted', 'change.approved', 'change.rejected'], secret } });
      expect(hook.status).toBe(201);
      hookId = hook.body.id;

      const { srv } = await topology();
      const c = await submitOk({ ciIds: [srv.id], plannedStart: at(HOUR), plannedEnd: at(2 * HOUR) });
      await waitState(c.number, 'cab_review');
      expect((await vote(c.number, 'dev-cab_member2', 'reject', 'no rollback tested')).status).toBe(200);
      await waitState(c.number, 'rejected');

      const mine = () => received.map((r) => ({ r, event: JSON.parse(r.body) })).filter((x) => x.event.data?.change?.id === c.id);
      const got = await eventually(async () => {
        const events = mine();
        return events.length >= 2 ? events : undefined;
      }, 30_000, 'change webhook deliveries');
      expect(got.map((x) => x.event.type).sort()).toEqual(['change.rejected', 'change.submitted']);
      const rejected = got.find((x) => x.event.type === 'change.rejected')!;
      expect(rejected.event).toMatchObject({ id: expect.any(String), occurredAt: expect.any(String), data: { change: { number: c.number, state: 'rejected' } } });
      expect(rejected.r.signature).toBe(`sha256=${createHmac('sha256', secret).update(rejected.r.body).digest('hex')}`);
    } finally {
      if (hookId) await s.api('DELETE', `/api/v1/webhooks/${hookId}`, { token: 'dev-admin' });
      receiver.close();
    }
  });
});
