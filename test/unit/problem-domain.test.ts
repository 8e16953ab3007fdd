/**
 * The problem lifecycle as pure functions: which command goes where, what each step does to
 * the record, how change outcomes close the loop, and when the timers fall due.
 */
import {
  acceptRiskEffect,
  changeOutcomeEffect,
  changeRequestedEffect,
  closeEffect,
  duplicateEffect,
  knownErrorEffect,
  knownErrorRefusal,
  linkEffect,
  newProblem,
  newlyLinked,
  observeEffect,
  problemDeadlines,
  rcaEffects,
} from '../../domain/problem/lifecycle';
import { problemView } from '../../domain/problem/snapshot';
import { PROBLEM_ACTIONS, PROBLEM_STATES, isTerminal, nextProblemState } from '../../domain/problem/state-machine';
import { ProblemCommandBodies, ProblemSnapshotSchema, type ProblemSnapshot } from '../../domain/schemas/problem';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const DAY = 86_400_000;
const impact = { services: [{ id: 'svc', number: 'CI0000003', name: 'Payroll' }], cis: [{ id: 'srv', number: 'CI0000001', name: 'srv-1' }] };
const inc = (n: number) => ({ id: `inc-${n}`, number: `INC000000${n}`, serviceId: null, ciId: 'srv', linkedAt: T0 });

function fresh(): ProblemSnapshot {
  return newProblem({ id: 'prb-1', number: 'PRB0000001', workflowId: 'problem-PRB0000001' }, 'usr-pm', { title: 'Batch fails', ciId: 'srv', category: 'Batch', observationMs: 14 * DAY }, [inc(1)], impact, T0);
}
const withKnownError = (s: ProblemSnapshot) =>
  knownErrorEffect({ ...s, state: 'investigating' }, 'known_error', { rootCause: 'no log rotation', workaround: 'truncate logs', rcaWaived: 'vendor bug' }, { id: 'ke-1', number: 'KE0000001' }, T0 + 1).snapshot;
const pendingOn = (s: ProblemSnapshot, ...numbers: string[]) => numbers.reduce((x, n) => changeRequestedEffect(x, { id: `chg-${n}`, number: n }, T0 + 2).snapshot, s);

describe('problem state machine', () => {
  test('every state and command has a rule; terminal states take nothing', () => {
    for (const state of PROBLEM_STATES) {
      for (const action of PROBLEM_ACTIONS) {
        const r = nextProblemState(state, action);
        if (isTerminal(state)) expect(r.ok).toBe(false);
        if (!r.ok) expect(r.reason).toContain(`cannot ${action} a problem in state '${state}'`);
      }
    }
  });

  test('the main path and its exits', () => {
    expect(nextProblemState('new', 'rca')).toEqual({ ok: true, to: 'investigating' });
    expect(nextProblemState('investigating', 'rca')).toEqual({ ok: true, to: 'investigating' });
    expect(nextProblemState('investigating', 'known-error')).toEqual({ ok: true, to: 'known_error' });
    expect(nextProblemState('known_error', 'request-change')).toEqual({ ok: true, to: 'change_pending' });
    expect(nextProblemState('change_pending', 'resolve')).toEqual({ ok: true, to: 'resolved' });
    expect(nextProblemState('under_observation', 'close')).toEqual({ ok: true, to: 'closed' });
    expect(nextProblemState('under_observation', 'link-incidents')).toEqual({ ok: true, to: 'under_observation' });
    expect(nextProblemState('new', 'request-change').ok).toBe(false);
    expect(nextProblemState('change_pending', 'accept-risk').ok).toBe(false);
    expect(nextProblemState('new', 'close').ok).toBe(false);
  });
});

describe('problem effects', () => {
  test('a new problem starts empty of analysis, with its incidents and impact', () => {
    const s = fresh();
    expect(ProblemSnapshotSchema.parse(s)).toEqual(s);
    expect(problemView(s, T0)).toMatchObject({ state: 'new', incidentIds: ['inc-1'], observationPeriod: 'P14D', knownErrorId: null, rca: { method: null, entries: [], waived: null } });
  });

  test('linking adds only new incidents; during observation it is a recurrence that reopens', () => {
    const s = fresh();
    expect(newlyLinked(s, [inc(1), inc(2), inc(2)]).map((i) => i.id)).toEqual(['inc-2']);
    const plain = linkEffect(s, [inc(2)], impact, true);
    expect([plain.snapshot.state, plain.events]).toEqual(['new', []]);
    const watching = observeEffect({ ...s, state: 'resolved', resolutionCode: 'fix_applied', resolvedAt: T0 }, T0);
    const recurred = linkEffect(watching.snapshot, [inc(3)], impact, true);
    expect(recurred.snapshot).toMatchObject({ state: 'investigating', reopenCount: 1, observationUntil: null, resolutionCode: null, resolvedAt: null });
    expect(recurred.events).toEqual(['problem.reopened']);
    expect(recurred.notifications?.[0]).toMatchObject({ recipient: 'group:problem-management', kind: 'problem_reopened' });
    // A link that is not a recurrence (a workaround applied) leaves the observation alone.
    expect(linkEffect(watching.snapshot, [inc(3)], impact, false).snapshot.state).toBe('under_observation');
  });

  test('each RCA entry is its own effect, authored and timed; the first moves a new problem to investigating', () => {
    const body = ProblemCommandBodies.rca.parse({ method: 'five_whys', entries: [{ why: 'a?', answer: 'b' }, { why: 'c?', answer: 'd' }] });
    const effects = rcaEffects(fresh(), 'investigating', 'usr-pm', body, T0);
    expect(effects).toHaveLength(2);
    expect(effects[1].snapshot.rca).toEqual([
      { method: 'five_whys', why: 'a?', answer: 'b', category: null, cause: null, author: 'usr-pm', at: T0 },
      { method: 'five_whys', why: 'c?', answer: 'd', category: null, cause: null, author: 'usr-pm', at: T0 },
    ]);
    expect(effects.map((e) => e.data?.index)).toEqual([0, 1]);
    expect(effects[0].snapshot.state).toBe('investigating');
  });

  test('an RCA body must match its method', () => {
    const r = ProblemCommandBodies.rca.safeParse({ method: 'fishbone', entries: [{ category: 'people', cause: 'x' }, { why: 'no' }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['entries.1.category', 'entries.1.cause', 'entries.1.why']);
    expect(ProblemCommandBodies.rca.safeParse({ method: 'fishbone', entries: [{ category: 'supplier', cause: 'late patch' }] }).success).toBe(true);
  });

  test('a known error needs evidence or a waiver; it takes the impact as its CIs and services', () => {
    const s = fresh();
    expect(knownErrorRefusal(s, { rootCause: 'x', workaround: 'y' })).toContain('no root-cause analysis');
    expect(knownErrorRefusal(s, { rootCause: 'x', workaround: 'y', rcaWaived: 'vendor says so' })).toBeNull();
    const k = withKnownError(s);
    expect(k.knownError).toMatchObject({ id: 'ke-1', status: 'active', ciIds: ['srv'], serviceIds: ['svc'], category: 'Batch', symptoms: 'Batch fails' });
    expect(k.rcaWaived).toBe('vendor bug');
  });

  test('change outcomes: a failure sends a waiting problem back; the last success resolves it; strangers and repeats change nothing', () => {
    const s = pendingOn(withKnownError(fresh()), 'CHG1', 'CHG2');
    expect(changeOutcomeEffect(s, { changeNumber: 'CHG9', outcome: 'success' }, T0)).toBeNull();
    const failed = changeOutcomeEffect(s, { changeNumber: 'CHG1', outcome: 'rejected', reason: 'CAB said no' }, T0)!;
    expect([failed.fix, failed.effect.snapshot.state, failed.effect.events]).toEqual([false, 'known_error', ['problem.change_failed']]);
    expect(failed.effect.notifications?.[0].message).toContain('CHG1 for PRB0000001 rejected: CAB said no');
    expect(changeOutcomeEffect(failed.effect.snapshot, { changeNumber: 'CHG1', outcome: 'success' }, T0)).toBeNull();

    const first = changeOutcomeEffect(s, { changeNumber: 'CHG1', outcome: 'success' }, T0)!;
    expect([first.fix, first.effect.snapshot.state]).toEqual([false, 'change_pending']);
    const last = changeOutcomeEffect(first.effect.snapshot, { changeNumber: 'CHG2', outcome: 'success' }, T0 + 5)!;
    expect(last.fix).toBe(true);
    expect(last.effect.snapshot).toMatchObject({ state: 'resolved', resolutionCode: 'fix_applied', resolutionNotes: 'fixed by CHG2', resolvedAt: T0 + 5 });
    expect(last.effect.events).toEqual(['problem.resolved']);
  });

  test('closing retires the known error; accepting the risk keeps its workaround active; a duplicate points at the survivor', () => {
    const k = withKnownError(fresh());
    const closed = closeEffect(observeEffect({ ...k, state: 'resolved' }, T0).snapshot, 'observation_ended', null, T0 + 14 * DAY);
    expect(closed.snapshot).toMatchObject({ state: 'closed', knownError: { status: 'retired', retiredAt: T0 + 14 * DAY }, observationUntil: null });
    expect(closed.events).toEqual(['problem.closed', 'known_error.retired']);
    expect(acceptRiskEffect(k, 'too costly', T0).snapshot).toMatchObject({ state: 'closed', resolutionCode: 'risk_accepted', knownError: { status: 'active' } });
    const dup = duplicateEffect(k, { id: 'prb-2', number: 'PRB0000002' }, T0);
    expect(dup.snapshot).toMatchObject({ state: 'closed', resolutionCode: 'duplicate', duplicateOf: { number: 'PRB0000002' } });
    expect(dup.data).toEqual({ of: 'PRB0000002', movedIncidents: ['INC0000001'] });
  });

  test('deadlines: the end of observation and a known error’s expiry, with readable summaries', () => {
    const k = withKnownError(fresh());
    expect(problemDeadlines(k)).toEqual([]);
    const watching = observeEffect({ ...k, state: 'resolved', knownError: { ...k.knownError!, validUntil: T0 + 30 * DAY } }, T0).snapshot;
    expect(problemDeadlines(watching)).toEqual([
      { at: T0 + 14 * DAY, kind: 'observation_end', summary: 'PRB0000001 observation ends, closure due 2026-12-15 09:00 UTC' },
      { at: T0 + 30 * DAY, kind: 'known_error_expiry', summary: 'KE0000001 expiry due 2026-12-31 09:00 UTC' },
    ]);
  });
});
