/** Stable codes of {@link LocateError}; callers may switch on them. */
export type LocateErrorCode =
  /** The input is not an image volume this package can place in space (empty, 1-D, no pixels). */
  | 'BAD_INPUT'
  /** The weights file does not match the network it is loaded into (size, version or sha256). */
  | 'BAD_WEIGHTS'
  /** A label map (`fromSegmentation`) uses a table that is not known, or holds no vertebra. */
  | 'BAD_LABELS'
  /** An argument is out of its documented range. */
  | 'BAD_ARGUMENT';

/**
 * The one error type of this package. `code` is stable; `message` says what was wrong and what
 * to do; `file` is set when the input came from a file. Messages never quote patient identifiers.
 */
export class LocateError extends Error {
  override readonly name = 'LocateError';
  readonly code: LocateErrorCode;
  readonly file: string | undefined;
  constructor(code: LocateErrorCode, message: string, file?: string) {
    super(file === undefined ? message : `${file}: ${message}`);
    this.code = code;
    this.file = file;
  }
}

/** Stable codes of the warnings in a {@link LocateResult}. */
export type LocateWarningCode =
  /** The series was not acquired sagittally (axial, coronal or too oblique); nothing is located. */
  | 'NOT_SAGITTAL'
  /** Too few slices or too small a field of view to hold a lumbar spine. */
  | 'TOO_SMALL'
  /** The image carries almost no contrast (constant or near-constant). */
  | 'NO_CONTRAST'
  /** No vertebral body was found. */
  | 'NO_VERTEBRAE'
  /** The sacrum (lowest lumbar vertebra L5 above it) was not found, so levels cannot be counted. */
  | 'NO_SACRUM'
  /** One or more of L1-L4 is outside the field of view or was not found; the message names them. */
  | 'LEVELS_MISSING'
  /** A level's or the numbering's confidence is below the threshold; the message says which. */
  | 'LOW_CONFIDENCE'
  /** Four or six lumbar-type vertebrae suspected (lumbarised S1 or sacralised L5): check the count. */
  | 'TRANSITIONAL_SUSPECTED';

export interface LocateWarning {
  code: LocateWarningCode;
  message: string;
}
