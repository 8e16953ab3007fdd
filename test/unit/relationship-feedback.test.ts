import { alarmEffect, commandEffect, feedbackDeadlines, feedbackView, newFeedback, nextFeedbackState, WARN_AT } from '../../domain/relationship/feedback';
import { CreateFeedbackBody } from '../../domain/schemas/feedback';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T09:00:00Z');
const make = (kind: 'complaint' | 'compliment', accountManager: string | null = 'usr-am') =>
  newFeedback({ id: 'fbk-1', number: 'FBK0000001', workflowId: 'feedback-FBK0000001', customerId: 'cus-1', accountManager, kind, title: 'Late', description: null, serviceId: null, group: 'service-desk', acknowledgeMs: 4 * HOUR, resolveMs: 100 * HOUR }, 'usr-agent', T0);

describe('feedback lifecycle', () => {
  test('a complaint: new, acknowledged, investigating, resolved (reopened to investigating), closed; anything else refused with its reason', () => {
    const moves: [string, string, string | null][] = [
      ['new', 'acknowledge', 'acknowledged'], ['new', 'resolve', null], ['new', 'close', null],
      ['acknowledged', 'investigate', 'investigating'], ['acknowledged', 'resolve', 'resolved'],
      ['investigating', 'resolve', 'resolved'], ['investigating', 'close', null],
      ['resolved', 'reopen', 'investigating'], ['resolved', 'close', 'closed'], ['closed', 'reopen', null],
    ];
    for (const [from, cmd, to] of moves) {
      const r = nextFeedbackState('complaint', from as never, cmd as never);
      expect([from, cmd, r.ok ? r.to : null]).toEqual([from, cmd, to]);
    }
    expect(nextFeedbackState('complaint', 'new', 'resolve')).toEqual({ ok: false, reason: "cannot resolve a complaint in state 'new'" });
  });

  test('a compliment is acknowledged and closed, nothing more', () => {
    expect(nextFeedbackState('compliment', 'new', 'acknowledge')).toEqual({ ok: true, to: 'acknowledged' });
    expect(nextFeedbackState('compliment', 'acknowledged', 'close')).toEqual({ ok: true, to: 'closed' });
    expect(nextFeedbackState('compliment', 'acknowledged', 'investigate')).toEqual({ ok: false, reason: 'a compliment cannot be given investigate' });
    expect(nextFeedbackState('compliment', 'acknowledged', 'reopen').ok).toBe(false);
  });

  test('targets run from creation: a warning at 75% and the breach at the target, acknowledgement while new, resolution while a complaint is open', () => {
    const s = make('complaint');
    expect(feedbackDeadlines(s).map((d) => [d.kind, d.at - T0])).toEqual([
      ['acknowledge_warning', WARN_AT * 4 * HOUR],
      ['acknowledge_breach', 4 * HOUR],
      ['resolve_warning', WARN_AT * 100 * HOUR],
      ['resolve_breach', 100 * HOUR],
    ]);
    const acked = commandEffect(s, 'acknowledged', 'acknowledge', {}, T0 + HOUR).snapshot;
    expect(feedbackDeadlines(acked).map((d) => d.kind)).toEqual(['resolve_warning', 'resolve_breach']);
    const resolved = commandEffect(acked, 'resolved', 'resolve', { resolution: 'fixed' }, T0 + 2 * HOUR).snapshot;
    expect(feedbackDeadlines(resolved)).toEqual([]);
    expect(feedbackDeadlines(make('compliment')).map((d) => d.kind)).toEqual(['acknowledge_warning', 'acknowledge_breach']);
  });

  test('an alarm fires once: recorded, raised as an event, told to the group and the account manager (the group alone without one)', () => {
    const s = make('complaint');
    const e = alarmEffect(s, 'acknowledge_breach');
    expect(e.snapshot.alarms).toEqual(['acknowledge_breach']);
    expect(e.events).toEqual(['feedback.target_breached']);
    expect(e.data).toEqual({ target: 'acknowledge', dueAt: new Date(T0 + 4 * HOUR).toISOString() });
    expect(e.notifications!.map((n) => [n.recipient, n.kind])).toEqual([['group:service-desk', 'feedback_target_breached'], ['user:usr-am', 'feedback_target_breached']]);
    expect(feedbackDeadlines(e.snapshot).map((d) => d.kind)).toEqual(['acknowledge_warning', 'resolve_warning', 'resolve_breach']);
    expect(alarmEffect(make('complaint', null), 'resolve_warning').notifications!.map((n) => n.recipient)).toEqual(['group:service-desk']);
    expect(feedbackView(e.snapshot, T0).breached).toEqual(['acknowledge']);
  });

  test('a reopened complaint is resolved again; its owners are told why', () => {
    const resolved = { ...make('complaint'), state: 'resolved' as const, resolvedAt: T0 };
    const e = commandEffect(resolved, 'investigating', 'reopen', { reason: 'still late' }, T0 + HOUR);
    expect(e.snapshot).toMatchObject({ state: 'investigating', resolvedAt: null });
    expect(e.notifications!.map((n) => n.kind)).toEqual(['feedback_reopened', 'feedback_reopened']);
  });

  test('the create body: kind and title required, targets as ISO durations, nothing unknown', () => {
    expect(CreateFeedbackBody.safeParse({ customerId: 'CUS1', kind: 'complaint', title: 'x', targets: { acknowledge: 'PT4H' } }).success).toBe(true);
    expect(CreateFeedbackBody.safeParse({ customerId: 'CUS1', kind: 'complaint', title: 'x', targets: { acknowledge: '4 hours' } }).success).toBe(false);
    expect(CreateFeedbackBody.safeParse({ customerId: 'CUS1', kind: 'praise', title: 'x' }).success).toBe(false);
    expect(CreateFeedbackBody.safeParse({ customerId: 'CUS1', kind: 'complaint', title: ' ' }).success).toBe(false);
    expect(CreateFeedbackBody.safeParse({ customerId: 'CUS1', kind: 'complaint', title: 'x', extra: 1 }).success).toBe(false);
  });
});
