/**
 * The incident and change lifecycles as pure functions: what each command and timer does and
 * which deadline comes next, without Temporal.
 */
import { commandEffects, incidentDeadlines, newIncident, responseBreachEffect, warningOvertaken } from '../../domain/incident/lifecycle';
import { changeDeadlines, decisionEffect, newChange, scheduleEffect } from '../../domain/change/lifecycle';
import { DEFAULT_TARGETS, escalationRulesWithDefaults, type SlaPolicy } from '../../domain/sla/policy';
import type { CabState } from '../../domain/change/cab';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const MIN = 60_000;
const policy: SlaPolicy = { slaId: 'sla-1', name: 'Default', calendar: '24x7', targets: DEFAULT_TARGETS, escalation: escalationRulesWithDefaults(undefined), pauseOn: ['awaiting_caller'] };
const ids = { id: 'inc_1', number: 'INC0000001', workflowId: 'incident-INC0000001' };

describe('incident lifecycle', () => {
  const inc = newIncident(ids, 'usr-agent', { title: 'Mail down', type: 'incident', impact: 'high', urgency: 'high' }, policy, undefined, T0);

  test('a new P1 waits for its response breach, the 75 % warning and the resolution breach, each labelled', () => {
    const d = incidentDeadlines(inc, T0, 3 * 24 * 60 * MIN);
    expect(d.map((x) => [x.kind, x.at - T0])).toEqual([
      ['response', 15 * MIN + 1],
      ['warning', 180 * MIN],
      ['resolution', 240 * MIN + 1],
    ]);
    expect(d[0].summary).toBe('P1 response due 2026-12-01 10:15 UTC');
  });

  test('a hold awaiting the caller pauses the resolution clock: no warning or breach while paused', () => {
    const held = commandEffects.hold({ ...inc, snapshot: { ...inc.snapshot, state: 'in_progress' } }, { reason: 'awaiting_caller' }, 'on_hold', T0 + MIN);
    expect(held.data).toMatchObject({ clockPaused: true });
    const d = incidentDeadlines({ ...inc, snapshot: held.snapshot }, T0 + MIN, 0);
    expect(d.map((x) => x.kind)).toEqual(['response']);
  });

  test('a resolved incident waits only for auto-close', () => {
    const resolved = commandEffects.resolve(inc, { code: 'fixed', notes: 'restarted' }, 'resolved', T0 + 30 * MIN);
    expect(incidentDeadlines({ ...inc, snapshot: resolved.snapshot }, T0 + 30 * MIN, 60 * MIN).map((x) => [x.kind, x.at - T0])).toEqual([['autoClose', 90 * MIN]]);
  });

  test('functional escalation moves a new incident to the next tier; a warning after its breach is dropped', () => {
    const e = responseBreachEffect(inc, 'service-desk', T0 + 16 * MIN);
    expect(e.snapshot).toMatchObject({ assignmentGroup: 'service-desk', state: 'assigned' });
    expect(e.events).toEqual(['incident.sla.breached', 'incident.escalated']);
    expect(warningOvertaken(inc, T0 + 241 * MIN)).toBe(true);
    expect(warningOvertaken(inc, T0 + 181 * MIN)).toBe(false);
  });
});

describe('change lifecycle', () => {
  const body = { title: 'Patch', type: 'normal' as const, ciIds: ['ci_1'], plannedStart: new Date(T0 + 60 * MIN).toISOString(), plannedEnd: new Date(T0 + 120 * MIN).toISOString(), implementationPlan: 'a', backoutPlan: 'b', ciUpdates: [] };
  const chg = newChange({ id: 'chg_1', number: 'CHG0000001', workflowId: 'change-CHG0000001' }, 'usr-agent', body, T0);
  const cab: CabState = {
    board: 'cab',
    required: [
      { approver: 'a', role: 'cab_member' },
      { approver: 'b', role: 'cab_member' },
      { approver: 'c', role: 'cab_member' },
    ],
    votes: [],
    quorum: 2,
    changeManagerRequired: false,
    openedAt: T0,
    deadline: T0 + 100 * MIN,
    timeoutAt: T0 + 200 * MIN,
    remindedAt: null,
    escalatedAt: null,
  };

  test('a submitted change is assessed at once; in CAB review it waits for the reminder at half the deadline', () => {
    expect(changeDeadlines(chg, T0).map((d) => d.kind)).toEqual(['assess']);
    const d = changeDeadlines({ ...chg, state: 'cab_review', cab }, T0);
    expect(d.map((x) => [x.kind, x.at - T0])).toEqual([['remind', 50 * MIN]]);
  });

  test('the decision comes once the quorum is reached, and not before', () => {
    const vote = (member: string) => ({ voteId: `v-${member}`, member, decision: 'approve' as const, comment: null, at: T0, countsFor: [member], ignoredReason: null });
    expect(decisionEffect({ ...chg, state: 'cab_review', cab: { ...cab, votes: [vote('a')] } }, T0)).toBeNull();
    const decided = decisionEffect({ ...chg, state: 'cab_review', cab: { ...cab, votes: [vote('a'), vote('b')] } }, T0);
    expect(decided?.action).toBe('approved');
    expect(decided?.effect.snapshot.state).toBe('approved');
  });

  test('a freeze holds a normal change and not an emergency one; nothing changes when nothing moved', () => {
    const window = { plannedStart: chg.plannedStart, plannedEnd: chg.plannedEnd };
    const freeze = { id: 'frz_1', name: 'Year-end', start: T0, end: T0 + 300 * MIN, reason: 'close' };
    const approved = { ...chg, state: 'approved' as const };
    expect(scheduleEffect(approved, 'schedule', window, [freeze], null, T0)?.effect.snapshot).toMatchObject({ state: 'held', freezeId: 'frz_1', heldUntil: T0 + 300 * MIN });
    expect(scheduleEffect({ ...approved, type: 'emergency' }, 'schedule', window, [freeze], null, T0)?.effect.data).toMatchObject({ freezesOverridden: [{ id: 'frz_1', name: 'Year-end' }] });
    expect(scheduleEffect({ ...chg, state: 'scheduled' }, 'schedule', window, [], null, T0)).toBeNull();
  });
});
