/** The change-management domain, pure: CAB rules, risk scoring, windows and freezes, the lifecycle, the policy. */
import { changeManagerRequired, classifyVote, notYetVoted, quorumOf, recipientOf, tally, type CabState, type CabVote, type RequiredApprover } from '../../domain/change/cab';
import { boardFor, changePolicyWith, DEFAULT_CHANGE_POLICY, type BoardRule, type RiskLevel } from '../../domain/change/policy';
import { assessRisk, criticalityOf, type RiskFacts } from '../../domain/change/risk';
import { clashes, freezesHit, overlaps, type Freeze, type ScheduledChange } from '../../domain/change/schedule';
import { allowedFrom, CHANGE_STATES, checkCommand, isTerminal, OPEN_CHANGE_STATES, PRE_IMPLEMENTATION, type ChangeCommand, type ChangeState } from '../../domain/change/state-machine';

// ---------------------------------------------------------------------------------------------
// CAB

const CM: RequiredApprover = { approver: 'usr-cm', role: 'change_manager' };
const A: RequiredApprover = { approver: 'usr-a', role: 'cab_member' };
const B: RequiredApprover = { approver: 'usr-b', role: 'cab_member' };
const C: RequiredApprover = { approver: 'usr-c', role: 'cab_member' };
const OPS: RequiredApprover = { approver: 'group:ops', role: 'service_owner' };

let voteN = 0;
function cab(required: RequiredApprover[], o: Partial<CabState> = {}): CabState {
  return { board: 'cab', required, votes: [], quorum: quorumOf('majority', required.length), changeManagerRequired: false, openedAt: 0, deadline: 1000, timeoutAt: 2000, remindedAt: null, escalatedAt: null, ...o };
}
/** Casts a vote the way the workflow does: classified against the votes so far, then appended. */
function cast(state: CabState, member: string, decision: 'approve' | 'reject' = 'approve', groups: string[] = []): CabVote {
  const { countsFor, ignoredReason } = classifyVote(state, { member, groups });
  const v: CabVote = { voteId: `v${++voteN}`, member, decision, comment: null, at: voteN, countsFor, ignoredReason };
  state.votes = [...state.votes, v];
  return v;
}

describe('quorumOf', () => {
  test.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [6, 4],
  ])('majority of %i required is %i', (required, q) => expect(quorumOf('majority', required)).toBe(q));
  test('an absolute quorum is used as is', () => {
    expect(quorumOf(2, 4)).toBe(2);
    expect(quorumOf(3, 5)).toBe(3);
  });
  test('an absolute quorum is capped at the number required', () => {
    expect(quorumOf(5, 3)).toBe(3);
    expect(quorumOf(2, 1)).toBe(1);
  });
  test('never 0: an empty board cannot approve by default', () => {
    expect(quorumOf('majority', 0)).toBe(1);
    expect(quorumOf(2, 0)).toBe(1);
    expect(quorumOf(0, 4)).toBe(1);
  });
});

describe('changeManagerRequired', () => {
  const rule: BoardRule = { ...DEFAULT_CHANGE_POLICY.boards.cab, changeManagerRequiredAt: ['high'] };
  test('at a listed risk level, when the change manager is among the required approvers', () => {
    expect(changeManagerRequired(rule, 'high', [CM, A, B])).toBe(true);
  });
  test.each<RiskLevel>(['low', 'medium'])('not at %s risk', (risk) => {
    expect(changeManagerRequired(rule, risk, [CM, A, B])).toBe(false);
  });
  test('not when there is no change manager to require', () => {
    expect(changeManagerRequired(rule, 'high', [A, B])).toBe(false);
  });
  test('a policy may require them at medium too', () => {
    expect(changeManagerRequired({ ...rule, changeManagerRequiredAt: ['medium', 'high'] }, 'medium', [CM, A])).toBe(true);
  });
});

describe('classifyVote', () => {
  test('a required person counts for themselves', () => {
    expect(classifyVote(cab([CM, A, B]), { member: 'usr-a', groups: [] })).toEqual({ countsFor: ['usr-a'], ignoredReason: null });
  });
  test('someone not required is recorded but not counted', () => {
    const r = classifyVote(cab([CM, A, B]), { member: 'usr-x', groups: ['service-desk'] });
    expect(r.countsFor).toEqual([]);
    expect(r.ignoredReason).toMatch(/not a required approver/);
  });
  test('a second vote of the same member does not count: the first one does', () => {
    const s = cab([CM, A, B]);
    cast(s, 'usr-a', 'approve');
    const r = classifyVote(s, { member: 'usr-a', groups: [] });
    expect(r.countsFor).toEqual([]);
    expect(r.ignoredReason).toMatch(/duplicate vote/);
  });
  test('any member of a group answers for the group, once', () => {
    const s = cab([CM, OPS, A]);
    expect(cast(s, 'usr-ops1', 'approve', ['ops']).countsFor).toEqual(['group:ops']);
    const second = classifyVote(s, { member: 'usr-ops2', groups: ['ops'] });
    expect(second.countsFor).toEqual([]);
    expect(second.ignoredReason).toMatch(/already answered by another member of group:ops/);
  });
  test('a person who is also in a required group answers for both', () => {
    expect(classifyVote(cab([CM, OPS, A]), { member: 'usr-a', groups: ['ops'] }).countsFor).toEqual(['group:ops', 'usr-a']);
  });
  test('once their group has been answered, a required person still counts for themselves', () => {
    const s = cab([CM, OPS, A]);
    cast(s, 'usr-ops1', 'approve', ['ops']);
    expect(classifyVote(s, { member: 'usr-a', groups: ['ops'] })).toEqual({ countsFor: ['usr-a'], ignoredReason: null });
  });
  test('an ignored earlier vote does not make a later one a duplicate', () => {
    const s = cab([CM, OPS, A]);
    cast(s, 'usr-ops1', 'approve', ['ops']);
    expect(cast(s, 'usr-ops2', 'approve', ['ops']).countsFor).toEqual([]);
    // usr-ops2 later becomes relevant only if required in person: not here, so still not counted.
    expect(classifyVote(s, { member: 'usr-ops2', groups: ['ops'] }).ignoredReason).toMatch(/already answered/);
  });
});

describe('tally', () => {
  test('pending until the quorum of approvals is reached', () => {
    const s = cab([CM, A, B, C]);
    expect(s.quorum).toBe(3);
    cast(s, 'usr-a');
    cast(s, 'usr-b');
    expect(tally(s)).toMatchObject({ outcome: 'pending', approvals: 2, rejections: 0 });
    expect(tally(s).reason).toBe('2 of 3 approvals');
    cast(s, 'usr-c');
    const t = tally(s);
    expect(t).toMatchObject({ outcome: 'approved', approvals: 3, rejections: 0 });
    expect(t.reason).toMatch(/quorum reached: 3 of 4 required approvers approved \(quorum 3\)/);
  });
  test('one counted rejection rejects, even with enough approvals', () => {
    const s = cab([CM, A, B, C]);
    cast(s, 'usr-a');
    cast(s, 'usr-b', 'reject');
    expect(tally(s)).toMatchObject({ outcome: 'rejected', approvals: 1, rejections: 1, reason: 'rejected by usr-b' });
  });
  test('an uncounted rejection (not required, or a duplicate) changes nothing', () => {
    const s = cab([CM, A, B, C]);
    cast(s, 'usr-a');
    cast(s, 'usr-a', 'reject');
    cast(s, 'usr-x', 'reject');
    expect(tally(s)).toMatchObject({ outcome: 'pending', approvals: 1, rejections: 0 });
  });
  test('the change manager must be among the approvals when required', () => {
    const s = cab([CM, A, B, C], { changeManagerRequired: true });
    cast(s, 'usr-a');
    cast(s, 'usr-b');
    cast(s, 'usr-c');
    const t = tally(s);
    expect(t).toMatchObject({ outcome: 'pending', approvals: 3 });
    expect(t.reason).toMatch(/change manager must approve/);
    cast(s, 'usr-cm');
    expect(tally(s)).toMatchObject({ outcome: 'approved', approvals: 4 });
  });
  test('the change manager alone does not approve below the quorum', () => {
    const s = cab([CM, A, B, C], { changeManagerRequired: true });
    cast(s, 'usr-cm');
    expect(tally(s)).toMatchObject({ outcome: 'pending', approvals: 1 });
  });
  test('one vote answering for two approvers counts twice', () => {
    const s = cab([OPS, A, B], { quorum: 2 });
    cast(s, 'usr-a', 'approve', ['ops']);
    expect(tally(s)).toMatchObject({ outcome: 'approved', approvals: 2 });
  });
  test('an empty board never approves by itself', () => {
    expect(tally(cab([]))).toMatchObject({ outcome: 'pending', approvals: 0 });
  });
});

describe('notYetVoted and recipients', () => {
  test('required approvers with no counted vote, in order', () => {
    const s = cab([CM, OPS, A, B]);
    expect(notYetVoted(s)).toEqual([CM, OPS, A, B]);
    cast(s, 'usr-a', 'reject');
    cast(s, 'usr-ops1', 'approve', ['ops']);
    cast(s, 'usr-x');
    expect(notYetVoted(s)).toEqual([CM, B]);
  });
  test('a person is notified as user:<id>, a group as itself', () => {
    expect(recipientOf('usr-a')).toBe('user:usr-a');
    expect(recipientOf('group:ops')).toBe('group:ops');
  });
});

// ---------------------------------------------------------------------------------------------
// Risk

const W = DEFAULT_CHANGE_POLICY.risk;
const facts = (o: Partial<RiskFacts> = {}): RiskFacts => ({ type: 'normal', services: [], recentFailedChanges: [], openIncidents: [], businessHoursOverlap: [], ...o });
const svc = (criticality: RiskLevel, n = 1) => Array.from({ length: n }, (_, i) => ({ number: `CI${criticality}${i}`, name: `${criticality} ${i}`, criticality }));
const points = (f: RiskFacts, w = W) => Object.fromEntries(assessRisk(f, w).factors.map((x) => [x.factor, x.points]));

describe('assessRisk', () => {
  test('the change type', () => {
    expect(points(facts({ type: 'standard' }))).toEqual({});
    expect(points(facts({ type: 'normal' }))).toEqual({ type: 10 });
    expect(points(facts({ type: 'emergency' }))).toEqual({ type: 25 });
  });
  test('affected services by criticality, capped', () => {
    expect(points(facts({ type: 'standard', services: svc('low') }))).toEqual({ services: 3 });
    expect(points(facts({ type: 'standard', services: svc('medium') }))).toEqual({ services: 8 });
    expect(points(facts({ type: 'standard', services: [...svc('high'), ...svc('medium'), ...svc('low')] }))).toEqual({ services: 26 });
    expect(points(facts({ type: 'standard', services: svc('high', 3) }))).toEqual({ services: 40 });
    expect(assessRisk(facts({ services: svc('high', 2) }), W).factors.find((f) => f.factor === 'services')!.detail).toBe('high 0 (high), high 1 (high)');
  });
  test('recent failed changes, capped', () => {
    expect(points(facts({ type: 'standard', recentFailedChanges: ['CHG1'] }))).toEqual({ failed_changes: 10 });
    expect(points(facts({ type: 'standard', recentFailedChanges: ['CHG1', 'CHG2', 'CHG3'] }))).toEqual({ failed_changes: 20 });
  });
  test('open incidents, capped', () => {
    expect(points(facts({ type: 'standard', openIncidents: ['INC1', 'INC2'] }))).toEqual({ open_incidents: 10 });
    expect(points(facts({ type: 'standard', openIncidents: ['INC1', 'INC2', 'INC3', 'INC4'] }))).toEqual({ open_incidents: 15 });
  });
  test('a window in service hours: a flat amount however many services', () => {
    expect(points(facts({ type: 'standard', businessHoursOverlap: [{ service: 'CI1', sla: 'gold' }] }))).toEqual({ business_hours: 15 });
    expect(points(facts({ type: 'standard', businessHoursOverlap: [{ service: 'CI1', sla: 'gold' }, { service: 'CI2', sla: 'silver' }] }))).toEqual({ business_hours: 15 });
  });
  test('factors add up; the score is capped at 100', () => {
    const all = facts({ type: 'emergency', services: svc('high', 4), recentFailedChanges: ['a', 'b', 'c'], openIncidents: ['1', '2', '3', '4'], businessHoursOverlap: [{ service: 'x', sla: 'y' }] });
    // 25 + 40 + 20 + 15 + 15 = 115
    expect(assessRisk(all, W)).toMatchObject({ score: 100, level: 'high' });
    expect(assessRisk(facts({ services: svc('medium'), openIncidents: ['1'] }), W).score).toBe(10 + 8 + 5);
  });
  test.each<[string, RiskFacts, number, RiskLevel]>([
    ['standard, nothing else', facts({ type: 'standard' }), 0, 'low'],
    ['just under medium', facts({ type: 'normal', services: [...svc('medium', 2), ...svc('low')] }), 29, 'low'],
    ['exactly medium', facts({ type: 'normal', services: [...svc('medium'), ...svc('low', 4)] }), 30, 'medium'],
    ['just under high', facts({ type: 'emergency', services: svc('medium', 3), recentFailedChanges: ['a'] }), 59, 'medium'],
    ['exactly high', facts({ type: 'normal', services: svc('high', 3), openIncidents: ['1', '2'] }), 60, 'high'],
  ])('level boundaries: %s', (_name, f, score, level) => {
    expect(assessRisk(f, W)).toMatchObject({ score, level });
  });
  test('custom thresholds move the levels', () => {
    const strict = { ...W, thresholds: { medium: 5, high: 10 } };
    expect(assessRisk(facts({ type: 'normal' }), strict).level).toBe('high');
    expect(assessRisk(facts({ type: 'standard', services: svc('medium') }), strict).level).toBe('medium');
    expect(assessRisk(facts({ type: 'standard', services: svc('low') }), strict).level).toBe('low');
  });
  test('an unknown or missing criticality counts as medium', () => {
    expect(criticalityOf('high')).toBe('high');
    expect(criticalityOf('low')).toBe('low');
    expect(criticalityOf(undefined)).toBe('medium');
    expect(criticalityOf('critical')).toBe('medium');
    expect(criticalityOf(3)).toBe('medium');
  });
});

// ---------------------------------------------------------------------------------------------
// Windows, freezes, clashes

describe('overlaps (half-open windows)', () => {
  test.each([
    [{ start: 0, end: 10 }, { start: 10, end: 20 }, false],
    [{ start: 10, end: 20 }, { start: 0, end: 10 }, false],
    [{ start: 0, end: 10 }, { start: 9, end: 20 }, true],
    [{ start: 0, end: 10 }, { start: 2, end: 3 }, true],
    [{ start: 2, end: 3 }, { start: 0, end: 10 }, true],
    [{ start: 0, end: 10 }, { start: 0, end: 10 }, true],
    [{ start: 0, end: 10 }, { start: 11, end: 12 }, false],
  ])('%o and %o: %s', (a, b, expected) => expect(overlaps(a, b)).toBe(expected));
});

describe('freezesHit', () => {
  const f = (id: string, start: number, end: number): Freeze => ({ id, name: id, reason: 'r', start, end });
  test('only the freezes the window overlaps, earliest first (then by id)', () => {
    const freezes = [f('late', 50, 60), f('b', 5, 30), f('edge-before', 0, 10), f('a', 5, 40), f('edge-after', 20, 30), f('far', 100, 200)];
    expect(freezesHit({ start: 10, end: 20 }, freezes, 0).map((x) => x.id)).toEqual(['a', 'b']);
    expect(freezesHit({ start: 9, end: 55 }, freezes, 0).map((x) => x.id)).toEqual(['edge-before', 'a', 'b', 'edge-after', 'late']);
  });
  test('none', () => {
    expect(freezesHit({ start: 0, end: 1 }, [], 0)).toEqual([]);
  });
  test('a freeze that has ended holds nothing, even over a window that lay inside it', () => {
    const freezes = [f('over', 0, 30), f('running', 10, 50)];
    expect(freezesHit({ start: 10, end: 20 }, freezes, 30).map((x) => x.id)).toEqual(['running']);
    expect(freezesHit({ start: 10, end: 20 }, freezes, 29).map((x) => x.id)).toEqual(['over', 'running']);
    expect(freezesHit({ start: 10, end: 20 }, freezes, 50)).toEqual([]);
  });
});

describe('clashes', () => {
  const c = (number: string, start: number, end: number, ciIds: string[]): ScheduledChange => ({ number, start, end, ciIds });
  test('overlapping windows on a common CI clash, both ways, naming the common CIs', () => {
    const out = clashes([c('CHG2', 5, 15, ['ci-1', 'ci-2', 'ci-3']), c('CHG1', 0, 10, ['ci-2', 'ci-1'])]);
    expect(out.get('CHG1')).toEqual([{ with: 'CHG2', ciIds: ['ci-2', 'ci-1'] }]);
    expect(out.get('CHG2')).toEqual([{ with: 'CHG1', ciIds: ['ci-2', 'ci-1'] }]);
  });
  test('overlapping windows on different CIs do not clash', () => {
    const out = clashes([c('CHG1', 0, 10, ['ci-1']), c('CHG2', 5, 15, ['ci-2'])]);
    expect(out.get('CHG1')).toEqual([]);
    expect(out.get('CHG2')).toEqual([]);
  });
  test('back-to-back windows on the same CI do not clash', () => {
    const out = clashes([c('CHG1', 0, 10, ['ci-1']), c('CHG2', 10, 20, ['ci-1'])]);
    expect([...out.values()].flat()).toEqual([]);
  });
  test('a long change clashes with each later one it spans; the later ones that do not meet do not', () => {
    const out = clashes([c('LONG', 0, 100, ['ci-1']), c('A', 10, 20, ['ci-1']), c('B', 30, 40, ['ci-1']), c('C', 100, 110, ['ci-1']), c('D', 35, 50, ['ci-9'])]);
    expect(out.get('LONG')!.map((x) => x.with)).toEqual(['A', 'B']);
    expect(out.get('A')!.map((x) => x.with)).toEqual(['LONG']);
    expect(out.get('B')!.map((x) => x.with)).toEqual(['LONG']);
    expect(out.get('C')).toEqual([]);
    expect(out.get('D')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The lifecycle

describe('change state machine', () => {
  const allowed: Record<ChangeCommand, ChangeState[]> = {
    start: ['scheduled'],
    complete: ['implementing'],
    review: ['implemented', 'failed'],
    close: ['implemented', 'reviewed'],
    cancel: ['submitted', 'assessing', 'cab_review', 'approved', 'held', 'scheduled'],
    reschedule: ['approved', 'held', 'scheduled'],
  };
  const targets: Record<ChangeCommand, ChangeState | null> = { start: 'implementing', complete: null, review: 'reviewed', close: 'closed', cancel: 'cancelled', reschedule: null };
  for (const command of Object.keys(allowed) as ChangeCommand[]) {
    test(`${command}: allowed from ${allowed[command].join(', ')} and refused elsewhere`, () => {
      expect([...allowedFrom(command)].sort()).toEqual([...allowed[command]].sort());
      for (const state of CHANGE_STATES) {
        const r = checkCommand(state, command);
        if (allowed[command].includes(state)) {
          expect(r).toEqual({ ok: true, to: targets[command] });
        } else {
          expect(r.ok).toBe(false);
          expect((r as { reason: string }).reason).toMatch(new RegExp(`^cannot ${command} a change in state '${state}'`));
        }
      }
    });
  }
  test('closing a failed change points at the review it needs', () => {
    const r = checkCommand('failed', 'close');
    expect(r.ok).toBe(false);
    expect((r as { reason: string }).reason).toMatch(/a failed change needs a post-implementation review first/);
    expect((checkCommand('implementing', 'close') as { reason: string }).reason).not.toMatch(/review first/);
  });
  test('terminal states, open states and the pre-implementation states', () => {
    expect(CHANGE_STATES.filter(isTerminal)).toEqual(['rejected', 'closed', 'cancelled']);
    expect(OPEN_CHANGE_STATES).toEqual(CHANGE_STATES.filter((s) => !['rejected', 'closed', 'cancelled'].includes(s)));
    expect(PRE_IMPLEMENTATION).toEqual(allowed.cancel);
    for (const s of CHANGE_STATES.filter(isTerminal)) for (const cmd of Object.keys(allowed) as ChangeCommand[]) expect(checkCommand(s, cmd).ok).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The policy

describe('change policy', () => {
  test('no override: the default policy', () => {
    expect(changePolicyWith()).toEqual(DEFAULT_CHANGE_POLICY);
    expect(changePolicyWith({})).toEqual(DEFAULT_CHANGE_POLICY);
  });
  test('a board override merges into that board only', () => {
    const p = changePolicyWith({ boards: { cab: { quorum: 2, deadline: 'P1D' } } });
    expect(p.boards.cab).toEqual({ ...DEFAULT_CHANGE_POLICY.boards.cab, quorum: 2, deadline: 'P1D' });
    expect(p.boards.ecab).toEqual(DEFAULT_CHANGE_POLICY.boards.ecab);
    expect(p.risk).toEqual(DEFAULT_CHANGE_POLICY.risk);
    expect(p.cabGroup).toBe('cab');
  });
  test('risk overrides keep the other weights; the CAB group can be renamed', () => {
    const p = changePolicyWith({ cabGroup: 'change-board', risk: { thresholds: { medium: 5, high: 10 }, lookbackDays: 30 } });
    expect(p.cabGroup).toBe('change-board');
    expect(p.risk).toEqual({ ...DEFAULT_CHANGE_POLICY.risk, thresholds: { medium: 5, high: 10 }, lookbackDays: 30 });
    expect(p.boards).toEqual(DEFAULT_CHANGE_POLICY.boards);
  });
  test('the default is not mutated by an override', () => {
    const before = JSON.stringify(DEFAULT_CHANGE_POLICY);
    const p = changePolicyWith({ boards: { ecab: { quorum: 1 } }, risk: { businessHoursOverlap: 0 } });
    expect(p.boards.ecab.quorum).toBe(1);
    expect(p.risk.businessHoursOverlap).toBe(0);
    expect(JSON.stringify(DEFAULT_CHANGE_POLICY)).toBe(before);
  });
  test('which board decides which type', () => {
    expect(boardFor('normal')).toBe('cab');
    expect(boardFor('emergency')).toBe('ecab');
    expect(boardFor('standard')).toBeNull();
  });
});
