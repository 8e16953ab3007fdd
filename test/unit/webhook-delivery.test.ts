import { deliveryOutcomeOf, statusClassOf } from '../../domain/webhook-delivery';
import { BlockedTarget } from '../../infra/network-policy';

const attempt = (over: Partial<Parameters<typeof deliveryOutcomeOf>[0]>) => ({ status: 'pending', attempts: 1, lastStatusCode: null, lastError: null, ...over });

describe('what a delivery listing says about the last attempt', () => {
  test('a 2xx is delivered; any other answer is a receiver error with its class only', () => {
    expect(deliveryOutcomeOf(attempt({ status: 'delivered', lastStatusCode: 204 }))).toBe('delivered');
    expect(deliveryOutcomeOf(attempt({ lastStatusCode: 307, lastError: 'HTTP 307' }))).toBe('receiver_error');
    expect(deliveryOutcomeOf(attempt({ status: 'failed', lastStatusCode: 503, lastError: 'webhook answered 503' }))).toBe('receiver_error');
    expect([statusClassOf(204), statusClassOf(307), statusClassOf(404), statusClassOf(503)]).toEqual(['2xx', '3xx', '4xx', '5xx']);
  });

  test('refused, reset, timed out and unresolvable targets are one outcome, so the listing cannot tell ports apart', () => {
    for (const lastError of ['connect ECONNREFUSED 203.0.113.9:22', 'no answer within 5000 ms', 'getaddrinfo ENOTFOUND nowhere.example', 'socket hang up']) {
      expect([lastError, deliveryOutcomeOf(attempt({ lastError }))]).toEqual([lastError, 'no_response']);
    }
  });

  test('a target refused by policy says so, whichever check refused it', () => {
    expect(deliveryOutcomeOf(attempt({ status: 'failed', lastError: new BlockedTarget('10.0.0.5 is a private, loopback or link-local address').message }))).toBe('blocked_target');
    expect(new BlockedTarget('x').message).toBe('blocked: x');
  });

  test('nothing attempted yet has no outcome; codes outside HTTP have no class', () => {
    expect(deliveryOutcomeOf(attempt({ attempts: 0 }))).toBeNull();
    expect([statusClassOf(null), statusClassOf(0), statusClassOf(101), statusClassOf(600)]).toEqual([null, null, null, null]);
  });
});
