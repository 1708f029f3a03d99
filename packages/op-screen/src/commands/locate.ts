import { existsSync } from 'node:fs';
import * as loc from '@op-screen/locate';
import { formatRoi, writeFileAtomic } from '@op-screen/study';
import type { Command } from 'commander';
import { encode } from 'fast-png';
import { fillWithJobs, locateJson, locateSummary, shippedLocator } from '../locate/index.js';
import { CliError, jsonLine } from './errors.js';
import { parsePositiveIntOption } from './options.js';

export interface LocateCommandOptions {
  json?: boolean;
  png?: string;
  manifest?: string;
  force?: boolean;
  series?: string;
  minConfidence: number;
  fromSeg?: string;
  labels?: string;
  jobs?: number;
}

function parseConfidence(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1))
    throw new CliError('BAD_OPTION', `--min-confidence must be in [0, 1], got "${v}"`, { exitCode: 2 });
  return n;
}

function text(r: loc.LocateResult): string {
  const lines = [`slice ${r.slice} of ${r.sliceCount}`];
  if (r.numbering)
    lines.push(`numbering: ${r.numbering.method} (confidence ${r.numbering.confidence.toFixed(2)})`);
  for (const l of loc.LEVELS) {
    const b = r.levels[l];
    if (!b) continue;
    const mm = b.centerMm ? ` centre ${b.centerMm.map((v) => v.toFixed(1)).join(', ')} mm (LPS)` : '';
    lines.push(`${l.padEnd(4)} box ${formatRoi(b.rect)}${mm} confidence ${b.confidence.toFixed(2)}`);
  }
  if (r.csf) lines.push(`CSF  box ${formatRoi(r.csf.rect)} (behind L3)`);
  for (const w of r.warnings) lines.push(`warning ${w.code}: ${w.message}`);
  return `${lines.join('\n')}\n`;
}

/** Registers `op-screen locate PATH [--json] [--png FILE]` and `op-screen locate --manifest FILE [--force]`. */
export function registerLocateCommand(program: Command): void {
  program
    .command('locate')
    .description(
      "find, number and box L1-L4 (and the CSF behind L3) on a sagittal series, or fill a manifest's missing boxes",
    )
    .argument('[path]', 'DICOM series directory, (enhanced) DICOM file or NIfTI file')
    .option('--json', 'print one JSON object on stdout')
    .option('--png <file>', 'write an overlay of the boxes on the chosen slice (never overwrites)')
    .option('--manifest <file>', 'fill missing roi, slice and csf_roi of this manifest in place (atomic)')
    .option('--force', 'with --manifest: replace manual boxes too')
    .option(
      '--from-seg <mask>',
      'derive the boxes from a label map (SPINEPS, TotalSpineSeg, TotalSegmentator, VerSe-coded)',
    )
    .option('--labels <table>', 'with --from-seg: verse, spineps, totalspineseg or totalsegmentator', 'verse')
    .option(
      '--jobs <n>',
      'with --manifest: series located at once in child processes (default: one per core)',
      parsePositiveIntOption,
    )
    .option('--series <uid>', 'the series to use when the directory holds several')
    .option(
      '--min-confidence <c>',
      'boxes below this confidence are not written to a manifest and are flagged',
      parseConfidence,
      0.5,
    )
    .action(async (path: string | undefined, opts: LocateCommandOptions) => {
      if ([path, opts.manifest, opts.fromSeg].filter(Boolean).length !== 1) {
        throw new CliError('USAGE', 'give one of: a series PATH, --manifest FILE or --from-seg MASK', {
          exitCode: 2,
        });
      }
      if (opts.fromSeg) {
        if (!(opts.labels && opts.labels in loc.LABEL_TABLES)) {
          throw new CliError(
            'BAD_OPTION',
            `--labels must be one of ${Object.keys(loc.LABEL_TABLES).join(', ')}, got "${opts.labels}"`,
            { exitCode: 2 },
          );
        }
        const mask = await loc.readLocateInput(opts.fromSeg, { seriesInstanceUID: opts.series });
        const result = loc.fromSegmentation(mask, { labels: opts.labels as loc.LabelTableName });
        process.stdout.write(opts.json ? jsonLine(locateJson(result)) : text(result));
        return;
      }
      if (opts.png && existsSync(opts.png)) {
        throw new CliError('OUTPUT_EXISTS', 'the --png file exists; op-screen never overwrites files', {
          file: opts.png,
        });
      }
      if (opts.manifest) {
        const report = await fillWithJobs(opts.manifest, {
          force: opts.force,
          minConfidence: opts.minConfidence,
          jobs: opts.jobs,
          onImage: opts.json ? undefined : (d, n) => process.stderr.write(`\rlocated ${d}/${n} images`),
        });
        if (!opts.json) process.stderr.write('\n');
        if (opts.json) process.stdout.write(jsonLine(report));
        else {
          process.stdout.write(
            `${locateSummary(report)}\n` +
              report.notFilled.map((n) => `  line ${n.line}: ${n.code}: ${n.reason}\n`).join(''),
          );
        }
        return;
      }
      const locator = await shippedLocator();
      const input = await loc.readLocateInput(path as string, { seriesInstanceUID: opts.series });
      const result = await loc.locateVertebrae(input, locator, { minConfidence: opts.minConfidence });
      if (opts.png) {
        const stack = loc.toSagittalStack(input);
        const rgba = loc.renderOverlay(stack.slices[result.slice], result);
        await writeFileAtomic(
          opts.png,
          encode({ width: rgba.width, height: rgba.height, data: rgba.data, channels: 4 }),
          { noClobber: true },
        );
      }
      process.stdout.write(opts.json ? jsonLine(locateJson(result)) : text(result));
    });
}
