import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { editManifestCells, type ManifestTable, readManifestTable } from '@op-screen/study';
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
import { AnnotatorError, fromStudyError } from './errors.js';

/** A manifest read for annotation: the page's view of it, and which files it may be served. */
export interface LoadedManifest {
  path: string;
  state: AnnotationState;
  /** URL path (`/files/...`) to absolute file path: the only files the server hands out. */
  files: Map<string, string>;
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

const cellsOf = (rec: readonly string[], header: readonly string[]): OwnedCells => {
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
  let table: ManifestTable;
  try {
    table = await readManifestTable(path);
  } catch (err) {
    throw fromStudyError(err);
  }
  const col = (name: string) => table.columns.indexOf(name);
  const base = dirname(path);
  const rows: AnnotationRow[] = [];
  const ignored: AnnotationState['ignored'] = [];
  const images = new Map<string, Set<string>>();
  table.rows.forEach((rec, index) => {
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
      cells: cellsOf(rec, table.columns),
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
  return { path, files, state: { version: table.version, rows, series, ignored } };
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
  for (const r of request.rows)
    for (const c of OWNED_COLUMNS)
      if (typeof r.cells[c] !== 'string')
        throw new AnnotatorError('BAD_SAVE', `row ${r.index}: ${c} must be one line of text`, path);
  try {
    return await editManifestCells(
      path,
      request.rows.map(({ index, cells }) => ({
        index,
        cells: Object.fromEntries(OWNED_COLUMNS.map((c) => [c, cells[c]])),
      })),
      { version: request.version, columns: OWNED_COLUMNS, keepOriginal: true },
    );
  } catch (err) {
    throw fromStudyError(err);
  }
}
