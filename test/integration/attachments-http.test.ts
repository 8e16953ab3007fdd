/**
 * Attachments on incidents and notes, on SQLite and PostgreSQL: multipart upload streamed to the
 * content-addressed store, size and type limits (413, 415, nothing kept), download as a
 * download, the notes' visibility rule for files, notes that name files, and requesters kept to
 * their own incidents.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PROVIDERS } from '../support/database';
import { startStack, type Stack } from '../support/stack';
import { startDevServer } from '../support/temporal';

const MAX = 4096;
let env: TestWorkflowEnvironment;
const dirs: string[] = [];
beforeAll(async () => {
  env = await startDevServer();
});
afterAll(async () => {
  await env?.teardown();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each(PROVIDERS)('attachments on %s', (provider) => {
  let s: Stack;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'itsm-attach-'));
    dirs.push(dir);
    s = await startStack({ provider, env, apiEnv: { ATTACHMENT_DIR: dir, ATTACHMENT_MAX_BYTES: MAX, ATTACHMENT_TYPES: ['text/plain', 'image/*', 'application/pdf'] } });
  });
  afterAll(async () => {
    await s?.close();
  });

  const open = async (token = 'dev-agent') => {
    const res = await s.api('POST', '/api/v1/incidents', { token, body: { title: 'Screen flickers', impact: 'low', urgency: 'low' } });
    expect(res.status).toBe(201);
    return res.body as { id: string; number: string };
  };
  const upload = async (ref: string, parts: { name: string; value: string | Buffer; fileName?: string; type?: string }[], token = 'dev-agent') => {
    const form = new FormData();
    for (const p of parts) {
      if (p.fileName !== undefined) form.append(p.name, new Blob([p.value], { type: p.type ?? 'text/plain' }), p.fileName);
      else form.append(p.name, p.value as string);
    }
    const res = await fetch(`${s.baseUrl}/api/v1/incidents/${ref}/attachments`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    return { status: res.status, body: (await res.json()) as any, type: res.headers.get('content-type') };
  };
  const download = async (url: string, token = 'dev-agent') => {
    const res = await fetch(s.baseUrl + url, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
  };
  const storedFiles = () => readdirSync(path.join(dir, 'sha256'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;

  test('upload, list and download: the bytes back as a download, checksum and size recorded, the same file stored once', async () => {
    const inc = await open();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 300 }, (_, i) => i % 256)]);
    const up = await upload(inc.number, [
      { name: 'visibility', value: 'public' },
      { name: 'file', value: png, fileName: 'C:\\Users\\ann\\screen shot.png', type: 'image/png' },
    ]);
    expect(up.status).toBe(201);
    const sha = createHash('sha256').update(png).digest('hex');
    expect(up.body).toMatchObject({ recordType: 'incident', recordId: inc.id, fileName: 'screen shot.png', contentType: 'image/png', size: png.length, sha256: sha, visibility: 'public', via: 'api', createdBy: 'usr-agent' });
    expect(up.body.url).toBe(`/api/v1/incidents/${inc.id}/attachments/${up.body.id}`);

    const got = await download(up.body.url);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(png)).toBe(true);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="screen shot.png"; filename*=UTF-8''screen%20shot.png`);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('etag')).toBe(`"${sha}"`);

    // By number as well as id; the desk's default is internal.
    const before = storedFiles();
    const again = await upload(inc.id, [{ name: 'file', value: png, fileName: 'copy.png', type: 'image/png' }]);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ sha256: sha, visibility: 'internal', fileName: 'copy.png' });
    expect(storedFiles()).toBe(before);

    const list = await s.api('GET', `/api/v1/incidents/${inc.number}/attachments`);
    expect(list.status).toBe(200);
    expect(list.body.map((a: { id: string }) => a.id)).toEqual([up.body.id, again.body.id]);
    // An attachment of another incident is not reachable through this one.
    const other = await open();
    expect((await download(`/api/v1/incidents/${other.id}/attachments/${up.body.id}`)).status).toBe(404);
    expect((await download(`/api/v1/incidents/${inc.id}/attachments/att_nothing`)).status).toBe(404);
  });

  test('refusals name the field and keep nothing: too large (413), a type not accepted (415), no file, two files, unknown parts, not multipart (400)', async () => {
    const inc = await open();
    const before = storedFiles();
    const big = await upload(inc.number, [{ name: 'file', value: Buffer.alloc(MAX + 1, 65), fileName: 'big.txt' }]);
    expect(big.status).toBe(413);
    expect(big.type).toMatch(/application\/problem\+json/);
    expect(big.body.errors).toEqual([{ path: 'file', message: `larger than ${MAX} bytes (ATTACHMENT_MAX_BYTES)` }]);
    const exact = await upload(inc.number, [{ name: 'file', value: Buffer.alloc(MAX, 66), fileName: 'exact.txt' }]);
    expect(exact.status).toBe(201);

    const html = await upload(inc.number, [{ name: 'file', value: '<script>alert(1)</script>', fileName: 'x.html', type: 'text/html' }]);
    expect(html.status).toBe(415);
    expect(html.body.errors[0]).toMatchObject({ path: 'file' });
    expect(html.body.errors[0].message).toMatch(/text\/html is not accepted/);
    // Refused by size or type: not a byte kept.
    expect(storedFiles()).toBe(before + 1);

    expect(await upload(inc.number, [{ name: 'visibility', value: 'public' }])).toMatchObject({ status: 400, body: { errors: [{ path: 'file', message: 'required' }] } });
    const two = await upload(inc.number, [
      { name: 'file', value: 'a', fileName: 'a.txt' },
      { name: 'file', value: 'b', fileName: 'b.txt' },
    ]);
    expect(two).toMatchObject({ status: 400, body: { errors: [{ path: 'file', message: 'more than one file' }] } });
    expect(await upload(inc.number, [{ name: 'evidence', value: 'a', fileName: 'a.txt' }])).toMatchObject({ status: 400, body: { errors: [{ path: 'evidence' }] } });
    expect(await upload(inc.number, [{ name: 'file', value: 'a', fileName: 'a.txt' }, { name: 'colour', value: 'red' }])).toMatchObject({ status: 400, body: { errors: [{ path: 'colour' }] } });
    expect(await upload(inc.number, [{ name: 'file', value: 'a', fileName: 'a.txt' }, { name: 'visibility', value: 'secret' }])).toMatchObject({ status: 400, body: { errors: [{ path: 'visibility' }] } });
    // A part without a name (found by the fuzz pass): the error still has a path.
    const unnamed = await fetch(`${s.baseUrl}/api/v1/incidents/${inc.number}/attachments`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-agent', 'content-type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name=""\r\n\r\nnull\r\n--XYZ--\r\n',
    });
    expect(unnamed.status).toBe(400);
    expect(((await unnamed.json()) as { errors: unknown }).errors).toEqual([{ path: '(unnamed part)', message: 'not a field of this upload (file, visibility)' }]);
    const json = await s.api('POST', `/api/v1/incidents/${inc.number}/attachments`, { body: { file: 'aGVsbG8=' } });
    expect(json.status).toBe(400);
    expect(json.body.errors).toEqual([{ path: 'file', message: 'required' }]);
    const broken = await fetch(`${s.baseUrl}/api/v1/incidents/${inc.number}/attachments`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-agent', 'content-type': 'multipart/form-data; boundary=XYZ' },
      body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nunterminated',
    });
    expect(broken.status).toBe(400);

    // Only the exact-size file was recorded.
    expect((await s.api('GET', `/api/v1/incidents/${inc.number}/attachments`)).body.map((a: { fileName: string }) => a.fileName)).toEqual(['exact.txt']);
    expect((await upload('INC9999999', [{ name: 'file', value: 'a', fileName: 'a.txt' }])).status).toBe(404);
  });

  test("requesters: their files are public, they see public files and their own, never another's incident; notes name files attached to the same incident", async () => {
    const mine = await open('dev-requester');
    const deskInternal = await upload(mine.number, [{ name: 'file', value: 'root cause notes', fileName: 'internal.txt' }]);
    const deskPublic = await upload(mine.number, [{ name: 'file', value: 'how to fix it', fileName: 'howto.txt' }, { name: 'visibility', value: 'public' }]);
    const theirs = await upload(mine.number, [{ name: 'file', value: 'photo of the error', fileName: 'error.txt' }], 'dev-requester');
    expect(theirs).toMatchObject({ status: 201, body: { visibility: 'public', createdBy: 'usr-requester' } });
    expect(await upload(mine.number, [{ name: 'file', value: 'x', fileName: 'x.txt' }, { name: 'visibility', value: 'internal' }], 'dev-requester')).toMatchObject({ status: 400, body: { errors: [{ path: 'visibility' }] } });

    const R = { token: 'dev-requester' };
    expect((await s.api('GET', `/api/v1/incidents/${mine.number}/attachments`, R)).body.map((a: { fileName: string }) => a.fileName)).toEqual(['howto.txt', 'error.txt']);
    expect((await download(deskInternal.body.url, 'dev-requester')).status).toBe(404);
    expect((await download(deskPublic.body.url, 'dev-requester')).bytes.toString()).toBe('how to fix it');

    const others = await open();
    expect((await upload(others.number, [{ name: 'file', value: 'x', fileName: 'x.txt' }], 'dev-requester')).status).toBe(404);
    expect((await s.api('GET', `/api/v1/incidents/${others.number}/attachments`, R)).status).toBe(404);

    // A note names files of its incident: recorded in the history entry.
    const note = await s.api('POST', `/api/v1/incidents/${mine.number}/notes`, { body: { text: 'see the attached', attachmentIds: [deskInternal.body.id, deskPublic.body.id] } });
    expect(note.status).toBe(200);
    const history = (await s.api('GET', `/api/v1/incidents/${mine.number}/history`)).body;
    expect(history.at(-1)).toMatchObject({ action: 'notes', data: { text: 'see the attached', visibility: 'internal', attachmentIds: [deskInternal.body.id, deskPublic.body.id] } });
    // Not a file of this incident, or one the requester may not see: 400 naming the entry.
    const otherFile = await upload(others.number, [{ name: 'file', value: 'y', fileName: 'y.txt' }]);
    expect(await s.api('POST', `/api/v1/incidents/${mine.number}/notes`, { body: { text: 'wrong file', attachmentIds: [deskPublic.body.id, otherFile.body.id] } })).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'attachmentIds.1', message: `no attachment ${otherFile.body.id} on this record` }] },
    });
    expect((await s.api('POST', `/api/v1/incidents/${mine.number}/notes`, { ...R, body: { text: 'peek', attachmentIds: [deskInternal.body.id] } })).body.errors).toEqual([
      { path: 'attachmentIds.0', message: `no attachment ${deskInternal.body.id} on this record` },
    ]);
    expect((await s.api('GET', `/api/v1/incidents/${mine.number}/history`)).body.filter((h: { action: string }) => h.action === 'notes')).toHaveLength(1);
  });
});
