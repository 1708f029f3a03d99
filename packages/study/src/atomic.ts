// The one atomic file write of op-screen: a user's file is either the old bytes or the new ones,
// never half of each, whatever kills the process.
import { randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of a new file (default 0o644; a pseudonym key is written 0o600). */
  mode?: number;
  /**
   * Refuse to replace anything: the temp file is hard-linked to `path`, which fails with `EEXIST`
   * when something is there (no window in which a check and the write could race).
   */
  noClobber?: boolean;
}

/**
 * Writes `data` to `path` atomically: a uniquely named temp file beside it (created exclusively),
 * fsync, rename (or link, with `noClobber`), then fsync of the directory so the rename itself
 * survives a power cut. On failure the temp file is removed and `path` is untouched.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, opts.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    // the umask may have cleared bits of an explicit mode (it never adds any)
    if (opts.mode !== undefined) await fh.chmod(opts.mode);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    if (opts.noClobber) await link(tmp, path);
    else await rename(tmp, path);
  } finally {
    if (opts.noClobber) await unlink(tmp).catch(() => {});
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // some file systems refuse fsync on a directory; the rename itself is still atomic
  } finally {
    await d.close();
  }
}

/** `value` as indented JSON with a final newline, written with {@link writeFileAtomic}. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The parsed JSON file, or `undefined` when there is none (a parse error is thrown). */
export async function readJson<T>(path: string): Promise<T | undefined> {
  if (!existsSync(path)) return undefined;
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/**
 * Finds out, before any work, whether `writeFileAtomic(path, data, { noClobber: true })` can
 * succeed: the file must not exist and its directory must take a new file (tried for real, so a
 * read-only file system or a missing directory is caught even for root). Throws the system error
 * (`EEXIST`, `ENOENT`, ...).
 */
export async function assertNewFileWritable(path: string): Promise<void> {
  if (existsSync(path))
    throw Object.assign(new Error(`${path} exists`), { code: 'EEXIST', syscall: 'open', path });
  const probe = `${path}.probe-${process.pid}`;
  const fh = await open(probe, 'wx');
  await fh.close();
  await unlink(probe);
}
