import { Gunzip, Inflate } from 'fflate';
import { formatBytes, MriIoError } from './errors.js';

/**
 * Compressed input is fed in slices, so one step emits at most ~1032x the slice (deflate's
 * ceiling) and fflate's working buffers stay below ~4x that. Small slices while the size is
 * unknown (a bomb is refused after ~4 MiB); larger ones, which inflate about twice as fast, once a
 * header has said how much data to expect.
 */
export const SMALL_SLICE = 4 * 1024;
export const LARGE_SLICE = 16 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflates gzip or raw-deflate data on demand, never holding more than `limit` decoded bytes.
 *
 * Callers ask for a prefix (`fill(n)`), look at it (a NIfTI header says how many bytes follow),
 * `reserve` exactly that and ask for the rest. A gzip bomb is therefore refused after inflating
 * one slice past the limit at most, never after inflating the whole stream.
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

  /** Bytes decoded so far. */
  get length(): number {
    return this.filled;
  }

  /** True once the compressed stream has ended (or the input ran out). */
  get done(): boolean {
    return this.finished || this.inPos >= this.input.length;
  }

  /** Grows the output buffer once to `n` bytes so the following `fill(n)` copies nothing twice. */
  reserve(n: number): void {
    this.checkLimit(n);
    if (n > this.out.length) this.grow(n);
  }

  /** Inflates until at least `n` decoded bytes are held or the stream ends; returns the bytes held. */
  fill(n: number, slice: number = SMALL_SLICE): Uint8Array {
    while (this.filled < n && !this.overflowed && !this.finished && this.inPos < this.input.length) {
      const end = Math.min(this.input.length, this.inPos + slice);
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
