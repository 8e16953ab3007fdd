/**
 * The definitive software library end to end over HTTP: Temporal dev server, real worker,
 * real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set), a real artifact
 * server (node:http on 127.0.0.1) and real folders for DSL_FILE_ROOT and DSL_DIR. The fetch
 * deadline is a few seconds here so an unreachable source is rejected within the test.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { markDeployed } from '../../db/dsl-store';
import { FsArtifactStore } from '../../infra/artifact-store';
import { dslVerificationWorkflowId } from '../../workflows/contracts/dsl-verification';
import { PROVIDERS } from '../support/database';
import { eventually, startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const paths = (body: { errors?: { path: string }[] }) => (body?.errors ?? []).map((e) => e.path).sort();

const RM = 'dev-release_manager';
const AUTOMATION = 'dev-automation';
const MAX_BYTES = 256 * 1024;
const FETCH_TIMEOUT_MS = 5000;

let env: TestWorkflowEnvironment;
let base: string;

/** The artifact server: fixed files, a basic-auth one, a redirect, a 404, one too large, and one held back on request. */
const files = new Map<string, Buffer>();
const held = new Map<string, () => void>();
const received: { type: string; data: any }[] = [];
let artifactServer: http.Server;
let origin: string;
let closedPort: number;

beforeAll(async () => {
  env = await startDevServer();
  base = mkdtempSync(path.join(os.tmpdir(), 'dsl-http-'));
  artifactServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/hooks') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const e = JSON.parse(body);
        received.push({ type: e.type, data: e.data });
        res.writeHead(204).end();
      });
      return;
    }
    const name = url.pathname.replace(/^\/(files|auth|held)\//, '');
    if (url.pathname === '/redirect') return void res.writeHead(302, { location: '/files/app.bin' }).end();
    if (url.pathname === '/huge') {
      res.writeHead(200, { 'content-length': String(MAX_BYTES + 1) });
      return void res.end(Buffer.alloc(MAX_BYTES + 1));
    }
    if (url.pathname === '/huge-chunked') {
      res.writeHead(200); // no content-length: only counting the bytes finds out
      return void res.end(Buffer.alloc(MAX_BYTES + 10, 1));
    }
    if (url.pathname.startsWith('/auth/') && req.headers.authorization !== `Basic ${Buffer.from('deployer:s3cr3t-pw').toString('base64')}`) {
      return void res.writeHead(401).end();
    }
    const body = files.get(name);
    if (!body) return void res.writeHead(404).end();
    const send = () => {
      held.delete(name);
      if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    };
    if (url.pathname.startsWith('/held/')) held.set(name, send);
    else send();
  });
  await new Promise<void>((resolve) => artifactServer.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(artifactServer.address() as AddressInfo).port}`;
  // A port nobody listens on: bind one, note it, let it go.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(async () => {
  for (const release of [...held.values()]) release();
  artifactServer?.closeAllConnections();
  await new Promise<void>((resolve) => (artifactServer ? artifactServer.close(() => resolve()) : resolve()));
  await env?.teardown();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe.each(PROVIDERS)('the definitive software library over HTTP on %s', (provider) => {
  let s: Stack;
  let root: string;
  let dslDir: string;
  let seq = 0;

  beforeAll(async () => {
    root = path.join(base, provider, 'inbox');
    dslDir = path.join(base, provider, 'dsl');
    mkdirSync(root, { recursive: true });
    s = await startStack({ provider, env, dsl: { dir: dslDir, fileRoot: root, maxBytes: MAX_BYTES, fetchTimeoutMs: FETCH_TIMEOUT_MS } });
  });
  afterAll(async () => {
    await s?.close();
  });

  const uniq = () => `${provider}-${++seq}-${Date.now().toString(36)}`;
  const register = (body: Record<string, unknown>, token = RM, headers: Record<string, string> = {}) => s.api('POST', '/api/v1/dsl/artifacts', { token, body, headers });
  const get = (id: string, token = RM) => s.api('GET', `/api/v1/dsl/artifacts/${id}`, { token });
  const settled = (id: string) =>
    eventually(
      async () => {
        const r = await get(id);
        if (r.status !== 200 || r.body.status === 'pending') throw new Error(`${id}: ${r.status} ${r.body?.status}`);
        return r.body;
      },
      30_000,
      `${id} to settle`,
    );
  const content = async (id: string, token = AUTOMATION) => {
    const res = await fetch(`${s.baseUrl}/api/v1/dsl/artifacts/${id}/content`, { headers: { authorization: `Bearer ${token}` } });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, bytes, json: () => JSON.parse(bytes.toString('utf8')) };
  };
  const inRoot = (name: string, body: Buffer | string) => {
    const p = path.join(root, name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, body);
    return pathToFileURL(p).href;
  };
  const served = (name: string, body: Buffer | string) => {
    files.set(name, Buffer.from(body));
    return `${origin}/files/${name}`;
  };

  test('a file: artifact inside DSL_FILE_ROOT is fetched, verified, kept by digest and downloaded with its digest headers', async () => {
    const u = uniq();
    const bytes = Buffer.concat([Buffer.from(`payroll ${u}\n`), Buffer.alloc(100_000, 9)]);
    const uri = inRoot(`payroll-${u}.tar.gz`, bytes);
    const r = await register({ name: `payroll-${u}`, version: '1.2.3', uri, sha256: sha(bytes).toUpperCase() });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: `payroll-${u}`, version: '1.2.3', uri, sha256: sha(bytes), status: 'pending', actualSha256: null, createdBy: 'usr-release_manager', deployedIn: [], contentUrl: `/api/v1/dsl/artifacts/${r.body.id}/content` });
    expect(r.body.id).toMatch(/^art_[0-9a-z]{26}$/);

    const done = await settled(r.body.id);
    expect(done).toMatchObject({ status: 'verified', sha256: sha(bytes), actualSha256: sha(bytes), sizeBytes: bytes.length, error: null });
    expect(Date.parse(done.verifiedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
    expect(await new FsArtifactStore(dslDir).has(sha(bytes))).toBe(true);

    const c = await content(r.body.id);
    expect(c.status).toBe(200);
    expect(c.bytes.equals(bytes)).toBe(true);
    expect(c.headers.get('content-type')).toBe('application/octet-stream');
    expect(c.headers.get('content-length')).toBe(String(bytes.length));
    expect(c.headers.get('etag')).toBe(`"${sha(bytes)}"`);
    expect(c.headers.get('digest')).toBe(`sha-256=${b64(sha(bytes))}`);
    expect(c.headers.get('repr-digest')).toBe(`sha-256=:${b64(sha(bytes))}:`);
    expect(c.headers.get('content-disposition')).toContain(`filename="payroll-${u}.tar.gz"`);
  });

  test('an http artifact is fetched from 127.0.0.1 (WEBHOOK_ALLOW_PRIVATE), by automation, and the same bytes twice are kept once', async () => {
    const u = uniq();
    const bytes = Buffer.from(`portal build ${u}`);
    const r = await register({ name: `portal-${u}`, version: '7.0.0', uri: served(`portal-${u}.zip`, bytes), sha256: sha(bytes) }, AUTOMATION);
    expect([r.status, r.body.createdBy]).toEqual([201, 'usr-automation']);
    expect(await settled(r.body.id)).toMatchObject({ status: 'verified', actualSha256: sha(bytes), sizeBytes: bytes.length });
    const again = await register({ name: `portal-${u}`, version: '7.0.0-repack', uri: inRoot(`repack-${u}.zip`, bytes), sha256: sha(bytes) }, AUTOMATION);
    expect(await settled(again.body.id)).toMatchObject({ status: 'verified', actualSha256: sha(bytes) });
    const c = await content(again.body.id, AUTOMATION);
    expect([c.status, c.bytes.equals(bytes)]).toEqual([200, true]);
  });

  test('credentials in the URI are used for the fetch but never stored, returned or written to workflow history in the clear', async () => {
    const u = uniq();
    const bytes = Buffer.from(`private build ${u}`);
    files.set(`secret-${u}.bin`, bytes);
    const uri = `${origin.replace('http://', 'http://deployer:s3cr3t-pw@')}/auth/secret-${u}.bin`;
    const r = await register({ name: `secret-${u}`, version: '1', uri, sha256: sha(bytes) });
    expect(r.status).toBe(201);
    expect(r.body.uri).toBe(`${origin.replace('http://', 'http://***@')}/auth/secret-${u}.bin`);
    expect(await settled(r.body.id)).toMatchObject({ status: 'verified' });
    const row = await s.tdb.db.dslArtifact.findUniqueOrThrow({ where: { id: r.body.id } });
    expect(row.uri).not.toContain('s3cr3t');
    const history = await s.env.client.workflow.getHandle(dslVerificationWorkflowId(r.body.id)).fetchHistory();
    expect(JSON.stringify(history)).not.toContain('s3cr3t');
    expect(JSON.stringify(history)).not.toContain(Buffer.from('s3cr3t-pw').toString('base64'));
    const list = await s.api('GET', `/api/v1/dsl?name=secret-${u}`, { token: RM });
    expect(JSON.stringify(list.body)).not.toContain('s3cr3t');
  });

  test('a checksum mismatch is rejected with both digests and a clear error; nothing is kept and its content is 409', async () => {
    const u = uniq();
    const bytes = Buffer.from(`tampered ${u}`);
    const declared = sha(`what the build server promised ${u}`);
    const r = await register({ name: `tampered-${u}`, version: '1.0', uri: served(`tampered-${u}.bin`, bytes), sha256: declared });
    const done = await settled(r.body.id);
    expect(done).toMatchObject({ status: 'rejected', sha256: declared, actualSha256: sha(bytes), sizeBytes: bytes.length, verifiedAt: null });
    expect(done.error).toMatch(/checksum mismatch/);
    expect(done.error).toContain(declared);
    expect(done.error).toContain(sha(bytes));
    expect(await new FsArtifactStore(dslDir).has(sha(bytes))).toBe(false);
    const c = await content(r.body.id);
    expect(c.status).toBe(409);
    expect(c.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(c.json().detail).toMatch(/rejected: checksum mismatch/);
  });

  test('a source that stays unreachable is retried until the fetch deadline, then rejected with the error', async () => {
    const u = uniq();
    const r = await register({ name: `gone-${u}`, version: '1', uri: `http://127.0.0.1:${closedPort}/gone.bin`, sha256: sha('x') });
    expect(r.status).toBe(201);
    const started = Date.now();
    const done = await settled(r.body.id);
    expect(done.status).toBe('rejected');
    expect(done.error).toMatch(/^source unreachable: retried until the fetch deadline \(DSL_FETCH_TIMEOUT, 5 s\) ran out; last error: connect ECONNREFUSED/);
    expect(Date.now() - started).toBeGreaterThan(1000); // retried, not rejected on the first refusal
    expect(done.actualSha256).toBeNull();
  });

  test('answers that will not change are rejected at once: a redirect (never followed), a 404, too large (declared or counted)', async () => {
    const u = uniq();
    const cases = [
      { uri: `${origin}/redirect`, error: /HTTP 302.*redirects are not followed/ },
      { uri: `${origin}/files/nothing-${u}`, error: /HTTP 404/ },
      { uri: `${origin}/huge`, error: /DSL_MAX_BYTES/ },
      { uri: `${origin}/huge-chunked`, error: /DSL_MAX_BYTES/ },
      { uri: inRoot(`big-${u}.iso`, Buffer.alloc(MAX_BYTES + 1)), error: /DSL_MAX_BYTES/ },
    ];
    const started = Date.now();
    const ids = await Promise.all(cases.map(async (c, i) => (await register({ name: `refused-${u}`, version: String(i), uri: c.uri, sha256: sha('y') })).body.id as string));
    for (const [i, id] of ids.entries()) {
      const done = await settled(id);
      expect([cases[i].uri, done.status]).toEqual([cases[i].uri, 'rejected']);
      expect(done.error).toMatch(cases[i].error);
    }
    expect(Date.now() - started).toBeLessThan(FETCH_TIMEOUT_MS); // none waited for the deadline
  });

  test('registration refuses a file outside DSL_FILE_ROOT (also through .. or a symlink), other schemes and bad digests, naming the field', async () => {
    const u = uniq();
    const outside = path.join(base, `outside-${u}.bin`);
    writeFileSync(outside, 'not for the library');
    symlinkSync(outside, path.join(root, `link-${u}.bin`));
    for (const uri of [pathToFileURL(outside).href, `file://${root}/../outside-${u}.bin`, pathToFileURL(path.join(root, `link-${u}.bin`)).href, 'file:///etc/passwd', `ftp://127.0.0.1/x.bin`, 'not a uri']) {
      const r = await register({ name: `bad-${u}`, version: '1', uri, sha256: sha('z') });
      expect([uri, r.status, paths(r.body)]).toEqual([uri, 400, ['uri']]);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    for (const sha256 of ['abc', sha('z').slice(1), `${sha('z').slice(1)}g`, 42]) {
      const r = await register({ name: `bad-${u}`, version: '1', uri: inRoot(`ok-${u}.bin`, 'ok'), sha256 });
      expect([sha256, r.status, paths(r.body)]).toEqual([sha256, 400, ['sha256']]);
    }
    const missing = await register({ name: `bad-${u}`, version: '1' });
    expect([missing.status, paths(missing.body)]).toEqual([400, ['sha256', 'uri']]);
    const extra = await register({ name: `bad-${u}`, version: '1', uri: inRoot(`ok-${u}.bin`, 'ok'), sha256: sha('ok'), status: 'verified' });
    expect(extra.status).toBe(400);
    // None of them was recorded.
    expect((await s.api('GET', `/api/v1/dsl?name=bad-${u}`, { token: RM })).body.items).toEqual([]);
  });

  test('a (name, version) already in the library is 409, whatever its state; an Idempotency-Key replays the first answer', async () => {
    const u = uniq();
    const uri = inRoot(`dup-${u}.bin`, 'dup');
    const first = await register({ name: `dup-${u}`, version: '2.0', uri, sha256: sha('dup') }, RM, { 'idempotency-key': `dup-${u}` });
    expect(first.status).toBe(201);
    const replay = await register({ name: `dup-${u}`, version: '2.0', uri, sha256: sha('dup') }, RM, { 'idempotency-key': `dup-${u}` });
    expect([replay.status, replay.body.id, replay.headers.get('idempotent-replayed')]).toEqual([201, first.body.id, 'true']);
    const dup = await register({ name: `dup-${u}`, version: '2.0', uri: inRoot(`dup2-${u}.bin`, 'other'), sha256: sha('other') });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toContain(first.body.id);
    expect((await register({ name: `dup-${u}`, version: '2.1', uri, sha256: sha('dup') })).status).toBe(201);
  });

  test('roles: registrars are release managers, automation and admins; every role but requester reads; automation downloads', async () => {
    const u = uniq();
    const uri = inRoot(`roles-${u}.bin`, 'roles');
    for (const token of ['dev-requester', 'dev-agent', 'dev-change_manager', 'dev-problem_manager']) {
      const r = await register({ name: `roles-${u}`, version: token, uri, sha256: sha('roles') }, token);
      expect([token, r.status]).toEqual([token, 403]);
    }
    const admin = await register({ name: `roles-${u}`, version: 'admin', uri, sha256: sha('roles') }, 'dev-admin');
    expect(admin.status).toBe(201);
    await settled(admin.body.id);
    expect((await s.api('GET', '/api/v1/dsl', { token: 'dev-requester' })).status).toBe(403);
    expect((await get(admin.body.id, 'dev-requester')).status).toBe(403);
    expect((await content(admin.body.id, 'dev-requester')).status).toBe(403);
    for (const token of ['dev-agent', 'dev-cab_member', 'dev-change_manager', AUTOMATION]) {
      expect([token, (await get(admin.body.id, token)).status]).toEqual([token, 200]);
      expect([token, (await s.api('GET', '/api/v1/dsl', { token })).status]).toEqual([token, 200]);
    }
    const c = await content(admin.body.id, AUTOMATION);
    expect([c.status, c.bytes.toString()]).toEqual([200, 'roles']);
    expect((await s.api('GET', '/api/v1/dsl', { token: null })).status).toBe(401);
  });

  test('content is 409 while the artifact is still pending, then downloadable once verified', async () => {
    const u = uniq();
    const bytes = Buffer.from(`slow ${u}`);
    files.set(`slow-${u}.bin`, bytes);
    const r = await register({ name: `slow-${u}`, version: '1', uri: `${origin}/held/slow-${u}.bin`, sha256: sha(bytes) });
    expect(r.status).toBe(201);
    await eventually(async () => (held.has(`slow-${u}.bin`) ? true : undefined), 10_000, 'the fetch to arrive');
    const early = await content(r.body.id);
    expect(early.status).toBe(409);
    expect(early.json().detail).toMatch(/pending, not verified yet/);
    held.get(`slow-${u}.bin`)!();
    expect(await settled(r.body.id)).toMatchObject({ status: 'verified' });
    expect((await content(r.body.id)).bytes.equals(bytes)).toBe(true);
  });

  test('the list pages newest first with a cursor and filters by status and name; unknown ids are 404', async () => {
    const u = uniq();
    const ids: string[] = [];
    for (const v of ['1', '2', '3']) ids.push((await register({ name: `paged-${u}`, version: v, uri: inRoot(`paged-${u}-${v}.bin`, v), sha256: sha(v) })).body.id);
    const bad = await register({ name: `paged-${u}`, version: 'bad', uri: inRoot(`paged-${u}-bad.bin`, 'bad'), sha256: sha('not bad') });
    for (const id of [...ids, bad.body.id]) await settled(id);
    const p1 = await s.api('GET', `/api/v1/dsl?name=paged-${u}&status=verified&limit=2`, { token: RM });
    expect(p1.status).toBe(200);
    expect(p1.body.items.map((a: { id: string }) => a.id)).toEqual([ids[2], ids[1]]);
    expect(p1.body.nextCursor).toEqual(expect.any(String));
    const p2 = await s.api('GET', `/api/v1/dsl?name=paged-${u}&status=verified&limit=2&cursor=${p1.body.nextCursor}`, { token: RM });
    expect([p2.body.items.map((a: { id: string }) => a.id), p2.body.nextCursor]).toEqual([[ids[0]], null]);
    const rejected = await s.api('GET', `/api/v1/dsl?name=paged-${u}&status=rejected`, { token: RM });
    expect(rejected.body.items.map((a: { id: string }) => a.id)).toEqual([bad.body.id]);
    expect((await s.api('GET', `/api/v1/dsl?name=paged-${u}`, { token: RM })).body.items).toHaveLength(4);
    expect((await s.api('GET', '/api/v1/dsl?status=sideways', { token: RM })).status).toBe(400);
    expect((await s.api('GET', '/api/v1/dsl?cursor=nonsense', { token: RM })).status).toBe(400);

    for (const p of ['/api/v1/dsl/artifacts/art_00000000000000000000000000', '/api/v1/dsl/artifacts/art_00000000000000000000000000/content', '/api/v1/dsl/artifacts/nope/content']) {
      const r = await s.api('GET', p, { token: RM });
      expect([p, r.status, r.body.title]).toEqual([p, 404, 'Not found']);
    }
  });

  test('verified and rejected artifacts are announced to webhook subscribers (dsl.artifact_verified / dsl.artifact_rejected)', async () => {
    const u = uniq();
    const hook = await s.api('POST', '/api/v1/webhooks', { token: 'dev-admin', body: { url: `${origin}/hooks`, events: ['dsl.artifact_verified', 'dsl.artifact_rejected'], secret: 'a-secret-of-sixteen-chars' } });
    expect(hook.status).toBe(201);
    try {
      const good = await register({ name: `hooked-${u}`, version: '1', uri: inRoot(`hooked-${u}.bin`, 'good'), sha256: sha('good') });
      const bad = await register({ name: `hooked-${u}`, version: '2', uri: inRoot(`hooked-${u}-2.bin`, 'bad'), sha256: sha('good') });
      await eventually(async () => (received.filter((e) => e.data.name === `hooked-${u}`).length >= 2 ? true : undefined), 30_000, 'both events');
      const mine = received.filter((e) => e.data.name === `hooked-${u}`);
      expect(mine.find((e) => e.data.id === good.body.id)).toMatchObject({ type: 'dsl.artifact_verified', data: { status: 'verified', actualSha256: sha('good') } });
      expect(mine.find((e) => e.data.id === bad.body.id)).toMatchObject({ type: 'dsl.artifact_rejected', data: { status: 'rejected', actualSha256: sha('bad') } });
    } finally {
      await s.api('DELETE', `/api/v1/webhooks/${hook.body.id}`, { token: 'dev-admin' });
    }
  });

  test('markDeployed (for the release process) appends each release once, sets deployedAt, and refuses unverified artifacts', async () => {
    const u = uniq();
    const a = await register({ name: `deployed-${u}`, version: '1', uri: inRoot(`deployed-${u}.bin`, 'one'), sha256: sha('one') });
    const b = await register({ name: `deployed-${u}`, version: '2', uri: inRoot(`deployed-${u}-2.bin`, 'two'), sha256: sha('two') });
    const bad = await register({ name: `deployed-${u}`, version: '3', uri: inRoot(`deployed-${u}-3.bin`, 'three'), sha256: sha('not three') });
    for (const r of [a, b, bad]) await settled(r.body.id);
    const t1 = new Date('2026-12-01T10:00:00Z');
    const t2 = new Date('2026-12-02T10:00:00Z');
    // Two releases at once, and one of them twice: nothing lost, nothing doubled.
    await Promise.all([
      markDeployed(s.tdb.db, [a.body.id, b.body.id], 'REL0000001', t1),
      markDeployed(s.tdb.db, [a.body.id], 'REL0000002', t1),
      markDeployed(s.tdb.db, [a.body.id, a.body.id], 'REL0000001', t1),
    ]);
    await s.tdb.db.$transaction((tx) => markDeployed(tx, [b.body.id], 'REL0000003', t2));
    const viewA = (await get(a.body.id)).body;
    expect([...viewA.deployedIn].sort()).toEqual(['REL0000001', 'REL0000002']);
    expect(viewA.deployedAt).toBe(t1.toISOString());
    expect((await get(b.body.id)).body).toMatchObject({ deployedIn: ['REL0000001', 'REL0000003'], deployedAt: t2.toISOString() });
    await expect(markDeployed(s.tdb.db, [bad.body.id], 'REL0000004', t2)).rejects.toThrow(/rejected, not verified/);
    await expect(markDeployed(s.tdb.db, ['art_00000000000000000000000000'], 'REL0000004', t2)).rejects.toThrow(/no DSL artifact/);
    expect((await get(bad.body.id)).body.deployedIn).toEqual([]);
  });

  test('the library keeps nothing half-written: its temp folder is empty after every fetch', async () => {
    expect(existsSync(path.join(dslDir, 'sha256'))).toBe(true);
    expect(readdirSync(path.join(dslDir, 'tmp'))).toEqual([]);
  });
});

describe('the library without WEBHOOK_ALLOW_PRIVATE', () => {
  let s: Stack;
  beforeAll(async () => {
    mkdirSync(path.join(base, 'strict', 'inbox'), { recursive: true });
    s = await startStack({ env, allowPrivateWebhooks: false, dsl: { dir: path.join(base, 'strict', 'dsl'), fileRoot: path.join(base, 'strict', 'inbox'), maxBytes: MAX_BYTES, fetchTimeoutMs: FETCH_TIMEOUT_MS } });
  });
  afterAll(async () => {
    await s?.close();
  });

  test('loopback, private, link-local and local names are refused at registration, naming uri', async () => {
    for (const uri of [`${origin}/files/x`, 'http://localhost:8080/x', 'http://[::1]/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest/meta-data', 'https://build.internal/x']) {
      const r = await s.api('POST', '/api/v1/dsl/artifacts', { token: RM, body: { name: 'strict', version: uri, uri, sha256: sha('s') } });
      expect([uri, r.status, paths(r.body)]).toEqual([uri, 400, ['uri']]);
    }
    expect((await s.api('GET', '/api/v1/dsl', { token: RM })).body.items).toEqual([]);
  });
});
