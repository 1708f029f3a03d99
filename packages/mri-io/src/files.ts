import { readFile, stat } from 'node:fs/promises';
import { formatBytes, MriIoError } from './errors.js';

/** Reads a whole file, refusing (before reading) one larger than `maxBytes`. */
export async function readFileBounded(path: string, maxBytes: number): Promise<Uint8Array> {
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new MriIoError('BAD_ARGUMENT', 'expected a file but found a directory', path);
    size = s.size;
  } catch (err) {
    if (err instanceof MriIoError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new MriIoError(
      'NOT_FOUND',
      code === 'ENOENT' ? 'no such file; check the path' : `cannot open the file (${code ?? 'error'})`,
      path,
      { cause: err },
    );
  }
  if (size > maxBytes) {
    throw new MriIoError(
      'TOO_LARGE',
      `the file is ${formatBytes(size)}, above the limit of ${formatBytes(maxBytes)}; raise maxDecodedBytes if it is genuine`,
      path,
    );
  }
  const buf = await readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
