/**
 * Security incidents (information security management, issue 14): their classification, who
 * may see them, the priority a sensitive CI gives them and the review they need before closing.
 * Pure: the workflow applies these rules; the incident type `security` did not exist before
 * them, so no history recorded earlier takes any of these paths.
 */
import type { Priority } from '../priority';
import { PRIORITIES } from '../priority';

/** The group a security incident is always restricted to, whose manager hears of its escalations. */
export const SECURITY_GROUP = 'security';

export const CIA_LEVELS = ['none', 'low', 'medium', 'high'] as const;
export type CiaLevel = (typeof CIA_LEVELS)[number];

/** The CMDB's data classes, least sensitive first (domain/schemas/ci.ts SECURITY_CLASSES has the same order). */
export const DATA_CLASSES = ['public', 'internal', 'confidential', 'secret'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

export interface SecurityClassification {
  confidentiality: CiaLevel;
  integrity: CiaLevel;
  availability: CiaLevel;
}

export interface PostIncidentReview {
  findings: string;
  rootCause: string;
  actions: string[];
  /** The user who reviewed (id), who need not be who records it. */
  reviewer: string;
  /** When it was recorded (who recorded it is the audit entry's actor). */
  recordedAt: number;
}

/** What a security incident carries beyond an incident's fields (the row's `security` JSON). */
export interface IncidentSecurity {
  classification: SecurityClassification;
  /** The security class of the incident's CI when it was opened: what data it can expose. */
  dataClass: DataClass | null;
  review: PostIncidentReview | null;
}

/** The most sensitive class among these (null: none classified). */
export function highestDataClass(classes: readonly (string | null | undefined)[]): DataClass | null {
  let best = -1;
  for (const c of classes) best = Math.max(best, DATA_CLASSES.indexOf(c as DataClass));
  return best < 0 ? null : DATA_CLASSES[best];
}

/**
 * A security incident on a CI holding confidential or secret data is at least P2, whatever its
 * impact and urgency say: exposure of such data is urgent even when nothing is down. P1 stays
 * the matrix's (a P1 opens a major incident; the desk decides that with impact and urgency).
 */
export function securityPriority(matrixPriority: Priority, security: IncidentSecurity | null | undefined): Priority {
  if (!security || (security.dataClass !== 'confidential' && security.dataClass !== 'secret')) return matrixPriority;
  return PRIORITIES.indexOf(matrixPriority) > PRIORITIES.indexOf('P2') ? 'P2' : matrixPriority;
}

/** A security incident's restriction always names the security group, whatever else the desk names. */
export function securityRestriction(groups: readonly string[], security: IncidentSecurity | null | undefined): string[] {
  return security && !groups.includes(SECURITY_GROUP) ? [SECURITY_GROUP, ...groups] : [...groups];
}

/**
 * People named on a restricted incident share its access list with the groups, each as
 * `user:<id>`: group names cannot hold a colon (domain/schemas/people.ts), so neither can be
 * taken for the other, and one list (IncidentAccess rows) serves every read's filter.
 */
const PERSON = 'user:';
export const personAccess = (userId: string): string => `${PERSON}${userId}`;

/** An access list as its groups and its named people (user ids). */
export function splitAccess(entries: readonly string[]): { groups: string[]; people: string[] } {
  return { groups: entries.filter((e) => !e.startsWith(PERSON)), people: entries.filter((e) => e.startsWith(PERSON)).map((e) => e.slice(PERSON.length)) };
}

/** The access list of these groups and people; people left out (undefined) keep those already named in `current`. */
export function accessList(groups: readonly string[], people: readonly string[] | undefined, current: readonly string[] = []): string[] {
  return [...groups, ...(people ?? splitAccess(current).people).map(personAccess)];
}

/** Why the incident cannot be closed yet (null: it can): a security incident needs its post-incident review. */
export function closeRefusal(security: IncidentSecurity | null | undefined): string | null {
  return security && !security.review ? 'a security incident is closed only after its post-incident review (review: findings, rootCause, actions, reviewer): POST …/review' : null;
}

/** Why a review cannot be recorded on this incident (null: it can). */
export function reviewRefusal(security: IncidentSecurity | null | undefined): string | null {
  return security ? null : "a post-incident review is recorded on security incidents only (type 'security')";
}

/**
 * What a webhook subscriber is sent of a security incident's event: which incident and where it
 * stands, not what it says (title, description, classification, notes). A subscription belongs to
 * no user, so nobody's membership of the security group can vouch for it; the receiver reads the
 * rest through the API with a token that may.
 */
export function webhookEventData(recordType: string, data: Record<string, unknown>): Record<string, unknown> {
  const incident = data.incident as { type?: unknown; [k: string]: unknown } | undefined;
  if (recordType !== 'incident' || !incident || incident.type !== 'security') return data;
  const { id, number, type, state, priority, assignmentGroup, escalationLevel } = incident;
  return { incident: { id, number, type, state, priority, assignmentGroup, escalationLevel, restricted: true } };
}

/** Whose manager hears of an escalation: the security group's for a security incident, else the assignment group's. */
export function escalationGroup(s: { assignmentGroup: string | null; security?: IncidentSecurity | null }): string | null {
  return s.security ? SECURITY_GROUP : s.assignmentGroup;
}
