import { StudyError, type StudyErrorCode } from '@op-screen/study';

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

/** The annotator's code for each of @op-screen/study's (the server maps codes to HTTP statuses). */
const FROM_STUDY: Partial<Record<StudyErrorCode, AnnotatorErrorCode>> = {
  MANIFEST_CHANGED: 'MANIFEST_CHANGED',
  BAD_EDIT: 'BAD_SAVE',
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  MODEL_UNREADABLE: 'MODEL_UNREADABLE',
};

/**
 * A `StudyError` (manifest, model card) as the annotator's error with the matching code; any
 * other manifest error is `MANIFEST_UNREADABLE`. Anything else is returned as it is.
 */
export function fromStudyError(err: unknown): unknown {
  if (!(err instanceof StudyError)) return err;
  const code = FROM_STUDY[err.code] ?? 'MANIFEST_UNREADABLE';
  const message =
    code === 'MANIFEST_CHANGED'
      ? 'the manifest changed on disk since the page loaded it; nothing was written. Reload the page to load the new version'
      : err.message;
  return new AnnotatorError(code, message, err.file);
}
