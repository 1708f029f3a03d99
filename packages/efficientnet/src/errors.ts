/** Stable error codes of @op-screen/efficientnet (the `code` property of {@link ZooError}). */
export type ZooErrorCode =
  | 'UNKNOWN_ARCH'
  | 'INVALID_OPTION'
  | 'SAFETENSORS_INVALID'
  | 'SAFETENSORS_DTYPE'
  | 'WEIGHT_MISSING'
  | 'WEIGHT_UNEXPECTED'
  | 'WEIGHT_SHAPE_MISMATCH'
  | 'H5_INVALID'
  | 'MODEL_FILES_INVALID'
  | 'INPUT_INVALID'
  | 'WEIGHTS_NOT_CACHED'
  | 'DOWNLOAD_FAILED'
  | 'CHECKSUM_MISMATCH'
  | 'FILE_NOT_FOUND'
  | 'KERNELS_MISSING'
  | 'PREPROCESSING_MISMATCH';

/**
 * The one error type this package throws on purpose. `code` is stable (switch on it), `file` names
 * the file involved when there is one, and the message says what went wrong, where, and what to do.
 */
export class ZooError extends Error {
  readonly code: ZooErrorCode;
  readonly file: string | undefined;
  constructor(code: ZooErrorCode, message: string, file?: string) {
    super(message);
    this.name = 'ZooError';
    this.code = code;
    this.file = file;
  }
}
