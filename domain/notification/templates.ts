/**
 * The e-mail for a notification: subject, plain text and HTML, from a template per kind.
 *
 * Every subject starts with the record's number in square brackets (`[INC0000042] …`): inbound
 * replies are matched to their record by that token (and by In-Reply-To, which the sender keeps
 * fixed). Interpolated values lose their control characters in the subject (no header
 * injection) and are escaped in the HTML part. Pure: the activity looks up the number and
 * title and builds the link.
 */

export interface NotificationMailInput {
  kind: string;
  /** The notification's message, as the workflow raised it. */
  message: string;
  /** incident | change | problem | release (another type is named as it is). */
  recordType: string;
  /** The record's number, e.g. INC0000042. */
  recordNumber: string;
  /** The record's title (a release's name and version), when known. */
  recordTitle?: string | null;
  /** `user:<id>` (the recipient is its addressee) or `group:<name>` (a member of that group). */
  recipient: string;
  /** The record in the API, under PUBLIC_URL. */
  link: string;
}

export interface NotificationMail {
  subject: string;
  text: string;
  html: string;
}

export const SUBJECT_MAX = 200;

/** What a template says: the subject's heading (after the bracketed number, before the title) and the body's first sentence. */
interface Wording {
  heading: string;
  lead: string;
}

interface Context {
  /** Incident, Change, Problem, Release. */
  noun: string;
  number: string;
  /** The group the recipient is mailed as a member of, or null for a named user. */
  group: string | null;
  kind: string;
}

const NOUNS: Record<string, string> = { incident: 'Incident', change: 'Change', problem: 'Problem', release: 'Release', report_run: 'Report run', feedback: 'Feedback', contract: 'Contract', security_policy: 'Security policy', access_review: 'Access review' };

const yourGroup = (c: Context) => (c.group ? ` (your group ${c.group})` : '');

/** One template per kind the workflows raise (domain/*\/lifecycle.ts, workflows/change.ts, activities/problem-trends.ts). */
const TEMPLATES: Record<string, (c: Context) => Wording> = {
  // Incidents
  assignment: (c) => ({
    heading: c.group ? `Incident assigned to your group ${c.group}` : 'Incident assigned to you',
    lead: c.group ? `Incident ${c.number} has been assigned to your group ${c.group}.` : `Incident ${c.number} has been assigned to you.`,
  }),
  mention: (c) => ({
    heading: `You were mentioned on ${c.noun.toLowerCase()} ${c.number}`,
    lead: `Someone mentioned you in a note on ${c.noun.toLowerCase()} ${c.number}.`,
  }),
  escalation: (c) => ({
    heading: 'Incident escalated',
    lead: c.group ? `Incident ${c.number}, assigned to your group ${c.group}, has been escalated to the next level.` : `Incident ${c.number} has been escalated to you.`,
  }),
  functional_escalation: (c) => ({
    heading: c.group ? `Incident assigned to your group ${c.group} (response SLA breached)` : 'Incident reassigned (response SLA breached)',
    lead: `Incident ${c.number} was not acknowledged within its response target and has been reassigned${c.group ? ` to your group ${c.group}` : ''}.`,
  }),
  sla_warning: (c) => ({
    heading: 'SLA warning',
    lead: `Incident ${c.number}${yourGroup(c)} is approaching its resolution target.`,
  }),
  // Changes
  cab_vote_requested: (c) => ({
    heading: 'CAB approval requested',
    lead: `Change ${c.number} awaits ${c.group ? `a CAB vote from your group ${c.group}` : 'your CAB vote'}.`,
  }),
  cab_reminder: (c) => ({
    heading: 'Reminder: CAB approval requested',
    lead: `Change ${c.number} still awaits ${c.group ? `a CAB vote from your group ${c.group}` : 'your CAB vote'}.`,
  }),
  cab_escalation: (c) => ({
    heading: 'CAB decision overdue',
    lead: `Change ${c.number} has no CAB decision at its deadline; as change manager, you may act before it times out.`,
  }),
  change_approved: (c) => ({ heading: 'Change approved', lead: `Change ${c.number} has been approved.` }),
  change_rejected: (c) => ({ heading: 'Change rejected', lead: `Change ${c.number} has been rejected.` }),
  change_window_open: (c) => ({ heading: 'Change window open', lead: `The implementation window of change ${c.number} is open.` }),
  change_overran: (c) => ({ heading: 'Change window overrun', lead: `Change ${c.number} is still being implemented after its window closed.` }),
  change_risk_changed: (c) => ({ heading: 'Change risk re-assessed', lead: `Change ${c.number} was rescheduled and its risk level changed.` }),
  change_held: (c) => ({ heading: 'Change on hold', lead: `Change ${c.number} is on hold.` }),
  change_failed: (c) => ({ heading: 'Change failed, backout executed', lead: `Change ${c.number} failed and its backout plan was executed.` }),
  // Problems
  problem_reopened: (c) => ({ heading: 'Problem reopened', lead: `Problem ${c.number} recurred and is back under investigation.` }),
  problem_change_failed: (c) => ({ heading: 'Problem fix did not succeed', lead: `A change raised to fix problem ${c.number} did not succeed; the problem is back to known error.` }),
  problem_trend_detected: (c) => ({ heading: 'Problem opened from an incident trend', lead: `Trend detection opened problem ${c.number} for recurring incidents.` }),
  // Releases
  release_failed: (c) => ({ heading: 'Release failed', lead: `Release ${c.number} failed.` }),
  release_rolled_back: (c) => ({ heading: 'Release rolled back', lead: `Release ${c.number} was rolled back.` }),
  release_rollback_failed: (c) => ({ heading: 'Release rollback failed, action needed', lead: `The rollback of release ${c.number} failed; the environments named below need attention.` }),
  // Complaints and compliments
  feedback_target_warning: (c) => ({ heading: 'Feedback response target approaching', lead: `Feedback ${c.number}${yourGroup(c)} is approaching its response target.` }),
  feedback_target_breached: (c) => ({ heading: 'Feedback response target missed', lead: `Feedback ${c.number}${yourGroup(c)} was not answered within its response target.` }),
  feedback_reopened: (c) => ({ heading: 'Complaint reopened', lead: `Complaint ${c.number}${yourGroup(c)} was reopened: the customer is not satisfied with its resolution.` }),
  // Supplier contracts
  contract_renewal_due: (c) => ({ heading: 'Contract renewal due', lead: `Contract ${c.number} must be renewed or terminated before its notice deadline.` }),
  contract_escalated: (c) => ({ heading: 'Contract renewal undecided, action needed', lead: `Contract ${c.number}${yourGroup(c)} passed its notice deadline with no renewal decision.` }),
  contract_terminated: (c) => ({ heading: 'Contract terminated', lead: `Contract ${c.number} was terminated.` }),
  contract_expired: (c) => ({ heading: 'Contract expired', lead: `Contract ${c.number} has expired.` }),
  // Security policies and access reviews
  security_policy_review_due: (c) => ({ heading: 'Security policy review due', lead: `Security policy ${c.number}${yourGroup(c)} must be reviewed before its review date.` }),
  security_policy_lapsed: (c) => ({ heading: 'Security policy lapsed, action needed', lead: `Security policy ${c.number}${yourGroup(c)} passed its review date unreviewed.` }),
  access_review_reminder: (c) => ({ heading: 'Access review awaiting your decisions', lead: `Access review ${c.number} has accounts awaiting your decision before its deadline.` }),
  access_review_escalated: (c) => ({ heading: 'Access review overdue, action needed', lead: `Access review ${c.number}${yourGroup(c)} passed its deadline with accounts undecided.` }),
  // Service continuity
  continuity_step_reminder: (c) => ({ heading: 'Recovery step due soon', lead: `A step of ${c.number}${yourGroup(c)} is a task for your group and approaches its deadline.` }),
  continuity_step_escalated: (c) => ({ heading: 'Recovery step overdue, action needed', lead: `A step of ${c.number} passed its deadline undone.` }),
  // Business relationship: the caller of a closed incident is asked to rate it (the message holds the one-time link).
  survey_invitation: (c) => ({ heading: 'How did we do?', lead: `Incident ${c.number} is closed. Rate how it was handled, 1 to 5, once, with the link below.` }),
  // Scheduled reports
  report_ready: (c) => ({ heading: 'Scheduled report ready', lead: `Report run ${c.number} is stored; the link below shows its figures.` }),
};

/** A kind without a template: named in words, on whatever record it concerns. */
const fallback = (c: Context): Wording => {
  const what = c.kind.replace(/_/g, ' ');
  return { heading: `${c.noun} notification: ${what}`, lead: `${c.noun} ${c.number}: ${what}.` };
};

/** The kinds with a template of their own; any other is mailed with the fallback. */
export const TEMPLATED_KINDS: readonly string[] = Object.keys(TEMPLATES);

/** HTML-escapes a value for text and attribute positions alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

/** One line for a header: CR, LF and the other control characters become a space, runs of spaces one. */
export function headerSafe(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** Cuts a header value to `max` characters, marking the cut. */
function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1).trimEnd()}…`;
}

export function renderNotificationMail(n: NotificationMailInput): NotificationMail {
  const sep = n.recipient.indexOf(':');
  const scheme = sep < 0 ? n.recipient : n.recipient.slice(0, sep);
  const name = sep < 0 ? '' : n.recipient.slice(sep + 1);
  const number = headerSafe(n.recordNumber).replace(/[[\]]/g, '');
  const title = n.recordTitle ? headerSafe(n.recordTitle) : null;
  const c: Context = {
    noun: NOUNS[n.recordType] ?? (n.recordType ? n.recordType.charAt(0).toUpperCase() + n.recordType.slice(1) : 'Record'),
    number,
    group: scheme === 'group' ? headerSafe(name) : null,
    kind: n.kind,
  };
  const w = (Object.prototype.hasOwnProperty.call(TEMPLATES, n.kind) ? TEMPLATES[n.kind] : fallback)(c);

  // The number first, so no cut can lose it; then the heading and the title (else the message).
  const token = `[${number}]`;
  const detail = title ?? headerSafe(n.message);
  const subject = clip(headerSafe(`${token} ${w.heading}${detail ? `: ${detail}` : ''}`), SUBJECT_MAX);

  const addressee = scheme === 'group' ? `a member of ${name}` : 'its addressee';
  const footer = `You receive this as ${addressee}; turn "${n.kind}" e-mails off with PATCH /api/v1/me/notification-preferences.`;
  const record = `${c.noun} ${number}${title ? `: ${title}` : ''}`;

  const text = [w.lead, '', n.message, '', record, n.link, '', '-- ', footer].join('\n');

  const e = escapeHtml;
  const paragraphs = (s: string) => e(s).replace(/\r\n|\r|\n/g, '<br>');
  const linked = /^https?:\/\//i.test(n.link) ? `<a href="${e(n.link)}">${e(record)}</a>` : `${e(record)}<br>${e(n.link)}`;
  const html = [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${e(subject)}</title></head><body>`,
    `<p><strong>${e(w.lead)}</strong></p>`,
    `<p>${paragraphs(n.message)}</p>`,
    `<p>${linked}</p>`,
    `<hr><p style="color:#666;font-size:smaller">${e(footer)}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject, text, html };
}
