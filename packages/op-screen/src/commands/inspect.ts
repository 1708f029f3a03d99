import { type InspectResult, inspectPath } from '@op-screen/mri-io';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError, jsonLine } from './errors.js';

function parseMegabytes(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0))
    throw new InvalidArgumentError(`expected a positive number of MiB, got "${value}"`);
  return n;
}

function summary(r: Exclude<InspectResult, { error: unknown }>): string {
  if (r.kind === 'series') {
    const lines = r.series.map(
      (s) =>
        `  series ${s.seriesInstanceUID}: ${s.shape.join('x')} (slices x rows x columns), spacing ${s.sliceSpacing ?? '?'} mm, mid-sagittal ${s.midSagittal}` +
        (s.issues.length ? `\n    issues: ${s.issues.map((i) => i.kind).join(', ')}` : ''),
    );
    const skipped = r.skipped.map((s) => `  skipped ${s.path}: ${s.code}`);
    return `${r.path}: ${r.series.length} series\n${[...lines, ...skipped].join('\n')}\n`;
  }
  const stats = r.stats;
  const shape = r.shape ? r.shape.join('x') : 'no pixel data';
  const ts = r.kind === 'dicom' && r.transferSyntax ? ` ${r.transferSyntax}` : '';
  const values = stats ? `, values ${stats.min}..${stats.max} (mean ${stats.mean})` : '';
  return `${r.path}: ${r.kind}${ts} ${shape}${values}\n`;
}

/** Registers `op-screen inspect PATH [--json]` (a thin wrapper over `inspectPath` of @op-screen/mri-io). */
export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description(
      'read a DICOM file, NIfTI file or DICOM series directory and report shape, values and geometry',
    )
    .argument('<path>', 'DICOM file, NIfTI file (.nii / .nii.gz) or directory of DICOM files')
    .option('--json', 'print one JSON object on stdout')
    .option(
      '--max-decoded-mb <n>',
      'refuse images that decode to more than this many MiB',
      parseMegabytes,
      1024,
    )
    .action(async (path: string, opts: { json?: boolean; maxDecodedMb: number }) => {
      const result = await inspectPath(path, {
        maxDecodedBytes: Math.floor(opts.maxDecodedMb * 1024 * 1024),
      });
      // a file it refuses: the library's typed error, on stderr in the CLI's one error shape
      if ('error' in result)
        throw new CliError(result.error.code, result.error.message, { file: result.path });
      process.stdout.write(opts.json ? jsonLine(result) : summary(result));
      // a directory with no readable series is an input error too, not a success with nothing in it
      if (result.kind === 'series' && result.series.length === 0)
        throw new CliError('NO_SERIES', `no readable DICOM series (${result.skipped.length} files skipped)`, {
          file: result.path,
        });
    });
}
