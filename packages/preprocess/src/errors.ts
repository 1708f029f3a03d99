/**
 * Stable error codes. Callers switch on `code`; the message is for people and says what went
 * wrong, where, and what to do about it.
 */
export type PreprocessErrorCode =
  | 'INVALID_SHAPE'
  | 'INVALID_PARAMETER'
  | 'UNSUPPORTED_CHANNELS'
  | 'NON_FINITE_INPUT'
  | 'SHAPE_MISMATCH'
  | 'UNKNOWN_STEP'
  | 'UNKNOWN_PRESET'
  | 'INVALID_SPEC'
  | 'RANDOM_STEP_NOT_ALLOWED'
  | 'DETERMINISTIC_STEP_IN_AUGMENTATION'
  | 'INVALID_RNG_STATE';

/** Every error thrown by this package. `step` names the pipeline step when one was running. */
export class PreprocessError extends Error {
  readonly code: PreprocessErrorCode;
  readonly step: string | undefined;

  constructor(code: PreprocessErrorCode, message: string, options: { step?: string; cause?: unknown } = {}) {
    super(options.step === undefined ? message : `step '${options.step}': ${message}`, {
      cause: options.cause,
    });
    this.name = 'PreprocessError';
    this.code = code;
    this.step = options.step;
  }
}

/** Type guard for `PreprocessError` (e.g. in a CLI's error handler). */
export function isPreprocessError(err: unknown): err is PreprocessError {
  return err instanceof PreprocessError;
}

export function invalidParameter(what: string, got: unknown, expected: string): PreprocessError {
  return new PreprocessError(
    'INVALID_PARAMETER',
    `${what} must be ${expected}, got ${typeof got === 'number' || typeof got === 'string' ? got : JSON.stringify(got)}`,
  );
}
