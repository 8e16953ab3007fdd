/**
 * Single sign-on against a real OpenID Connect issuer on localhost: discovery document and
 * JWKS served over HTTP, tokens signed with a key generated here. Valid tokens are accepted
 * (users created on first sight with the mapped role and groups, linked by verified address);
 * wrong audience, wrong issuer, expired, badly signed or unsigned tokens are 401 invalid_token.
 */
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { IssuerUnavailable, OidcVerifier } from '../../api/oidc';
import { createApp } from '../../api/app';
import { createLogger } from '../../infra/logger';
import { PROVIDERS } from '../support/database';
import { startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const AUDIENCE = 'itsm-api';
const invalidToken = 'Bearer realm="itsm", error="invalid_token"';

interface Issuer {
  url: string;
  requests: string[];
  sign(claims: JWTPayload, opts?: { key?: CryptoKey; kid?: string; iss?: string; aud?: string; exp?: number | string; alg?: string }): Promise<string>;
  close(): Promise<void>;
}

/** A tiny OIDC issuer: /.well-known/openid-configuration and /jwks, one RS256 key. */
async function startIssuer(): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const requests: string[] = [];
  let url = '';
  const server: Server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') return res.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks`, id_token_signing_alg_values_supported: ['RS256'] }));
    if (req.url === '/jwks') return res.end(JSON.stringify({ keys: [jwk] }));
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    async sign(claims, o = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: o.kid ?? 'k1', typ: 'JWT' })
        .setIssuer(o.iss ?? url)
        .setAudience(o.aud ?? AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(o.exp ?? '5m')
        .sign(o.key ?? privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let env: TestWorkflowEnvironment;
let issuer: Issuer;
beforeAll(async () => {
  [env, issuer] = await Promise.all([startDevServer(), startIssuer()]);
});
afterAll(async () => {
  await issuer?.close();
  await env?.teardown();
});

describe.each(PROVIDERS)('OIDC bearer tokens on %s', (provider) => {
  let s: Stack;
  let n = 0;
  const sub = (what: string) => `${what}-${provider}-${++n}`;
  beforeAll(async () => {
    s = await startStack({
      provider,
      env,
      apiEnv: {
        OIDC_ISSUER: issuer.url,
        OIDC_AUDIENCE: AUDIENCE,
        OIDC_ROLE_CLAIM: 'realm_access.roles',
        OIDC_ROLE_MAP: { 'itsm-admins': 'admin', 'itsm-agents': 'agent' },
        OIDC_DEFAULT_ROLE: 'requester',
        OIDC_GROUPS_CLAIM: 'groups',
        OIDC_GROUP_MAP: { '/IT/Service Desk': 'service-desk', '/IT/Level 2': 'l2-support', '/IT/CAB': 'cab' },
      },
    });
  });
  afterAll(async () => {
    await s?.close();
  });
  const me = (token: string) => s.api('GET', '/api/v1/me', { token });

  test('a valid token is accepted: the subject becomes a user on first sight with the mapped role and groups, the same user afterwards; the JWKS is fetched once and cached', async () => {
    const subject = sub('alice');
    const fetched = (path: string) => issuer.requests.filter((r) => r === path).length;
    const [jwksBefore, discoveryBefore] = [fetched('/jwks'), fetched('/.well-known/openid-configuration')];
    const token = await issuer.sign({ sub: subject, name: 'Alice Example', email: `${subject}@example.com`, email_verified: true, realm_access: { roles: ['itsm-agents', 'offline_access'] }, groups: ['/IT/Service Desk', '/Unknown'] });
    const first = await me(token);
    expect([first.status, first.body.detail]).toEqual([200, undefined]);
    expect(first.body).toMatchObject({ id: expect.stringMatching(/^usr_/), name: 'Alice Example', email: `${subject}@example.com`, role: 'agent', sso: true, active: true, authenticatedBy: 'oidc', token: null });
    expect(first.body.groups).toEqual([{ id: 'grp-service-desk', name: 'service-desk' }]);
    expect((await me(token)).body.id).toBe(first.body.id);
    expect(await s.tdb.db.user.count({ where: { externalId: `${issuer.url}#${subject}` } })).toBe(1);
    // An agent from SSO may work: list incidents, read the directory.
    expect((await s.api('GET', '/api/v1/incidents', { token })).status).toBe(200);
    expect((await s.api('GET', `/api/v1/users/${first.body.id}`, { token: 'dev-admin' })).body).toMatchObject({ sso: true, role: 'agent' });
    expect([fetched('/jwks') - jwksBefore, fetched('/.well-known/openid-configuration') - discoveryBefore]).toEqual([1, 1]);
  });

  test('the identity provider is authoritative for role and the memberships it made; memberships an admin made stay', async () => {
    const subject = sub('bob');
    const claims = (roles: string[], groups: string[]) => issuer.sign({ sub: subject, preferred_username: 'bob', realm_access: { roles }, groups });
    const first = await me(await claims(['itsm-agents'], ['/IT/Service Desk', '/IT/CAB']));
    expect(first.body).toMatchObject({ name: 'bob', role: 'agent', email: null });
    expect(first.body.groups.map((g: { name: string }) => g.name)).toEqual(['cab', 'service-desk']);
    const patched = await s.api('PATCH', `/api/v1/users/${first.body.id}`, { token: 'dev-admin', body: { groups: ['service-desk', 'cab', 'l3-support'] } });
    expect(patched.status).toBe(200);
    await s.api('PATCH', '/api/v1/groups/cab', { token: 'dev-admin', body: { members: ['usr-cab_member', 'usr-cab_member2', 'usr-cab_member3'] } });

    const promoted = await me(await claims(['itsm-admins'], ['/IT/Level 2']));
    expect(promoted.body.role).toBe('admin');
    expect(promoted.body.groups.map((g: { name: string }) => g.name)).toEqual(['l2-support', 'l3-support', 'service-desk']);
    const group = await s.api('GET', '/api/v1/groups/l2-support');
    expect(group.body.members).toEqual(expect.arrayContaining([expect.objectContaining({ id: first.body.id, source: 'oidc' })]));
    // No mapped role left: the default role.
    const demoted = await me(await claims(['offline_access'], []));
    expect(demoted.body.role).toBe('requester');
    expect(demoted.body.groups.map((g: { name: string }) => g.name)).toEqual(['l3-support', 'service-desk']);
    expect((await s.api('GET', '/api/v1/users', { token: await claims([], []) })).status).toBe(403);
  });

  test('a verified address links to the user an admin created; an unverified one does not', async () => {
    const email = `${sub('carol')}@example.com`;
    const made = await s.api('POST', '/api/v1/users', { token: 'dev-admin', body: { name: 'Carol (pre-created)', email, role: 'cab_member' } });
    expect(made.status).toBe(201);
    const spoof = await me(await issuer.sign({ sub: sub('mallory'), email, email_verified: false, realm_access: { roles: ['itsm-agents'] } }));
    expect(spoof.status).toBe(200);
    expect(spoof.body.id).not.toBe(made.body.id);
    expect(spoof.body.email).toBeNull();
    const carol = await me(await issuer.sign({ sub: sub('carol-sub'), email: email.toUpperCase(), email_verified: true, realm_access: { roles: ['itsm-agents'] } }));
    expect(carol.body).toMatchObject({ id: made.body.id, name: 'Carol (pre-created)', role: 'agent', sso: true });
  });

  test('wrong audience, wrong issuer, expired, bad signature, unknown key, unsigned or HMAC-signed: 401 with WWW-Authenticate invalid_token, and no user made', async () => {
    const claims = { sub: sub('eve'), realm_access: { roles: ['itsm-admins'] } };
    const other = await generateKeyPair('RS256');
    const users = await s.tdb.db.user.count();
    const cases: [string, string, RegExp][] = [
      ['wrong audience', await issuer.sign(claims, { aud: 'some-other-api' }), /aud claim/],
      ['wrong issuer', await issuer.sign(claims, { iss: 'https://evil.example' }), /iss claim/],
      ['expired', await issuer.sign(claims, { exp: Math.floor(Date.now() / 1000) - 3600 }), /expired/],
      ['bad signature', await issuer.sign(claims, { key: other.privateKey }), /signature/],
      ['unknown key id', await issuer.sign(claims, { key: other.privateKey, kid: 'k2' }), /not signed with a key of the issuer/],
      ['tampered payload', (await issuer.sign(claims)).replace(/\.([^.]+)\./, (_m, p: string) => `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'root' })).toString('base64url')}.`), /signature/],
      ['alg none', `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, iss: issuer.url, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url')}.`, /./],
      ['HS256 with a guessable secret', await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(issuer.url).setAudience(AUDIENCE).setExpirationTime('5m').sign(new TextEncoder().encode('secret'.repeat(6))), /algorithm/],
    ];
    for (const [what, token, detail] of cases) {
      const res = await me(token);
      expect([what, res.status, res.headers.get('www-authenticate')]).toEqual([what, 401, invalidToken]);
      expect([what, res.body.detail]).toEqual([what, expect.stringMatching(detail)]);
    }
    expect(await s.tdb.db.user.count()).toBe(users);
  });

  test('a deactivated SSO user is refused; API tokens keep working beside SSO', async () => {
    const subject = sub('dave');
    const token = await issuer.sign({ sub: subject, realm_access: { roles: ['itsm-agents'] } });
    const first = await me(token);
    expect(first.status).toBe(200);
    expect((await s.api('PATCH', `/api/v1/users/${first.body.id}`, { token: 'dev-admin', body: { active: false } })).status).toBe(200);
    const refused = await me(token);
    expect([refused.status, refused.headers.get('www-authenticate'), refused.body.detail]).toEqual([401, invalidToken, 'the user is deactivated']);
    expect((await me('dev-agent')).body.authenticatedBy).toBe('token');
  });

  test('an issuer that cannot be reached is a 503 (retry later), not a 401, and not counted as a failed authentication', async () => {
    const closed = await closedUrl();
    const app = createApp({ db: s.tdb.db, temporal: undefined as never, env: { TEMPORAL_TASK_QUEUE: 'unused', AUTO_CLOSE_AFTER: 'P3D', CONTINUE_AS_NEW_AFTER_EVENTS: 5000, MAX_BODY_BYTES: 65536, OIDC_ISSUER: closed, OIDC_AUDIENCE: AUDIENCE, AUTH_FAILURE_LIMIT: 1 }, log: createLogger('silent') });
    const server = await new Promise<Server>((resolve) => {
      const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/me`;
      const token = await issuer.sign({ sub: 'x' }, { iss: closed });
      for (let i = 0; i < 3; i++) expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(503);
      expect((await fetch(url, { headers: { authorization: 'Bearer dev-agent' } })).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

async function closedUrl(): Promise<string> {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  return url;
}

test('the verifier: an unreachable issuer, or a discovery document naming another issuer, is the issuer’s failure, not the token’s', async () => {
  const verifier = new OidcVerifier({ issuer: await closedUrl(), audience: AUDIENCE });
  await expect(verifier.verify(await issuer.sign({ sub: 'x' }))).rejects.toBeInstanceOf(IssuerUnavailable);
  await expect(new OidcVerifier({ issuer: `${issuer.url}/`, audience: AUDIENCE }).verify(await issuer.sign({ sub: 'x' }))).rejects.toThrow(/names issuer/);
});
