/**
 * The definitive software library's filesystem store and its file-source policy, on a real
 * temp directory: content addressing, atomic writes (nothing under a digest until every byte
 * is there), refusals that leave nothing behind, and `file:` URIs confined to their root.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ArtifactMissing, ArtifactTooLarge, DigestMismatch, FsArtifactStore } from '../../infra/artifact-store';
import { resolveFileSource } from '../../infra/artifact-source';
import { BlockedTarget, blockedLiteral, guardedLookup } from '../../infra/network-policy';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const chunks = (...parts: (string | Buffer)[]) => Readable.from(parts.map((p) => Buffer.from(p)));

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  try {
    walk(dir);
  } catch {
    // not created yet
  }
  return out.sort();
}

let dir: string;
let store: FsArtifactStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dsl-store-'));
  store = new FsArtifactStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the filesystem artifact store', () => {
  test('keeps content under its SHA-256 (sharded by its first two digits), read-only, and gives it back', async () => {
    const body = Buffer.concat([Buffer.from('release 1.2.3\n'), Buffer.alloc(200_000, 7)]);
    const stored = await store.put(chunks(body.subarray(0, 1000), body.subarray(1000)));
    expect(stored).toEqual({ sha256: sha(body), size: body.length });
    const file = store.pathOf(stored.sha256);
    expect(path.relative(dir, file)).toBe(path.join('sha256', stored.sha256.slice(0, 2), stored.sha256));
    expect(readFileSync(file).equals(body)).toBe(true);
    expect(statSync(file).mode & 0o222).toBe(0); // nobody writes a digest's file again
    expect(await store.has(stored.sha256)).toBe(true);
    const back: Buffer[] = [];
    for await (const c of await store.open(stored.sha256)) back.push(c as Buffer);
    expect(Buffer.concat(back).equals(body)).toBe(true);
    expect(filesUnder(path.join(dir, 'tmp'))).toEqual([]);
  });

  test('the same content twice is stored once, also when both puts run at once; different content apart', async () => {
    const a = await store.put(chunks('same bytes'));
    const [b, c] = await Promise.all([store.put(chunks('same ', 'bytes')), store.put(chunks('same bytes'))]);
    const d = await store.put(chunks('other bytes'));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(d.sha256).not.toBe(a.sha256);
    expect(filesUnder(dir)).toEqual([path.join('sha256', a.sha256.slice(0, 2), a.sha256), path.join('sha256', d.sha256.slice(0, 2), d.sha256)].sort());
  });

  test('an empty artifact is content too', async () => {
    expect(await store.put(chunks())).toEqual({ sha256: sha(''), size: 0 });
    expect(await store.has(sha(''))).toBe(true);
  });

  test('a digest mismatch is refused with both digests, and nothing is kept', async () => {
    const declared = sha('what was promised');
    const err = await store.put(chunks('what arrived'), { expectSha256: declared }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatch);
    expect(err).toMatchObject({ expected: declared, actual: sha('what arrived'), size: 12 });
    expect((err as Error).message).toContain(declared);
    expect((err as Error).message).toContain(sha('what arrived'));
    expect(filesUnder(dir)).toEqual([]);
    expect(await store.has(sha('what arrived'))).toBe(false);
  });

  test('more than maxBytes is refused while streaming, and nothing is kept', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(1024, 1));
      },
    });
    const err = await store.put(endless, { maxBytes: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactTooLarge);
    expect((err as ArtifactTooLarge).maxBytes).toBe(10_000);
    expect(pulled).toBeLessThan(50); // stopped early, not after reading everything
    expect(filesUnder(dir)).toEqual([]);
    expect(await store.put(chunks(Buffer.alloc(10_000))).then((r) => r.size)).toBe(10_000); // exactly the limit is fine
  });

  test('a source that fails half-way (a dropped connection, a crash) leaves no file under any digest', async () => {
    const body = Buffer.alloc(64 * 1024, 3);
    let sent = 0;
    const flaky = new Readable({
      read() {
        if (sent >= 3) return this.destroy(new Error('connection reset'));
        sent++;
        this.push(body);
      },
    });
    await expect(store.put(flaky)).rejects.toThrow('connection reset');
    expect(filesUnder(dir)).toEqual([]);
    // What the partial transfer would have hashed to is not there either.
    expect(await store.has(sha(Buffer.concat([body, body, body])))).toBe(false);
  });

  test('progress is reported as bytes arrive; an abort stops the put and keeps nothing', async () => {
    const seen: number[] = [];
    await store.put(chunks('ab', 'cde'), { onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([2, 5]);
    const ac = new AbortController();
    const slow = new Readable({
      read() {
        setTimeout(() => {
          this.push(Buffer.alloc(100));
          ac.abort();
        }, 5);
      },
    });
    await expect(store.put(slow, { signal: ac.signal })).rejects.toThrow(/abort/i);
    expect(filesUnder(path.join(dir, 'tmp'))).toEqual([]);
  });

  test('temp files a dead put left behind are swept after a day; never anything under a digest', async () => {
    const kept = await store.put(chunks('kept'));
    const fresh = new FsArtifactStore(dir);
    const stale = path.join(dir, 'tmp', 'dead.part');
    const recent = path.join(dir, 'tmp', 'busy.part');
    writeFileSync(stale, 'half');
    writeFileSync(recent, 'half');
    const old = new Date(Date.now() - 2 * 24 * 3600_000);
    utimesSync(stale, old, old);
    await fresh.put(chunks('another'));
    expect(filesUnder(path.join(dir, 'tmp'))).toEqual(['busy.part']);
    expect(await fresh.has(kept.sha256)).toBe(true);
  });

  test('open of an unknown digest is ArtifactMissing; something that is not a digest never becomes a path', async () => {
    await expect(store.open(sha('never stored'))).rejects.toBeInstanceOf(ArtifactMissing);
    expect(await store.has(sha('never stored'))).toBe(false);
    for (const bad of ['../../etc/passwd', 'A'.repeat(64), sha('x').slice(1), `${sha('x')}/..`]) {
      await expect(store.open(bad)).rejects.toThrow(/not a sha256 digest/);
      await expect(store.has(bad)).rejects.toThrow(/not a sha256 digest/);
    }
  });
});

describe('file: sources', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = path.join(dir, 'inbox');
    outside = path.join(dir, 'elsewhere');
    mkdirSync(path.join(root, 'builds'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(root, 'builds', 'app.tar'), 'app');
    writeFileSync(path.join(outside, 'secret'), 'secret');
  });
  const url = (p: string) => pathToFileURL(p);

  test('a file inside the root is accepted with its real path; one not there yet only at registration', async () => {
    const real = path.join(realpathSync(root), 'builds', 'app.tar');
    expect(await resolveFileSource(url(path.join(root, 'builds', 'app.tar')), root, true)).toEqual({ ok: true, path: real });
    expect(await resolveFileSource(url(path.join(root, 'builds', 'later.tar')), root, false)).toMatchObject({ ok: true });
    expect(await resolveFileSource(url(path.join(root, 'builds', 'later.tar')), root, true)).toMatchObject({ ok: false, missing: true });
  });

  test('.. and symlinks are resolved before judging: escaping the root is refused', async () => {
    symlinkSync(path.join(outside, 'secret'), path.join(root, 'link-to-secret'));
    symlinkSync(outside, path.join(root, 'dir-link'));
    for (const p of [
      `${root}/builds/../../elsewhere/secret`,
      path.join(root, 'link-to-secret'),
      path.join(root, 'dir-link', 'secret'),
      path.join(root, 'dir-link', 'not-yet'),
      path.join(outside, 'secret'),
      '/etc/passwd',
    ]) {
      const r = await resolveFileSource(new URL(`file://${p}`), root, false);
      expect([p, r]).toEqual([p, { ok: false, reason: expect.stringContaining('DSL_FILE_ROOT') }]);
    }
    // A symlink that stays inside is fine.
    symlinkSync(path.join(root, 'builds', 'app.tar'), path.join(root, 'latest.tar'));
    expect(await resolveFileSource(url(path.join(root, 'latest.tar')), root, true)).toMatchObject({ ok: true });
  });

  test('the root itself, a directory, a file: URI with a host, and a missing root are refused', async () => {
    expect(await resolveFileSource(url(root), root, false)).toMatchObject({ ok: false });
    expect(await resolveFileSource(url(path.join(root, 'builds')), root, false)).toMatchObject({ ok: false, reason: expect.stringContaining('regular file') });
    expect(await resolveFileSource(new URL('file://fileserver/share/app.tar'), root, false)).toMatchObject({ ok: false });
    expect(await resolveFileSource(url(path.join(root, 'builds', 'app.tar')), path.join(dir, 'no-such-root'), false)).toMatchObject({ ok: false, reason: expect.stringContaining('DSL_FILE_ROOT') });
  });
});

describe('http sources: the webhook network policy', () => {
  const lookup = (host: string, allowPrivate: boolean) =>
    new Promise<{ err: Error | null; address: string }>((resolve) => guardedLookup(allowPrivate)(host, {}, (err, address) => resolve({ err, address: address as string })));

  test('a name resolving to loopback is refused where the connection is made, unless private targets are allowed', async () => {
    const refused = await lookup('localhost', false);
    expect(refused.err).toBeInstanceOf(BlockedTarget);
    expect(refused.err?.message).toMatch(/localhost resolves to .*private, loopback or link-local/);
    const allowed = await lookup('localhost', true);
    expect([allowed.err, allowed.address]).toEqual([null, expect.stringMatching(/^(127\.0\.0\.1|::1)$/)]);
  });

  test('literal private addresses are refused before connecting; public ones and names pass to the resolver', () => {
    expect(blockedLiteral(new URL('http://127.0.0.1:8080/a'), false)).toMatch(/^127\.0\.0\.1 is a private/);
    expect(blockedLiteral(new URL('http://[::ffff:10.0.0.1]/a'), false)).toMatch(/^::ffff:a00:1 is a private/);
    expect(blockedLiteral(new URL('http://127.0.0.1/a'), true)).toBeNull();
    expect(blockedLiteral(new URL('https://93.184.216.34/a'), false)).toBeNull();
    expect(blockedLiteral(new URL('https://artifacts.example.com/a'), false)).toBeNull();
  });
});
