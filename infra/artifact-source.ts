import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where `file:` artifact URIs may point: only inside one folder (DSL_FILE_ROOT), judged on
 * the real path (symlinks and `..` resolved), so registering an artifact cannot make the
 * server read its own files. Checked when an artifact is registered and again when it is
 * read, since a symlink can change in between.
 */
export type FileSource = { ok: true; path: string } | { ok: false; reason: string; missing?: true };

/** The real path of `p`, or of its nearest existing ancestor joined with the rest when it does not exist yet. */
async function realPathOf(p: string): Promise<string> {
  const rest: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    try {
      return path.join(await fs.realpath(cur), ...rest.reverse());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
      const parent = path.dirname(cur);
      if (parent === cur) return path.join(cur, ...rest.reverse());
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel);
}

/**
 * A `file:` URI's path if it lies inside `root`. `mustExist` (at read time) also requires a
 * regular file; at registration a file that is not there yet is accepted (it may still be
 * copied in; the fetch retries until its deadline).
 */
export async function resolveFileSource(uri: URL, root: string, mustExist: boolean): Promise<FileSource> {
  let local: string;
  try {
    local = fileURLToPath(uri);
  } catch (e) {
    return { ok: false, reason: `not a local file URI (${(e as Error).message})` };
  }
  let realRoot: string;
  try {
    realRoot = await fs.realpath(path.resolve(root));
  } catch {
    return { ok: false, reason: 'the library accepts no file: URIs here (DSL_FILE_ROOT does not exist)' };
  }
  const real = await realPathOf(local);
  if (!isInside(realRoot, real)) return { ok: false, reason: 'must name a file inside the library inbox (DSL_FILE_ROOT); symlinks and .. are resolved first' };
  const st = await fs.stat(real).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw e;
  });
  if (st && !st.isFile()) return { ok: false, reason: 'must name a regular file, not a directory or device' };
  if (!st && mustExist) return { ok: false, reason: 'no such file', missing: true };
  return { ok: true, path: real };
}
