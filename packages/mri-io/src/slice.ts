import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { NumericArray } from './arrays.js';
import type { DicomImage } from './dicom/read.js';
import { readDicom } from './dicom/read.js';
import { MriIoError } from './errors.js';
import { affineFromColumns, cross, dot, lpsToRas, norm, scale, type Vec3 } from './geometry.js';
import { readImage } from './image.js';
import type { NiftiImage } from './nifti/read.js';
import type { NiftiWriteInput } from './nifti/write.js';
import {
  type DicomSeries,
  frameValues,
  orderSeries,
  readSeriesDirectory,
  type SeriesReadOptions,
  type SkippedFile,
  type Volume,
} from './series.js';

/** One 2-D image in real-world values with where it lies in the patient (LPS, mm). */
export interface Slice2D {
  /** Row-major `[rows, columns]` real-world values (modality LUT / scl applied). */
  data: Float32Array;
  rows: number;
  columns: number;
  /** `[distance between rows, distance between columns]` in mm (DICOM PixelSpacing order). */
  pixelSpacing: [number, number];
  /** LPS position of the centre of pixel (row 0, column 0); null when the source has no geometry. */
  origin: Vec3 | null;
  /** Unit direction of increasing column index (DICOM's "row direction cosines"), LPS. */
  rowCosines: Vec3 | null;
  /** Unit direction of increasing row index (DICOM's "column direction cosines"), LPS. */
  columnCosines: Vec3 | null;
  sliceThickness: number | null;
  /** Where the slice came from: the file read, its index among `count` slices (or frames). */
  source: { path: string; kind: 'dicom' | 'series' | 'nifti' | 'array'; index: number; count: number };
}

/** Turns interleaved RGB samples into one grayscale value per pixel. */
export type GrayscaleHook = (rgb: Float32Array, pixels: number) => Float32Array;

/** ITU-R BT.601 luma, 0.299 R + 0.587 G + 0.114 B (what Pillow's "L" conversion uses). */
export const bt601Grayscale: GrayscaleHook = (rgb, pixels) => {
  const out = new Float32Array(pixels);
  for (let i = 0, j = 0; i < pixels; i++, j += 3)
    out[i] = 0.299 * rgb[j] + 0.587 * rgb[j + 1] + 0.114 * rgb[j + 2];
  return out;
};

/** Converts interleaved colour samples (3 per pixel) to grayscale with `hook` (default BT.601). */
export function toGrayscale(
  rgb: ArrayLike<number>,
  pixels: number,
  hook: GrayscaleHook = bt601Grayscale,
): Float32Array {
  if (rgb.length !== pixels * 3) {
    throw new MriIoError('BAD_ARGUMENT', `expected ${pixels * 3} interleaved RGB samples, got ${rgb.length}`);
  }
  return hook(rgb instanceof Float32Array ? rgb : Float32Array.from(rgb), pixels);
}

export interface SliceOptions extends DirectorySeriesOptions {
  /**
   * Which slice: index in slice order (series: along the normal; NIfTI: along the sagittal
   * axis in the same ascending-normal order; enhanced multi-frame DICOM: frames in order along
   * the normal; other multi-frame DICOM: frame). Default: the middle one.
   */
  slice?: number;
  /** Colour images are converted with this (default BT.601 luma). */
  grayscale?: GrayscaleHook;
}

/**
 * Files of a directory that may have been slices of its series: everything skipped but objects
 * without pixel data (DICOMDIR, SR, ...) and hidden files (`.DS_Store`).
 */
export function lostFiles(skipped: readonly SkippedFile[]): SkippedFile[] {
  return skipped.filter((f) => f.code !== 'NO_PIXEL_DATA' && !basename(f.path).startsWith('.'));
}

/** Which series of a directory, and whether a directory with unreadable files may be read. */
export interface DirectorySeriesOptions extends SeriesReadOptions {
  /** For a directory holding several series, which one. */
  seriesInstanceUID?: string;
  /**
   * Take the series even when files of the directory could not be read (default false:
   * `SERIES_INCOMPLETE`): a lost file may have been one of its slices.
   */
  allowIncomplete?: boolean;
}

/**
 * The one image series of a DICOM directory, the way every reader of a series directory chooses
 * it ({@link readSlice}, @op-screen/locate's `readLocateInput`): `EMPTY_SERIES` when none is
 * readable, `BAD_ARGUMENT` when several are and `seriesInstanceUID` names none of them,
 * `SERIES_INCOMPLETE` when files that may have been its slices could not be read.
 */
export async function readDirectorySeries(
  path: string,
  options: DirectorySeriesOptions = {},
): Promise<DicomSeries> {
  const dir = await readSeriesDirectory(path, options);
  let candidates = dir.series;
  if (options.seriesInstanceUID)
    candidates = candidates.filter((s) => s.seriesInstanceUID === options.seriesInstanceUID);
  if (candidates.length === 0) {
    const why = dir.skipped[0] ? ` (first skipped file: ${dir.skipped[0].code})` : '';
    throw new MriIoError('EMPTY_SERIES', `no readable DICOM image series in the directory${why}`, path);
  }
  if (candidates.length > 1) {
    throw new MriIoError(
      'BAD_ARGUMENT',
      `the directory holds ${candidates.length} series; pass seriesInstanceUID to choose one`,
      path,
    );
  }
  const lost = lostFiles(dir.skipped);
  const first = lost[0];
  if (first && !options.allowIncomplete)
    throw new MriIoError(
      'SERIES_INCOMPLETE',
      `${lost.length} file${lost.length > 1 ? 's' : ''} of the series directory could not be read (first: ${basename(first.path)}, ${first.code}: ${first.message.split(` (${first.path})`).join('')}); slice indices would shift to other instances, so no slice is read. Repair or remove the file`,
      first.path,
    );
  return candidates[0] as DicomSeries;
}

/**
 * One call from a path to a 2-D slice: a DICOM series directory (mid-sagittal slice by
 * default), a single DICOM file (middle frame of a multi-frame file), or a NIfTI volume (the
 * middle slice along the axis closest to left-right, displayed like a DICOM sagittal: rows
 * head-to-feet, columns anterior-to-posterior).
 */
export async function readSlice(path: string, options: SliceOptions = {}): Promise<Slice2D> {
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw new MriIoError('NOT_FOUND', 'no such file or directory; check the path', path, { cause: err });
  }
  if (isDir) {
    const series = await readDirectorySeries(path, options);
    const index = options.slice ?? series.midSagittalIndex;
    checkIndex(index, series.files.length, path);
    const img = await readDicom(series.files[index], options);
    const slice = dicomSlice(img, series.frames?.[index] ?? 0, options.grayscale);
    return {
      ...slice,
      source: { path: series.files[index], kind: 'series', index, count: series.files.length },
    };
  }
  const image = await readImage(path, options);
  if (image.kind === 'dicom') {
    if (image.frameInfo && image.frames > 1) {
      // Enhanced multi-frame: slices in order along the normal, as for a series directory.
      const series = orderSeries(image.seriesInstanceUID ?? '', [image]);
      const index = options.slice ?? series.midSagittalIndex;
      checkIndex(index, series.frames.length, path);
      const slice = dicomSlice(image, series.frames[index], options.grayscale);
      return { ...slice, source: { ...slice.source, index, count: series.frames.length } };
    }
    const index = options.slice ?? Math.floor(image.frames / 2);
    checkIndex(index, image.frames, path);
    return dicomSlice(image, index, options.grayscale);
  }
  return niftiSagittalSlice(image, options.slice);
}

function checkIndex(index: number, count: number, path: string | undefined): void {
  if (!(Number.isInteger(index) && index >= 0 && index < count)) {
    throw new MriIoError(
      'BAD_ARGUMENT',
      `slice ${index} does not exist; there are ${count} (0..${count - 1})`,
      path,
    );
  }
}

/** Frame `frame` of a decoded DICOM image as a real-world-valued slice. */
export function dicomSlice(img: DicomImage, frame = 0, grayscale?: GrayscaleHook): Slice2D {
  const pixels = img.rows * img.columns;
  let data = frameValues(img, frame);
  if (img.samplesPerPixel === 3) data = toGrayscale(data, pixels, grayscale);
  const f = img.frameInfo?.[frame];
  const g = f
    ? {
        imagePositionPatient: f.imagePositionPatient ?? img.geometry.imagePositionPatient,
        imageOrientationPatient: f.imageOrientationPatient ?? img.geometry.imageOrientationPatient,
        pixelSpacing: f.pixelSpacing ?? img.geometry.pixelSpacing,
        sliceThickness: f.sliceThickness ?? img.geometry.sliceThickness,
      }
    : img.geometry;
  const iop = g.imageOrientationPatient;
  return {
    data,
    rows: img.rows,
    columns: img.columns,
    pixelSpacing: g.pixelSpacing ?? [1, 1],
    origin: g.imagePositionPatient,
    rowCosines: iop ? [iop[0], iop[1], iop[2]] : null,
    columnCosines: iop ? [iop[3], iop[4], iop[5]] : null,
    sliceThickness: g.sliceThickness,
    source: { path: img.file ?? '', kind: 'dicom', index: frame, count: img.frames },
  };
}

/**
 * The sagittal slice `index` (default middle) of a NIfTI volume (first volume of 4-D data).
 * The slice axis is the voxel axis closest to left-right; in-plane, rows run head-to-feet and
 * columns anterior-to-posterior, and slices are numbered along the normal the way a DICOM
 * series is ordered, so index k matches slice k of the DICOM series a converter started from.
 */
export function niftiSagittalSlice(img: NiftiImage, index?: number): Slice2D {
  const A = img.affine;
  const dims = [0, 1, 2].map((k) => img.shape[k] ?? 1);
  const col = (k: number): Vec3 => [A[0][k], A[1][k], A[2][k]];
  const axes = [0, 1, 2];
  const sAxis = axes.reduce((best, k) =>
    Math.abs(A[0][k]) / norm(col(k)) > Math.abs(A[0][best]) / norm(col(best)) ? k : best,
  );
  const inPlane = axes.filter((k) => k !== sAxis);
  const rAxis =
    Math.abs(A[2][inPlane[0]]) / norm(col(inPlane[0])) >= Math.abs(A[2][inPlane[1]]) / norm(col(inPlane[1]))
      ? inPlane[0]
      : inPlane[1];
  const cAxis = inPlane[0] === rAxis ? inPlane[1] : inPlane[0];
  const flipR = A[2][rAxis] > 0; // rows must go towards the feet (RAS z decreasing)
  const flipC = A[1][cAxis] > 0; // columns must go towards posterior (RAS y decreasing)
  const rows = dims[rAxis];
  const columns = dims[cAxis];
  const count = dims[sAxis];
  const lps = lpsToRas; // RAS -> LPS is the same negation of x and y
  const rowStep = lps(scale(col(rAxis), flipR ? -1 : 1)); // moving down one row
  const colStep = lps(scale(col(cAxis), flipC ? -1 : 1)); // moving right one column
  const columnCosines = scale(rowStep, 1 / norm(rowStep));
  const rowCosines = scale(colStep, 1 / norm(colStep));
  const normal = cross(rowCosines, columnCosines);
  const flipS = dot(normal, lps(col(sAxis))) < 0;
  const k = index ?? Math.floor(count / 2);
  checkIndex(k, count, img.file);
  const sv = flipS ? count - 1 - k : k;
  const stride = [1, dims[0], dims[0] * dims[1]];
  const scaled = img.scaling;
  const src = img.data;
  const data = new Float32Array(rows * columns);
  const voxel = [0, 0, 0];
  voxel[sAxis] = sv;
  for (let r = 0; r < rows; r++) {
    voxel[rAxis] = flipR ? rows - 1 - r : r;
    for (let c = 0; c < columns; c++) {
      voxel[cAxis] = flipC ? columns - 1 - c : c;
      const v = src[voxel[0] * stride[0] + voxel[1] * stride[1] + voxel[2] * stride[2]];
      data[r * columns + c] = scaled ? v * scaled.slope + scaled.inter : v;
    }
  }
  voxel[rAxis] = flipR ? rows - 1 : 0;
  voxel[cAxis] = flipC ? columns - 1 : 0;
  const ras = [0, 1, 2].map(
    (i) => A[i][0] * voxel[0] + A[i][1] * voxel[1] + A[i][2] * voxel[2] + A[i][3],
  ) as Vec3;
  return {
    data,
    rows,
    columns,
    pixelSpacing: [norm(rowStep), norm(colStep)],
    origin: lps(ras),
    rowCosines,
    columnCosines,
    sliceThickness: norm(col(sAxis)),
    source: { path: img.file ?? '', kind: 'nifti', index: k, count },
  };
}

/** Anything with row-major `data`, `rows` and `columns`; geometry is optional (a bare array has none). */
export type SliceLike = Pick<Slice2D, 'data' | 'rows' | 'columns'> &
  Partial<Omit<Slice2D, 'data' | 'rows' | 'columns'>>;

/** Fills in the geometry a bare array lacks (none), so crops of plain arrays work too. */
export function asSlice2D(s: SliceLike): Slice2D {
  if (s.data.length !== s.rows * s.columns) {
    throw new MriIoError(
      'BAD_ARGUMENT',
      `data has ${s.data.length} values, not rows x columns = ${s.rows * s.columns}`,
      s.source?.path,
    );
  }
  return {
    data: s.data,
    rows: s.rows,
    columns: s.columns,
    pixelSpacing: s.pixelSpacing ?? [1, 1],
    origin: s.origin ?? null,
    rowCosines: s.rowCosines ?? null,
    columnCosines: s.columnCosines ?? null,
    sliceThickness: s.sliceThickness ?? null,
    source: s.source ?? { path: '', kind: 'array', index: 0, count: 1 },
  };
}

/**
 * A rectangle in pixel coordinates: `x` = first column, `y` = first row. The one rectangle type
 * of op-screen (docs/conventions.md).
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** @deprecated Use {@link Rect} (the same shape); removed in the next major version. */
export type Roi = Rect;

/**
 * Crops `roi` out of a slice (a copy). The result keeps its patient geometry (origin moved to the
 * ROI's first pixel). With `clip`, the ROI is first intersected with the slice; otherwise, or when
 * the intersection is empty, a ROI outside the slice is refused with ROI_OUT_OF_BOUNDS.
 */
export function cropRoi(input: SliceLike, roi: Roi, options: { clip?: boolean } = {}): Slice2D {
  const slice = asSlice2D(input);
  let { x, y, width, height } = roi;
  if (![x, y, width, height].every(Number.isInteger)) {
    throw new MriIoError(
      'BAD_ARGUMENT',
      `ROI ${x},${y},${width},${height} must be integer pixels`,
      slice.source.path,
    );
  }
  if (options.clip) {
    const x1 = Math.min(slice.columns, x + width);
    const y1 = Math.min(slice.rows, y + height);
    x = Math.max(0, x);
    y = Math.max(0, y);
    width = x1 - x;
    height = y1 - y;
  }
  if (width <= 0 || height <= 0 || x < 0 || y < 0 || x + width > slice.columns || y + height > slice.rows) {
    throw new MriIoError(
      'ROI_OUT_OF_BOUNDS',
      `ROI x=${roi.x} y=${roi.y} ${roi.width}x${roi.height} is not inside the ${slice.columns}x${slice.rows} (columns x rows) slice`,
      slice.source.path,
    );
  }
  const data = new Float32Array(width * height);
  for (let r = 0; r < height; r++) {
    data.set(
      slice.data.subarray((y + r) * slice.columns + x, (y + r) * slice.columns + x + width),
      r * width,
    );
  }
  let origin = slice.origin;
  if (origin && slice.rowCosines && slice.columnCosines) {
    const [dr, dc] = slice.pixelSpacing;
    origin = [0, 1, 2].map(
      (i) =>
        (origin as Vec3)[i] +
        x * dc * (slice.rowCosines as Vec3)[i] +
        y * dr * (slice.columnCosines as Vec3)[i],
    ) as Vec3;
  }
  return { ...slice, data, rows: height, columns: width, origin };
}

/**
 * Crops the bounding box of a mask's non-zero pixels (plus `margin` pixels, clipped to the
 * slice). The mask is row-major with the slice's size. Refuses an empty mask with EMPTY_MASK.
 */
export function cropMaskBoundingBox(
  input: SliceLike,
  mask: ArrayLike<number> | NumericArray,
  options: { margin?: number } = {},
): { crop: Slice2D; roi: Roi } {
  const slice = asSlice2D(input);
  if (mask.length !== slice.rows * slice.columns) {
    throw new MriIoError(
      'BAD_ARGUMENT',
      `mask has ${mask.length} pixels, the slice ${slice.rows}x${slice.columns}`,
      slice.source.path,
    );
  }
  let r0 = Number.POSITIVE_INFINITY;
  let r1 = -1;
  let c0 = Number.POSITIVE_INFINITY;
  let c1 = -1;
  for (let r = 0; r < slice.rows; r++) {
    for (let c = 0; c < slice.columns; c++) {
      if (mask[r * slice.columns + c]) {
        if (r < r0) r0 = r;
        if (r > r1) r1 = r;
        if (c < c0) c0 = c;
        if (c > c1) c1 = c;
      }
    }
  }
  if (r1 < 0)
    throw new MriIoError('EMPTY_MASK', 'the mask has no non-zero pixel; nothing to crop', slice.source.path);
  const m = options.margin ?? 0;
  const roi = { x: c0 - m, y: r0 - m, width: c1 - c0 + 1 + 2 * m, height: r1 - r0 + 1 + 2 * m };
  const crop = cropRoi(slice, roi, { clip: true });
  const x = Math.max(0, roi.x);
  const y = Math.max(0, roi.y);
  return { crop, roi: { x, y, width: crop.columns, height: crop.rows } };
}

/**
 * A slice as NIfTI-1 writer input: NIfTI shape `[columns, rows]` (first index fastest, so the
 * row-major data is written as is) and a voxel-to-RAS affine built from the slice geometry.
 */
export function sliceToNifti(input: SliceLike, description?: string): NiftiWriteInput {
  const slice = asSlice2D(input);
  const [dr, dc] = slice.pixelSpacing;
  const thickness = slice.sliceThickness ?? 1;
  let affine: number[][];
  if (slice.origin && slice.rowCosines && slice.columnCosines) {
    const normal = cross(slice.rowCosines, slice.columnCosines);
    affine = affineFromColumns(
      lpsToRas(scale(slice.rowCosines, dc)),
      lpsToRas(scale(slice.columnCosines, dr)),
      lpsToRas(scale(normal, thickness)),
      lpsToRas(slice.origin),
    );
  } else {
    affine = affineFromColumns([dc, 0, 0], [0, dr, 0], [0, 0, thickness], [0, 0, 0]);
  }
  return { data: slice.data, shape: [slice.columns, slice.rows, 1], affine, description };
}

/** The middle slice (`floor(n / 2)` in slice order) of an assembled volume, with its geometry. */
export function selectMidSagittalSlice(volume: Volume): Slice2D {
  const [n, rows, columns] = volume.shape;
  const k = Math.floor(n / 2);
  const A = volume.affineLps;
  const col = (j: number): Vec3 => [A[0][j], A[1][j], A[2][j]];
  const rowStep = col(1);
  const colStep = col(2);
  return {
    data: volume.data.slice(k * rows * columns, (k + 1) * rows * columns),
    rows,
    columns,
    pixelSpacing: [volume.spacing[1], volume.spacing[2]],
    origin: [0, 1, 2].map((i) => A[i][3] + k * A[i][0]) as Vec3,
    rowCosines: scale(colStep, 1 / norm(colStep)),
    columnCosines: scale(rowStep, 1 / norm(rowStep)),
    sliceThickness: volume.spacing[0],
    source: { path: volume.files[k], kind: 'series', index: k, count: n },
  };
}
