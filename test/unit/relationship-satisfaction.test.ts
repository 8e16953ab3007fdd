import { satisfactionRows, surveyRecipient, surveyStanding, SURVEY_VALID_MS } from '../../domain/relationship/satisfaction';
import { surveyToken, surveyTokenDigest } from '../../infra/survey-token';

const fact = (serviceId: string | null, score: number | null, team: string | null = 'service-desk', customerId: string | null = null) => ({ serviceId, team, customerId, score });

describe('satisfaction figures', () => {
  test('CSAT is the share of 4-5 answers, the mean over answers, the response rate over surveys sent', () => {
    const rows = satisfactionRows([fact('svc-a', 5), fact('svc-a', 4), fact('svc-a', 2), fact('svc-a', null), fact('svc-b', 1)], 'service');
    expect(rows).toEqual([
      { key: 'svc-a', sent: 4, responses: 3, csat: 0.6667, meanScore: 3.6667, responseRate: 0.75 },
      { key: 'svc-b', sent: 1, responses: 1, csat: 0, meanScore: 1, responseRate: 1 },
    ]);
  });

  test('a key with no answers has no CSAT or mean; surveys with no key come last', () => {
    const rows = satisfactionRows([fact(null, 3), fact('svc-z', null)], 'service');
    expect(rows).toEqual([
      { key: 'svc-z', sent: 1, responses: 0, csat: null, meanScore: null, responseRate: 0 },
      { key: null, sent: 1, responses: 1, csat: 0, meanScore: 3, responseRate: 1 },
    ]);
  });

  test('grouped by group and by customer', () => {
    const facts = [fact('s', 5, 'l2', 'cus-1'), fact('s', 3, 'l1', 'cus-1'), fact('s', 4, 'l2', 'cus-2')];
    expect(satisfactionRows(facts, 'group').map((r) => [r.key, r.responses, r.csat])).toEqual([['l1', 1, 0], ['l2', 2, 1]]);
    expect(satisfactionRows(facts, 'customer').map((r) => [r.key, r.responses, r.meanScore])).toEqual([['cus-1', 2, 4], ['cus-2', 1, 4]]);
  });
});

describe('surveys', () => {
  test('go to a caller who is a user, never about a security incident', () => {
    expect(surveyRecipient({ callerId: 'usr-1', type: 'incident' })).toBe('user:usr-1');
    expect(surveyRecipient({ callerId: 'usr-1', type: 'service_request' })).toBe('user:usr-1');
    expect(surveyRecipient({ callerId: null, type: 'incident' })).toBeNull();
    expect(surveyRecipient({ callerId: 'usr-1', type: 'security' })).toBeNull();
  });

  test('are answered once, until they expire', () => {
    const at = 1_000_000;
    expect(surveyStanding({ answeredAt: null, expiresAt: at + SURVEY_VALID_MS }, at)).toBe('open');
    expect(surveyStanding({ answeredAt: null, expiresAt: at }, at)).toBe('expired');
    expect(surveyStanding({ answeredAt: at - 1, expiresAt: at + 1 }, at)).toBe('answered');
  });

  test('the token is keyed: the same survey under another key, or another survey, gives another token; only its digest is stored', () => {
    const key = Buffer.alloc(32, 1);
    const t = surveyToken('svy-a', key);
    expect(surveyToken('svy-a', key)).toBe(t);
    expect(surveyToken('svy-a', Buffer.alloc(32, 2))).not.toBe(t);
    expect(surveyToken('svy-b', key)).not.toBe(t);
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(surveyTokenDigest(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(surveyTokenDigest(t)).not.toContain(t);
  });
});
