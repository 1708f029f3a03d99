import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Rect } from '@op-screen/mri-io';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { StudyError } from './errors.js';

export const LEVEL_NAMES = ['L1', 'L2', 'L3', 'L4'] as const;
export type ManifestLevel = (typeof LEVEL_NAMES)[number];
export type ManifestSequence = 'T1' | 'T2';

/** A pixel rectangle (x = first column, y = first row), @op-screen/mri-io's `Rect`. */
export type PixelBox = Rect;

/** One validated manifest row: one vertebra image. */
export interface ManifestRow {
  /** 1-based line number in the CSV (header = line 1). */
  line: number;
  patientId: string;
  sequence: ManifestSequence;
  level: ManifestLevel;
  /** Absolute path of the DICOM file, DICOM series directory or NIfTI file. */
  image: string;
  /** DXA T-score when given. */
  tScore: number | undefined;
  /** 1 = osteoporosis (T-score <= threshold or label 1); 0 also when unlabelled (see `labelled`). */
  label: 0 | 1;
  /** false only for rows read with `requireLabel: false` that carry neither t_score nor label. */
  labelled: boolean;
  roi: PixelBox | undefined;
  slice: number | undefined;
  csfRoi: PixelBox | undefined;
  /** Optional `sex` column (F or M), for subgroup results. */
  sex?: 'F' | 'M';
  /** Optional `age` column in whole years (18-120; 90 stands for "90 or older"), for subgroup results. */
  age?: number;
  /** Set only when the manifest is read with `includeExcluded` (sensitivity analysis): why the row would be excluded. */
  exclude?: ExcludeReason;
}

/** A row left out of the run and why (never the row's identifiers: only its line number). */
export interface SkippedRow {
  line: number;
  code:
    | 'INVALID_ROW'
    | 'MISSING_FILE'
    | 'DUPLICATE'
    | 'UNREADABLE_IMAGE'
    | 'NO_LABEL'
    | 'EXCLUDED'
    /** The crop has no contrast (@op-screen/preprocess's `CONSTANT_CROP` pipeline warning). */
    | 'CONSTANT_CROP'
    /** No `roi` on a multi-slice series or a slice several rows share: the whole slice is no vertebra crop. */
    | 'NO_ROI';
  reason: string;
}

export interface ManifestOptions {
  /** Label = t_score <= threshold (default -2.5, the WHO osteoporosis definition). */
  tScoreThreshold?: number;
  /** Check that image paths exist (default true). */
  checkFiles?: boolean;
  /** Require t_score or label (default true; `predict` scores unlabelled rows). */
  requireLabel?: boolean;
  /** Keep rows whose `exclude` column is set, marked with `exclude` (default false: they are skipped as EXCLUDED). */
  includeExcluded?: boolean;
}

export interface Manifest {
  path: string;
  rows: ManifestRow[];
  skipped: SkippedRow[];
}

const box = z
  .string()
  .trim()
  .regex(/^\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*$/, 'expected "x,y,w,h" as four non-negative integers')
  .transform((s) => {
    const [x, y, w, h] = s.split(',').map((v) => Number.parseInt(v, 10)) as [number, number, number, number];
    return { x, y, width: w, height: h };
  })
  .refine((b) => b.width > 0 && b.height > 0, 'box width and height must be > 0');

/** Why a vertebra is left out (`exclude` column; the study excluded fractured and severely degenerated ones). */
export const EXCLUDE_REASONS = ['fracture', 'severe_degeneration'] as const;
export type ExcludeReason = (typeof EXCLUDE_REASONS)[number];

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The offending value in quotes (at most 40 characters), for columns that never hold identifiers. */
function quoted(input: unknown): string {
  const text = String(input ?? '').trim();
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

/** A number written with a decimal comma (`-0,43`, as European spreadsheets save it) with a dot. */
function decimalDot(v: unknown): unknown {
  return typeof v === 'string' && /^\s*[-+]?\d+,\d+\s*$/.test(v) ? v.replace(',', '.') : v;
}

/** Zod schema of one raw CSV record's fields (strings), producing typed fields. */
export const manifestRecordFields = z.object({
  patient_id: z
    .string()
    .trim()
    .min(1, 'patient_id is empty')
    // a line break or other control character would break every file it is written to
    .regex(/^[^\p{Cc}]*$/u, 'patient_id contains a control character (line break, tab, ...)'),
  sequence: z
    .string()
    .trim()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['T1', 'T2'], { error: (iss) => `sequence ${quoted(iss.input)} is not T1 or T2` })),
  level: z
    .string()
    .trim()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(LEVEL_NAMES, { error: (iss) => `level ${quoted(iss.input)} is not one of L1, L2, L3, L4` })),
  image: z.string().trim().min(1, 'image is empty'),
  t_score: z.preprocess(
    (v) => decimalDot(emptyToUndefined(v)),
    z
      .string()
      .regex(/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/, {
        error: (iss) => `t_score ${quoted(iss.input)} is not a number (write it like -2.7 or -2,7)`,
      })
      .transform(Number)
      .refine((v) => v >= -10 && v <= 10, {
        error: (iss) => `t_score ${quoted(iss.input)} is outside [-10, 10]`,
      })
      .optional(),
  ),
  label: z.preprocess(
    (v) => (typeof v === 'string' ? emptyToUndefined(v.trim()) : v),
    z
      .enum(['0', '1'], {
        error: (iss) =>
          `label ${quoted(iss.input)} is not accepted: write 1 (osteoporosis) or 0 (no osteoporosis), or give t_score instead`,
      })
      .optional(),
  ),
  roi: z.preprocess(emptyToUndefined, box.optional()),
  slice: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*\d+\s*$/, 'slice must be a non-negative integer')
      .transform(Number)
      .optional(),
  ),
  csf_roi: z.preprocess(emptyToUndefined, box.optional()),
  exclude: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((v) =>
        v
          .trim()
          .toLowerCase()
          .replace(/[\s-]+/g, '_'),
      )
      .pipe(
        z.enum(EXCLUDE_REASONS, {
          error: (iss) => `exclude ${quoted(iss.input)} is not empty, fracture or severe_degeneration`,
        }),
      )
      .optional(),
  ),
  sex: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .transform((s) => s.toUpperCase())
      .pipe(z.enum(['F', 'M'], { error: (iss) => `sex ${quoted(iss.input)} is not empty, F or M` }))
      .optional(),
  ),
  age: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\s*\d+\s*$/, 'age must be whole years')
      .transform(Number)
      .refine((v) => v >= 18 && v <= 120, 'age outside [18, 120]')
      .optional(),
  ),
});

/** A manifest record for training and evaluation: it must carry t_score or label. */
export const manifestRecordSchema = manifestRecordFields.refine(
  (r) => r.t_score !== undefined || r.label !== undefined,
  {
    message: 'neither t_score nor label given',
    path: ['t_score'],
  },
);

/** A code that text never holds: NUL, the other C0 controls but tab/LF/CR, DEL, U+FFFD (bad UTF-8). */
function isBinaryCode(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f || c === 0xfffd;
}

function notText(manifestPath: string, byte: number): StudyError {
  return new StudyError(
    'MANIFEST_UNREADABLE',
    `${manifestPath} is not a text CSV (binary content at byte ${byte}).`,
    manifestPath,
  );
}

interface CsvRecord {
  record: Record<string, string | undefined>;
  /** Physical line the record starts on (1-based; blank lines and quoted line breaks counted). */
  line: number;
  fields: number;
}

/** A box as the manifest's `roi` / `csf_roi` text: `x,y,w,h` (the one writer of that text). */
export function formatRoi(r: Rect): string {
  return `${r.x},${r.y},${r.width},${r.height}`;
}

/** The delimiters a manifest may use: comma, semicolon (spreadsheets in decimal-comma locales), tab. */
export const MANIFEST_DELIMITERS = [',', ';', '\t'] as const;
export type ManifestDelimiter = (typeof MANIFEST_DELIMITERS)[number];

/**
 * The delimiter of a CSV text, read from its header line: the one that splits it into the most of
 * the required columns (ties: the most fields; comma when nothing else splits it).
 */
export function detectDelimiter(text: string): ManifestDelimiter {
  const header = (
    text
      .replace(/^\uFEFF/, '')
      .split(/\r\n?|\n/)
      .find((l) => l.trim() !== '') ?? ''
  ).toLowerCase();
  let best: ManifestDelimiter = ',';
  let bestScore = [-1, -1];
  for (const d of MANIFEST_DELIMITERS) {
    const fields = header.split(d).map((f) => f.trim().replace(/^"|"$/g, ''));
    const score = [REQUIRED_COLUMNS.filter((c) => fields.includes(c)).length, fields.length];
    if (score[0]! > bestScore[0]! || (score[0] === bestScore[0] && score[1]! > bestScore[1]!)) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** csv-parse with line info: `info.lines` is the line a record ends on; its raw text has the rest. */
function parseRecords(text: string, manifestPath: string, delimiter: ManifestDelimiter): CsvRecord[] {
  for (let i = 0; i < text.length; i++)
    if (isBinaryCode(text.charCodeAt(i))) throw notText(manifestPath, Buffer.byteLength(text.slice(0, i)));
  let parsed: Array<{ record: Record<string, string>; info: { lines: number }; raw: string }>;
  try {
    // CR LF and lone CR as LF first: csv-parse's line info is exact for LF line ends
    parsed = parse(text.replace(/\r\n?/g, '\n'), {
      delimiter,
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
      info: true,
      raw: true,
    });
  } catch (err) {
    // csv-parse's message quotes the offending text; report only where it is
    const e = err as { code?: string; lines?: number };
    throw new StudyError(
      'MANIFEST_UNREADABLE',
      `${manifestPath} is not valid CSV (${e.code ?? 'parse error'}${e.lines ? ` at line ${e.lines}` : ''}). Check quoting: roi boxes "x,y,w,h" must be quoted.`,
      manifestPath,
    );
  }
  return parsed.map(({ record, info, raw }) => {
    const own = raw.replace(/^\n+/, '').replace(/\n$/, '');
    return {
      record,
      line: info.lines - (own.match(/\n/g)?.length ?? 0),
      fields: Object.values(record).filter((v) => v !== undefined).length,
    };
  });
}

/** The columns every manifest must have. */
export const REQUIRED_COLUMNS = ['patient_id', 'sequence', 'level', 'image'] as const;
const LABEL_COLUMNS = new Set(['t_score', 'label']);

/** The first zod issue as a sentence (`roi: expected "x,y,w,h" ...`), never the raw value. */
function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'row'}: ${issue?.message ?? 'invalid'}`;
}

/** The validated record or why the row is skipped (without its identifiers). */
function validateRecord(
  rec: CsvRecord,
  columns: number,
  requireLabel: boolean,
): { ok: true; r: z.infer<typeof manifestRecordFields> } | { ok: false; skip: Omit<SkippedRow, 'line'> } {
  const missing = REQUIRED_COLUMNS.filter((c) => rec.record[c] === undefined);
  if (missing.length)
    return {
      ok: false,
      skip: {
        code: 'INVALID_ROW',
        reason: `missing column ${missing.join(', ')} (the row has ${rec.fields} fields, the header ${columns})`,
      },
    };
  let parsed = manifestRecordFields.safeParse(rec.record);
  // scoring needs no label: a row whose only fault is its t_score or label is kept, unlabelled
  if (
    !parsed.success &&
    !requireLabel &&
    parsed.error.issues.every((i) => LABEL_COLUMNS.has(String(i.path[0])))
  )
    parsed = manifestRecordFields.safeParse({ ...rec.record, t_score: undefined, label: undefined });
  if (!parsed.success) return { ok: false, skip: { code: 'INVALID_ROW', reason: issueText(parsed.error) } };
  const r = parsed.data;
  if (requireLabel && r.exclude === undefined && r.t_score === undefined && r.label === undefined)
    return { ok: false, skip: { code: 'NO_LABEL', reason: 'neither t_score nor label given' } };
  return { ok: true, r };
}

/**
 * Parses and validates manifest CSV text; bad rows go to `skipped` with a reason and the run goes
 * on. Rows are named by their physical line (header = 1), reasons name at most an image's file name.
 */
export function parseManifest(text: string, manifestPath: string, opts: ManifestOptions = {}): Manifest {
  const threshold = opts.tScoreThreshold ?? -2.5;
  const checkFiles = opts.checkFiles ?? true;
  const delimiter = detectDelimiter(text);
  const records = parseRecords(text, manifestPath, delimiter);
  if (records.length === 0)
    throw new StudyError('MANIFEST_EMPTY', `${manifestPath} has no data rows.`, manifestPath);
  const header = Object.keys(records[0]?.record as object);
  for (const col of REQUIRED_COLUMNS)
    if (!header.includes(col))
      throw new StudyError(
        'MANIFEST_UNREADABLE',
        `${manifestPath} lacks the required column "${col}" (need patient_id, sequence, level, image and t_score or label; separated by commas, semicolons or tabs; the first line splits into ${header.length} column${header.length === 1 ? '' : 's'} at ${delimiter === '\t' ? 'tabs' : `"${delimiter}"`}).`,
        manifestPath,
      );
  const base = dirname(resolve(manifestPath));
  const rows: ManifestRow[] = [];
  const skipped: SkippedRow[] = [];
  const seen = new Map<string, number>();
  for (const rec of records) {
    const line = rec.line;
    const v = validateRecord(rec, header.length, opts.requireLabel !== false);
    if (!v.ok) {
      skipped.push({ line, ...v.skip });
      continue;
    }
    const r = v.r;
    if (r.exclude !== undefined && !opts.includeExcluded) {
      skipped.push({ line, code: 'EXCLUDED', reason: `excluded: ${r.exclude}` });
      continue;
    }
    const image = isAbsolute(r.image) ? r.image : resolve(base, r.image);
    // the file's name at most: directories above it may name the patient
    if (checkFiles && !existsSync(image)) {
      skipped.push({ line, code: 'MISSING_FILE', reason: `image not found (file ${basename(image)})` });
      continue;
    }
    if (checkFiles && statSync(image).isDirectory() === false && statSync(image).size === 0) {
      skipped.push({
        line,
        code: 'UNREADABLE_IMAGE',
        reason: `image is an empty file (file ${basename(image)})`,
      });
      continue;
    }
    const key = `${r.patient_id}\u0000${r.sequence}\u0000${r.level}`;
    const first = seen.get(key);
    if (first !== undefined) {
      skipped.push({
        line,
        code: 'DUPLICATE',
        reason: `duplicate of line ${first} (same patient, sequence and level)`,
      });
      continue;
    }
    seen.set(key, line);
    const label: 0 | 1 = r.t_score !== undefined ? (r.t_score <= threshold ? 1 : 0) : r.label === '1' ? 1 : 0;
    rows.push({
      line,
      patientId: r.patient_id,
      sequence: r.sequence,
      level: r.level,
      image,
      tScore: r.t_score,
      label,
      labelled: r.t_score !== undefined || r.label !== undefined,
      roi: r.roi,
      slice: r.slice,
      csfRoi: r.csf_roi,
      ...(r.sex !== undefined ? { sex: r.sex } : {}),
      ...(r.age !== undefined ? { age: r.age } : {}),
      ...(r.exclude !== undefined ? { exclude: r.exclude } : {}),
    });
  }
  return { path: resolve(manifestPath), rows, skipped };
}

export async function readManifest(path: string, opts: ManifestOptions = {}): Promise<Manifest> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new StudyError(
      'MANIFEST_UNREADABLE',
      `cannot read manifest ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
      path,
    );
  }
  // raw bytes are never echoed: a binary file is named by the offset of its first non-text byte
  const control = bytes.findIndex(isBinaryCode);
  if (control !== -1) throw notText(path, control);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const lossy = bytes.toString('utf8');
    throw notText(path, Buffer.byteLength(lossy.slice(0, lossy.indexOf('\ufffd'))));
  }
  return parseManifest(text, path, opts);
}

/**
 * Rows with an `exclude` reason, counted by reason (what `reproduce` reports): those left out as
 * EXCLUDED and, under `includeExcluded`, the kept rows that carry the reason.
 */
export function excludedCounts(
  skipped: SkippedRow[],
  keptRows: ReadonlyArray<Pick<ManifestRow, 'exclude'>> = [],
): Partial<Record<ExcludeReason, number>> {
  const counts: Partial<Record<ExcludeReason, number>> = {};
  for (const s of skipped)
    if (s.code === 'EXCLUDED') {
      const reason = s.reason.replace(/^excluded: /, '') as ExcludeReason;
      counts[reason] = (counts[reason] ?? 0) + 1;
    }
  for (const r of keptRows) if (r.exclude) counts[r.exclude] = (counts[r.exclude] ?? 0) + 1;
  return counts;
}

/**
 * The columns a manifest op-screen writes has, in this order (`synth`, `scan`). Readers take any
 * order and more columns (`label`, `roi_source`, `roi_confidence`, ...).
 */
export const MANIFEST_COLUMNS = [
  'patient_id',
  'sequence',
  'level',
  'image',
  't_score',
  'roi',
  'slice',
  'csf_roi',
  'exclude',
  'sex',
  'age',
] as const;
export type ManifestColumn = (typeof MANIFEST_COLUMNS)[number];

/** A manifest row to write: its cells as text, a missing one empty. */
export type ManifestRecord = Partial<Record<ManifestColumn, string>>;

/**
 * A new manifest's text (the one writer of a whole manifest): the {@link MANIFEST_COLUMNS} header,
 * then one line per record, every field quoted (`roi` holds commas, an image path may).
 */
export function manifestCsv(records: readonly ManifestRecord[]): string {
  return stringify([[...MANIFEST_COLUMNS], ...records.map((r) => MANIFEST_COLUMNS.map((c) => r[c] ?? ''))], {
    quoted: true,
  });
}

export function skippedToCsv(skipped: SkippedRow[]): string {
  // every field quoted: a reason can hold commas and quotes
  return stringify([['line', 'code', 'reason'], ...skipped.map((s) => [String(s.line), s.code, s.reason])], {
    quoted: true,
  });
}
