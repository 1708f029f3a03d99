import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DicomGeometry, DicomHeader } from './dicom/header.js';
import { type DicomImage, type ReadOptions, readDicom, readDicomHeader } from './dicom/read.js';
import {
  assertWithinLimit,
  DEFAULT_MAX_DECODED_BYTES,
  isMriIoError,
  MriIoError,
  type MriIoErrorCode,
  toMriIoError,
} from './errors.js';
import { add, affineFromColumns, affineLpsToRas, cross, dot, scale, type Vec3 } from './geometry.js';

export interface SkippedFile {
  path: string;
  code: MriIoErrorCode;
  message: string;
}

export interface SeriesIssue {
  kind:
    | 'duplicate-position'
    | 'missing-position'
    | 'missing-geometry'
    | 'orientation-mismatch'
    | 'size-mismatch';
  message: string;
  files: string[];
}

/** One DICOM series, slices ordered along the normal of ImageOrientationPatient (ascending). */
export interface DicomSeries {
  seriesInstanceUID: string;
  modality: string | null;
  seriesDescription: string | null;
  /** Paths in slice order (an enhanced multi-frame file appears once per frame). */
  files: string[];
  /** Frame index within `files[k]` of each slice (0 for single-frame files). */
  frames: number[];
  /** Headers in slice order (no pixels); the file's header for each frame of a multi-frame file. */
  headers: DicomHeader[];
  /** Geometry of each slice: the file's, or the frame's from the functional groups. */
  geometries: DicomGeometry[];
  /** Position of each slice along `normal` (mm, LPS), ascending. */
  positions: number[];
  /** Row direction x column direction: the slice normal (LPS). */
  normal: Vec3;
  /**
   * Distance between neighbouring slices along the normal (mm): the median positive gap (the
   * first gap for two slices); null for a single slice or without geometry.
   */
  sliceSpacing: number | null;
  /** `[slices, rows, columns]`. */
  shape: [number, number, number];
  /** Index (in slice order), path and frame of the middle slice: `files[floor(n / 2)]`. */
  midSagittalIndex: number;
  midSagittal: string;
  midSagittalFrame: number;
  issues: SeriesIssue[];
}

export interface SeriesDirectory {
  series: DicomSeries[];
  skipped: SkippedFile[];
}

export interface SeriesReadOptions extends ReadOptions {
  /** Descend into sub-directories (default true). */
  recursive?: boolean;
  /** Files read at once (default 8). */
  concurrency?: number;
}

/**
 * Lists the regular files under `dir` (sorted by name). A dangling or unreadable symbolic link, or
 * a sub-directory that cannot be listed, goes to `skipped` with a typed code; only `dir` itself
 * failing is an error.
 */
async function listFiles(
  dir: string,
  recursive: boolean,
  skipped: SkippedFile[],
  root = true,
): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const e = new MriIoError('NOT_FOUND', 'cannot list the directory; check the path', dir, { cause: err });
    if (root) throw e;
    skipped.push({ path: dir, code: e.code, message: e.message });
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await listFiles(p, true, skipped, false)));
    } else if (e.isFile()) {
      out.push(p);
    } else if (e.isSymbolicLink()) {
      let target: import('node:fs').Stats;
      try {
        target = await stat(p);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        skipped.push({
          path: p,
          code: 'BROKEN_LINK',
          message: `symbolic link to a file that cannot be reached (${code}); fix or remove the link`,
        });
        continue;
      }
      if (target.isFile()) out.push(p);
    }
  }
  return out;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Reads every file under `dir` (headers only), groups DICOM images by SeriesInstanceUID and
 * orders each series along its slice normal. Files that cannot be used are listed in `skipped`
 * with a typed code; they never abort the directory.
 */
export async function readSeriesDirectory(
  dir: string,
  options: SeriesReadOptions = {},
): Promise<SeriesDirectory> {
  const skipped: SkippedFile[] = [];
  const files = await listFiles(dir, options.recursive ?? true, skipped);
  const headers = await mapLimit(files, options.concurrency ?? 8, async (path) => {
    try {
      const h = await readDicomHeader(path, options);
      if (!h.hasPixelData) {
        skipped.push({
          path,
          code: 'NO_PIXEL_DATA',
          message: `no Pixel Data (modality ${h.modality ?? 'unknown'}); not an image`,
        });
        return null;
      }
      if (!h.seriesInstanceUID) {
        skipped.push({
          path,
          code: 'BAD_DICOM_HEADER',
          message: 'no SeriesInstanceUID (0020,000E); cannot be grouped',
        });
        return null;
      }
      return h;
    } catch (err) {
      const e = toMriIoError(err, path, 'DICOM header');
      skipped.push({ path, code: e.code, message: e.message });
      return null;
    }
  });
  const groups = new Map<string, DicomHeader[]>();
  for (const h of headers) {
    if (!h) continue;
    const key = h.seriesInstanceUID as string;
    const list = groups.get(key);
    if (list) list.push(h);
    else groups.set(key, [h]);
  }
  const series: DicomSeries[] = [];
  for (const [uid, list] of groups) {
    try {
      series.push(orderSeries(uid, list));
    } catch (err) {
      if (!isMriIoError(err)) throw err;
      for (const h of list) skipped.push({ path: h.file ?? '', code: err.code, message: err.message });
    }
  }
  series.sort((a, b) => (a.files[0] < b.files[0] ? -1 : 1));
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { series, skipped };
}

function byPath(a: SliceEntry, b: SliceEntry): number {
  const x = a.h.file ?? '';
  const y = b.h.file ?? '';
  return x < y ? -1 : x > y ? 1 : a.frame - b.frame;
}

/** One slice of a series: a single-frame file, or one frame of an enhanced multi-frame file. */
interface SliceEntry {
  h: DicomHeader;
  frame: number;
  geometry: DicomGeometry;
}

/** Splits enhanced multi-frame headers into one entry per frame, with that frame's geometry. */
function sliceEntries(headers: DicomHeader[]): SliceEntry[] {
  const out: SliceEntry[] = [];
  for (const h of headers) {
    if (!h.frameInfo) {
      out.push({ h, frame: 0, geometry: h.geometry });
      continue;
    }
    for (const f of h.frameInfo) {
      out.push({
        h,
        frame: f.index,
        geometry: {
          imagePositionPatient: f.imagePositionPatient,
          imageOrientationPatient: f.imageOrientationPatient ?? h.geometry.imageOrientationPatient,
          pixelSpacing: f.pixelSpacing ?? h.geometry.pixelSpacing,
          sliceThickness: f.sliceThickness ?? h.geometry.sliceThickness,
          spacingBetweenSlices: f.spacingBetweenSlices ?? h.geometry.spacingBetweenSlices,
        },
      });
    }
  }
  return out;
}

/** How an issue names a slice: the path, plus the frame for multi-frame files. */
function label(e: SliceEntry): string {
  return e.h.frameInfo ? `${e.h.file ?? ''} [frame ${e.frame}]` : (e.h.file ?? '');
}

/**
 * Orders the slices of one series along the normal of ImageOrientationPatient (ties by path),
 * the way pydicom users do it: not by file name or InstanceNumber, which scanners and PACS
 * exports do not keep in spatial order. Enhanced multi-frame files (one or several) contribute
 * one slice per frame, placed by their per-frame Plane Position.
 */
export function orderSeries(seriesInstanceUID: string, headers: DicomHeader[]): DicomSeries {
  if (headers.length === 0) throw new MriIoError('EMPTY_SERIES', `series ${seriesInstanceUID} has no images`);
  const entries = sliceEntries(headers);
  if (entries.length === 0) throw new MriIoError('EMPTY_SERIES', `series ${seriesInstanceUID} has no frames`);
  const first = headers[0];
  const issues: SeriesIssue[] = [];
  const iop = entries[0].geometry.imageOrientationPatient;
  let normal: Vec3 = [0, 0, 1];
  let keyed: Array<{ e: SliceEntry; pos: number }>;
  const missing = entries.filter(
    (e) => !e.geometry.imagePositionPatient || !e.geometry.imageOrientationPatient,
  );
  if (iop && missing.length === 0) {
    normal = cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]);
    keyed = entries.map((e) => ({ e, pos: dot(normal, e.geometry.imagePositionPatient as Vec3) }));
    keyed.sort((a, b) => a.pos - b.pos || byPath(a.e, b.e));
  } else {
    // Without geometry there is no spatial order; InstanceNumber (then frame) is the only hint left.
    keyed = [...entries]
      .sort(
        (a, b) =>
          (a.h.instanceNumber ?? Number.MAX_SAFE_INTEGER) - (b.h.instanceNumber ?? Number.MAX_SAFE_INTEGER) ||
          byPath(a, b),
      )
      .map((e, i) => ({ e, pos: i }));
    if (entries.length > 1) {
      issues.push({
        kind: 'missing-geometry',
        message: `${missing.length} of ${entries.length} images lack ImagePositionPatient/ImageOrientationPatient; ordered by InstanceNumber, spacing unknown`,
        files: missing.map(label),
      });
    }
  }
  const ordered = keyed.map((k) => k.e);
  const positions = keyed.map((k) => k.pos);

  for (const e of ordered) {
    const o = e.geometry.imageOrientationPatient;
    if (iop && o?.some((v, i) => Math.abs(v - iop[i]) > 1e-4)) {
      issues.push({
        kind: 'orientation-mismatch',
        message: 'ImageOrientationPatient differs from the first image',
        files: [label(e)],
      });
    }
    if (e.h.rows !== first.rows || e.h.columns !== first.columns) {
      issues.push({
        kind: 'size-mismatch',
        message: `${e.h.rows}x${e.h.columns} differs from ${first.rows}x${first.columns}`,
        files: [label(e)],
      });
    }
  }
  const spatial = Boolean(iop) && missing.length === 0;
  const gaps = (spatial ? positions : []).slice(1).map((p, i) => p - positions[i]);
  const positive = gaps.filter((g) => g > 1e-3).sort((a, b) => a - b);
  const typical = positive.length ? positive[Math.floor(positive.length / 2)] : 0;
  gaps.forEach((g, i) => {
    const pair = [label(ordered[i]), label(ordered[i + 1])];
    if (g <= 1e-3) {
      issues.push({
        kind: 'duplicate-position',
        message: `two images at ${positions[i].toFixed(3)} mm along the normal`,
        files: pair,
      });
    } else if (typical > 0 && g > 1.5 * typical) {
      const n = Math.round(g / typical) - 1;
      issues.push({
        kind: 'missing-position',
        message: `gap of ${g.toFixed(3)} mm where slices are ${typical.toFixed(3)} mm apart: about ${n} slice(s) missing`,
        files: pair,
      });
    }
  });
  const mid = Math.floor(ordered.length / 2);
  // Spacing: the typical gap (robust to a duplicate first pair); the first gap for two slices.
  const spacing = spatial && ordered.length > 1 ? typical || positions[1] - positions[0] : null;
  return {
    seriesInstanceUID,
    modality: first.modality,
    seriesDescription: first.seriesDescription,
    files: ordered.map((e) => e.h.file ?? ''),
    frames: ordered.map((e) => e.frame),
    headers: ordered.map((e) => e.h),
    geometries: ordered.map((e) => e.geometry),
    positions,
    normal,
    sliceSpacing: spacing === null ? null : Math.round(spacing * 1e6) / 1e6,
    shape: [ordered.length, first.rows, first.columns],
    midSagittalIndex: mid,
    midSagittal: ordered[mid].h.file ?? '',
    midSagittalFrame: ordered[mid].frame,
    issues,
  };
}

/** A series as one volume of real-world values. */
export interface Volume {
  /** Real-world values (modality LUT applied), C order `[slices, rows, columns]`. */
  data: Float32Array;
  shape: [number, number, number];
  /** Millimetres between slices, rows and columns. */
  spacing: [number, number, number];
  /**
   * Maps voxel indices `[slice, row, column, 1]` to DICOM patient coordinates (LPS, mm).
   * `affineRas` is the same in RAS (NIfTI's convention: x and y negated).
   */
  affineLps: number[][];
  affineRas: number[][];
  files: string[];
  /** Frame index within `files[k]` of each slice (enhanced multi-frame files; 0 otherwise). */
  frames: number[];
}

/**
 * Real-world values of one frame. Enhanced files may rescale each frame differently (Pixel Value
 * Transformation in the per-frame groups); their frames use their own slope and intercept.
 */
export function frameValues(img: DicomImage, frame: number): Float32Array {
  const info = img.frameInfo?.[frame];
  const slope = info?.rescaleSlope ?? img.rescaleSlope;
  const intercept = info?.rescaleIntercept ?? img.rescaleIntercept;
  if (
    !info ||
    img.samplesPerPixel !== 1 ||
    (slope === img.rescaleSlope && intercept === img.rescaleIntercept)
  )
    return img.rescaled(frame);
  const per = img.rows * img.columns;
  const src = img.stored.subarray(frame * per, (frame + 1) * per);
  const out = new Float32Array(per);
  for (let i = 0; i < per; i++) out[i] = src[i] * slope + intercept;
  return out;
}

/**
 * Decodes every slice of an ordered series into one volume with its affine. Refuses series whose
 * slices differ in size, and (before allocating) volumes above `maxDecodedBytes`.
 */
export async function assembleVolume(series: DicomSeries, options: ReadOptions = {}): Promise<Volume> {
  const [n, rows, cols] = series.shape;
  const maxDecodedBytes = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  assertWithinLimit(
    n * rows * cols * 4,
    maxDecodedBytes,
    `volume ${n}x${rows}x${cols} (float32)`,
    series.files[0],
  );
  if (n > 1 && series.issues.some((i) => i.kind === 'missing-geometry')) {
    throw new MriIoError(
      'MISSING_GEOMETRY',
      'the series has images without ImagePositionPatient/ImageOrientationPatient; a volume cannot be placed in space',
      series.files[0],
    );
  }
  const data = new Float32Array(n * rows * cols);
  const multiFrame = new Map<string, DicomImage>(); // enhanced files are decoded once
  for (let k = 0; k < n; k++) {
    const path = series.files[k];
    const frame = series.frames?.[k] ?? 0;
    let img = multiFrame.get(path);
    if (!img) {
      img = await readDicom(path, options);
      if (img.frameInfo) multiFrame.set(path, img);
    }
    const framesOk = img.frameInfo ? frame < img.frames : img.frames === 1;
    if (img.rows !== rows || img.columns !== cols || img.samplesPerPixel !== 1 || !framesOk) {
      throw new MriIoError(
        'INCONSISTENT_SERIES',
        `slice ${k} is ${img.shape.join('x')}, the series is ${rows}x${cols} grayscale (single-frame files or enhanced frames)`,
        path,
      );
    }
    data.set(frameValues(img, frame), k * rows * cols);
  }
  const geom = series.geometries ?? series.headers.map((h) => h.geometry);
  const first = geom[0];
  const iop = first.imageOrientationPatient ?? [1, 0, 0, 0, 1, 0];
  const ps = first.pixelSpacing ?? [1, 1];
  const origin = first.imagePositionPatient ?? [0, 0, 0];
  const last = geom[n - 1].imagePositionPatient ?? origin;
  const thickness = first.spacingBetweenSlices ?? first.sliceThickness ?? 1;
  const step = n > 1 ? scale(add(last, scale(origin, -1)), 1 / (n - 1)) : scale(series.normal, thickness);
  const rowStep = scale([iop[3], iop[4], iop[5]], ps[0]); // moving down one row
  const colStep = scale([iop[0], iop[1], iop[2]], ps[1]); // moving right one column
  const affineLps = affineFromColumns(step, rowStep, colStep, origin);
  return {
    data,
    shape: [n, rows, cols],
    spacing: [Math.hypot(...step), ps[0], ps[1]],
    affineLps,
    affineRas: affineLpsToRas(affineLps),
    files: series.files,
    frames: series.frames ?? series.files.map(() => 0),
  };
}
