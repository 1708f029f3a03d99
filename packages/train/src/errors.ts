/** Stable codes of {@link TrainError}. */
export type TrainErrorCode =
  | 'INVALID_OPTION'
  | 'BAD_BATCH'
  | 'EMPTY_DATA'
  | 'UNSUPPORTED_HEAD'
  | 'NON_FINITE_LOSS'
  | 'NON_FINITE_GRADIENT'
  | 'CHECKPOINT_CORRUPT'
  | 'CHECKPOINT_MISMATCH'
  | 'WORKER_FAILED'
  | 'WASM_HEAP_TOO_SMALL'
  | 'GPU_BUFFER_TOO_SMALL'
  | 'ABORTED';

/** Error of the training engine: `code` is stable, the message says what failed and what to do. */
export class TrainError extends Error {
  readonly code: TrainErrorCode;
  /** The checkpoint file or directory involved, when there is one. */
  readonly file: string | undefined;
  constructor(code: TrainErrorCode, message: string, file?: string) {
    super(message);
    this.name = 'TrainError';
    this.code = code;
    this.file = file;
  }
}
