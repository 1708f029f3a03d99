/** Stable codes of backend selection. */
export type BackendErrorCode =
  /** `OP_SCREEN_BACKEND` names no backend. */
  | 'BAD_OPTION'
  /** `prefer` names no backend. */
  | 'INVALID_OPTION'
  /** No tfjs backend could be initialised (each attempt's reason is in the message). */
  | 'BACKEND_UNAVAILABLE';

export class BackendError extends Error {
  readonly code: BackendErrorCode;
  constructor(code: BackendErrorCode, message: string) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
  }
}
