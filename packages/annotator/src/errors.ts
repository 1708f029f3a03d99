/** Stable error codes. Callers branch on `code`, never on the message text. */
export type AnnotatorErrorCode =
  | 'MANIFEST_UNREADABLE'
  | 'MANIFEST_CHANGED'
  | 'BAD_SAVE'
  | 'BAD_OPTION'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_UNREADABLE'
  | 'APP_NOT_BUILT';

/** Errors of @op-screen/annotator: a stable `code`, the file concerned, and what to do. */
export class AnnotatorError extends Error {
  readonly code: AnnotatorErrorCode;
  readonly file: string | undefined;

  constructor(code: AnnotatorErrorCode, message: string, file?: string) {
    super(file ? `${message} (${file})` : message);
    this.name = 'AnnotatorError';
    this.code = code;
    this.file = file;
  }
}
