/**
 * Stable error codes. Callers branch on `code`, never on the message text.
 *
 * Messages say what went wrong, where (the file path and, where useful, the byte offset or tag)
 * and what to do. They never contain patient identifiers: no DICOM names, IDs or birth dates.
 */
export type MriIoErrorCode =
  | 'NOT_FOUND'
  | 'NOT_DICOM'
  | 'NOT_NIFTI'
  | 'UNKNOWN_FORMAT'
  | 'TRUNCATED'
  | 'UNSUPPORTED_TRANSFER_SYNTAX'
  | 'UNSUPPORTED_PIXEL_FORMAT'
  | 'NO_PIXEL_DATA'
  | 'BAD_DICOM_HEADER'
  | 'DECODE_FAILED'
  | 'TOO_LARGE'
  | 'BAD_NIFTI_HEADER'
  | 'UNSUPPORTED_NIFTI_DATATYPE'
  | 'BAD_GZIP'
  | 'EMPTY_SERIES'
  | 'SERIES_INCOMPLETE'
  | 'INCONSISTENT_SERIES'
  | 'MISSING_GEOMETRY'
  | 'ROI_OUT_OF_BOUNDS'
  | 'EMPTY_MASK'
  | 'BAD_ARGUMENT'
  | 'BROKEN_LINK'
  | 'INTERNAL_ERROR';

export class MriIoError extends Error {
  override readonly name = 'MriIoError';
  readonly code: MriIoErrorCode;
  /** The file (or directory) the error is about, when there is one. */
  readonly file: string | undefined;

  constructor(code: MriIoErrorCode, message: string, file?: string, options?: { cause?: unknown }) {
    super(file ? `${message} (${file})` : message, options);
    this.code = code;
    this.file = file;
  }
}

export function isMriIoError(err: unknown): err is MriIoError {
  return err instanceof MriIoError;
}

const PAST_END = /overrun|past end|attempt to read|eof|end of buffer|beyond|out of range|outside the bounds/i;

/**
 * Turns anything a third-party library throws (dicom-parser throws plain strings, typed-array
 * constructors throw RangeError) into an `MriIoError`. An `MriIoError` (also one wrapped by
 * dicom-parser as `{ exception }`) passes through unchanged. Reads past the end of the bytes become
 * `TRUNCATED`; anything else gets `fallback` (the caller knows what it was doing). `INTERNAL_ERROR`
 * is reserved for throws that are not data problems: a fuzz test fails on it.
 */
export function toMriIoError(
  err: unknown,
  file: string | undefined,
  what: string,
  fallback: MriIoErrorCode = 'INTERNAL_ERROR',
): MriIoError {
  if (err instanceof MriIoError) return err;
  const inner = (err as { exception?: unknown } | null)?.exception;
  if (inner instanceof MriIoError) return inner;
  const source = inner ?? err;
  const message = withoutParserNames(source instanceof Error ? source.message : String(source));
  if (PAST_END.test(message)) {
    return new MriIoError(
      'TRUNCATED',
      `${what}: an element runs past the end of the data (${message.slice(0, 120)}); the file was cut short or its header lies`,
      file,
      { cause: err },
    );
  }
  return new MriIoError(fallback, `${what}: ${message.slice(0, 160)}`, file, { cause: err });
}

/**
 * A third-party parser's message without the function it came from: dicom-parser says
 * "dicomParser.readFixedString: attempt to read past end of buffer", a person needs only the
 * second half (the library's internals mean nothing to them).
 */
export function withoutParserNames(message: string): string {
  return message.replace(/\bdicomParser(?:\.\w+)*\s*:\s*/g, '');
}

/** Runs `fn`, turning any throw into an `MriIoError` (see `toMriIoError`). */
export function typed<T>(fn: () => T, file: string | undefined, what: string, fallback?: MriIoErrorCode): T {
  try {
    return fn();
  } catch (err) {
    throw toMriIoError(err, file, what, fallback);
  }
}

/** Awaits `p`, turning any rejection into an `MriIoError` (see `toMriIoError`). */
export async function typedAsync<T>(
  p: () => Promise<T>,
  file: string | undefined,
  what: string,
  fallback?: MriIoErrorCode,
): Promise<T> {
  try {
    return await p();
  } catch (err) {
    throw toMriIoError(err, file, what, fallback);
  }
}

/** Default cap on decoded bytes per image/volume: 1 GiB. */
export const DEFAULT_MAX_DECODED_BYTES = 1024 ** 3;

/**
 * Refuses an allocation of `bytes` before it happens. `what` names the thing being allocated
 * ("pixel data", "voxel data") so the message can say what to change.
 */
export function assertWithinLimit(bytes: number, maxDecodedBytes: number, what: string, file?: string): void {
  if (!Number.isFinite(bytes) || bytes > maxDecodedBytes) {
    throw new MriIoError(
      'TOO_LARGE',
      `${what} would need ${formatBytes(bytes)}, above the limit of ${formatBytes(maxDecodedBytes)}; ` +
        'if the file is genuine, raise the maxDecodedBytes option',
      file,
    );
  }
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'an unbounded number of bytes';
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
