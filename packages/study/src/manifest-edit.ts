// Editing cells of a manifest a person wrote: the one writer used by the annotator (its owned
// columns) and `op-screen locate --manifest` (boxes). Rows and columns it does not touch keep
// their bytes; the delimiter, line ends and column order stay; the write is atomic and refused
// when the file changed since it was read.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from './atomic.js';
import { StudyError } from './errors.js';
import { detectDelimiter, type ManifestDelimiter, REQUIRED_COLUMNS } from './manifest.js';

/** A manifest's bytes as a table: what an editor reads before it changes cells. */
export interface ManifestTable {
  path: string;
  /** sha256 of the bytes read: pass it back to {@link editManifestCells} to refuse a changed file. */
  version: string;
  /** Column names, trimmed and lower-cased, in file order. */
  columns: string[];
  /** Data records (the header excluded), each padded to `columns.length` cells. */
  rows: string[][];
  delimiter: ManifestDelimiter;
}

/** One row's new cells: `index` counts data records from 0 (the header is not one). */
export interface CellEdit {
  index: number;
  cells: Record<string, string>;
}

export interface EditOptions {
  /** The table's `version` this edit was made on; another version on disk is refused (MANIFEST_CHANGED). */
  version?: string;
  /** Columns the edit may write, appended to the header when missing. */
  columns: readonly string[];
  /** Keep the file as it was before the first edit as `FILE.orig` (written once, never replaced). */
  keepOriginal?: boolean;
}

interface Parsed {
  bytes: Buffer;
  /** Records with the header first, as written (not trimmed). */
  records: string[][];
  /** Byte offset where record i ends (its line end included). */
  ends: number[];
  eol: string;
  delimiter: ManifestDelimiter;
  columns: string[];
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new StudyError(
      'MANIFEST_UNREADABLE',
      `cannot read the manifest (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      path,
    );
  }
}

function parseTable(bytes: Buffer, path: string): Parsed {
  const text = bytes.toString('utf8');
  const delimiter = detectDelimiter(text);
  let out: Array<{ record: string[]; info: { bytes: number } }>;
  try {
    out = parse(bytes, {
      delimiter,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
    }) as unknown as typeof out;
  } catch (err) {
    // csv-parse's message quotes the offending text; say only where it is
    const e = err as { code?: string; lines?: number };
    throw new StudyError(
      'MANIFEST_UNREADABLE',
      `not valid CSV (${e.code ?? 'parse error'}${e.lines ? ` at line ${e.lines}` : ''})`,
      path,
    );
  }
  if (out.length < 2) throw new StudyError('MANIFEST_UNREADABLE', 'the manifest has no data rows', path);
  const columns = (out[0]?.record ?? []).map((c) => c.trim().toLowerCase());
  for (const col of REQUIRED_COLUMNS)
    if (!columns.includes(col))
      throw new StudyError('MANIFEST_UNREADABLE', `the manifest lacks the column "${col}"`, path);
  return {
    bytes,
    records: out.map((o) => o.record),
    ends: out.map((o) => o.info.bytes),
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    delimiter,
    columns,
  };
}

/** Reads a manifest for editing: its columns, its rows' cells and its version. */
export async function readManifestTable(path: string): Promise<ManifestTable> {
  const bytes = await readBytes(path);
  const p = parseTable(bytes, path);
  return {
    path,
    version: sha256(bytes),
    columns: p.columns,
    rows: p.records.slice(1).map((r) => {
      const row = [...r];
      while (row.length < p.columns.length) row.push('');
      return row;
    }),
    delimiter: p.delimiter,
  };
}

/**
 * Writes `edits` into the manifest at `path` and returns its new version. Only the edited rows are
 * re-written (all rows when a column had to be added); every other byte stays. Refused with
 * MANIFEST_CHANGED when `version` is given and the file is another one now, with BAD_EDIT for a
 * row that does not exist, a column the edit may not write, or a value that is not one line.
 */
export async function editManifestCells(
  path: string,
  edits: readonly CellEdit[],
  opts: EditOptions,
): Promise<string> {
  const bytes = await readBytes(path);
  if (opts.version !== undefined && sha256(bytes) !== opts.version)
    throw new StudyError(
      'MANIFEST_CHANGED',
      'the manifest changed on disk since it was read; nothing was written',
      path,
    );
  const csv = parseTable(bytes, path);
  const header = [...(csv.records[0] as string[])];
  const lower = [...csv.columns];
  for (const c of opts.columns)
    if (!lower.includes(c)) {
      header.push(c);
      lower.push(c);
    }
  const added = header.length > (csv.records[0] as string[]).length;
  const records = csv.records.map((r) => [...r]);
  const changed = new Set<number>(added ? records.map((_, i) => i) : []);
  const dataRows = records.length - 1;
  for (const { index, cells } of edits) {
    if (!Number.isInteger(index) || index < 0 || index >= dataRows)
      throw new StudyError('BAD_EDIT', `row ${index} does not exist (the manifest has ${dataRows})`, path);
    const rec = records[index + 1] as string[];
    while (rec.length < header.length) rec.push('');
    for (const [c, v] of Object.entries(cells)) {
      if (!opts.columns.includes(c))
        throw new StudyError('BAD_EDIT', `row ${index}: ${c} may not be written`, path);
      if (typeof v !== 'string' || /[\r\n]/.test(v))
        throw new StudyError('BAD_EDIT', `row ${index}: ${c} must be one line of text`, path);
      rec[lower.indexOf(c)] = v;
    }
    changed.add(index + 1);
  }
  records[0] = header;
  const out: Buffer[] = [];
  let start = 0;
  records.forEach((rec, i) => {
    const end = csv.ends[i] as number;
    const segment = csv.bytes.subarray(start, end);
    start = end;
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
        lead +
          stringify([rec], { delimiter: csv.delimiter, record_delimiter: csv.eol }).replace(
            /\r?\n$/,
            endsLine ? csv.eol : '',
          ),
      ),
    );
  });
  out.push(csv.bytes.subarray(start));
  const next = Buffer.concat(out);
  const orig = `${path}.orig`;
  if (opts.keepOriginal && !(await stat(orig).catch(() => undefined))) await writeFileAtomic(orig, bytes);
  await writeFileAtomic(path, next);
  return sha256(next);
}
