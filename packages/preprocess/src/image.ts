import { invalidParameter, PreprocessError } from './errors.js';

/**
 * A row-major image: `data[(y * width + x) * channels + c]`, float32, channels interleaved
 * (the layout of a NumPy `(height, width[, channels])` array). Kernels never mutate `data`
 * unless their name ends in `InPlace`; they return a new image.
 */
export interface Image2D {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Shape of an image; `channels` defaults to 1. */
export interface ImageShape {
  height: number;
  width: number;
  channels?: number;
}

function checkDim(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new PreprocessError('INVALID_SHAPE', `${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/**
 * Wraps `data` (not copied) as an image after checking that its length matches the shape.
 * Throws `INVALID_SHAPE` when it does not.
 */
export function imageFromData(data: Float32Array, shape: ImageShape): Image2D {
  if (!(data instanceof Float32Array)) {
    throw new PreprocessError('INVALID_SHAPE', 'image data must be a Float32Array; convert it first');
  }
  const height = checkDim('height', shape.height);
  const width = checkDim('width', shape.width);
  const channels = checkDim('channels', shape.channels ?? 1);
  if (data.length !== height * width * channels) {
    throw new PreprocessError(
      'INVALID_SHAPE',
      `data has ${data.length} values but ${height}x${width}x${channels} needs ${height * width * channels}`,
    );
  }
  return { data, height, width, channels };
}

/**
 * A one-channel image of a slice or crop in @op-screen/mri-io's shape (`Slice2D`, what `cropRoi`
 * returns: row-major `data` with `rows` and `columns`), without copying `data`: the hand-off from
 * reading to preprocessing. Structural, so this package does not depend on mri-io.
 */
export function imageFromSlice(slice: {
  readonly data: Float32Array;
  readonly rows: number;
  readonly columns: number;
}): Image2D {
  return imageFromData(slice.data, { height: slice.rows, width: slice.columns, channels: 1 });
}

/** A new zero-filled image of the given shape. */
export function createImage(height: number, width: number, channels = 1): Image2D {
  checkDim('height', height);
  checkDim('width', width);
  checkDim('channels', channels);
  return { data: new Float32Array(height * width * channels), height, width, channels };
}

/** A deep copy (fresh `data`). */
export function cloneImage(img: Image2D): Image2D {
  assertImage(img);
  return { data: img.data.slice(), height: img.height, width: img.width, channels: img.channels };
}

/** Validates an image argument; throws `INVALID_SHAPE` with the reason. */
export function assertImage(img: Image2D, what = 'image'): void {
  if (img === null || typeof img !== 'object' || !(img.data instanceof Float32Array)) {
    throw new PreprocessError(
      'INVALID_SHAPE',
      `${what} must be {data: Float32Array, height, width, channels}`,
    );
  }
  const { height, width, channels } = img;
  checkDim(`${what}.height`, height);
  checkDim(`${what}.width`, width);
  checkDim(`${what}.channels`, channels);
  if (img.data.length !== height * width * channels) {
    throw new PreprocessError(
      'INVALID_SHAPE',
      `${what}.data has ${img.data.length} values but ${height}x${width}x${channels} needs ${height * width * channels}`,
    );
  }
}

export function assertSameShape(a: Image2D, b: Image2D): void {
  assertImage(a, 'first image');
  assertImage(b, 'second image');
  if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
    throw new PreprocessError(
      'SHAPE_MISMATCH',
      `images differ in shape: ${a.height}x${a.width}x${a.channels} vs ${b.height}x${b.width}x${b.channels}`,
    );
  }
}

export function assertFinite(img: Image2D, what = 'image'): void {
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) {
      throw new PreprocessError(
        'NON_FINITE_INPUT',
        `${what} holds a non-finite value (${v}) at index ${i}; remove NaN/Infinity before this kernel`,
      );
    }
  }
}

export function positiveNumber(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw invalidParameter(name, v, 'a positive number');
  return v;
}

export function finiteNumber(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidParameter(name, v, 'a finite number');
  return v;
}

export function positiveInteger(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw invalidParameter(name, v, 'a positive integer');
  return v;
}
