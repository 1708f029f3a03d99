import { CommanderError } from 'commander';

/** Exit codes of every command (facade README, "Exit codes"). */
export const EXIT_OK = 0;
/** Bad input or data: a file that cannot be read, a manifest without usable rows, a refused output. */
export const EXIT_INPUT = 1;
/** Usage: an unknown command or option, a missing or invalid option value. */
export const EXIT_USAGE = 2;

/** The one error shape every command prints (under `--json`: `{"error": CliErrorShape}` on stderr). */
export interface CliErrorShape {
  code: string;
  message: string;
  file?: string;
}

/** An error raised by the CLI layer itself (an option it validates, a refused output path). */
export class CliError extends Error {
  readonly code: string;
  readonly file: string | undefined;
  readonly exitCode: number;
  constructor(code: string, message: string, opts: { file?: string; exitCode?: number } = {}) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.file = opts.file;
    this.exitCode = opts.exitCode ?? EXIT_INPUT;
  }
}

/** Library codes that mean "the command line was wrong" rather than "the data was wrong". */
const USAGE_CODES = new Set(['USAGE', 'BAD_OPTION', 'WEIGHTS_REQUIRED', 'QUEUE_URL']);

/** Node system errors (`syscall` set) by errno code: a stable code and a reason without the raw errno text. */
const SYSTEM_ERRORS: Record<string, [string, string]> = {
  ENOENT: ['FILE_NOT_FOUND', 'file not found'],
  EACCES: ['PERMISSION_DENIED', 'permission denied'],
  EPERM: ['PERMISSION_DENIED', 'operation not permitted'],
  EISDIR: ['IS_A_DIRECTORY', 'is a directory, expected a file'],
  ENOTDIR: ['NOT_A_DIRECTORY', 'a part of the path is a file, not a directory'],
  EEXIST: ['OUTPUT_EXISTS', 'already exists; op-screen never overwrites files'],
  ENOSPC: ['NO_SPACE', 'no space left on the device'],
  EMFILE: ['TOO_MANY_OPEN_FILES', 'too many open files'],
};

/**
 * CLI advice per (command, code): flag names belong here, not in the libraries' messages, which
 * the API's callers read too.
 */
const ADVICE: Record<string, Record<string, string>> = {
  reproduce: {
    MANIFEST_UNREADABLE:
      'pass an existing CSV with --manifest (or a directory holding manifest.csv with --data)',
    OUT_NOT_EMPTY: 'pass --resume to continue that run, or choose a new --out directory',
    OUT_NOT_DIRECTORY: 'choose an --out path that is a directory or does not exist yet',
    WEIGHTS_REQUIRED: 'pass the torchvision weights file with --weights FILE (see "op-screen zoo list")',
    RESUME_MISMATCH: 'resume with the options the run started with, or choose a new --out directory',
  },
  predict: {
    MODEL_NOT_FOUND: 'pass --model RUN_DIR (or RUN_DIR/model) of a finished op-screen reproduce run',
    MANIFEST_UNREADABLE: 'pass an existing CSV with --manifest',
  },
  synth: {
    OUT_NOT_EMPTY: 'choose a new or empty --out directory',
    OUT_NOT_DIRECTORY: 'choose a new or empty --out directory',
  },
};

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/** Messages are one line: commander's "error: " prefix and line breaks removed. */
function oneLine(s: string): string {
  return s
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/**
 * Maps anything thrown by a command to the error shape and an exit code: commander's usage errors
 * (exit 2), system errors by errno (`FILE_NOT_FOUND`, ...), typed errors of the libraries and the
 * facade (any `Error` with a string `code`; exit 2 for option errors, else 1) and, for the rest,
 * `INTERNAL` (exit 1).
 */
export function describeError(err: unknown, command?: string): { error: CliErrorShape; exitCode: number } {
  if (err instanceof CommanderError)
    return { error: { code: 'USAGE', message: oneLine(err.message) }, exitCode: EXIT_USAGE };
  if (isSystemError(err)) {
    const known = err.code ? SYSTEM_ERRORS[err.code] : undefined;
    const error: CliErrorShape = {
      code: known?.[0] ?? 'IO_ERROR',
      message: known?.[1] ?? oneLine(err.message),
    };
    if (err.path) error.file = err.path;
    return { error, exitCode: EXIT_INPUT };
  }
  if (err instanceof Error && typeof (err as { code?: unknown }).code === 'string') {
    const e = err as Error & { code: string; file?: unknown; exitCode?: unknown };
    let message = oneLine(e.message);
    const option = (e as { option?: unknown }).option;
    if (typeof option === 'string')
      message = `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${message}`;
    const advice = command ? ADVICE[command]?.[e.code] : undefined;
    if (advice) message = `${message.replace(/\.$/, '')}; ${advice}.`;
    const error: CliErrorShape = { code: e.code, message };
    if (typeof e.file === 'string') error.file = e.file;
    const exitCode =
      typeof e.exitCode === 'number' ? e.exitCode : USAGE_CODES.has(e.code) ? EXIT_USAGE : EXIT_INPUT;
    return { error, exitCode };
  }
  const message = err instanceof Error ? oneLine(err.message) : oneLine(String(err));
  return { error: { code: 'INTERNAL', message: message || 'unexpected error' }, exitCode: EXIT_INPUT };
}

/** The readable line: `op-screen CMD: FILE: message (CODE)`; the file only when the message lacks it. */
export function errorLine(e: CliErrorShape, command?: string): string {
  const where = e.file && !e.message.includes(e.file) ? `${e.file}: ` : '';
  return `op-screen${command ? ` ${command}` : ''}: ${where}${e.message} (${e.code})\n`;
}

/** Writes the error to `write` (stderr) in the one shape: a JSON line with `json`, else one readable line. */
export function renderError(
  err: unknown,
  opts: { json: boolean; command?: string; write: (text: string) => void },
): number {
  const { error, exitCode } = describeError(err, opts.command);
  opts.write(opts.json ? `${JSON.stringify({ error })}\n` : errorLine(error, opts.command));
  return exitCode;
}

/** `--json` anywhere before a `--` on the command line (usage errors happen before options are parsed). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** One line of JSON on stdout: every `--json` output of every command. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
