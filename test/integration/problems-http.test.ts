/**
 * Problem management end to end over HTTP: Temporal dev server, real worker, real database
 * (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set, as in CI). The full loop runs
 * through real incident and change workflows; observation windows are seconds long here
 * (each problem may set its own period), so closure by the durable timer is seen for real.
 */
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
const at = (ms: number) => new Date(Date.now() + ms).toISOString();
const paths = (body: { errors?: { path: string }[] }) => (body?.errors ?? []).map((e) => e.path).sort();
const CAB_TOKENS = ['dev-cab_member', 'dev-cab_member2', 'dev-cab_member3'];
const PM = 'dev-problem_manager';

describe.each(PROVIDERS)('problems over HTTP on %s', (provider) => {
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
  const createCi = (body: Record<string, unknown>) => ok(s.api('POST', '/api/v1/cis', { token: 'dev-admin', body }), 201);

  /** server ← app (runs_on) ← service (depends_on): an incident on the server reaches the service. */
  async function topology() {
    const u = uniq();
    const srv = await createCi({ name: `srv-${u}`, class: 'server', attributes: { hostname: `srv-${u}`, cpuCores: 4, memoryGb: 16 } });
    const app = await createCi({ name: `app-${u}`, class: 'application', attributes: { vendor: 'ACME' } });
    const svc = await createCi({ name: `svc-${u}`, class: 'service', ownerGroup: 'l2-support', attributes: { criticality: 'high' } });
    await ok(s.api('POST', `/api/v1/cis/${app.id}/relationships`, { token: 'dev-admin', body: { type: 'runs_on', targetId: srv.id } }), 201);
    await ok(s.api('POST', `/api/v1/cis/${svc.id}/relationships`, { token: 'dev-admin', body: { type: 'depends_on', targetId: app.id } }), 201);
    return { srv, app, svc, u };
  }

  const incident = (body: Record<string, unknown>) => ok(s.api('POST', '/api/v1/incidents', { body: { title: 'Payroll batch fails', impact: 'medium', urgency: 'medium', ...body } }), 201);
  const getIncident = (ref: string) => ok(s.api('GET', `/api/v1/incidents/${ref}`));
  const incidentHistory = async (ref: string) => (await ok(s.api('GET', `/api/v1/incidents/${ref}/history`))) as { action: string; actor: string; data: any }[];
  const problem = (body: Record<string, unknown>, token = PM, headers: Record<string, string> = {}) =>
    s.api('POST', '/api/v1/problems', { token, headers, body: { title: 'Payroll batch keeps failing', ...body } });
  const getProblem = (ref: string, token = PM) => s.api('GET', `/api/v1/problems/${ref}`, { token });
  const command = (ref: string, verb: string, body: unknown = {}, token = PM) => s.api('POST', `/api/v1/problems/${ref}/${verb}`, { token, body });
  const history = async (ref: string) => (await ok(s.api('GET', `/api/v1/problems/${ref}/history`, { token: PM }))) as { action: string; actor: string; from?: string; to?: string; data: any }[];
  const waitProblem = (ref: string, pred: (p: any) => boolean, what: string, timeoutMs = 30_000) =>
    eventually(
      async () => {
        const r = await getProblem(ref);
        if (!pred(r.body)) throw new Error(`${ref} is ${r.body.state}`);
        return r.body;
      },
      timeoutMs,
      what,
    );
  const waitIncident = (ref: string, pred: (i: any) => boolean, what: string) =>
    eventually(
      async () => {
        const i = await getIncident(ref);
        if (!pred(i)) throw new Error(`${ref} is ${i.state}`);
        return i;
      },
      30_000,
      what,
    );
  const withKnownError = async (ref: string, words: string) => {
    await ok(command(ref, 'rca', { method: 'five_whys', entries: [{ why: 'Why did the batch fail?', answer: 'The disk filled up' }] }));
    return ok(command(ref, 'known-error', { rootCause: `log rotation disabled on the host (${words})`, workaround: `delete old ${words} logs and rerun the batch`, symptoms: `payroll batch aborts with ${words}` }));
  };
  const changeBody = (ciId: string, plannedStartMs = 4 * SEC) => ({
    title: 'Enable log rotation',
    type: 'normal',
    ciIds: [ciId],
    plannedStart: at(plannedStartMs),
    plannedEnd: at(plannedStartMs + HOUR),
    implementationPlan: 'enable logrotate',
    backoutPlan: 'disable logrotate',
  });
  async function cabApproves(changeRef: string) {
    await eventually(async () => ((await s.api('GET', `/api/v1/changes/${changeRef}`)).body.state === 'cab_review' ? true : undefined), 20_000, `${changeRef} in CAB review`);
    for (const token of CAB_TOKENS) expect((await s.api('POST', `/api/v1/changes/${changeRef}/votes`, { token, body: { decision: 'approve' } })).status).toBe(200);
  }

  // ---- 1. the whole loop ----

  test('incident → problem → RCA → known error → RFC → implemented: the problem resolves, every open linked incident is resolved, observation closes it and retires the known error', async () => {
    const { srv, svc, u } = await topology();
    const first = await incident({ ciId: srv.id, category: `batch-${u}` });
    const second = await incident({ ciId: srv.number });
    // The second one waits on a supplier: resolution by the fix must still reach it.
    await ok(s.api('POST', `/api/v1/incidents/${second.id}/assign`, { body: { group: 'l2-support' } }));
    await ok(s.api('POST', `/api/v1/incidents/${second.id}/hold`, { body: { reason: 'awaiting_supplier' } }));

    // Raised from the incident: linked both ways, impact walked through the CMDB.
    const raised = await ok(s.api('POST', `/api/v1/incidents/${first.number}/problem`, { token: 'dev-agent', body: { title: `Batch failures ${u}` } }), 201);
    expect(raised).toMatchObject({ state: 'new', title: `Batch failures ${u}`, ciId: srv.id, ciNumber: srv.number, incidentIds: [first.id], category: `batch-${u}` });
    expect(raised.number).toMatch(/^PRB\d{7}$/);
    expect(raised.impact.services.map((x: { id: string }) => x.id)).toEqual([svc.id]);
    expect(raised.impact.cis.map((x: { id: string }) => x.id)).toEqual([srv.id]);
    const linkedFirst = await waitIncident(first.id, (i) => i.problemId === raised.id, 'the incident to show its problem');
    expect(linkedFirst.problemNumber).toBe(raised.number);
    expect((await incidentHistory(first.id)).find((h) => h.action === 'problem_linked')?.data).toMatchObject({ problemId: raised.id, problemNumber: raised.number });

    const linked = await ok(command(raised.number, 'link-incidents', { incidentIds: [second.number, first.id] }, 'dev-agent'));
    expect(linked.incidentIds).toEqual([first.id, second.id]);
    await waitIncident(second.id, (i) => i.problemNumber === raised.number, 'the second incident to show its problem');

    // A known error needs evidence (or a stated waiver).
    const early = await command(raised.id, 'known-error', { rootCause: 'x', workaround: 'y' });
    expect([early.status, early.body.detail]).toEqual([409, expect.stringContaining('root-cause analysis')]);
    const badRca = await command(raised.id, 'rca', { method: 'fishbone', entries: [{ cause: 'no monitoring' }, { category: 'people', why: 'x' }] });
    expect([badRca.status, paths(badRca.body)]).toEqual([400, ['entries.0.category', 'entries.1.cause', 'entries.1.why']]);
    const analysed = await ok(
      command(raised.id, 'rca', {
        method: 'five_whys',
        entries: [
          { why: 'Why did the batch fail?', answer: 'The disk filled up' },
          { why: 'Why did the disk fill up?', answer: 'Logs are never rotated' },
        ],
      }),
    );
    expect(analysed.state).toBe('investigating');
    expect(analysed.rca).toMatchObject({ method: 'five_whys', entries: [{ why: 'Why did the batch fail?', author: 'usr-problem_manager' }, { answer: 'Logs are never rotated' }] });
    const ke = await ok(command(raised.id, 'known-error', { rootCause: 'log rotation disabled', workaround: `truncate ${u} logs and rerun`, symptoms: `batch aborts with disk full ${u}` }));
    expect(ke).toMatchObject({
      state: 'known_error',
      knownError: { status: 'active', workaround: `truncate ${u} logs and rerun`, ciIds: [srv.id], ciNumbers: [srv.number], serviceIds: [svc.id], serviceNumbers: [svc.number] },
    });
    expect(ke.knownErrorNumber).toMatch(/^KE\d{7}$/);

    // The KEDB finds it by words, ranked, and by CI.
    const found = await ok(s.api('GET', `/api/v1/known-errors?q=${encodeURIComponent(`disk ${u}`)}`, { token: 'dev-agent' }));
    expect(found.items.map((k: { id: string }) => k.id)).toEqual([ke.knownErrorId]);
    expect(found.items[0]).toMatchObject({ problemId: raised.id, problemNumber: raised.number, rank: expect.any(Number), ciNumbers: [srv.number], serviceNumbers: [svc.number] });
    expect((await ok(s.api('GET', `/api/v1/known-errors?ciId=${srv.number}`, { token: 'dev-agent' }))).items.map((k: { id: string }) => k.id)).toEqual([ke.knownErrorId]);
    expect((await ok(s.api('GET', `/api/v1/known-errors?q=zebra%20quokka`, { token: 'dev-agent' }))).items).toEqual([]);
    // No known error has every word: those with some of them are offered, best first.
    expect((await ok(s.api('GET', `/api/v1/known-errors?q=${encodeURIComponent(`quokka truncate ${u}`)}`, { token: 'dev-agent' }))).items.map((k: { id: string }) => k.id)).toContain(ke.knownErrorId);

    // A new incident on the CI is offered the known error; applying its workaround links it.
    const third = await incident({ ciId: srv.id, title: 'Payroll run aborted' });
    expect(third.knownErrors).toEqual([{ id: ke.knownErrorId, number: ke.knownErrorNumber, title: `Batch failures ${u}`, workaround: `truncate ${u} logs and rerun` }]);
    expect((await incidentHistory(third.id))[0].data).toMatchObject({ knownErrors: [ke.knownErrorNumber] });
    const applied = await ok(s.api('POST', `/api/v1/incidents/${third.number}/apply-workaround`, { body: { knownErrorId: ke.knownErrorNumber } }));
    expect(applied).toMatchObject({ problemId: raised.id, problemNumber: raised.number, knownErrorId: ke.knownErrorId });
    await waitProblem(raised.id, (p) => p.incidentIds.includes(third.id), 'the problem to hold the incident that applied its workaround');
    expect((await ok(s.api('GET', `/api/v1/known-errors/${ke.knownErrorId}`, { token: 'dev-agent' }))).workaroundApplied).toBe(1);

    // The workaround goes out to every open linked incident.
    await ok(command(raised.id, 'communicate', { text: 'Known issue: truncate logs as a workaround' }));
    for (const i of [first, second, third]) {
      expect((await incidentHistory(i.id)).filter((h) => h.action === 'notes').map((h) => h.data.text)).toContain(`${raised.number}: Known issue: truncate logs as a workaround`);
    }

    // The RFC: the change names the problem; the problem waits for it.
    const pending = await ok(command(raised.id, 'request-change', changeBody(srv.id)));
    expect(pending.state).toBe('change_pending');
    const [change] = pending.changes;
    const rfc = await ok(s.api('GET', `/api/v1/changes/${change.number}`));
    expect(rfc).toMatchObject({ problemId: raised.id, problemNumber: raised.number, title: 'Enable log rotation' });
    // The change list takes the problem by number or id.
    for (const ref of [raised.number, raised.id]) {
      expect((await ok(s.api('GET', `/api/v1/changes?problemId=${ref}`))).items.map((c: { id: string }) => c.id)).toEqual([change.id]);
    }
    expect((await ok(s.api('GET', '/api/v1/changes?problemId=PRB9999999'))).items).toEqual([]);
    await cabApproves(change.number);
    await eventually(async () => ((await s.api('GET', `/api/v1/changes/${change.number}`)).body.windowOpenedAt ? true : undefined), 20_000, 'the change window to open');
    await ok(s.api('POST', `/api/v1/changes/${change.number}/start`, { token: 'dev-change_manager', body: {} }));
    await ok(s.api('POST', `/api/v1/changes/${change.number}/complete`, { token: 'dev-change_manager', body: { outcome: 'success' } }));

    const observed = await waitProblem(raised.id, (p) => p.state === 'under_observation', 'the problem to be resolved and observed');
    expect(observed).toMatchObject({ resolutionCode: 'fix_applied', changes: [{ number: change.number, outcome: 'success' }], observationPeriod: 'P14D' });
    for (const i of [first, second, third]) {
      const done = await waitIncident(i.id, (x) => x.state === 'resolved', `${i.number} to be resolved by the fix`);
      expect(done).toMatchObject({ resolutionCode: 'fix_applied', resolutionNotes: `Resolved by problem ${raised.number}: fixed by change ${change.number}` });
    }
    const closed = await ok(command(raised.id, 'close', { note: 'no recurrence, verified by hand' }));
    expect(closed).toMatchObject({ state: 'closed', knownError: { status: 'retired' } });
    expect((await ok(s.api('GET', `/api/v1/known-errors/${ke.knownErrorNumber}`, { token: 'dev-agent' }))).status).toBe('retired');
    expect((await ok(s.api('GET', `/api/v1/known-errors?q=${encodeURIComponent(`disk ${u}`)}`, { token: 'dev-agent' }))).items).toEqual([]);

    const trail = (await history(raised.id)).map((h) => h.action);
    expect(trail).toEqual(['create', 'incidents_linked', 'rca', 'rca', 'known_error', 'incidents_linked', 'communicate', 'change_requested', 'resolve', 'observe', 'close']);
    const events = (await s.tdb.db.outboxEvent.findMany({ where: { recordId: raised.id }, orderBy: { occurredAt: 'asc' } })).map((e) => e.type);
    expect(events).toEqual(['problem.created', 'problem.known_error', 'known_error.published', 'problem.change_requested', 'problem.resolved', 'problem.closed', 'known_error.retired']);
    // A closed problem takes no more commands.
    expect((await command(raised.id, 'investigate')).status).toBe(409);
  });

  // ---- 2. a failed change, observation by timer, recurrence ----

  test('references answer as id and number: the service and CI on create, read, list and commands; the known error’s CIs and services, in the KEDB too', async () => {
    const { srv, svc, u } = await topology();
    const refs = { serviceId: svc.id, serviceNumber: svc.number, ciId: srv.id, ciNumber: srv.number };
    const p = await ok(problem({ title: `References ${u}`, serviceId: svc.number, ciId: srv.id }), 201);
    expect(p).toMatchObject({ ...refs, knownError: null });
    expect(await ok(getProblem(p.number))).toMatchObject(refs);
    const listed = await ok(s.api('GET', `/api/v1/problems?serviceId=${svc.number}`, { token: PM }));
    expect(listed.items.map((x: { id: string }) => x.id)).toEqual([p.id]);
    expect(listed.items[0]).toMatchObject(refs);
    const ke = await withKnownError(p.number, `references${u}`);
    expect(ke).toMatchObject(refs);
    const numberOf = new Map([srv, svc].map((ci) => [ci.id, ci.number]));
    const { ciIds, serviceIds, ciNumbers, serviceNumbers } = ke.knownError;
    expect([...ciIds, ...serviceIds].length).toBeGreaterThan(0);
    expect({ ciNumbers, serviceNumbers }).toEqual({ ciNumbers: ciIds.map((id: string) => numberOf.get(id)), serviceNumbers: serviceIds.map((id: string) => numberOf.get(id)) });
    const kedb = await ok(s.api('GET', `/api/v1/known-errors/${ke.knownErrorNumber}`, { token: 'dev-agent' }));
    expect(kedb).toMatchObject({ ciIds, ciNumbers, serviceIds, serviceNumbers });
  });

  test('a failed change sends the problem back to known_error and tells the problem managers', async () => {
    const { srv, u } = await topology();
    const p = await ok(problem({ ciId: srv.id, title: `Flaky ${u}` }), 201);
    await withKnownError(p.id, `flaky${u}`);
    const pending = await ok(command(p.id, 'request-change', changeBody(srv.id)));
    const change = pending.changes[0].number;
    await cabApproves(change);
    await eventually(async () => ((await s.api('GET', `/api/v1/changes/${change}`)).body.windowOpenedAt ? true : undefined), 20_000, 'the window to open');
    await ok(s.api('POST', `/api/v1/changes/${change}/start`, { token: 'dev-change_manager', body: {} }));
    await ok(s.api('POST', `/api/v1/changes/${change}/complete`, { token: 'dev-change_manager', body: { outcome: 'failed', notes: 'logrotate broke cron' } }));
    const back = await waitProblem(p.id, (x) => x.state === 'known_error', 'the problem back to known_error');
    expect(back.changes).toEqual([expect.objectContaining({ number: change, outcome: 'failed', reason: 'logrotate broke cron' })]);
    const notified = await s.tdb.db.notification.findMany({ where: { recordId: p.id } });
    expect(notified.map((n) => [n.recipient, n.kind])).toEqual([['group:problem-management', 'problem_change_failed']]);
  });

  test('a cancelled change is a failed attempt too: back to known_error with the reason', async () => {
    const { srv, u } = await topology();
    const p = await ok(problem({ ciId: srv.id, title: `Cancelled fix ${u}` }), 201);
    await withKnownError(p.id, `cancel${u}`);
    const change = (await ok(command(p.id, 'request-change', changeBody(srv.id, HOUR)))).changes[0].number;
    await ok(s.api('POST', `/api/v1/changes/${change}/cancel`, { token: 'dev-change_manager', body: { reason: 'superseded by the upgrade' } }));
    const back = await waitProblem(p.id, (x) => x.state === 'known_error', 'the problem back to known_error');
    expect(back.changes[0]).toMatchObject({ outcome: 'cancelled', reason: 'superseded by the upgrade' });
  });

  test('verified closure: observation ends by its timer and retires the known error; a recurrence during observation reopens the problem with the incident linked', async () => {
    const { srv, u } = await topology();
    const quiet = await ok(problem({ ciId: srv.id, title: `Quiet ${u}`, observationPeriod: 'PT8S' }), 201);
    await withKnownError(quiet.id, `quiet${u}`);
    const watching = await ok(command(quiet.id, 'resolve', { code: 'cannot_reproduce', notes: 'not seen since the reboot' }));
    expect(watching).toMatchObject({ state: 'under_observation', resolutionCode: 'cannot_reproduce', observationPeriod: 'PT8S' });
    // What ops see in the Temporal UI: the number and title, the state and the deadline it waits for, searchable by state.
    const description = await s.env.client.workflow.getHandle(watching.workflowId).describe();
    expect(await description.staticSummary()).toBe(`${quiet.number}: Quiet ${u}`);
    const metadata = await s.env.client.workflow.getHandle(watching.workflowId).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(new RegExp(`^\\*\\*${quiet.number}\\*\\* Quiet ${u}\\n\\nstate: \`under_observation\`\\n\\nnext: ${quiet.number} observation ends, closure due `));
    const listed = await eventually(async () => {
      const found: string[] = [];
      for await (const w of s.env.client.workflow.list({ query: `RecordType = 'problem' AND RecordState = 'under_observation' AND RecordNumber = '${quiet.number}'` })) found.push(w.workflowId);
      return found.length ? found : undefined;
    }, 15_000, 'the problem searchable by its state');
    expect(listed).toEqual([watching.workflowId]);
    const closed = await waitProblem(quiet.id, (x) => x.state === 'closed', 'closure by the observation timer', 30_000);
    expect(closed.knownError.status).toBe('retired');
    expect((await history(quiet.id)).at(-1)).toMatchObject({ action: 'close', actor: 'system', data: { how: 'observation_ended' } });

    // A second CI with its own problem, watched for an hour: an incident there recurs.
    const other = await createCi({ name: `srv2-${u}`, class: 'server', attributes: { hostname: `srv2-${u}`, cpuCores: 2, memoryGb: 8 } });
    const watched = await ok(problem({ ciId: other.id, title: `Watched ${u}`, observationPeriod: 'PT1H' }), 201);
    await withKnownError(watched.id, `watched${u}`);
    await ok(command(watched.id, 'resolve', { code: 'fix_applied', notes: 'patched by hand' }));
    const recurring = await incident({ ciId: other.id, title: 'It is back' });
    expect(recurring).toMatchObject({ problemId: watched.id, problemNumber: watched.number, knownErrors: [expect.objectContaining({ number: expect.stringMatching(/^KE/) })] });
    const reopened = await waitProblem(watched.id, (x) => x.state === 'investigating', 'the problem reopened by the recurrence');
    expect(reopened).toMatchObject({ reopenCount: 1, observationUntil: null, incidentIds: [recurring.id], knownError: { status: 'active' } });
    expect((await history(watched.id)).at(-1)).toMatchObject({ action: 'incidents_linked', data: { reopened: true, incidents: [recurring.number] } });
  });

  // ---- 3. duplicates and accepted risk ----

  test('mark-duplicate moves the incidents to the surviving problem and closes with the reference; accept-risk closes and notes open incidents', async () => {
    const { srv, u } = await topology();
    const a = await incident({ ciId: srv.id, title: `A ${u}` });
    const b = await incident({ ciId: srv.id, title: `B ${u}` });
    const survivor = await ok(problem({ ciId: srv.id, title: `Survivor ${u}`, incidentIds: [a.number] }), 201);
    const dup = await ok(problem({ ciId: srv.id, title: `Duplicate ${u}`, incidentIds: [b.id] }), 201);
    await waitIncident(b.id, (i) => i.problemId === dup.id, 'B linked to the duplicate');

    expect(paths((await command(dup.id, 'mark-duplicate', { of: 'PRB9999999' })).body)).toEqual(['of']);
    expect((await command(dup.id, 'mark-duplicate', { of: dup.number })).status).toBe(400);
    const marked = await ok(command(dup.id, 'mark-duplicate', { of: survivor.number }));
    expect(marked).toMatchObject({ state: 'closed', resolutionCode: 'duplicate', duplicateOf: { id: survivor.id, number: survivor.number } });
    const merged = await waitProblem(survivor.id, (x) => x.incidentIds.length === 2, 'the survivor to hold both incidents');
    expect(merged.incidentIds).toEqual([a.id, b.id]);
    await waitIncident(b.id, (i) => i.problemId === survivor.id, 'B moved to the survivor');

    const accepted = await ok(command(survivor.id, 'accept-risk', { reason: 'the legacy batch is retired next quarter' }));
    expect(accepted).toMatchObject({ state: 'closed', resolutionCode: 'risk_accepted', resolutionNotes: 'the legacy batch is retired next quarter' });
    for (const i of [a, b]) {
      expect((await incidentHistory(i.id)).filter((h) => h.action === 'notes').map((h) => h.data.text)).toEqual([
        `${survivor.number}: risk accepted, no fix will follow. the legacy batch is retired next quarter`,
      ]);
    }
  });

  test('a P1 resolved without a linked problem raises one for major incident review; one with a problem does not', async () => {
    const { srv, u } = await topology();
    const major = await incident({ title: `Payroll down ${u}`, impact: 'high', urgency: 'high', ciId: srv.id });
    expect(major.priority).toBe('P1');
    await ok(s.api('POST', `/api/v1/incidents/${major.id}/resolve`, { body: { code: 'workaround', notes: 'failed over to the standby' } }));
    const linked = await waitIncident(major.id, (i) => i.problemId !== null, 'the major incident to be linked to its review problem');
    const review = await ok(getProblem(linked.problemId));
    expect(review).toMatchObject({ state: 'new', title: `Major incident review: Payroll down ${u}`, incidentIds: [major.id], ciId: srv.id });

    const covered = await incident({ title: `Payroll down again ${u}`, impact: 'high', urgency: 'high', ciId: srv.id });
    await ok(command(review.id, 'link-incidents', { incidentIds: [covered.id] }, 'dev-agent'));
    await waitIncident(covered.id, (i) => i.problemId === review.id, 'the second P1 linked');
    await ok(s.api('POST', `/api/v1/incidents/${covered.id}/resolve`, { body: { code: 'workaround', notes: 'failed over again' } }));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await s.tdb.db.problem.count({ where: { title: { contains: u } } })).toBe(1);
  });

  // ---- 4. the contract: roles, 400/404/409, idempotency, pagination, OpenAPI ----

  test('roles, bad input, unknown records, invalid transitions, idempotency and pagination', async () => {
    const { srv, u } = await topology();
    const inc = await incident({ ciId: srv.id });
    // Requesters do not see problems; agents may raise from an incident and link, not open or drive one.
    expect((await s.api('GET', '/api/v1/problems', { token: 'dev-requester' })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/known-errors', { token: 'dev-requester' })).status).toBe(403);
    expect((await problem({}, 'dev-agent')).status).toBe(403);
    expect((await problem({}, null as unknown as string)).status).toBe(401);

    const bad = await problem({ title: '', serviceId: srv.id, incidentIds: ['INC9999999'], observationPeriod: 'two weeks' });
    expect([bad.status, paths(bad.body)]).toEqual([400, ['observationPeriod', 'title']]);
    const badRefs = await problem({ serviceId: srv.id });
    expect([badRefs.status, paths(badRefs.body)]).toEqual([400, ['serviceId']]);
    const badIncidents = await problem({ incidentIds: [inc.id, 'INC9999999'] });
    expect([badIncidents.status, paths(badIncidents.body)]).toEqual([400, ['incidentIds.1']]);

    const key = `prb-${u}`;
    const p = await ok(problem({ title: `Idempotent ${u}`, ciId: srv.number }, PM, { 'idempotency-key': key }), 201);
    const again = await problem({ title: `Idempotent ${u}`, ciId: srv.number }, PM, { 'idempotency-key': key });
    expect([again.status, again.body.id]).toEqual([201, p.id]);

    expect((await getProblem('PRB9999999')).status).toBe(404);
    expect((await command('PRB9999999', 'investigate')).status).toBe(404);
    expect((await command(p.id, 'investigate', {}, 'dev-agent')).status).toBe(403);
    const linkedByAgent = await command(p.id, 'link-incidents', { incidentIds: [inc.number] }, 'dev-agent');
    expect(linkedByAgent.status).toBe(200);
    const wrong = await command(p.id, 'close');
    expect([wrong.status, wrong.body.detail]).toEqual([409, expect.stringContaining("cannot close a problem in state 'new'")]);
    // Not before investigation: refused by the workflow's validator, and no change was opened.
    expect((await command(p.id, 'request-change', changeBody(srv.id))).status).toBe(409);
    expect(await s.tdb.db.change.count({ where: { problemId: p.id } })).toBe(0);
    await ok(command(p.id, 'investigate'));
    const badChange = await command(p.id, 'request-change', { ...changeBody(srv.id), ciIds: ['CI9999999'] });
    expect([badChange.status, paths(badChange.body)]).toEqual([400, ['ciIds.0']]);
    const waived = await ok(command(p.id, 'known-error', { rootCause: 'vendor bug', workaround: 'restart', rcaWaived: 'vendor confirmed the defect' }));
    expect(waived).toMatchObject({ state: 'known_error', rca: { entries: [], waived: 'vendor confirmed the defect' } });
    // Nothing of the refused commands reached the audit trail.
    expect((await history(p.id)).map((h) => h.action)).toEqual(['create', 'incidents_linked', 'investigate', 'known_error']);

    const first = await ok(s.api('GET', '/api/v1/problems?limit=1', { token: 'dev-agent' }));
    expect(first.items).toHaveLength(1);
    const next = await ok(s.api('GET', `/api/v1/problems?limit=1&cursor=${first.nextCursor}`, { token: 'dev-agent' }));
    expect(next.items[0].id).not.toBe(first.items[0].id);
    expect((await s.api('GET', '/api/v1/known-errors?cursor=nope', { token: 'dev-agent' })).status).toBe(400);

    const spec = await ok(s.api('GET', '/openapi.json'));
    for (const path of ['/api/v1/problems', '/api/v1/problems/{id}/known-error', '/api/v1/known-errors', '/api/v1/incidents/{id}/apply-workaround', '/api/v1/incidents/{id}/problem']) {
      expect(Object.keys(spec.paths)).toContain(path);
    }
  });
});
