import { type FileHandle, open } from 'node:fs/promises';
import { formatBytes, MriIoError } from './errors.js';

/** How many leading bytes `readFileBounded` hands to its `probe` before reading the rest. */
export const PROBE_BYTES = 4096;

function openError(err: unknown, path: string): MriIoError {
  const code = (err as NodeJS.ErrnoException).code;
  return new MriIoError(
    'NOT_FOUND',
    code === 'ENOENT' ? 'no such file; check the path' : `cannot open the file (${code ?? 'error'})`,
    path,
    { cause: err },
  );
}

async function readAt(handle: FileHandle, into: Uint8Array, from: number, path: string): Promise<number> {
  let pos = from;
  while (pos < into.length) {
    let n: number;
    try {
      ({ bytesRead: n } = await handle.read(into, pos, into.length - pos, pos));
    } catch (err) {
      throw openError(err, path);
    }
    if (n === 0) break; // the file shrank while we read it
    pos += n;
  }
  return pos;
}

/**
 * Reads a whole file, refusing (before reading) one larger than `maxBytes`. With `probe`, the
 * first `PROBE_BYTES` are read and shown to it first: it throws to refuse the file (say, a 200 MB
 * file that is not DICOM) before the rest is read or the size limit is applied.
 */
export async function readFileBounded(
  path: string,
  maxBytes: number,
  probe?: (head: Uint8Array) => void,
): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw openError(err, path);
  }
  try {
    let size: number;
    try {
      const s = await handle.stat();
      if (s.isDirectory())
        throw new MriIoError('BAD_ARGUMENT', 'expected a file but found a directory', path);
      size = s.size;
    } catch (err) {
      if (err instanceof MriIoError) throw err;
      throw openError(err, path);
    }
    let head: Uint8Array | undefined;
    if (probe) {
      head = new Uint8Array(Math.min(size, PROBE_BYTES));
      head = head.subarray(0, await readAt(handle, head, 0, path));
      probe(head);
    }
    if (size > maxBytes) {
      throw new MriIoError(
        'TOO_LARGE',
        `the file is ${formatBytes(size)}, above the limit of ${formatBytes(maxBytes)}; raise maxDecodedBytes if it is genuine`,
        path,
      );
    }
    if (head && head.length === size) return head;
    const out = new Uint8Array(size);
    if (head) out.set(head);
    return out.subarray(0, await readAt(handle, out, head?.length ?? 0, path));
  } finally {
    await handle.close().catch(() => {});
  }
}
