/**
 * People and access over HTTP, on SQLite and PostgreSQL: users, groups, memberships and
 * roles; /me; personal API tokens (secret shown once, keyed hash, last use, expiry,
 * revocation, deactivation); the first admin (npm run admin, BOOTSTRAP_ADMIN_* at API start);
 * the failed-authentication limit.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createHash } from 'node:crypto';
import { ROLES } from '../../domain/access';
import { loadEnv } from '../../config/env';
import { startApi } from '../../api/server';
import { createTestDatabase, PROVIDERS } from '../support/database';
import { startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path).sort();
const invalidToken = 'Bearer realm="itsm", error="invalid_token"';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
});

describe.each(PROVIDERS)('people and access on %s', (provider) => {
  let s: Stack;
  let n = 0;
  const unique = (what: string) => `${what}-${provider}-${++n}`;

  beforeAll(async () => {
    s = await startStack({ provider, env });
  });
  afterAll(async () => {
    await s?.close();
  });

  async function createUser(body: Record<string, unknown>) {
    const res = await s.api('POST', '/api/v1/users', { token: 'dev-admin', body });
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    return res.body as { id: string; name: string; email: string | null; role: string; groups: { id: string; name: string }[] };
  }
  async function tokenFor(userId: string, as = 'dev-admin', body: Record<string, unknown> = { name: 'test' }) {
    const res = await s.api('POST', `/api/v1/users/${userId}/tokens`, { token: as, body });
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    return res.body as { id: string; token: string; prefix: string; expiresAt: string | null };
  }
  const me = (token: string) => s.api('GET', '/api/v1/me', { token });

  test('GET /me: the caller, role and groups for every role (dev tokens still work); 401 without a token or with an unknown one', async () => {
    for (const role of ROLES) {
      const res = await me(`dev-${role}`);
      expect([role, res.status]).toEqual([role, 200]);
      expect(res.body).toMatchObject({ id: `usr-${role}`, role, active: true, authenticatedBy: 'token', sso: false, token: { name: 'dev token (seeded)' } });
    }
    expect((await me('dev-agent')).body.groups).toEqual([{ id: 'grp-service-desk', name: 'service-desk' }]);
    const none = await s.api('GET', '/api/v1/me', { token: null });
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="itsm"']);
    const wrong = await me('dev-nobody');
    expect([wrong.status, wrong.headers.get('www-authenticate')]).toEqual([401, invalidToken]);
  });

  test('POST /users: 201 with groups by id or name, e-mail lower-cased; 400 per bad field and unknown group; 409 for a taken address in any case; admin only', async () => {
    const email = `${unique('ada')}@Example.com`;
    const created = await s.api('POST', '/api/v1/users', { token: 'dev-admin', body: { name: 'Ada', email, role: 'agent', groups: ['grp-l2-support', 'service-desk'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^usr_/), name: 'Ada', email: email.toLowerCase(), role: 'agent', active: true, sso: false, deactivatedAt: null });
    expect(created.body.groups.map((g: { name: string }) => g.name)).toEqual(['l2-support', 'service-desk']);

    const dup = await s.api('POST', '/api/v1/users', { token: 'dev-admin', body: { name: 'Ada 2', email: email.toUpperCase(), role: 'requester' } });
    expect(dup.status).toBe(409);
    const bad = await s.api('POST', '/api/v1/users', { token: 'dev-admin', body: { name: '', email: 'not-an-address', role: 'superuser', groups: 'service-desk', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(paths(bad.body)).toEqual(expect.arrayContaining(['name', 'email', 'role', 'groups']));
    const unknownGroup = await s.api('POST', '/api/v1/users', { token: 'dev-admin', body: { name: 'X', role: 'agent', groups: ['service-desk', 'no-such-group'] } });
    expect([unknownGroup.status, paths(unknownGroup.body)]).toEqual([400, ['groups.1']]);
    const repeated = await s.api('POST', '/api/v1/users', { token: 'dev-admin', body: { name: 'X', role: 'agent', groups: ['cab', 'cab'] } });
    expect([repeated.status, paths(repeated.body)]).toEqual([400, ['groups']]);
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      expect([role, (await s.api('POST', '/api/v1/users', { token: `dev-${role}`, body: { name: 'X', role: 'agent' } })).status]).toEqual([role, 403]);
    }
    // An Idempotency-Key replays the first answer instead of creating a second user.
    const headers = { 'idempotency-key': unique('create-user') };
    const first = await s.api('POST', '/api/v1/users', { token: 'dev-admin', headers, body: { name: 'Once', role: 'requester' } });
    const again = await s.api('POST', '/api/v1/users', { token: 'dev-admin', headers, body: { name: 'Once', role: 'requester' } });
    expect([first.status, again.status, again.body.id, again.headers.get('idempotent-replayed')]).toEqual([201, 201, first.body.id, 'true']);
  });

  test('GET /users: by role, group, active and part of the name or address; cursor pages; GET /users/:id by id or address; 404; requesters may not read the directory', async () => {
    const tag = unique('zed');
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await createUser({ name: `${tag} ${i}`, email: `${tag}.${i}@example.com`, role: i === 0 ? 'cab_member' : 'agent', groups: i === 2 ? ['cab'] : [] }));
    const byQ = await s.api('GET', `/api/v1/users?q=${tag.toUpperCase()}`);
    expect(byQ.status).toBe(200);
    expect(byQ.body.items.map((u: { id: string }) => u.id)).toEqual([made[2].id, made[1].id, made[0].id]);
    expect((await s.api('GET', `/api/v1/users?q=${tag}.1@`)).body.items.map((u: { id: string }) => u.id)).toEqual([made[1].id]);
    expect((await s.api('GET', `/api/v1/users?q=${tag}&role=cab_member`)).body.items.map((u: { id: string }) => u.id)).toEqual([made[0].id]);
    expect((await s.api('GET', `/api/v1/users?q=${tag}&group=cab`)).body.items.map((u: { id: string }) => u.id)).toEqual([made[2].id]);
    expect((await s.api('GET', `/api/v1/users?q=%25`)).body.items).toEqual([]); // % is a character, not a wildcard

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await s.api('GET', `/api/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((u) => u.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['usr-admin', 'usr-cab_member3', ...made.map((u) => u.id)]));
    expect((await s.api('GET', '/api/v1/users?cursor=!!!')).status).toBe(400);
    expect((await s.api('GET', '/api/v1/users?active=maybe')).status).toBe(400);

    expect((await s.api('GET', `/api/v1/users/${made[1].id}`)).body.email).toBe(`${tag}.1@example.com`);
    expect((await s.api('GET', `/api/v1/users/${tag.toUpperCase()}.1@EXAMPLE.COM`)).body.id).toBe(made[1].id);
    expect((await s.api('GET', '/api/v1/users/usr_nobody')).status).toBe(404);
    expect((await s.api('GET', '/api/v1/users', { token: 'dev-requester' })).status).toBe(403);
    expect((await s.api('GET', `/api/v1/users/${made[1].id}`, { token: 'dev-requester' })).status).toBe(403);
  });

  test('PATCH /users: name, address, role and groups (replaced); 409 for a taken address and for the last active admin; 400 for nothing or unknown fields; 404', async () => {
    const a = await createUser({ name: 'Bo', email: `${unique('bo')}@example.com`, role: 'agent', groups: ['service-desk'] });
    const other = await createUser({ name: 'Cy', email: `${unique('cy')}@example.com`, role: 'agent' });
    const patched = await s.api('PATCH', `/api/v1/users/${a.id}`, { token: 'dev-admin', body: { name: 'Bo B', role: 'problem_manager', groups: ['problem-management', 'l3-support'], email: null } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Bo B', role: 'problem_manager', email: null });
    expect(patched.body.groups.map((g: { name: string }) => g.name)).toEqual(['l3-support', 'problem-management']);
    expect((await s.api('PATCH', `/api/v1/users/${a.id}`, { token: 'dev-admin', body: { email: other.email } })).status).toBe(409);
    expect((await s.api('PATCH', `/api/v1/users/${a.id}`, { token: 'dev-admin', body: {} })).status).toBe(400);
    const unknown = await s.api('PATCH', `/api/v1/users/${a.id}`, { token: 'dev-admin', body: { id: 'usr_x', groups: ['nope'] } });
    expect(unknown.status).toBe(400);
    expect((await s.api('PATCH', `/api/v1/users/${a.id}`, { token: 'dev-admin', body: { groups: ['nope'] } })).body.errors).toEqual([{ path: 'groups.0', message: 'no group nope' }]);
    expect((await s.api('PATCH', '/api/v1/users/usr_nobody', { token: 'dev-admin', body: { name: 'x' } })).status).toBe(404);
    expect((await s.api('PATCH', `/api/v1/users/${a.id}`, { token: 'dev-change_manager', body: { name: 'x' } })).status).toBe(403);

    // The last active admin cannot demote or deactivate themself; with a second admin they can step down.
    const admins = (await s.api('GET', '/api/v1/users?role=admin&active=true&limit=500')).body.items as { id: string }[];
    for (const extra of admins.filter((u) => u.id !== 'usr-admin')) await s.api('PATCH', `/api/v1/users/${extra.id}`, { token: 'dev-admin', body: { role: 'agent' } });
    const last = await s.api('PATCH', '/api/v1/users/usr-admin', { token: 'dev-admin', body: { role: 'agent' } });
    expect([last.status, last.body.detail]).toEqual([409, expect.stringMatching(/last active admin/)]);
    expect((await s.api('PATCH', '/api/v1/users/usr-admin', { token: 'dev-admin', body: { active: false } })).status).toBe(409);
    const second = await createUser({ name: 'Second admin', role: 'admin' });
    const secondToken = (await tokenFor(second.id)).token;
    expect((await s.api('PATCH', '/api/v1/users/usr-admin', { token: secondToken, body: { role: 'agent' } })).status).toBe(200);
    expect((await me('dev-admin')).body.role).toBe('agent');
    expect((await s.api('PATCH', '/api/v1/users/usr-admin', { token: secondToken, body: { role: 'admin' } })).status).toBe(200);
    expect((await s.api('PATCH', `/api/v1/users/${second.id}`, { token: 'dev-admin', body: { role: 'agent' } })).status).toBe(200);
  });

  test('tokens: created by the user or an admin, the secret once; used, last use recorded at most once a minute; listed without secrets; revoked → 401; others may not touch them', async () => {
    const u = await createUser({ name: 'Tina', email: `${unique('tina')}@example.com`, role: 'agent' });
    const byAdmin = await tokenFor(u.id, 'dev-admin', { name: 'laptop', expiresIn: 'P90D' });
    expect(byAdmin.token).toMatch(/^itsm_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(byAdmin.token.startsWith(`itsm_${byAdmin.prefix}_`)).toBe(true);
    expect(Date.parse(byAdmin.expiresAt!) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    const self = await tokenFor(u.id, byAdmin.token, { name: 'ci pipeline' });
    expect((await me(self.token)).body).toMatchObject({ id: u.id, authenticatedBy: 'token', token: { id: self.id, name: 'ci pipeline', prefix: self.prefix, expiresAt: null } });

    // Only a keyed hash is stored: neither the secret nor its plain SHA-256.
    const row = await s.tdb.db.apiToken.findUniqueOrThrow({ where: { id: self.id } });
    expect(JSON.stringify(row)).not.toContain(self.token.slice(`itsm_${self.prefix}_`.length));
    expect(row.hash).not.toBe(createHash('sha256').update(self.token).digest('hex'));

    const list = await s.api('GET', `/api/v1/users/${u.id}/tokens`, { token: self.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([self.id, byAdmin.id]);
    expect(JSON.stringify(list.body)).not.toMatch(/itsm_[0-9a-f]{12}_/);
    expect(list.body.items[0]).toMatchObject({ name: 'ci pipeline', prefix: self.prefix, status: 'active', createdBy: u.id, revokedAt: null });
    const firstUse = list.body.items[0].lastUsedAt;
    expect(Math.abs(Date.parse(firstUse) - Date.now())).toBeLessThan(10_000);
    await me(self.token);
    expect((await s.api('GET', `/api/v1/users/${u.id}/tokens`, { token: 'dev-admin' })).body.items[0].lastUsedAt).toBe(firstUse);
    // An hour-old last use is refreshed by the next request.
    await s.tdb.db.apiToken.update({ where: { id: self.id }, data: { lastUsedAt: new Date(Date.now() - 3_600_000) } });
    await me(self.token);
    expect(Date.now() - Date.parse((await s.api('GET', `/api/v1/users/${u.id}/tokens`, { token: 'dev-admin' })).body.items[0].lastUsedAt)).toBeLessThan(10_000);

    // Someone else's tokens: 403 whether the user exists or not; an admin may.
    expect((await s.api('GET', `/api/v1/users/${u.id}/tokens`, { token: 'dev-agent' })).status).toBe(403);
    expect((await s.api('POST', `/api/v1/users/${u.id}/tokens`, { token: 'dev-agent', body: { name: 'x' } })).status).toBe(403);
    expect((await s.api('DELETE', `/api/v1/users/${u.id}/tokens/${self.id}`, { token: 'dev-agent' })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/users/usr_nobody/tokens', { token: 'dev-agent' })).status).toBe(403);
    expect((await s.api('GET', '/api/v1/users/usr_nobody/tokens', { token: 'dev-admin' })).status).toBe(404);
    expect((await s.api('DELETE', `/api/v1/users/usr-agent/tokens/${self.id}`, { token: 'dev-admin' })).status).toBe(404);
    expect((await s.api('DELETE', `/api/v1/users/${u.id}/tokens/tok_nope`, { token: 'dev-admin' })).status).toBe(404);
    const bad = await s.api('POST', `/api/v1/users/${u.id}/tokens`, { token: 'dev-admin', body: { name: '', expiresIn: 'P1Y', secret: 'mine' } });
    expect([bad.status, paths(bad.body)]).toEqual([400, ['(root)', 'expiresIn', 'name']]);

    // Revocation takes effect at once, for this token only; revoking again changes nothing.
    expect((await s.api('DELETE', `/api/v1/users/${u.id}/tokens/${self.id}`, { token: self.token })).status).toBe(204);
    const refused = await me(self.token);
    expect([refused.status, refused.headers.get('www-authenticate'), refused.body.detail]).toEqual([401, invalidToken, 'the token has been revoked']);
    expect((await me(byAdmin.token)).status).toBe(200);
    expect((await s.api('DELETE', `/api/v1/users/${u.id}/tokens/${self.id}`, { token: 'dev-admin' })).status).toBe(204);
    const after = (await s.api('GET', `/api/v1/users/${u.id}/tokens`, { token: 'dev-admin' })).body.items;
    expect(after.map((t: { status: string }) => t.status)).toEqual(['revoked', 'active']);
  });

  test('an expired token is refused with 401 and listed as expired', async () => {
    const u = await createUser({ name: 'Short', role: 'requester' });
    const t = await tokenFor(u.id, 'dev-admin', { name: 'brief', expiresIn: 'PT1S' });
    expect((await me(t.token)).status).toBe(200);
    await sleep(1_200);
    const refused = await me(t.token);
    expect([refused.status, refused.headers.get('www-authenticate'), refused.body.detail]).toEqual([401, invalidToken, 'the token has expired']);
    expect((await s.api('GET', `/api/v1/users/${u.id}/tokens`, { token: 'dev-admin' })).body.items[0].status).toBe('expired');
  });

  test('deactivation keeps the user and their records, ends their tokens (reactivating does not bring them back); a deactivated user gets no new token', async () => {
    const u = await createUser({ name: 'Leaver', email: `${unique('leaver')}@example.com`, role: 'agent', groups: ['service-desk'] });
    const t = await tokenFor(u.id);
    const sla = await s.api('POST', '/api/v1/slas', { token: 'dev-admin', body: { name: unique('sla'), kind: 'SLA', targets: Object.fromEntries(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => [p, { response: 'PT1H', resolution: 'PT8H' }])), isDefault: true } });
    expect(sla.status).toBe(201);
    const incident = await s.api('POST', '/api/v1/incidents', { token: t.token, body: { title: 'Printer on fire', impact: 'low', urgency: 'low' } });
    expect(incident.status).toBe(201);

    const off = await s.api('PATCH', `/api/v1/users/${u.id}`, { token: 'dev-admin', body: { active: false } });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ active: false, deactivatedAt: expect.any(String), groups: [{ name: 'service-desk' }] });
    const refused = await me(t.token);
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([401, invalidToken]);
    expect((await s.api('GET', `/api/v1/users/${u.id}/tokens`, { token: 'dev-admin' })).body.items[0]).toMatchObject({ status: 'revoked', revokedAt: off.body.deactivatedAt });
    expect((await s.api('GET', `/api/v1/incidents/${incident.body.number}`)).body.createdBy).toBe(u.id);
    expect((await s.api('GET', `/api/v1/users?active=false&q=leaver-${provider}`)).body.items.map((x: { id: string }) => x.id)).toEqual([u.id]);
    expect((await s.api('POST', `/api/v1/users/${u.id}/tokens`, { token: 'dev-admin', body: { name: 'again' } })).status).toBe(409);

    const on = await s.api('PATCH', `/api/v1/users/${u.id}`, { token: 'dev-admin', body: { active: true } });
    expect(on.body).toMatchObject({ active: true, deactivatedAt: null });
    expect((await me(t.token)).status).toBe(401);
    expect((await me((await tokenFor(u.id)).token)).status).toBe(200);
  });

  test('groups: created with manager, members, escalation parent and owned services; 409 on a taken name; 400 for unknown references, non-services and loops; read by id or name; changed by list; admin only', async () => {
    const lead = await createUser({ name: 'Lead', email: `${unique('lead')}@example.com`, role: 'agent' });
    const member = await createUser({ name: 'Member', role: 'agent' });
    const svc = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: unique('Billing'), class: 'service', attributes: { criticality: 'high' } } });
    const server = await s.api('POST', '/api/v1/cis', { token: 'dev-admin', body: { name: unique('billing-01'), class: 'server', attributes: { hostname: unique('billing-01') } } });
    expect([svc.status, server.status]).toEqual([201, 201]);
    const name = unique('billing-l1');
    const created = await s.api('POST', '/api/v1/groups', {
      token: 'dev-admin',
      body: { name, description: 'Billing first line', manager: lead.email, members: [lead.id, member.id], parent: 'l2-support', tier: 1, services: [svc.body.number] },
    });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^grp_/),
      name,
      description: 'Billing first line',
      tier: 1,
      manager: { id: lead.id, name: 'Lead' },
      parent: { id: 'grp-l2-support', name: 'l2-support' },
      memberCount: 2,
      services: [{ id: svc.body.id, number: svc.body.number }],
      escalationChain: [name, 'l2-support', 'l3-support'],
    });
    expect(created.body.members.map((m: { id: string; source: string }) => [m.id, m.source]).sort()).toEqual([[lead.id, 'api'], [member.id, 'api']].sort());
    expect((await s.api('GET', `/api/v1/cis/${svc.body.id}`)).body.ownerGroup).toBe(name);
    expect((await s.api('GET', `/api/v1/users/${member.id}`)).body.groups.map((g: { name: string }) => g.name)).toEqual([name]);

    expect((await s.api('POST', '/api/v1/groups', { token: 'dev-admin', body: { name } })).status).toBe(409);
    const bad = await s.api('POST', '/api/v1/groups', { token: 'dev-admin', body: { name: unique('x'), manager: 'nobody@example.com', parent: 'no-group', members: [member.id, 'usr_nope'], services: [server.body.id, 'CI9999999'] } });
    expect(bad.status).toBe(400);
    expect(paths(bad.body)).toEqual(['manager']);
    expect(paths((await s.api('POST', '/api/v1/groups', { token: 'dev-admin', body: { name: unique('x'), parent: 'no-group' } })).body)).toEqual(['parent']);
    expect(paths((await s.api('POST', '/api/v1/groups', { token: 'dev-admin', body: { name: unique('x'), members: [member.id, 'usr_nope'] } })).body)).toEqual(['members.1']);
    expect((await s.api('POST', '/api/v1/groups', { token: 'dev-admin', body: { name: unique('x'), services: [server.body.id, 'CI9999999'] } })).body.errors).toEqual([
      { path: 'services.0', message: expect.stringMatching(/is a server, not a service/) },
      { path: 'services.1', message: 'no configuration item CI9999999' },
    ]);
    expect(paths((await s.api('POST', '/api/v1/groups', { token: 'dev-admin', body: { name: 'has space', tier: 12 } })).body)).toEqual(['name', 'tier']);
    expect((await s.api('POST', '/api/v1/groups', { token: 'dev-change_manager', body: { name: unique('x') } })).status).toBe(403);

    expect((await s.api('GET', `/api/v1/groups/${name}`)).body.id).toBe(created.body.id);
    expect((await s.api('GET', `/api/v1/groups/${created.body.id}`, { token: 'dev-automation' })).body.name).toBe(name);
    expect((await s.api('GET', '/api/v1/groups/no-such-group')).status).toBe(404);
    expect((await s.api('GET', '/api/v1/groups', { token: 'dev-requester' })).status).toBe(403);
    const listed = await s.api('GET', `/api/v1/groups?q=${name.toUpperCase()}`);
    expect(listed.body.items.map((g: { id: string; memberCount: number }) => [g.id, g.memberCount])).toEqual([[created.body.id, 2]]);
    const all = await s.api('GET', '/api/v1/groups?limit=500');
    expect(all.body.items.map((g: { name: string }) => g.name)).toEqual(expect.arrayContaining(['service-desk', 'cab', name]));

    // PATCH: lists are replaced; the CI's history names the admin who moved ownership.
    const patched = await s.api('PATCH', `/api/v1/groups/${name}`, { token: 'dev-admin', body: { members: [member.id], manager: null, services: [], parent: 'l3-support', description: null } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ manager: null, description: null, memberCount: 1, services: [], escalationChain: [name, 'l3-support'] });
    const ci = await s.api('GET', `/api/v1/cis/${svc.body.id}`);
    expect(ci.body.ownerGroup).toBeNull();
    const history = await s.api('GET', `/api/v1/cis/${svc.body.id}/history`);
    expect(history.body.at(-1)).toMatchObject({ actor: 'usr-admin', changes: { ownerGroup: { before: name, after: null } } });
    // A loop in the escalation chain, a rename, an empty change: 400.
    const loop = await s.api('PATCH', '/api/v1/groups/l3-support', { token: 'dev-admin', body: { parent: name } });
    expect([loop.status, paths(loop.body)]).toEqual([400, ['parent']]);
    expect((await s.api('PATCH', `/api/v1/groups/${name}`, { token: 'dev-admin', body: { parent: name } })).status).toBe(400);
    expect((await s.api('PATCH', `/api/v1/groups/${name}`, { token: 'dev-admin', body: { name: 'renamed' } })).status).toBe(400);
    expect((await s.api('PATCH', `/api/v1/groups/${name}`, { token: 'dev-admin', body: {} })).status).toBe(400);
    expect((await s.api('PATCH', '/api/v1/groups/no-such-group', { token: 'dev-admin', body: { tier: 2 } })).status).toBe(404);
    expect((await s.api('PATCH', `/api/v1/groups/${name}`, { token: 'dev-agent', body: { tier: 2 } })).status).toBe(403);
  });

  test('a CAB group built through the API is who the change board asks', async () => {
    const members = [];
    for (let i = 0; i < 2; i++) members.push(await createUser({ name: `Board ${i}`, role: 'cab_member' }));
    const patched = await s.api('PATCH', '/api/v1/groups/cab', { token: 'dev-admin', body: { members: [...members.map((m) => m.id), 'usr-cab_member'] } });
    expect(patched.status).toBe(200);
    for (const m of members) expect((await me((await tokenFor(m.id)).token)).body.groups).toEqual([{ id: 'grp-cab', name: 'cab' }]);
    expect((await me('dev-cab_member2')).body.groups).toEqual([]);
    // Back as the other suites expect it.
    expect((await s.api('PATCH', '/api/v1/groups/cab', { token: 'dev-admin', body: { members: ['usr-cab_member', 'usr-cab_member2', 'usr-cab_member3'] } })).status).toBe(200);
  });

  test('every people endpoint answers each role as its declaration says (403 exactly where the role is not allowed)', async () => {
    const target = await createUser({ name: 'Matrix', role: 'requester' });
    const tokenId = (await tokenFor(target.id)).id;
    const doc = (await s.api('GET', '/openapi.json', { token: null })).body as { paths: Record<string, Record<string, { description: string; responses: Record<string, unknown> }>> };
    const ops = Object.entries(doc.paths)
      .filter(([p]) => /^\/api\/v1\/(users|groups|me)\b/.test(p))
      .flatMap(([p, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path: p, op })));
    expect(ops.map((o) => `${o.method} ${o.path}`).sort()).toEqual(
      ['DELETE /api/v1/users/{id}/tokens/{tokenId}', 'GET /api/v1/groups', 'GET /api/v1/groups/{id}', 'GET /api/v1/me', 'GET /api/v1/me/notification-preferences', 'PATCH /api/v1/me/notification-preferences', 'GET /api/v1/users', 'GET /api/v1/users/{id}', 'GET /api/v1/users/{id}/tokens', 'PATCH /api/v1/groups/{id}', 'PATCH /api/v1/users/{id}', 'POST /api/v1/groups', 'POST /api/v1/users', 'POST /api/v1/users/{id}/tokens'].sort(),
    );
    for (const { op } of ops) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
    for (const role of ROLES) {
      for (const { method, path: p, op } of ops) {
        const allowed = op.description === 'Any authenticated role.' || op.description.replace(/^Roles: |\.$/g, '').split(', ').includes(role);
        // Requests that are refused after authorisation (a 400 for the empty body, a 404) and change nothing.
        const url = p.replace('{id}', target.id).replace('{tokenId}', 'tok_none');
        // (A token request with a valid body: its owner check comes after the body is read.)
        const body = p.endsWith('/tokens') ? { name: 'matrix' } : {};
        const res = await s.api(method, url, { token: `dev-${role}`, ...(['POST', 'PATCH'].includes(method) ? { body } : {}) });
        const selfOnly = p.includes('/tokens') && role !== 'admin';
        expect([role, method, p, res.status === 403]).toEqual([role, method, p, !allowed || selfOnly]);
      }
    }
    expect((await s.api('DELETE', `/api/v1/users/${target.id}/tokens/${tokenId}`, { token: 'dev-admin' })).status).toBe(204);
  });

  test('npm run admin -- create-admin: prints a token that works; a second run issues another; an address held by a non-admin is refused; production needs TOKEN_HASH_KEY', async () => {
    const email = `${unique('root')}@example.com`;
    const childEnv = { ...process.env, DATABASE_URL: s.tdb.url, NODE_ENV: 'test', TOKEN_HASH_KEY: '', LOG_LEVEL: 'silent' };
    const admin = (...args: string[]) => run(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'scripts', 'admin.ts'), ...args], { cwd: root, env: childEnv });
    const first = await admin('create-admin', '--email', email, '--name', 'Root');
    const token = first.stdout.trim();
    expect(token).toMatch(/^itsm_[0-9a-f]{12}_/);
    expect(first.stderr).toMatch(/created admin usr_/);
    expect((await me(token)).body).toMatchObject({ name: 'Root', email, role: 'admin', authenticatedBy: 'token' });
    const second = await admin('create-admin', `--email=${email.toUpperCase()}`);
    expect(second.stderr).toMatch(/existing admin/);
    expect(second.stdout.trim()).not.toBe(token);
    expect((await me(second.stdout.trim())).body.email).toBe(email);

    const agentEmail = `${unique('agent')}@example.com`;
    await createUser({ name: 'Not an admin', email: agentEmail, role: 'agent' });
    await expect(admin('create-admin', '--email', agentEmail)).rejects.toMatchObject({ code: 65, stderr: expect.stringMatching(/refused: .* role agent/) });
    await expect(admin('create-admin')).rejects.toMatchObject({ code: 64 });
    await expect(run(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'scripts', 'admin.ts'), 'create-admin', '--email', 'x@example.com'], { cwd: root, env: { ...childEnv, NODE_ENV: 'production' } })).rejects.toMatchObject({
      code: 78,
      stderr: expect.stringMatching(/TOKEN_HASH_KEY must be set in production/),
    });
  });
});

describe.each(PROVIDERS)('container bootstrap on %s', (provider) => {
  test('BOOTSTRAP_ADMIN_EMAIL + BOOTSTRAP_ADMIN_TOKEN make the first admin at API start, once; without a token one is generated and printed; production refuses to start without TOKEN_HASH_KEY', async () => {
    const tdb = await createTestDatabase(provider);
    const key = Buffer.alloc(32, 3).toString('base64');
    const token = `bootstrap-${'x'.repeat(40)}`;
    const base = { NODE_ENV: 'production', DATABASE_URL: tdb.url, TEMPORAL_ADDRESS: env.address, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', TOKEN_HASH_KEY: key };
    const start = async (extra: Record<string, string>) => {
      const api = await startApi(loadEnv({ ...base, ...extra }));
      const url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
      return { api, me: (t: string) => fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${t}` } }) };
    };
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await expect(startApi(loadEnv({ ...base, TOKEN_HASH_KEY: '' }))).rejects.toThrow(/TOKEN_HASH_KEY must be set in production/);

      const one = await start({ BOOTSTRAP_ADMIN_EMAIL: 'Ops@Example.com', BOOTSTRAP_ADMIN_NAME: 'Ops', BOOTSTRAP_ADMIN_TOKEN: token });
      const res = await one.me(token);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ email: 'ops@example.com', name: 'Ops', role: 'admin' });
      await one.api.close();
      expect(write.mock.calls.flat().join('')).not.toContain(token);

      // A restart changes nothing; a revoked bootstrap token stays revoked.
      const two = await start({ BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com', BOOTSTRAP_ADMIN_TOKEN: token });
      expect((await two.me(token)).status).toBe(200);
      await two.api.close();
      const check = (await import('../../db/client')).createDb(tdb.url);
      expect(await check.user.count({ where: { role: 'admin' } })).toBe(1);
      await check.apiToken.updateMany({ data: { revokedAt: new Date() } });
      const three = await start({ BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com', BOOTSTRAP_ADMIN_TOKEN: token });
      expect((await three.me(token)).status).toBe(401);
      await three.api.close();

      // No active admin left: a new address and no token → a generated token, printed once.
      await check.user.updateMany({ data: { active: false } });
      write.mockClear();
      const four = await start({ BOOTSTRAP_ADMIN_EMAIL: 'second@example.com' });
      const printed = /itsm_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/.exec(write.mock.calls.flat().join(''))?.[0];
      expect(printed).toBeDefined();
      expect(await (await four.me(printed!)).json()).toMatchObject({ email: 'second@example.com', role: 'admin' });
      await four.api.close();
      expect(await check.user.count({ where: { role: 'admin', active: true } })).toBe(1);
      await check.$disconnect();
    } finally {
      write.mockRestore();
      await tdb.dispose();
    }
  });
});

describe('failed authentication limit', () => {
  let s: Stack;
  beforeAll(async () => {
    // Addresses come from X-Forwarded-For (TRUST_PROXY), so one test client can be many.
    s = await startStack({ env, apiEnv: { AUTH_FAILURE_LIMIT: 3, AUTH_FAILURE_WINDOW: 'PT3S', TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => {
    await s?.close();
  });
  const from = (address: string, token: string | null) => s.api('GET', '/api/v1/me', { token, headers: { 'x-forwarded-for': address } });

  test('per client address: after AUTH_FAILURE_LIMIT failures, 429 with Retry-After even for a valid token, until the window ends; requests without a token are not failures', async () => {
    for (let i = 0; i < 5; i++) expect((await from('203.0.113.1', null)).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await from('203.0.113.1', `wrong-${i}`)).status).toBe(401);
    const limited = await from('203.0.113.1', 'wrong-4');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(3);
    expect(limited.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await from('203.0.113.1', 'dev-admin')).status).toBe(429);
    expect((await from('203.0.113.2', 'dev-admin')).status).toBe(200);
    await sleep(Number(limited.headers.get('retry-after')) * 1000 + 100);
    expect((await from('203.0.113.1', 'dev-admin')).status).toBe(200);
  });

  test('per token prefix: guesses at one token from many addresses lock that prefix (429), not other tokens', async () => {
    const t = (await s.api('POST', '/api/v1/users/usr-agent/tokens', { token: 'dev-agent', body: { name: 'target' } })).body as { token: string; prefix: string };
    const guess = (i: number) => `itsm_${t.prefix}_${String(i).padStart(43, 'A')}`;
    for (let i = 0; i < 3; i++) expect((await from(`198.51.100.${i}`, guess(i))).status).toBe(401);
    const limited = await from('198.51.100.50', t.token);
    expect([limited.status, Number(limited.headers.get('retry-after')) > 0]).toEqual([429, true]);
    expect((await from('198.51.100.50', 'dev-agent')).status).toBe(200);
    await sleep(Number(limited.headers.get('retry-after')) * 1000 + 100);
    expect((await from('198.51.100.51', t.token)).status).toBe(200);
  });
});
