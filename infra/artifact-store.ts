import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where the definitive software library keeps artifact bytes, addressed by their SHA-256.
 * One small interface so an object store (S3, GCS, …) can replace the filesystem one: the
 * library only ever puts a stream, opens a digest, and asks whether a digest is there.
 */
export interface ArtifactStore {
  /**
   * Stores a stream under its digest and answers the digest and size. Nothing is visible
   * under a digest until all of its bytes are: a failed, refused or interrupted put leaves
   * nothing behind. The same content put twice is stored once.
   */
  put(content: Readable, options?: PutOptions): Promise<StoredArtifact>;
  /** The bytes stored under a digest; rejects with ArtifactMissing when there are none. */
  open(sha256: string): Promise<Readable>;
  has(sha256: string): Promise<boolean>;
}

export interface StoredArtifact {
  sha256: string;
  size: number;
}

export interface PutOptions {
  /** More bytes than this: ArtifactTooLarge, nothing stored. */
  maxBytes?: number;
  /** The digest the content must have (lowercase hex): otherwise DigestMismatch, nothing stored. */
  expectSha256?: string;
  /** Called as bytes arrive (total so far), e.g. to heartbeat. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

export class ArtifactTooLarge extends Error {
  constructor(public readonly maxBytes: number, public readonly seenBytes: number) {
    super(`larger than the library's limit of ${maxBytes} bytes (DSL_MAX_BYTES): ${seenBytes} bytes or more`);
  }
}

export class DigestMismatch extends Error {
  constructor(public readonly expected: string, public readonly actual: string, public readonly size: number) {
    super(`checksum mismatch: declared sha256 ${expected}, the fetched content (${size} bytes) has sha256 ${actual}`);
  }
}

export class ArtifactMissing extends Error {
  constructor(public readonly sha256: string) {
    super(`no content stored under sha256 ${sha256}`);
  }
}

const DIGEST = /^[0-9a-f]{64}$/;

function checkDigest(sha256: string): string {
  if (!DIGEST.test(sha256)) throw new Error(`not a sha256 digest (64 lowercase hex digits): ${JSON.stringify(sha256).slice(0, 80)}`);
  return sha256;
}

/** Temp files older than this belong to a put that died (a crash, a killed worker). */
const STALE_TEMP_MS = 24 * 3600_000;

/**
 * The filesystem store: `<dir>/sha256/<first two hex digits>/<digest>`, written as
 * `<dir>/tmp/<random>.part`, flushed to disk, then renamed into place (atomic on one
 * filesystem), so a digest's file is always complete. Stored files are read-only.
 */
export class FsArtifactStore implements ArtifactStore {
  private readonly root: string;
  private swept = false;

  constructor(dir: string) {
    this.root = path.resolve(dir);
  }

  /** Where a digest's content lives (exported for tests and operators). */
  pathOf(sha256: string): string {
    const d = checkDigest(sha256);
    return path.join(this.root, 'sha256', d.slice(0, 2), d);
  }

  get tempDir(): string {
    return path.join(this.root, 'tmp');
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await fs.stat(this.pathOf(sha256))).isFile();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  async open(sha256: string): Promise<Readable> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.pathOf(sha256), constants.O_RDONLY);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ArtifactMissing(sha256);
      throw e;
    }
    return handle.createReadStream();
  }

  async put(content: Readable, o: PutOptions = {}): Promise<StoredArtifact> {
    await fs.mkdir(this.tempDir, { recursive: true });
    await this.sweepOnce();
    const temp = path.join(this.tempDir, `${randomBytes(12).toString('hex')}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const handle = await fs.open(temp, 'wx', 0o600);
    let closed = false;
    try {
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (o.maxBytes !== undefined && size > o.maxBytes) return done(new ArtifactTooLarge(o.maxBytes, size));
          hash.update(chunk);
          o.onProgress?.(size);
          done(null, chunk);
        },
      });
      // Writes through the handle we opened (not by name), so the bytes hashed are the bytes written.
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          handle.write(chunk).then(() => done(), done);
        },
      });
      await pipeline(content, meter, sink, { signal: o.signal });
      await handle.sync();
      await handle.close();
      closed = true;
      const sha256 = hash.digest('hex');
      if (o.expectSha256 !== undefined && o.expectSha256 !== sha256) throw new DigestMismatch(o.expectSha256, sha256, size);
      const final = this.pathOf(sha256);
      if (await this.has(sha256)) {
        await fs.rm(temp, { force: true }); // already here: content-addressed, so identical
      } else {
        await fs.mkdir(path.dirname(final), { recursive: true });
        await fs.chmod(temp, 0o444);
        await fs.rename(temp, final);
        await syncDir(path.dirname(final));
      }
      return { sha256, size };
    } finally {
      if (!closed) await handle.close().catch(() => undefined);
      await fs.rm(temp, { force: true }).catch(() => undefined);
    }
  }

  /** Removes what puts that died left in tmp/ (never anything under a digest). */
  private async sweepOnce(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const name of await fs.readdir(this.tempDir).catch(() => [] as string[])) {
      if (!name.endsWith('.part')) continue;
      const file = path.join(this.tempDir, name);
      const st = await fs.stat(file).catch(() => null);
      if (st && st.mtimeMs < cutoff) await fs.rm(file, { force: true }).catch(() => undefined);
    }
  }
}

/** The rename is durable once its directory is flushed; some filesystems cannot, which is fine. */
async function syncDir(dir: string): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(dir, constants.O_RDONLY);
    await h.sync();
  } catch {
    // best effort
  } finally {
    await h?.close().catch(() => undefined);
  }
}
