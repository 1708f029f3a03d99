/** Stable error codes of the facade. Library errors keep their own classes and codes. */
export type OpScreenErrorCode =
  | 'BAD_OPTION'
  | 'OUT_NOT_EMPTY'
  | 'MANIFEST_UNREADABLE'
  | 'MANIFEST_EMPTY'
  | 'NO_USABLE_ROWS'
  | 'WEIGHTS_REQUIRED'
  | 'RESUME_MISMATCH'
  | 'MODEL_NOT_FOUND'
  | 'TOO_FEW_PATIENTS'
  | 'DXA_UNREADABLE'
  | 'QUEUE_URL'
  | 'QUEUE_UNREACHABLE'
  | 'QUEUE_JOB_FAILED'
  | 'RUN_DIR_UNREACHABLE'
  | 'RUN_INPUTS_CHANGED'
  | 'WORKER_STOPPING';

/** Facade error: the message says what went wrong, where, and what to do; never a patient identifier. */
export class OpScreenError extends Error {
  readonly code: OpScreenErrorCode;
  readonly file: string | undefined;
  constructor(code: OpScreenErrorCode, message: string, file?: string) {
    super(message);
    this.name = 'OpScreenError';
    this.code = code;
    this.file = file;
  }
}
