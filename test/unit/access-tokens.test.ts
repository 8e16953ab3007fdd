import { createHash } from 'node:crypto';
import { DEV_TOKEN_HASH_KEY, TOKEN_PATTERN, TokenKeyMissing, generateToken, hashToken, looksLikeJwt, parseTokenHashKey, sameDigest, tokenPrefixOf } from '../../infra/tokens';
import { FailureLimiter } from '../../api/auth-limiter';
import { claimAt, groupsFromClaims, roleFromClaims, displayNameFromClaims } from '../../domain/identity';
import { CreateTokenBody } from '../../domain/schemas/people';

describe('API tokens', () => {
  test('itsm_<prefix>_<secret>: a 12-hex prefix that names it and 256 random bits; every token differs', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { token, prefix } = generateToken();
      expect(token).toMatch(TOKEN_PATTERN);
      expect(tokenPrefixOf(token)).toBe(prefix);
      expect(Buffer.from(token.split('_').slice(2).join('_'), 'base64url')).toHaveLength(32);
      seen.add(token);
    }
    expect(seen.size).toBe(200);
    for (const other of ['dev-admin', 'itsm_short_x', 'itsm_ABCDEF012345_' + 'a'.repeat(43), 'eyJ.a.b']) expect(tokenPrefixOf(other)).toBeNull();
  });

  test('stored as HMAC-SHA256 under the server key: not plain SHA-256, different under another key, stable under the same', () => {
    const { token } = generateToken();
    const key = Buffer.alloc(32, 1);
    const digest = hashToken(token, key);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).toBe(hashToken(token, key));
    expect(digest).not.toBe(createHash('sha256').update(token).digest('hex'));
    expect(digest).not.toBe(hashToken(token, Buffer.alloc(32, 2)));
    expect(digest).not.toBe(hashToken(token + 'x', key));
    expect(sameDigest(digest, hashToken(token, key))).toBe(true);
    expect(sameDigest(digest, hashToken('other', key))).toBe(false);
    expect(sameDigest(digest, '')).toBe(false);
  });

  test('the key: required in production, at least 32 bytes; a fixed development key otherwise', () => {
    expect(() => parseTokenHashKey(undefined, 'production')).toThrow(TokenKeyMissing);
    expect(() => parseTokenHashKey(Buffer.alloc(16).toString('base64'), 'production')).toThrow(/at least 32 bytes/);
    expect(parseTokenHashKey(undefined, 'development')).toBe(DEV_TOKEN_HASH_KEY);
    expect(parseTokenHashKey(undefined, 'test')).toBe(DEV_TOKEN_HASH_KEY);
    const key = Buffer.alloc(32, 9);
    expect(parseTokenHashKey(key.toString('base64'), 'production').equals(key)).toBe(true);
  });

  test('JWTs are told apart from API tokens', () => {
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    expect(looksLikeJwt(generateToken().token)).toBe(false);
    expect(looksLikeJwt('dev-admin')).toBe(false);
  });

  test('expiresIn: a positive ISO duration of at most ten years', () => {
    expect(CreateTokenBody.safeParse({ name: 'ci', expiresIn: 'P90D' }).success).toBe(true);
    expect(CreateTokenBody.safeParse({ name: 'ci' }).success).toBe(true);
    for (const bad of ['PT0S', 'P1Y', '90 days', 'P5000D']) expect([bad, CreateTokenBody.safeParse({ name: 'ci', expiresIn: bad }).success]).toEqual([bad, false]);
    expect(CreateTokenBody.safeParse({ name: 'ci', secret: 'mine' }).success).toBe(false);
  });
});

describe('failed-authentication limit', () => {
  test('refuses a key once it has `limit` failures in its window, says how long to wait, and forgets after the window', () => {
    let now = 1_000_000;
    const l = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter('address:1.2.3.4')).toBe(0);
      l.fail('address:1.2.3.4');
    }
    expect(l.retryAfter('address:1.2.3.4')).toBe(60);
    expect(l.retryAfter('address:5.6.7.8')).toBe(0);
    now += 45_500;
    expect(l.retryAfter('address:1.2.3.4')).toBe(15);
    now += 15_000;
    expect(l.retryAfter('address:1.2.3.4')).toBe(0);
    l.fail('address:1.2.3.4');
    expect(l.retryAfter('address:1.2.3.4')).toBe(0);
  });

  test('sweeps expired windows instead of growing without bound', () => {
    let now = 0;
    const l = new FailureLimiter(1, 1000, () => now, 100);
    for (let i = 0; i < 100; i++) l.fail(`address:${i}`);
    now += 2000;
    l.fail('address:new');
    expect(l.size).toBe(1);
  });
});

describe('single sign-on claims', () => {
  const claims = {
    sub: 'u1',
    name: 'Ada Lovelace',
    roles: ['itsm-agents', 'itsm-admins', 'other'],
    realm_access: { roles: ['agent'] },
    'https://itsm.example/groups': ['/IT/Service Desk', '/Unknown'],
    groups: 'service-desk',
  };

  test('a claim by its whole (namespaced) key or by a dotted path', () => {
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['agent']);
    expect(claimAt(claims, 'https://itsm.example/groups')).toEqual(['/IT/Service Desk', '/Unknown']);
    expect(claimAt(claims, 'realm_access.missing')).toBeUndefined();
    expect(claimAt(claims, 'name.length')).toBeUndefined();
  });

  test('roles: mapped (or taken as role names), the most privileged wins, nothing → null', () => {
    expect(roleFromClaims(claims, { roleClaim: 'roles', roleMap: { 'itsm-agents': 'agent', 'itsm-admins': 'admin' }, defaultRole: 'requester' })).toBe('admin');
    expect(roleFromClaims(claims, { roleClaim: 'realm_access.roles', defaultRole: 'requester' })).toBe('agent');
    expect(roleFromClaims(claims, { roleClaim: 'roles', defaultRole: 'requester' })).toBeNull();
    expect(roleFromClaims(claims, { defaultRole: 'requester' })).toBeNull();
    expect(roleFromClaims({ r: ['requester', 'change_manager', 'cab_member'] }, { roleClaim: 'r', defaultRole: 'requester' })).toBe('change_manager');
  });

  test('groups: a string or an array, mapped when a map is given; not configured → null', () => {
    expect(groupsFromClaims(claims, { groupsClaim: 'https://itsm.example/groups', groupMap: { '/IT/Service Desk': 'service-desk' }, defaultRole: 'requester' })).toEqual(['service-desk']);
    expect(groupsFromClaims(claims, { groupsClaim: 'groups', defaultRole: 'requester' })).toEqual(['service-desk']);
    expect(groupsFromClaims(claims, { groupsClaim: 'nope', defaultRole: 'requester' })).toEqual([]);
    expect(groupsFromClaims(claims, { defaultRole: 'requester' })).toBeNull();
  });

  test('display name from name, preferred_username or email, else the fallback', () => {
    expect(displayNameFromClaims(claims, 'u1')).toBe('Ada Lovelace');
    expect(displayNameFromClaims({ preferred_username: 'ada' }, 'u1')).toBe('ada');
    expect(displayNameFromClaims({}, 'u1')).toBe('u1');
  });
});
