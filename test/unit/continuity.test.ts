/** The continuity run lifecycle and plan test lapse as pure functions. */
import { apply, isOverdue, newRun, overdueEventKey, raisesProblem, refusal, stepAlarms, type PlanStep } from '../../domain/continuity/lifecycle';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const steps: PlanStep[] = [
  { title: 'Fail over DB', group: 'dba', instructions: '', durationMinutes: 40 },
  { title: 'Switch DNS', group: 'network', instructions: '', durationMinutes: 20 },
];
const ev = { text: 'done, see log' };
const runAll = (kind: 'test' | 'invocation', endAt: number) => {
  let r = newRun(kind, 60, steps, T0);
  r = apply(r, { name: 'start_step', step: 0 }, T0);
  r = apply(r, { name: 'complete_step', step: 0, evidence: ev }, T0 + 30 * MIN);
  return apply(r, { name: 'complete_step', step: 1, evidence: { ...ev, attachmentId: 'att-1' } }, endAt);
};

describe('continuity run', () => {
  test('step deadlines accumulate; reminder at 75 % of the slot, escalation at the deadline', () => {
    const r = newRun('test', 60, steps, T0);
    expect(r.steps.map((s) => s.dueAt - T0)).toEqual([40 * MIN, 60 * MIN]);
    expect(stepAlarms(r).map((a) => [a.step, a.kind, (a.at - T0) / MIN, a.group])).toEqual([
      [0, 'reminder', 30, 'dba'], [0, 'escalation', 40, 'dba'], [1, 'reminder', 55, 'network'], [1, 'escalation', 60, 'network'],
    ]);
  });
  test('within the RTO a test passes, its recovery time measured start to last step done', () => {
    const r = runAll('test', T0 + 60 * MIN);
    expect([r.state, r.outcome, r.recoveryMs]).toEqual(['completed', 'passed', 60 * MIN]);
    expect(raisesProblem(r)).toBe(false);
    expect(stepAlarms(r)).toEqual([]);
  });
  test('beyond the RTO a test is overrun and raises a problem; an invocation recovers', () => {
    const r = runAll('test', T0 + 61 * MIN);
    expect([r.outcome, raisesProblem(r)]).toEqual(['overrun', true]);
    expect(runAll('invocation', T0 + 61 * MIN).outcome).toBe('recovered');
  });
  test('a failed step fails a test; an invocation keeps going', () => {
    const t = apply(newRun('test', 60, steps, T0), { name: 'fail_step', step: 0, reason: 'replica lag' }, T0 + MIN);
    expect([t.state, t.outcome, raisesProblem(t), t.recoveryMs]).toEqual(['failed', 'failed', true, null]);
    const i = apply(newRun('invocation', 60, steps, T0), { name: 'fail_step', step: 0, reason: 'replica lag' }, T0 + MIN);
    expect(i.state).toBe('running');
    expect(refusal(i, { name: 'complete_step', step: 0, evidence: ev })).toBeNull();
  });
  test('refusals: out of order, restarted, unknown step, finished run; abort', () => {
    const r = newRun('test', 60, steps, T0);
    expect(refusal(r, { name: 'start_step', step: 1 })).toMatch(/not the next/);
    expect(refusal(r, { name: 'start_step', step: 5 })).toMatch(/no step 5/);
    const s = apply(r, { name: 'start_step', step: 0 }, T0);
    expect(refusal(s, { name: 'start_step', step: 0 })).toMatch(/in_progress/);
    const a = apply(s, { name: 'abort', reason: 'stop' }, T0 + MIN);
    expect([a.state, a.outcome]).toEqual(['aborted', 'failed']);
    expect(refusal(a, { name: 'abort', reason: 'x' })).toMatch(/aborted/);
    expect(() => apply(a, { name: 'start_step', step: 0 }, T0)).toThrow(/aborted/);
    expect(apply(newRun('invocation', 60, steps, T0), { name: 'abort', reason: 'x' }, T0).outcome).toBe('abandoned');
  });
});

describe('plan test lapse', () => {
  const p = { id: 'bcp-1', lastTestedAt: null as number | null, createdAt: T0, testIntervalDays: 30 };
  test('counted from creation when never tested, else from the last test; one key per lapse', () => {
    expect(isOverdue(p, T0 + 30 * DAY - 1)).toBe(false);
    expect(isOverdue(p, T0 + 30 * DAY)).toBe(true);
    expect(overdueEventKey(p, T0 + 31 * DAY)).toBe(overdueEventKey(p, T0 + 40 * DAY));
    const tested = { ...p, lastTestedAt: T0 + 35 * DAY };
    expect(overdueEventKey(tested, T0 + 40 * DAY)).toBeNull();
    expect(overdueEventKey(tested, T0 + 65 * DAY)).not.toBe(overdueEventKey(p, T0 + 40 * DAY));
  });
});
