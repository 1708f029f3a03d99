import { createGunzip } from 'node:zlib';
import { Gunzip, Inflate } from 'fflate';
import { formatBytes, MriIoError } from './errors.js';

/** Compressed input is fed in slices this big, so one step emits at most ~1032x that (deflate's ceiling). */
const INPUT_SLICE = 4 * 1024;

/** The largest decoded prefix one typed array may hold here (2^32 bytes). */
const MAX_PREFIX = 2 ** 32;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflates gzip or raw-deflate data on demand, never holding more than `limit` decoded bytes.
 *
 * Callers ask for a prefix (`fill(n)`) and look at it: a NIfTI header says how many bytes follow,
 * so a gzip bomb is refused after one small slice, never after inflating the whole stream.
 * Decoded bytes past the limit are dropped, and a caller that needs them is refused.
 */
export class BoundedInflater {
  private out: Uint8Array = new Uint8Array(0);
  private filled = 0;
  private inPos = 0;
  private finished = false;
  /** Decoded data went past the limit; what lies beyond it was dropped. */
  private overflowed = false;
  private readonly stream: Gunzip | Inflate;

  constructor(
    private readonly input: Uint8Array,
    format: 'gzip' | 'deflate-raw',
    private readonly limit: number,
    private readonly file: string | undefined,
    private readonly what: string,
  ) {
    const onData = (chunk: Uint8Array, final: boolean): void => {
      this.append(chunk);
      if (final) this.finished = true;
    };
    this.stream = format === 'gzip' ? new Gunzip(onData) : new Inflate(onData);
  }

  /** Inflates until at least `n` decoded bytes are held or the stream ends; returns the bytes held. */
  fill(n: number): Uint8Array {
    while (this.filled < n && !this.overflowed && !this.finished && this.inPos < this.input.length) {
      const end = Math.min(this.input.length, this.inPos + INPUT_SLICE);
      const chunk = this.input.subarray(this.inPos, end);
      this.inPos = end;
      try {
        this.stream.push(chunk, end === this.input.length);
      } catch (err) {
        if (err instanceof MriIoError) throw err;
        const code = (err as { code?: number }).code;
        if (code === 0) {
          throw new MriIoError(
            'TRUNCATED',
            `compressed ${this.what} ends before its end-of-stream marker after ${formatBytes(this.filled)} decoded; the file was cut short, copy it again`,
            this.file,
            { cause: err },
          );
        }
        throw new MriIoError(
          'BAD_GZIP',
          `compressed ${this.what} is corrupt (${(err as Error).message}); the file is damaged`,
          this.file,
          { cause: err },
        );
      }
    }
    if (this.overflowed && this.filled < n) this.checkLimit(Number.POSITIVE_INFINITY);
    return this.out.subarray(0, this.filled);
  }

  private append(chunk: Uint8Array): void {
    let part = chunk;
    if (this.filled + part.length > this.limit) {
      // Keep what fits; the caller is refused only if it needs bytes past the limit.
      part = part.subarray(0, this.limit - this.filled);
      this.overflowed = true;
    }
    const need = this.filled + part.length;
    if (need > this.out.length)
      this.grow(Math.min(this.limit, Math.max(need, this.out.length * 2, 64 * 1024)));
    this.out.set(part, this.filled);
    this.filled = need;
  }

  private grow(capacity: number): void {
    const next = new Uint8Array(capacity);
    next.set(this.out.subarray(0, this.filled));
    this.out = next;
  }

  private checkLimit(n: number): void {
    if (n > this.limit) {
      throw new MriIoError(
        'TOO_LARGE',
        `compressed ${this.what} inflates past the limit of ${formatBytes(this.limit)} (refused while inflating); ` +
          'if the file is genuine, raise the maxDecodedBytes option',
        this.file,
      );
    }
  }
}

/** Inflates a whole stream under the limit (for DICOM deflated transfer syntax, whose size is not declared). */
export function inflateAll(
  input: Uint8Array,
  format: 'gzip' | 'deflate-raw',
  limit: number,
  file: string | undefined,
  what: string,
): Uint8Array {
  const inflater = new BoundedInflater(input, format, limit, file, what);
  return inflater.fill(Number.POSITIVE_INFINITY);
}

/**
 * Inflates the first `needed` bytes of a gzip stream into one buffer of exactly that size with
 * Node's zlib (native code, several times faster than fflate here), stopping as soon as they are there: the
 * rest of the stream is never inflated, and zlib works in 64 KiB steps, so memory stays at
 * `needed` plus one step whatever the stream holds. Call it only after a header has bounded
 * `needed` by the limit (`BoundedInflater` reads that header).
 */
export function inflateGzipPrefix(
  input: Uint8Array,
  needed: number,
  file: string | undefined,
  what: string,
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(needed) || needed < 0 || needed > MAX_PREFIX) {
    return Promise.reject(
      new MriIoError(
        'TOO_LARGE',
        `compressed ${what} would need ${formatBytes(needed)} decoded, more than one buffer can hold`,
        file,
      ),
    );
  }
  // Deflate expands at most ~1032x: a small (say, fuzzed) stream never gets a buffer for what its
  // header claims, only for what it can hold. The buffer grows if the bound was too tight.
  let out = new Uint8Array(Math.min(needed, input.length * 1032 + 64 * 1024));
  return new Promise((resolve, reject) => {
    const gz = createGunzip({ chunkSize: 64 * 1024 });
    let filled = 0;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      gz.destroy();
      if (!err) {
        resolve(out.subarray(0, filled));
        return;
      }
      const code = (err as { code?: string }).code;
      reject(
        code === 'Z_BUF_ERROR'
          ? new MriIoError(
              'TRUNCATED',
              `compressed ${what} ends before its end-of-stream marker; the file was cut short, copy it again`,
              file,
              { cause: err },
            )
          : new MriIoError(
              'BAD_GZIP',
              `compressed ${what} is corrupt (${(err as Error).message}); the file is damaged`,
              file,
              { cause: err },
            ),
      );
    };
    gz.on('data', (chunk: Buffer) => {
      if (settled) return;
      const take = Math.min(chunk.length, needed - filled);
      if (filled + take > out.length) {
        const next = new Uint8Array(Math.min(needed, Math.max(filled + take, out.length * 2)));
        next.set(out.subarray(0, filled));
        out = next;
      }
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (filled >= needed) finish();
    });
    gz.on('end', () => finish());
    gz.on('error', (err) => finish(err));
    gz.end(input);
  });
}
