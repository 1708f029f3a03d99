import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import {
  type AnnotationRow,
  type AnnotationState,
  LEVELS,
  type Level,
  OWNED_COLUMNS,
  type OwnedCells,
  type SaveRequest,
  SEQUENCES,
  type Sequence,
  type SeriesFiles,
} from './columns.js';
import { AnnotatorError } from './errors.js';

/** A manifest read for annotation: the page's view of it, and which files it may be served. */
export interface LoadedManifest {
  path: string;
  state: AnnotationState;
  /** URL path (`/files/...`) to absolute file path: the only files the server hands out. */
  files: Map<string, string>;
}

interface ParsedCsv {
  bytes: Buffer;
  header: string[];
  records: string[][];
  /** Byte offset where record i ends (its delimiter included); records[0] is the header. */
  ends: number[];
  eol: string;
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function parseCsv(bytes: Buffer, path: string): ParsedCsv {
  let out: Array<{ record: string[]; info: { bytes: number } }>;
  try {
    out = parse(bytes, {
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
    }) as unknown as typeof out;
  } catch (err) {
    throw new AnnotatorError('MANIFEST_UNREADABLE', `not valid CSV (${(err as Error).message})`, path);
  }
  if (out.length < 2) throw new AnnotatorError('MANIFEST_UNREADABLE', 'the manifest has no data rows', path);
  const header = out[0].record.map((c) => c.trim().toLowerCase());
  for (const col of ['patient_id', 'sequence', 'level', 'image'])
    if (!header.includes(col))
      throw new AnnotatorError('MANIFEST_UNREADABLE', `the manifest lacks the column "${col}"`, path);
  const text = bytes.toString('utf8');
  return {
    bytes,
    header,
    records: out.map((o) => o.record),
    ends: out.map((o) => o.info.bytes),
    eol: text.includes('\r\n') ? '\r\n' : '\n',
  };
}

async function readManifestBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new AnnotatorError(
      'MANIFEST_UNREADABLE',
      `cannot read the manifest (${(err as NodeJS.ErrnoException).code ?? 'error'}); pass an existing CSV with --manifest`,
      path,
    );
  }
}

/** The files of one manifest `image`: the file itself, or a series directory's regular files (not recursive). */
async function imageFiles(image: string): Promise<string[]> {
  const s = await stat(image).catch(() => undefined);
  if (!s) return [];
  if (s.isFile()) return [image];
  if (!s.isDirectory()) return [];
  const entries = await readdir(image, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => join(image, e.name))
    .sort();
}

function urlFor(base: string, file: string, outside: Map<string, number>): string {
  const rel = relative(base, file);
  const enc = (parts: string[]) => parts.map(encodeURIComponent).join('/');
  if (!rel.startsWith('..') && !isAbsolute(rel)) return `/files/${enc(rel.split(sep))}`;
  // Files outside the manifest's directory get an opaque folder: the page never sees their path.
  const dir = dirname(file);
  if (!outside.has(dir)) outside.set(dir, outside.size);
  return `/files/_outside/${outside.get(dir)}/${encodeURIComponent(basename(file))}`;
}

const cellsOf = (rec: string[], header: string[]): OwnedCells => {
  const cell = (c: string) => {
    const i = header.indexOf(c);
    return i >= 0 ? (rec[i] ?? '').trim() : '';
  };
  return {
    roi: cell('roi'),
    slice: cell('slice'),
    csf_roi: cell('csf_roi'),
    exclude: cell('exclude'),
    roi_source: cell('roi_source'),
    roi_confidence: cell('roi_confidence'),
  };
};

/** Reads a manifest for the annotator: rows with their owned cells, series file URLs, the allow-list. */
export async function loadAnnotationManifest(manifestPath: string): Promise<LoadedManifest> {
  const path = resolve(manifestPath);
  const bytes = await readManifestBytes(path);
  const csv = parseCsv(bytes, path);
  const col = (name: string) => csv.header.indexOf(name);
  const base = dirname(path);
  const rows: AnnotationRow[] = [];
  const ignored: AnnotationState['ignored'] = [];
  const images = new Map<string, Set<string>>();
  csv.records.slice(1).forEach((rec, index) => {
    const get = (name: string) => (rec[col(name)] ?? '').trim();
    const sequence = get('sequence').toUpperCase();
    const level = get('level').toUpperCase();
    const patientId = get('patient_id');
    const image = get('image');
    if (
      !patientId ||
      !image ||
      !SEQUENCES.includes(sequence as Sequence) ||
      !LEVELS.includes(level as Level)
    ) {
      ignored.push({ line: index + 2, reason: 'needs patient_id, image, sequence T1/T2 and level L1-L4' });
      return;
    }
    rows.push({
      index,
      patientId,
      sequence: sequence as Sequence,
      level: level as Level,
      cells: cellsOf(rec, csv.header),
    });
    const key = `${patientId}\u0000${sequence}`;
    const set = images.get(key) ?? new Set<string>();
    set.add(isAbsolute(image) ? image : resolve(base, image));
    images.set(key, set);
  });
  const files = new Map<string, string>();
  const outside = new Map<string, number>();
  const series: SeriesFiles[] = [];
  for (const [key, set] of images) {
    const [patientId, sequence] = key.split('\u0000') as [string, Sequence];
    const urls: string[] = [];
    for (const image of set)
      for (const f of await imageFiles(image)) {
        const url = urlFor(base, f, outside);
        files.set(url, f);
        urls.push(url);
      }
    series.push({ patientId, sequence, files: urls });
  }
  return { path, files, state: { version: sha256(bytes), rows, series, ignored } };
}

async function writeAtomic(path: string, data: Uint8Array, mode?: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode ?? 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Writes the owned cells of `request.rows` into the manifest: temp file + fsync + rename, the
 * original kept once as `FILE.orig`. Refuses (MANIFEST_CHANGED) when the file on disk is not the
 * version the page loaded. Other columns, row order and untouched rows' bytes stay as they were.
 * Returns the new version.
 */
export async function saveOwnedColumns(manifestPath: string, request: SaveRequest): Promise<string> {
  const path = resolve(manifestPath);
  if (
    typeof request?.version !== 'string' ||
    !Array.isArray(request.rows) ||
    !request.rows.every(
      (r) => typeof r === 'object' && r !== null && typeof r.cells === 'object' && r.cells !== null,
    )
  )
    throw new AnnotatorError('BAD_SAVE', 'a save needs { version: string, rows: [{ index, cells }] }', path);
  const bytes = await readManifestBytes(path);
  if (sha256(bytes) !== request.version)
    throw new AnnotatorError(
      'MANIFEST_CHANGED',
      'the manifest changed on disk since the page loaded it; nothing was written. Reload the page to load the new version',
      path,
    );
  const csv = parseCsv(bytes, path);
  const header = [...csv.records[0]];
  const lower = [...csv.header];
  for (const c of OWNED_COLUMNS)
    if (!lower.includes(c)) {
      header.push(c);
      lower.push(c);
    }
  const added = header.length > csv.records[0].length;
  const records = csv.records.map((r) => [...r]);
  const changed = new Set<number>(added ? records.map((_, i) => i) : []);
  const dataRows = records.length - 1;
  for (const { index, cells } of request.rows) {
    if (!Number.isInteger(index) || index < 0 || index >= dataRows)
      throw new AnnotatorError(
        'BAD_SAVE',
        `row ${index} does not exist (the manifest has ${dataRows})`,
        path,
      );
    const rec = records[index + 1];
    while (rec.length < header.length) rec.push('');
    for (const c of OWNED_COLUMNS) {
      const v = cells[c];
      if (typeof v !== 'string' || /[\r\n]/.test(v))
        throw new AnnotatorError('BAD_SAVE', `row ${index}: ${c} must be one line of text`, path);
      rec[lower.indexOf(c)] = v;
    }
    changed.add(index + 1);
  }
  records[0] = header;
  const out: Buffer[] = [];
  let start = 0;
  records.forEach((rec, i) => {
    const segment = csv.bytes.subarray(start, csv.ends[i]);
    start = csv.ends[i];
    if (!changed.has(i)) {
      out.push(segment);
      return;
    }
    const text = segment.toString('utf8');
    const lead = /^(?:\uFEFF)?(?:\r?\n)*/.exec(text)?.[0] ?? '';
    if (added) while (rec.length < header.length) rec.push('');
    const endsLine = /\r?\n$/.test(text) || i < records.length - 1;
    out.push(
      Buffer.from(
        lead + stringify([rec], { record_delimiter: csv.eol }).replace(/\r?\n$/, endsLine ? csv.eol : ''),
      ),
    );
  });
  out.push(csv.bytes.subarray(start));
  const next = Buffer.concat(out);
  const orig = `${path}.orig`;
  if (!(await stat(orig).catch(() => undefined))) await writeAtomic(orig, bytes);
  await writeAtomic(path, next);
  return sha256(next);
}
