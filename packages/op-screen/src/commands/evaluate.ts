import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import {
  type EvaluationBlock,
  type EvaluationReport,
  evaluatePredictions,
  MetricsError,
  type PredictionRow,
  parsePredictionsCsv,
  renderEvaluationHtml,
} from '@op-screen/metrics';
import { isRunPredictions, type RunResultRows, runResultRows } from '@op-screen/study';
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, jsonLine, renderError } from './errors.js';

export interface EvaluateCommandOptions {
  /** The predictions CSV: a plain `label, score` table or a run's predictions.csv. */
  input: string;
  json?: boolean;
  html?: string;
  force?: boolean;
}

/** Where the command writes; the CLI passes the process streams, tests capture them. */
export interface CommandOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processOutput: CommandOutput = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

interface CommandFailure {
  code: string;
  file: string;
  message: string;
}

function describeIoError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, expected a CSV file';
  return (err as Error).message;
}

const f = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(4);

/**
 * The DeLong interval, or why there is none: like pROC, DeLong's variance needs at least two
 * positives and two negatives (NaN otherwise, printed as a reason, not "NaN, NaN").
 */
function ci(label: string, b: Pick<EvaluationBlock, 'aucCI95' | 'positives' | 'negatives'>): string {
  // DeLong's variance needs 2 of each class; the block then holds the uninformative [0, 1]
  if (Math.min(b.positives, b.negatives) < 2)
    return '[95% CI not computed: too few positives or negatives for DeLong (needs at least 2 of each)]';
  return `[${label}${f(b.aucCI95[0])}, ${f(b.aucCI95[1])}]`;
}

function summary(r: EvaluationReport | { n: number; positives: number; unavailable: string }): string {
  if ('unavailable' in r) return `samples ${r.n} (positives ${r.positives})\n${r.unavailable}\n`;
  const lines = [
    `samples ${r.n} (positives ${r.positives})`,
    `AUC ${f(r.auc)} ${ci('DeLong 95% CI ', r)}`,
    `average precision ${f(r.averagePrecision)}`,
  ];
  if (r.brier !== null) lines.push(`Brier ${f(r.brier)}`);
  lines.push(
    `Youden threshold ${r.threshold}: sensitivity ${f(r.sensitivity)}, specificity ${f(r.specificity)}, PPV ${f(r.ppv)}, NPV ${f(r.npv)}, F1 ${f(r.f1)}`,
  );
  if (r.pairedDeLong)
    lines.push(`paired DeLong vs score2: z ${f(r.pairedDeLong.z)}, p ${f(r.pairedDeLong.p)}`);
  if (r.patient)
    lines.push(
      `patient level (mean pooling, ${r.patient.n} patients): AUC ${f(r.patient.auc)} ${ci('', r.patient)}`,
    );
  else if (r.patientUnavailable) lines.push(`${r.patientUnavailable.message} (${r.patientUnavailable.code})`);
  return `${lines.join('\n')}\n`;
}

/** The library prefixes the file when it knows it; the CLI names it once, in its own place. */
function bare(message: string, file: string): string {
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

/**
 * A run's result as `report.json` computes it, with AUCs "not computable" rather than an error
 * when the test rows hold one class.
 */
function evaluateRows(
  rows: PredictionRow[],
): EvaluationReport | { n: number; positives: number; unavailable: string } {
  try {
    return evaluatePredictions(rows);
  } catch (err) {
    if (!(err instanceof MetricsError) || err.code !== 'SINGLE_CLASS') throw err;
    const positives = rows.filter((r) => r.label === 1).length;
    return {
      n: rows.length,
      positives,
      unavailable: `AUC not computable: ${positives} of ${rows.length} test rows are positive; it needs both classes`,
    };
  }
}

/**
 * `op-screen evaluate`: reads a predictions CSV (label, score[, score2][, group]), prints the
 * evaluation of `@op-screen/metrics` and optionally writes an HTML report. Returns the exit code:
 * 0 on success, 1 on bad input: one line on stderr, the JSON `{"error":{code,message,file}}`
 * with `--json`, else a readable line.
 */
export async function runEvaluate(
  opts: EvaluateCommandOptions,
  out: CommandOutput = processOutput,
): Promise<number> {
  const fail = (e: CommandFailure) =>
    renderError(
      new CliError(e.code, e.message, {
        file: e.file,
        exitCode: e.code === 'USAGE' ? EXIT_USAGE : undefined,
      }),
      {
        json: opts.json ?? false,
        command: 'evaluate',
        write: out.stderr,
      },
    );
  let text: string;
  try {
    text = await readFile(opts.input, 'utf8');
  } catch (err) {
    return fail({ code: 'INPUT_UNREADABLE', file: opts.input, message: describeIoError(err) });
  }
  if (isRunPredictions(text)) {
    if (opts.html)
      return fail({
        code: 'USAGE',
        file: opts.input,
        message:
          "--html takes a plain label,score table; a run's predictions.csv already has its report.html beside it",
      });
    let results: RunResultRows[];
    try {
      results = runResultRows(text, opts.input);
    } catch (err) {
      if (!(err instanceof MetricsError)) throw err;
      return fail({ code: err.code, file: opts.input, message: bare(err.message, opts.input) });
    }
    const evaluated = results.map((r) => ({ arch: r.arch, result: r.result, ...evaluateRows(r.rows) }));
    out.stdout(
      opts.json
        ? jsonLine({ format: 'run', split: 'test', results: evaluated })
        : evaluated
            .map(
              (r) =>
                `${r.arch ? `${r.arch} ` : ''}${r.result} (hold-out test set)\n${summary(r)
                  .trimEnd()
                  .split('\n')
                  .map((l) => `  ${l}`)
                  .join('\n')}\n`,
            )
            .join(''),
    );
    return 0;
  }
  let report: EvaluationReport;
  let html: string | null = null;
  try {
    const rows = parsePredictionsCsv(text, { file: opts.input });
    if (opts.html) {
      const r = await renderEvaluationHtml(rows, { title: 'op-screen evaluation' });
      report = r.report;
      html = r.html;
    } else {
      report = evaluatePredictions(rows);
    }
  } catch (err) {
    if (err instanceof MetricsError)
      return fail({ code: err.code, file: opts.input, message: bare(err.message, opts.input) });
    throw err;
  }
  if (opts.html && html !== null) {
    if (!opts.force && existsSync(opts.html))
      return fail({
        code: 'OUTPUT_EXISTS',
        file: opts.html,
        message: 'the HTML report file already exists; choose another path or pass --force to overwrite it',
      });
    try {
      await writeFile(opts.html, html);
    } catch (err) {
      return fail({ code: 'OUTPUT_UNWRITABLE', file: opts.html, message: describeIoError(err) });
    }
  }
  out.stdout(opts.json ? jsonLine(report) : summary(report));
  return 0;
}

/** Registers `op-screen evaluate` (owned by the library it wraps; see the facade README). */
export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description(
      "evaluate predictions from a CSV (columns label 0/1, score; optional score2, group): AUC with DeLong CI, AP, Brier, Youden point, paired DeLong, patient level. A run's predictions.csv is evaluated as report.json is: hold-out test rows per sequence and both, patients as groups",
    )
    .argument('[file]', 'predictions CSV with a header')
    .option('--input <file>', 'the same as the positional file (kept for scripts written before it)')
    .option('--json', 'print one JSON object (errors too)')
    .option(
      '--html <file>',
      'also write an HTML report with ROC, PR, calibration, decision-curve and confusion-matrix plots',
    )
    .option('--force', 'overwrite an existing --html file')
    .action(
      async (file: string | undefined, opts: Omit<EvaluateCommandOptions, 'input'> & { input?: string }) => {
        const input = file ?? opts.input;
        if (input === undefined || (file !== undefined && opts.input !== undefined && file !== opts.input))
          throw new CliError(
            'USAGE',
            input === undefined
              ? 'name the predictions CSV: op-screen evaluate FILE'
              : 'give the predictions CSV once, as FILE or --input, not both',
            { exitCode: EXIT_USAGE },
          );
        process.exitCode = await runEvaluate({ ...opts, input });
      },
    );
}
