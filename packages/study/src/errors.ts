/** Stable error codes of the study's data contracts. */
export type StudyErrorCode =
  /** The manifest cannot be read or is not a CSV with the required columns. */
  | 'MANIFEST_UNREADABLE'
  /** The manifest has a header and no data rows. */
  | 'MANIFEST_EMPTY'
  /** The manifest changed on disk since its version was taken; nothing was written. */
  | 'MANIFEST_CHANGED'
  /** A cell edit names a row that does not exist or a value that is not one line of text. */
  | 'BAD_EDIT'
  /** A run directory path is a file. */
  | 'OUT_NOT_DIRECTORY'
  /** A new run was asked for in a directory that holds files. */
  | 'OUT_NOT_EMPTY'
  /** Another live process holds the run directory's lock. */
  | 'RUN_DIR_IN_USE'
  /** A resumed run's stored config differs from the requested one. */
  | 'RESUME_MISMATCH'
  /** No model card (meta.json) in the given directory or its model/ directory. */
  | 'MODEL_NOT_FOUND'
  /** The model card or a fold model it names cannot be read or is not valid. */
  | 'MODEL_UNREADABLE';

/**
 * Error of the data contracts: the message says what went wrong and where (the file), never a
 * patient identifier, and names no CLI flag (the CLI adds its advice by code).
 */
export class StudyError extends Error {
  readonly code: StudyErrorCode;
  readonly file: string | undefined;
  constructor(code: StudyErrorCode, message: string, file?: string) {
    super(message);
    this.name = 'StudyError';
    this.code = code;
    this.file = file;
  }
}
