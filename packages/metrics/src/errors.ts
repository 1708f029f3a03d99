/** Stable codes of {@link MetricsError}; callers may switch on them. */
export type MetricsErrorCode =
  | 'EMPTY_INPUT'
  | 'LENGTH_MISMATCH'
  | 'NON_FINITE_SCORE'
  | 'INVALID_LABEL'
  | 'SINGLE_CLASS'
  | 'NOT_PROBABILITY'
  | 'TOO_FEW_GROUPS'
  | 'TOO_FEW_SAMPLES'
  | 'INVALID_ARGUMENT'
  | 'CSV_PARSE'
  | 'MISSING_COLUMN';

/**
 * The one error type of this package. `code` is stable; `message` says what was wrong, where and
 * what to do. `file` is set when the input came from a file. Messages never quote group (patient) ids.
 */
export class MetricsError extends Error {
  override readonly name = 'MetricsError';
  readonly code: MetricsErrorCode;
  readonly file: string | undefined;
  constructor(code: MetricsErrorCode, message: string, file?: string) {
    super(file === undefined ? message : `${file}: ${message}`);
    this.code = code;
    this.file = file;
  }
}
