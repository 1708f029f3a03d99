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
  | 'INCONSISTENT_SERIES'
  | 'MISSING_GEOMETRY'
  | 'ROI_OUT_OF_BOUNDS'
  | 'EMPTY_MASK'
  | 'BAD_ARGUMENT';

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
