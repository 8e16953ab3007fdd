/**
 * Notification e-mail templates (domain/notification/templates.ts): every kind the workflows
 * raise has its own wording; every subject carries the record's number in square brackets (the
 * token inbound replies are matched by), stays on one line within 200 characters; the body links
 * the record and keeps the preferences footer; the HTML part escapes every interpolated value.
 */
import { escapeHtml, headerSafe, renderNotificationMail, SUBJECT_MAX, TEMPLATED_KINDS, type NotificationMailInput } from '../../domain/notification/templates';

const LINK = 'https://itsm.example.com/api/v1/incidents/inc_1';

/** Every kind the workflows raise today, the record type it is raised on, and a message as they word it. */
const RAISED: [kind: string, recordType: string, number: string, message: string][] = [
  ['assignment', 'incident', 'INC0000042', 'INC0000042 (P2) Payments fail: assigned to your group network'],
  ['mention', 'incident', 'INC0000042', 'INC0000042: you were mentioned in a note: @usr-ann can you check the gateway?'],
  ['escalation', 'incident', 'INC0000042', 'INC0000042 (P1) escalated to level 1: customers are calling'],
  ['functional_escalation', 'incident', 'INC0000042', 'INC0000042 (P2) was not acknowledged by 2026-12-04T10:00:00.000Z; reassigned to network'],
  ['sla_warning', 'incident', 'INC0000042', 'INC0000042 (P2) reached 75% of its resolution target; due 2026-12-04T12:00:00.000Z'],
  ['cab_vote_requested', 'change', 'CHG0000007', 'CHG0000007 (normal, risk high) awaits your CAB vote by 2026-12-05T09:00:00.000Z: Upgrade the core switch'],
  ['cab_reminder', 'change', 'CHG0000007', 'Reminder: CHG0000007 awaits your CAB vote; the deadline is 2026-12-05T09:00:00.000Z'],
  ['cab_escalation', 'change', 'CHG0000007', 'CHG0000007 has no CAB decision at its deadline (0 of 2 approvals); it will be rejected as timed out at …'],
  ['change_approved', 'change', 'CHG0000007', 'CHG0000007 was approved by the CAB: quorum reached'],
  ['change_rejected', 'change', 'CHG0000007', 'CHG0000007 was rejected: timed out'],
  ['change_window_open', 'change', 'CHG0000007', 'CHG0000007: the change window is open until 2026-12-06T02:00:00.000Z'],
  ['change_overran', 'change', 'CHG0000007', 'CHG0000007 is still being implemented after its window closed at 2026-12-06T02:00:00.000Z'],
  ['change_risk_changed', 'change', 'CHG0000007', 'CHG0000007 was rescheduled; its risk is now high (12), was medium (6)'],
  ['change_held', 'change', 'CHG0000007', 'CHG0000007 is held: inside the year-end freeze'],
  ['change_failed', 'change', 'CHG0000007', 'CHG0000007 failed; backout plan executed: restore the config'],
  ['problem_reopened', 'problem', 'PRB0000003', 'PRB0000003 recurred (INC0000050): back to investigating'],
  ['problem_change_failed', 'problem', 'PRB0000003', 'CHG0000007 for PRB0000003 failed; the problem is back to known_error'],
  ['problem_trend_detected', 'problem', 'PRB0000003', 'PRB0000003 opened by trend detection: Mail delays'],
  ['release_failed', 'release', 'REL0000002', 'REL0000002 failed at deploy:prod: health check failed'],
  ['release_rolled_back', 'release', 'REL0000002', 'REL0000002 rolled back (deploy:test): smoke tests failed'],
  ['release_rollback_failed', 'release', 'REL0000002', 'REL0000002: rollback failed at deploy:prod (timeout); those environments need attention'],
  ['feedback_target_warning', 'feedback', 'FBK0000005', 'complaint FBK0000005 (Payslips late) must be acknowledged by 2026-12-05T09:00:00.000Z'],
  ['feedback_target_breached', 'feedback', 'FBK0000005', 'complaint FBK0000005 (Payslips late) was not resolved by its target 2026-12-05T09:00:00.000Z'],
  ['feedback_reopened', 'feedback', 'FBK0000005', 'FBK0000005 was reopened: still short-paid'],
  ['contract_renewal_due', 'contract', 'CTR0000003', 'CTR0000003 (WAN) must be renewed or terminated by its notice deadline 2026-11-02T00:00:00.000Z (ends 2027-01-01T00:00:00.000Z)'],
  ['contract_escalated', 'contract', 'CTR0000003', 'CTR0000003 (WAN) reached its notice deadline 2026-11-02T00:00:00.000Z with no renewal decision; it expires 2027-01-01T00:00:00.000Z'],
  ['contract_terminated', 'contract', 'CTR0000003', 'CTR0000003 (WAN) was terminated; it ends 2027-01-01T00:00:00.000Z'],
  ['contract_expired', 'contract', 'CTR0000003', 'CTR0000003 (WAN) expired 2027-01-01T00:00:00.000Z'],
  ['security_policy_review_due', 'security_policy', 'POL0000002', 'POL0000002 (Passwords) must be reviewed by 2027-01-01T00:00:00.000Z'],
  ['security_policy_lapsed', 'security_policy', 'POL0000002', 'POL0000002 (Passwords) lapsed: it was not reviewed by 2027-01-01T00:00:00.000Z'],
  ['access_review_reminder', 'access_review', 'ARV0000004', 'ARV0000004: 2 account(s) of CI0000007 (Payroll) await your decision by 2027-01-01T00:00:00.000Z'],
  ['access_review_escalated', 'access_review', 'ARV0000004', 'ARV0000004: the access review of CI0000007 (Payroll) passed its deadline 2027-01-01T00:00:00.000Z with 2 account(s) undecided; owner usr-agent'],
  ['continuity_step_reminder', 'continuity_run', 'DRT0000002', 'DRT0000002 (DR test of BCP0000001 for Payments) step 0 "Fail over" is due by 2027-01-01T00:00:00.000Z'],
  ['continuity_step_escalated', 'continuity_run', 'DRT0000002', 'DRT0000002 (DR test of BCP0000001 for Payments) step 0 "Fail over" for group dba passed its deadline 2027-01-01T00:00:00.000Z undone'],
  ['survey_invitation', 'incident', 'INC0000042', 'How did we do on INC0000042? Rate it 1-5 (once, within 14 days): POST /api/v1/surveys/abc {"score": 1-5, "comment": "..."}'],
  ['report_ready', 'report_run', 'RPT0000004', 'Report RPT0000004 is ready: sla, 2025-02-28T23:00:00.000Z – 2025-03-31T22:00:00.000Z (RPS0000001)'],
];

const input = (over: Partial<NotificationMailInput> = {}): NotificationMailInput => ({
  kind: 'escalation',
  message: 'INC0000042 (P1) escalated to level 1: customers are calling',
  recordType: 'incident',
  recordNumber: 'INC0000042',
  recordTitle: 'Payments fail',
  recipient: 'group:network',
  link: LINK,
  ...over,
});

describe('a template per kind', () => {
  test('every kind raised has a template of its own, and no template is for a kind nobody raises', () => {
    expect([...TEMPLATED_KINDS].sort()).toEqual(RAISED.map(([k]) => k).sort());
  });

  test.each(RAISED)('%s: bracketed number first in the subject, message, record and link in both parts, footer', (kind, recordType, number, message) => {
    for (const recipient of ['user:usr-1', 'group:network']) {
      const link = `https://itsm.example.com/api/v1/${recordType}s/id_1`;
      const m = renderNotificationMail({ kind, message, recordType, recordNumber: number, recordTitle: 'A title', recipient, link });
      expect(m.subject.startsWith(`[${number}] `)).toBe(true);
      expect(m.subject).toMatch(/: A title$/);
      expect(m.subject).not.toMatch(/notification:/); // not the fallback
      expect(m.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
      expect(m.text).toContain(message);
      expect(m.text).toContain(link);
      expect(m.text).toContain(number);
      expect(m.text).toContain(`turn "${kind}" e-mails off with PATCH /api/v1/me/notification-preferences.`);
      expect(m.text).toContain(recipient === 'user:usr-1' ? 'You receive this as its addressee;' : 'You receive this as a member of network;');
      expect(m.html).toContain(`<a href="${link}">`);
      expect(m.html).toContain(escapeHtml(message));
      expect(m.html).toContain('PATCH /api/v1/me/notification-preferences');
    }
  });

  test('the wording a service desk expects', () => {
    expect(renderNotificationMail(input({ kind: 'functional_escalation' })).subject).toBe('[INC0000042] Incident assigned to your group network (response SLA breached): Payments fail');
    expect(renderNotificationMail(input({ kind: 'sla_warning' })).subject).toBe('[INC0000042] SLA warning: Payments fail');
    expect(renderNotificationMail(input({ kind: 'escalation', recipient: 'user:usr-mgr' })).subject).toBe('[INC0000042] Incident escalated: Payments fail');
    const cab = renderNotificationMail(input({ kind: 'cab_vote_requested', recordType: 'change', recordNumber: 'CHG0000007', recordTitle: 'Upgrade the core switch', recipient: 'user:usr-cab' }));
    expect(cab.subject).toBe('[CHG0000007] CAB approval requested: Upgrade the core switch');
    expect(cab.text.split('\n')[0]).toBe('Change CHG0000007 awaits your CAB vote.');
    expect(renderNotificationMail(input({ kind: 'cab_vote_requested', recordType: 'change', recordNumber: 'CHG0000007', recipient: 'group:cab' })).text.split('\n')[0]).toBe('Change CHG0000007 awaits a CAB vote from your group cab.');
  });

  test('an unknown kind gets the fallback, still with the number, link and footer', () => {
    const m = renderNotificationMail(input({ kind: 'mentioned_in_note', message: 'usr-7 mentioned you on INC0000042', recordTitle: null }));
    expect(m.subject).toBe('[INC0000042] Incident notification: mentioned in note: usr-7 mentioned you on INC0000042');
    expect(m.text).toContain(LINK);
    expect(m.text).toContain('turn "mentioned_in_note" e-mails off');
    const odd = renderNotificationMail(input({ kind: 'something', recordType: 'widget', recordNumber: 'WID0000001' }));
    expect(odd.subject).toBe('[WID0000001] Widget notification: something: Payments fail');
    // A kind named like an Object.prototype member is no template either.
    expect(renderNotificationMail(input({ kind: 'constructor' })).subject).toBe('[INC0000042] Incident notification: constructor: Payments fail');
  });

  test('without a title the subject carries the message', () => {
    expect(renderNotificationMail(input({ recordTitle: null })).subject).toBe('[INC0000042] Incident escalated: INC0000042 (P1) escalated to level 1: customers are calling');
  });
});

describe('subject: one header line, at most 200 characters', () => {
  test('CR, LF and other control characters in interpolated values are stripped (no header injection)', () => {
    const m = renderNotificationMail(input({ recordTitle: 'Payments fail\r\nBcc: victim@example.com', recipient: 'group:net\r\nX-Evil: 1', kind: 'functional_escalation' }));
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject).toBe('[INC0000042] Incident assigned to your group net X-Evil: 1 (response SLA breached): Payments fail Bcc: victim@example.com');
    const viaMessage = renderNotificationMail(input({ recordTitle: null, message: 'line one\nSubject: forged\r\n\r\nbody\u0000\u2028end' }));
    expect(viaMessage.subject).toBe('[INC0000042] Incident escalated: line one Subject: forged body end');
    expect(renderNotificationMail(input({ recordNumber: 'INC0000042\r\nBcc: x@y' })).subject.startsWith('[INC0000042 Bcc: x@y] ')).toBe(true);
    expect(headerSafe(' a\t\tb\r\n\r\nc ')).toBe('a b c');
  });

  test('a long title is cut to 200 characters, keeping the bracketed number', () => {
    const m = renderNotificationMail(input({ recordTitle: 'x'.repeat(500) }));
    expect(m.subject).toHaveLength(SUBJECT_MAX);
    expect(m.subject.startsWith('[INC0000042] Incident escalated: xxx')).toBe(true);
    expect(m.subject.endsWith('…')).toBe(true);
  });
});

describe('HTML part', () => {
  test('escapeHtml escapes markup and both quotes', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
  });

  test('every interpolated value is escaped: title, message, group, kind and link', () => {
    const evil = `<script>alert("x")</script>'`;
    const m = renderNotificationMail(
      input({ kind: 'sla_warning', recordTitle: evil, message: `${evil}\nsecond line`, recipient: `group:${evil}`, link: `https://itsm.example.com/api/v1/incidents/inc_1?"><script>x</script>` }),
    );
    expect(m.html).not.toContain('<script>');
    expect(m.html).not.toMatch(/"><script/);
    expect(m.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;<br>second line');
    expect(m.html).toContain('href="https://itsm.example.com/api/v1/incidents/inc_1?&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(renderNotificationMail(input({ kind: `<b>"k"</b>`, recordTitle: null })).html).not.toContain('<b>');
    // The plain-text part is not HTML: it carries the values as they are.
    expect(m.text).toContain(evil);
  });

  test('a link that is not http(s) is shown, not linked', () => {
    const m = renderNotificationMail(input({ link: 'javascript:alert(1)' }));
    expect(m.html).not.toContain('href=');
    expect(m.html).toContain('javascript:alert(1)');
  });
});
