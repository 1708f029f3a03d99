import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type ScanReport, type ScanSeries, scanDicomTree } from '@op-screen/mri-io';
import { OpScreenError } from '@op-screen/pipeline';
import { writeFileAtomic } from '@op-screen/study';
import type { Command } from 'commander';
import { type FillReport, fillWithJobs, locateSummary } from '../locate/index.js';
import { DEFAULT_DXA_WINDOW_DAYS, readDxa } from '../scan/dxa.js';
import { buildManifest, keyCsv } from '../scan/manifest.js';
import { CliError, jsonLine } from './errors.js';
import { parseIntOption } from './options.js';

export interface ScanCommandOptions {
  json?: boolean;
  manifest?: string;
  key?: string;
  dxa?: string;
  dxaWindowDays: number;
  saltFile?: string;
  concurrency: number;
  /** Fill the written manifest's boxes with automatic localisation (`op-screen locate --manifest`). */
  locate?: boolean;
}

function orientationText(s: ScanSeries): string {
  if (s.orientation === 'oblique') return `oblique (${s.nearestPlane} ${s.obliqueAngle}°)`;
  return s.orientation;
}

function pad(cells: string[][]): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The plain-text table: one line per series. */
export function scanTable(report: ScanReport): string {
  const rows: string[][] = [
    [
      'patient',
      'study date',
      'series',
      'description',
      'orientation',
      'role',
      'slices',
      'spacing',
      'fov mm',
      'reason',
    ],
  ];
  for (const p of report.patients)
    for (const st of p.studies)
      for (const s of st.series)
        rows.push([
          p.key,
          st.date ?? '?',
          String(s.seriesNumber ?? '?'),
          s.description ?? '',
          orientationText(s),
          s.role,
          String(s.slices),
          s.sliceSpacing === null ? '?' : s.sliceSpacing.toFixed(2),
          s.fov ? `${s.fov[0]}x${s.fov[1]}` : '?',
          s.reason,
        ]);
  return `${pad(rows)}\n`;
}

async function readSalt(path: string): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new OpScreenError(
      'BAD_OPTION',
      `cannot read --salt-file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
      path,
    );
  }
  const text = buf.toString('latin1').replace(/[\r\n]+$/, '');
  if (text.length < 16)
    throw new OpScreenError(
      'BAD_OPTION',
      `--salt-file ${path} holds ${text.length} bytes; use at least 16 random bytes (e.g. openssl rand -hex 32).`,
      path,
    );
  return Buffer.from(text, 'latin1');
}

/** `op-screen scan ROOT`: the command's work, with output streams passed in (tests capture them). */
export async function runScan(
  root: string,
  opts: ScanCommandOptions,
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  if (opts.manifest && !opts.key)
    throw new OpScreenError(
      'BAD_OPTION',
      '--manifest needs --key KEY.csv: the pseudonym key is written there.',
    );
  if (opts.key && !opts.manifest)
    throw new OpScreenError('BAD_OPTION', '--key is written only with --manifest.');
  if (opts.locate && !opts.manifest)
    throw new OpScreenError('BAD_OPTION', '--locate fills the boxes of --manifest; pass both.');
  if (opts.dxa && !opts.manifest)
    throw new OpScreenError('BAD_OPTION', '--dxa joins T-scores into --manifest; pass both.');
  if (opts.manifest && opts.key && resolve(opts.manifest) === resolve(opts.key))
    throw new OpScreenError('BAD_OPTION', '--manifest and --key must be different files.');
  if (!(opts.dxaWindowDays >= 0)) throw new OpScreenError('BAD_OPTION', '--dxa-window-days must be >= 0.');
  if (opts.key && existsSync(opts.key))
    throw new OpScreenError(
      'BAD_OPTION',
      `${opts.key} exists; scan never overwrites a key file (an earlier manifest's pseudonyms would be lost). Move it away or choose another path.`,
      opts.key,
    );
  const salt = opts.saltFile ? await readSalt(opts.saltFile) : undefined;
  const dxa = opts.dxa ? await readDxa(opts.dxa) : null;
  const { report, identities } = await scanDicomTree(root, { salt, concurrency: opts.concurrency });
  const series = report.patients.reduce((n, p) => n + p.studies.reduce((m, s) => m + s.series.length, 0), 0);
  io.err(
    `scanned ${report.files} files: ${report.images} images in ${series} series of ${report.patients.length} patients, ` +
      `${report.nonDicom} non-DICOM, ${report.skipped.length} skipped\n`,
  );
  for (const s of report.skipped) io.err(`  skipped ${s.path}: ${s.code}\n`);
  let manifestInfo: Record<string, unknown> | undefined;
  if (opts.manifest && opts.key) {
    const m = buildManifest(report.patients, identities, dxa, opts.dxaWindowDays);
    await writeFileAtomic(opts.manifest, m.csv);
    await writeFileAtomic(opts.key, keyCsv(identities), { mode: 0o600 });
    const without = m.choices.filter((c) => !c.T1 || !c.T2);
    io.err(
      `manifest: ${m.rows} rows for ${m.choices.length - without.length} patients with sagittal T1 and T2 -> ${opts.manifest}\n`,
    );
    for (const c of without)
      io.err(
        `  ${c.key}: no sagittal ${[!c.T1 && 'T1', !c.T2 && 'T2'].filter(Boolean).join(' or ')} series\n`,
      );
    for (const c of m.choices)
      if (c.notChosen.length)
        io.err(
          `  ${c.key}: passed over ${c.notChosen.map((n) => `${n.role} "${n.description ?? ''}" (${n.slices} slices)`).join(', ')}\n`,
        );
    io.err(`key file (mode 0600, keep it apart from the manifest): ${opts.key}\n`);
    let dxaSummary: Record<string, string[]> | undefined;
    if (m.dxa && dxa) {
      dxaSummary = { matched: [], missing: [], 'out-of-window': [], ambiguous: [] };
      for (const d of m.dxa) dxaSummary[d.status].push(d.key);
      io.err(
        `DXA (${dxa.format}): ${dxaSummary.matched.length} patients matched; window ${opts.dxaWindowDays} days\n`,
      );
      for (const status of ['missing', 'out-of-window', 'ambiguous'] as const)
        if (dxaSummary[status].length) io.err(`  no DXA (${status}): ${dxaSummary[status].join(', ')}\n`);
      for (const s of dxa.skipped) io.err(`  DXA line ${s.line} skipped: ${s.reason}\n`);
    }
    let located: FillReport | undefined;
    if (opts.locate) {
      located = await fillWithJobs(opts.manifest, {});
      io.err(`${locateSummary(located)}\n`);
    }
    manifestInfo = {
      ...(located ? { located } : {}),
      path: resolve(opts.manifest),
      rows: m.rows,
      choices: m.choices.map((c) => ({
        key: c.key,
        studyInstanceUID: c.studyInstanceUID,
        date: c.date,
        T1: c.T1?.seriesInstanceUID ?? null,
        T2: c.T2?.seriesInstanceUID ?? null,
        notChosen: c.notChosen,
      })),
      ...(dxaSummary ? { dxa: dxaSummary, dxaSkipped: dxa?.skipped ?? [] } : {}),
    };
  }
  if (opts.json) io.out(jsonLine(manifestInfo ? { ...report, manifest: manifestInfo } : report));
  else io.out(scanTable(report));
  return report.images === 0 ? 1 : 0;
}

/** Registers `op-screen scan ROOT [--json] [--manifest OUT.csv --key KEY.csv [--dxa DXA.csv] [--salt-file FILE]]`. */
export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description(
      'find patients, studies and series in a DICOM export (headers only) and optionally write a manifest with a separate pseudonym key',
    )
    .argument('<root>', 'directory tree of DICOM files (any depth and file names; DICOMDIR not needed)')
    .option('--json', 'print one JSON object on stdout')
    .option('--manifest <csv>', 'write a manifest: patient x sagittal T1/T2 x L1-L4, roi empty')
    .option(
      '--locate',
      'with --manifest: fill roi, slice and csf_roi by automatic localisation (op-screen locate)',
    )
    .option(
      '--key <csv>',
      'pseudonym -> PatientID/AccessionNumber key file (mode 0600); needed with --manifest',
    )
    .option(
      '--dxa <csv>',
      'DXA T-scores by hospital patient_id: wide (L1..L4) or long (level,t_score), optional date',
    )
    .option(
      '--dxa-window-days <n>',
      'dated DXA rows count within this many days of the MRI',
      parseIntOption,
      DEFAULT_DXA_WINDOW_DAYS,
    )
    .option('--salt-file <file>', 'keyed-hash pseudonyms (HMAC-SHA256 with this secret) instead of P0001...')
    .option('--concurrency <n>', 'files read at once', parseIntOption, 16)
    .action(async (root: string, opts: ScanCommandOptions) => {
      const code = await runScan(root, opts, {
        out: (s) => process.stdout.write(s),
        err: (s) => process.stderr.write(s),
      });
      if (code !== 0)
        throw new CliError(
          'NO_DICOM_IMAGES',
          'no readable DICOM images found (see the skipped files above)',
          {
            file: root,
          },
        );
    });
}
