/** Stable error codes of the synthetic cohort. */
export type SynthErrorCode =
  /** An option out of range (`option` names it). */
  | 'BAD_OPTION'
  /** The output path is a file. */
  | 'OUT_NOT_DIRECTORY'
  /** The output directory holds files: synth never overwrites. */
  | 'OUT_NOT_EMPTY'
  /** A cohort's sidecar (manifest.synth.json) is not valid JSON or not a sidecar. */
  | 'MANIFEST_UNREADABLE';

/** Error of the synthetic cohort: what went wrong and where; `option` is the API option at fault. */
export class SynthError extends Error {
  readonly code: SynthErrorCode;
  readonly file: string | undefined;
  /** The option at fault, by its API name (`patients`), when one is. */
  readonly option: string | undefined;
  constructor(code: SynthErrorCode, message: string, file?: string, option?: string) {
    super(message);
    this.name = 'SynthError';
    this.code = code;
    this.file = file;
    this.option = option;
  }
}
