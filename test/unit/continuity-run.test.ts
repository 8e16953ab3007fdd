/** A continuity run as a record process (domain/continuity/run.ts): refusals, events, alarms as deadlines, the view. */
import { alarmEffect, commandEffect, commandRefusal, continuityRunView, newContinuityRun, runDeadlines, type NewContinuityRun } from '../../domain/continuity/run';

const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const NEW: NewContinuityRun = {
  id: 'drt_1', number: 'DRT0000001', workflowId: 'continuity-run-DRT0000001', kind: 'test', incident: null,
  service: { id: 'ci_1', number: 'CI0000001', name: 'Payments' },
  plan: {
    id: 'bcp_1', number: 'BCP0000001', name: 'Payments DR', rtoMinutes: 60, ownerGroup: 'it-continuity',
    steps: [
      { title: 'Fail over DB', group: 'dba', instructions: '', durationMinutes: 40 },
      { title: 'Switch DNS', group: 'network', instructions: '', durationMinutes: 20 },
    ],
  },
};

describe('continuity run room', () => {
  const run = newContinuityRun(NEW, 'usr-admin', T0);

  test('a new run names its plan and service and has every alarm ahead of it', () => {
    expect(run).toMatchObject({ title: 'DR test of BCP0000001 Payments DR', state: 'running', alarms: [], problemId: null, createdBy: 'usr-admin' });
    expect(runDeadlines(run).map((d) => [d.kind, (d.at - T0) / MIN])).toEqual([['reminder:0', 30], ['escalation:0', 40], ['reminder:1', 55], ['escalation:1', 60]]);
  });

  test('a step the run lacks is the caller’s mistake, a step out of turn a conflict', () => {
    expect(commandRefusal(run, 'start-step', { step: 2 })).toEqual({ status: 'unknown', message: 'DRT0000001 has no step 2 (it has 2)' });
    expect(commandRefusal(run, 'complete-step', { step: 1, evidence: 'x' })).toEqual({ status: 'conflict', message: 'step 1 is not the next one (step 0 is)' });
    expect(commandRefusal(run, 'abort', { reason: 'x' })).toBeNull();
  });

  test('a fired alarm is not due again; a reminder tells the step’s group, an escalation its manager, else the plan’s owner group', () => {
    const reminded = alarmEffect(run, 'reminder:0', null);
    expect(reminded.notifications).toEqual([{ recipient: 'group:dba', kind: 'continuity_step_reminder', message: expect.stringContaining('step 0 "Fail over DB" is due by 2026-03-01T00:40:00.000Z') }]);
    expect(reminded.events).toBeUndefined();
    expect(runDeadlines(reminded.snapshot).map((d) => d.kind)).toEqual(['escalation:0', 'reminder:1', 'escalation:1']);
    expect(alarmEffect(run, 'escalation:0', 'usr-boss').notifications?.[0].recipient).toBe('user:usr-boss');
    const unmanaged = alarmEffect(run, 'escalation:1', null);
    expect([unmanaged.events, unmanaged.notifications?.[0].recipient]).toEqual([['continuity.run.step_escalated'], 'group:it-continuity']);
  });

  test('completing the last step late ends the test overrun, with its events; the view measures it against the RTO', () => {
    const first = commandEffect(run, 'complete-step', { step: 0, evidence: 'promoted' }, T0 + 30 * MIN);
    expect([first.events, first.data]).toEqual([['continuity.run.step_completed'], { step: 0, title: 'Fail over DB', group: 'dba' }]);
    const last = commandEffect(first.snapshot, 'complete-step', { step: 1, evidence: 'switched', attachmentId: 'att_9' }, T0 + 75 * MIN);
    expect(last.events).toEqual(['continuity.run.step_completed', 'continuity.run.completed']);
    expect(last.data).toMatchObject({ state: 'completed', outcome: 'overrun', recoveryMs: 75 * MIN, rtoMinutes: 60 });
    expect(runDeadlines(last.snapshot)).toEqual([]);
    const view = continuityRunView(last.snapshot, T0 + 80 * MIN);
    expect(view).toMatchObject({ outcome: 'overrun', recoveryMinutes: 75, withinRto: false, finishedAt: '2026-03-01T01:15:00.000Z' });
    expect(view.steps[1]).toMatchObject({ step: 1, state: 'done', evidence: 'switched', attachmentId: 'att_9', overdue: false });
  });

  test('a step past its deadline shows overdue while the run is on', () => {
    expect(continuityRunView(run, T0 + 41 * MIN).steps.map((s) => s.overdue)).toEqual([true, false]);
  });
});
