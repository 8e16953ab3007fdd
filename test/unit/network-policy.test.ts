import { isPrivateAddress, redactUrl, refusedWebhookTarget } from '../../infra/network-policy';

describe('where webhooks may go', () => {
  test('loopback, private, link-local, CGNAT, unspecified and multicast are private, in both families; public addresses are not', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect([a, isPrivateAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect([a, isPrivateAddress(a)]).toEqual([a, false]);
    expect(isPrivateAddress('not-an-ip')).toBe(true);
  });

  test('URLs naming a private literal or a local name are refused; public names are judged at delivery', () => {
    expect(refusedWebhookTarget(new URL('http://169.254.169.254/latest/meta-data'))).toContain('link-local');
    expect(refusedWebhookTarget(new URL('http://[::1]:8080/x'))).toContain('private');
    expect(refusedWebhookTarget(new URL('http://localhost:3000/x'))).toContain('local name');
    expect(refusedWebhookTarget(new URL('https://hooks.example.com/itsm'))).toBeNull();
  });

  test('credentials in a URL are never shown', () => {
    expect(redactUrl('https://user:secret@hooks.example.com/x')).toBe('https://***@hooks.example.com/x');
    expect(redactUrl('https://hooks.example.com/x')).toBe('https://hooks.example.com/x');
  });
});
