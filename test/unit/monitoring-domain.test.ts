import { dedupKeyOf, highestCriticality, incidentBodyOf, priorityInputs, recoveredNote, repeatNote, resolvableByMonitoring, stepsOf } from '../../domain/monitoring/alert';
import type { MonitoringEvent } from '../../domain/schemas/monitoring';
import { MonitoringEventBody } from '../../domain/schemas/monitoring';

const ev = (severity: MonitoringEvent['severity'], message: string = severity, at = 0): MonitoringEvent => ({ dedupKey: 'k', source: 'prom', node: 'db01', check: 'disk', severity, message, ciId: 'ci_1', receivedAt: Date.UTC(2026, 0, 1) + at });

describe('monitoring alerts', () => {
  test('the dedup key defaults to source/node/check, and an explicit key wins', () => {
    expect(dedupKeyOf({ source: 'prom', node: 'db01', check: 'disk' })).toBe('prom/db01/disk');
    expect(dedupKeyOf({ source: 'prom', node: 'db01', check: 'disk', dedupKey: 'fp-123' })).toBe('fp-123');
  });

  test('urgency comes from severity, impact from the most critical service reached', () => {
    expect(priorityInputs('critical', 'critical')).toEqual({ impact: 'high', urgency: 'high' });
    expect(priorityInputs('major', 'low')).toEqual({ impact: 'low', urgency: 'medium' });
    expect(priorityInputs('warning', null)).toEqual({ impact: 'medium', urgency: 'low' });
    expect(priorityInputs('minor', 'high')).toEqual({ impact: 'high', urgency: 'low' });
    expect(highestCriticality([])).toBeNull();
    expect(highestCriticality(['low', null, 'high', 'medium'])).toBe('high');
    expect(highestCriticality([undefined, 'low'])).toBe('medium');
  });

  test('a batch becomes runs of problem events and single recoveries, in arrival order', () => {
    const steps = stepsOf([ev('critical', 'a'), ev('major', 'b'), ev('resolved', 'c'), ev('critical', 'd'), ev('resolved', 'e'), ev('resolved', 'f')]);
    expect(steps.map((s) => (s.kind === 'problem' ? s.events.map((e) => e.message).join('') : `+${s.event.message}`))).toEqual(['ab', '+c', 'd', '+e', '+f']);
    expect(stepsOf([])).toEqual([]);
  });

  test('one note per run of repeats, naming how many and the latest', () => {
    const note = repeatNote([ev('critical', 'disk 98%', 1000), ev('major', 'disk 99%', 2000)], 5);
    expect(note).toContain('2 more events');
    expect(note).toContain('(5 in all)');
    expect(note).toContain('major');
    expect(note).toContain('disk 99%');
    expect(repeatNote([ev('critical', 'x')], 2)).toContain('1 more event ');
  });

  test('recovery resolves only incidents nobody has taken on', () => {
    expect(['new', 'assigned'].every(resolvableByMonitoring)).toBe(true);
    expect(['in_progress', 'on_hold', 'resolved', 'closed'].some(resolvableByMonitoring)).toBe(false);
    expect(recoveredNote(ev('resolved', 'ok'), true)).toMatch(/^Resolved by monitoring/);
    expect(recoveredNote(ev('resolved', 'ok'), false)).toMatch(/stays with its assignee/);
  });

  test('the incident names the check, node and message, on the CI and its service', () => {
    const body = incidentBodyOf(ev('critical', 'disk 97% full'), { serviceId: 'svc_1', serviceCriticality: 'high' });
    expect(body).toMatchObject({ title: 'disk on db01: disk 97% full', impact: 'high', urgency: 'high', ciId: 'ci_1', serviceId: 'svc_1', category: 'monitoring' });
    expect(body.description).toContain('Alert key: k');
    expect(incidentBodyOf({ ...ev('warning', 'x'.repeat(400)), ciId: null }, { serviceId: null, serviceCriticality: null }).title).toHaveLength(300);
  });

  test('the event body names every invalid field', () => {
    const r = MonitoringEventBody.safeParse({ source: ' ', node: 'n', check: 'c', severity: 'fatal', message: 'm', extra: 1 });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.') || (i as { keys?: string[] }).keys?.join(','));
    expect(paths).toEqual(expect.arrayContaining(['source', 'severity', 'extra']));
  });
});
