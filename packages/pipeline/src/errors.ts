/** Stable error codes of the facade. Library errors keep their own classes and codes. */
export type OpScreenErrorCode =
  | 'BAD_OPTION'
  | 'OUT_NOT_EMPTY'
  | 'OUT_NOT_DIRECTORY'
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
  | 'WORKER_STOPPING'
  | 'RUN_DIR_IN_USE'
  | 'NOT_ENOUGH_DATA'
  | 'NO_ROI'
  | 'IMAGE_UNREADABLE'
  | 'UNIT_FAILED';

/**
 * Facade error: the message says what went wrong and where, never a patient identifier. It names
 * no CLI flag (the API's callers read it too): `option` is the API option at fault, and the CLI
 * adds its flag and advice.
 */
export class OpScreenError extends Error {
  readonly code: OpScreenErrorCode;
  readonly file: string | undefined;
  /** The option at fault, by its API name (`preset`, `split`, `weights`, ...), when one is. */
  readonly option: string | undefined;
  constructor(code: OpScreenErrorCode, message: string, file?: string, option?: string) {
    super(message);
    this.name = 'OpScreenError';
    this.code = code;
    this.file = file;
    this.option = option;
  }
}
