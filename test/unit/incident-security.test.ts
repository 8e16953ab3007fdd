/**
 * Security incidents as pure rules (domain/incident/security.ts and their use in the incident
 * lifecycle): the priority floor of a sensitive CI, the restriction that always names the
 * security group, the review before closing (auto-close included), whose manager is escalated to.
 */
import { commandEffects, incidentDeadlines, newIncident } from '../../domain/incident/lifecycle';
import { accessList, personAccess, splitAccess } from '../../domain/incident/security';
import { incidentScope } from '../../domain/access';
import { DATA_CLASSES, SECURITY_GROUP, webhookEventData, closeRefusal, escalationGroup, highestDataClass, reviewRefusal, securityPriority, securityRestriction, type IncidentSecurity } from '../../domain/incident/security';
import { SECURITY_CLASSES } from '../../domain/schemas/ci';
import { CreateIncidentBody, IncidentCommandBodies } from '../../domain/schemas/incident';
import { DEFAULT_TARGETS, escalationRulesWithDefaults, type SlaPolicy } from '../../domain/sla/policy';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const MIN = 60_000;
const policy: SlaPolicy = { slaId: 'sla-1', name: 'Default', calendar: '24x7', targets: DEFAULT_TARGETS, escalation: escalationRulesWithDefaults(undefined), pauseOn: [] };
const ids = { id: 'inc_1', number: 'INC0000001', workflowId: 'incident-INC0000001' };
const classification = { confidentiality: 'high', integrity: 'none', availability: 'low' } as const;
const sec = (dataClass: IncidentSecurity['dataClass'], review: IncidentSecurity['review'] = null): IncidentSecurity => ({ classification, dataClass, review });
const review = { findings: 'f', rootCause: 'r', actions: ['a'], reviewer: 'usr-1', recordedAt: T0 };

describe('security incident rules', () => {
  test('the data classes are the CMDB security classes, least sensitive first; the highest wins, unclassified is null', () => {
    expect(DATA_CLASSES).toEqual(SECURITY_CLASSES);
    expect(highestDataClass(['internal', null, 'secret', 'public'])).toBe('secret');
    expect(highestDataClass(['public', undefined])).toBe('public');
    expect(highestDataClass([null, 'unknown'])).toBeNull();
    expect(highestDataClass([])).toBeNull();
  });

  test('confidential or secret data raise a security incident to P2 at least; P1 stays; others and plain incidents keep the matrix', () => {
    expect(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => securityPriority(p as 'P1', sec('secret')))).toEqual(['P1', 'P2', 'P2', 'P2', 'P2']);
    expect(securityPriority('P5', sec('confidential'))).toBe('P2');
    expect(securityPriority('P5', sec('internal'))).toBe('P5');
    expect(securityPriority('P4', sec(null))).toBe('P4');
    expect(securityPriority('P4', null)).toBe('P4');
  });

  test('the restriction always names the security group once; a plain incident keeps what it was given', () => {
    expect(securityRestriction([], sec(null))).toEqual([SECURITY_GROUP]);
    expect(securityRestriction(['legal'], sec(null))).toEqual([SECURITY_GROUP, 'legal']);
    expect(securityRestriction(['legal', SECURITY_GROUP], sec(null))).toEqual(['legal', SECURITY_GROUP]);
    expect(securityRestriction([], undefined)).toEqual([]);
  });

  test('closing waits for the review; a review is for security incidents only; escalation goes to the security group', () => {
    expect(closeRefusal(sec(null))).toMatch(/post-incident review/);
    expect(closeRefusal(sec(null, review))).toBeNull();
    expect(closeRefusal(null)).toBeNull();
    expect(reviewRefusal(null)).toMatch(/security incidents only/);
    expect(reviewRefusal(sec(null))).toBeNull();
    expect(escalationGroup({ assignmentGroup: 'l2-support', security: sec(null) })).toBe(SECURITY_GROUP);
    expect(escalationGroup({ assignmentGroup: 'l2-support' })).toBe('l2-support');
  });

  test('named people share the access list with groups as user:<id>, which no group name can be; restrict keeps them unless given', () => {
    expect(accessList(['legal'], ['usr-1'])).toEqual(['legal', 'user:usr-1']);
    expect(splitAccess(['security', 'user:usr-1', 'legal'])).toEqual({ groups: ['security', 'legal'], people: ['usr-1'] });
    expect(accessList([], undefined, ['security', 'user:usr-1'])).toEqual(['user:usr-1']);
    expect(accessList(['hr'], [], ['security', 'user:usr-1'])).toEqual(['hr']);
    expect(incidentScope({ id: 'usr-1', role: 'agent', groups: ['legal'] })).toEqual({ OR: expect.arrayContaining([{ access: { some: { group: { in: ['legal', personAccess('usr-1')] } } } }]) });
  });

  test("a webhook carries a security incident's identity and standing only; other events whole", () => {
    const incident = { id: 'inc_1', number: 'INC1', type: 'security', state: 'new', priority: 'P2', assignmentGroup: 'security', escalationLevel: 1, title: 'secret', description: 'd', security: { classification } };
    expect(webhookEventData('incident', { incident, reason: 'why' })).toEqual({ incident: { id: 'inc_1', number: 'INC1', type: 'security', state: 'new', priority: 'P2', assignmentGroup: 'security', escalationLevel: 1, restricted: true } });
    const plain = { incident: { ...incident, type: 'incident' }, reason: 'why' };
    expect(webhookEventData('incident', plain)).toBe(plain);
    expect(webhookEventData('problem', { problem: { type: 'security' } })).toEqual({ problem: { type: 'security' } });
  });

  test('the create body: classification required with the type, refused without it, each level checked', () => {
    const base = { title: 't', impact: 'low', urgency: 'low' };
    const issues = (b: object) => (CreateIncidentBody.safeParse(b).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(issues({ ...base, type: 'security' })).toEqual(['classification']);
    expect(issues({ ...base, classification })).toEqual(['classification']);
    expect(issues({ ...base, type: 'security', classification: { ...classification, availability: 'critical' } })).toEqual(['classification.availability']);
    expect(issues({ ...base, type: 'security', classification })).toEqual([]);
    expect(issues({ ...base, type: 'security', classification: { ...classification, extra: 'x' } })).toEqual(['classification']);
    expect((IncidentCommandBodies.review.safeParse({ findings: 'f', rootCause: 'r', actions: [], reviewer: 'u' }).error?.issues ?? []).map((i) => i.path.join('.'))).toEqual(['actions']);
  });
});

describe('a security incident in the lifecycle', () => {
  const body = { title: 'Leak', type: 'security' as const, impact: 'low' as const, urgency: 'low' as const, classification };
  const opened = newIncident(ids, 'usr-agent', body, policy, undefined, T0, undefined, 'security', 'secret');

  test('opened: classified, restricted to the security group, at least P2 on a secret CI, its clock on the P2 target', () => {
    expect(opened.snapshot).toMatchObject({ type: 'security', priority: 'P2', restrictedTo: [SECURITY_GROUP], assignmentGroup: 'security', security: { classification, dataClass: 'secret', review: null } });
    expect(newIncident(ids, 'usr-agent', body, policy, undefined, T0).snapshot.priority).toBe('P5');
    expect(newIncident(ids, 'usr-agent', { ...body, type: 'incident', classification: undefined }, policy, undefined, T0, undefined, null, 'secret').snapshot).not.toHaveProperty('security');
    expect(opened.snapshot.clock.resolutionTarget).toBe(DEFAULT_TARGETS.P2.resolution);
  });

  test('re-prioritised, it keeps the floor; restricted anew, it keeps the security group', () => {
    expect(commandEffects.impact(opened, { impact: 'low', urgency: 'low' }, 'new', T0).snapshot.priority).toBe('P2');
    expect(commandEffects.impact(opened, { impact: 'high', urgency: 'high' }, 'new', T0).snapshot.priority).toBe('P1');
    const r = commandEffects.restrict(opened, { groups: [] }, 'new', T0);
    expect([r.snapshot.restrictedTo, r.data]).toEqual([[SECURITY_GROUP], { from: [SECURITY_GROUP], to: [SECURITY_GROUP] }]);
  });

  test('resolved, auto-close waits for the review; reviewed, it is due again from the resolution', () => {
    const resolved = { ...opened, snapshot: commandEffects.resolve(opened, { code: 'c', notes: 'n' }, 'resolved', T0 + 10 * MIN).snapshot };
    expect(incidentDeadlines(resolved, T0 + 10 * MIN, 60 * MIN)).toEqual([]);
    const reviewed = commandEffects.review(resolved, { findings: 'f', rootCause: 'r', actions: ['a'], reviewer: 'usr-1' }, 'resolved', T0 + 20 * MIN);
    expect(reviewed.snapshot.security?.review).toEqual({ ...review, recordedAt: T0 + 20 * MIN });
    expect(reviewed.data).toEqual({ findings: 'f', rootCause: 'r', actions: ['a'], reviewer: 'usr-1' });
    expect(incidentDeadlines({ ...resolved, snapshot: reviewed.snapshot }, T0 + 20 * MIN, 60 * MIN).map((d) => [d.kind, d.at - T0])).toEqual([['autoClose', 70 * MIN]]);
    // A second review replaces the first and says so.
    expect(commandEffects.review({ ...resolved, snapshot: reviewed.snapshot }, { findings: 'g', rootCause: 'r', actions: ['a'], reviewer: 'usr-1' }, 'resolved', T0 + 30 * MIN).data).toMatchObject({ replaces: true });
  });
});
