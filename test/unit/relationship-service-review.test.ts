import { agendaItems, isOverdue } from '../../domain/relationship/service-review';

const rate = (csat: number | null, responses = 4) => ({ sent: 5, responses, csat, meanScore: null, responseRate: responses / 5 });

describe('service review agenda', () => {
  test('what fell short comes first (breaches, availability under target, CSAT under 80%), then every service, then the open actions', () => {
    const items = agendaItems({
      periodFrom: '2026-03-01T00:00:00.000Z',
      periodTo: '2026-04-01T00:00:00.000Z',
      services: [
        { serviceId: 'a', label: 'CI1 Mail', sla: { due: 10, met: 8, breached: 2, attainmentPct: 80 }, availability: { availability: 99.1, target: 99.5, meetsTarget: false, outages: 2 }, satisfaction: rate(0.5) },
        { serviceId: 'b', label: 'CI2 Web', sla: { due: 4, met: 4, breached: 0, attainmentPct: 100 }, availability: { availability: 100, target: 99, meetsTarget: true, outages: 0 }, satisfaction: rate(1) },
        { serviceId: 'c', label: 'CI3 Print', sla: null, availability: null, satisfaction: null },
      ],
      satisfaction: rate(0.75, 8),
      openActions: [{ id: 'x', title: 'Fix the batch', owner: 'usr-1', dueAt: '2026-02-01T00:00:00.000Z', overdue: true }],
    });
    expect(items).toEqual([
      'CI1 Mail: 2 of 10 resolution targets breached (attainment 80%)',
      'CI1 Mail: availability 99.1% below its target 99.5%',
      'CI1 Mail: satisfaction 50% (4 responses)',
      'CI1 Mail: SLA 80%, availability 99.1%, CSAT 50%',
      'CI2 Web: SLA 100%, availability 100%, CSAT 100%',
      'CI3 Print: SLA n/a, availability n/a, CSAT n/a',
      'Open action (overdue): Fix the batch (usr-1)',
    ]);
  });

  test('an action is overdue only while open past its due date', () => {
    expect(isOverdue({ state: 'open', dueAt: 10 }, 11)).toBe(true);
    expect(isOverdue({ state: 'open', dueAt: 10 }, 10)).toBe(false);
    expect(isOverdue({ state: 'closed', dueAt: 10 }, 11)).toBe(false);
    expect(isOverdue({ state: 'open', dueAt: null }, 11)).toBe(false);
  });
});
