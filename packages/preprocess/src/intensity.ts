import { invalidParameter, PreprocessError } from './errors.js';
import { select } from './filters.js';
import { assertFinite, assertImage, finiteNumber, type Image2D } from './image.js';
import type { Rng } from './rng.js';

/**
 * Percentiles of all values (every channel together) with NumPy's default `linear` method:
 * virtual index (p / 100) (n - 1), interpolated between the neighbouring order statistics with
 * NumPy's `_lerp` (which switches to `b - (b - a)(1 - t)` for t >= 0.5). Computed in double.
 * Throws `NON_FINITE_INPUT` on NaN/Infinity (NumPy would return NaN).
 */
export function percentiles(img: Image2D, ps: readonly number[]): number[] {
  assertImage(img);
  assertFinite(img);
  const n = img.data.length;
  const work = img.data.slice();
  return ps.map((p) => {
    if (typeof p !== 'number' || !(p >= 0 && p <= 100))
      throw invalidParameter('percentile', p, 'in [0, 100]');
    const vi = (p / 100) * (n - 1);
    const lo = Math.floor(vi);
    const hi = Math.min(lo + 1, n - 1);
    const t = vi - lo;
    const a = select(work, n, lo);
    const b = hi === lo ? a : select(work, n, hi);
    const diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  });
}

/** Clamps every value to [lo, hi] (float32). Value range: [lo, hi]. */
export function clip(img: Image2D, lo: number, hi: number): Image2D {
  assertImage(img);
  finiteNumber('lo', lo);
  finiteNumber('hi', hi);
  if (lo > hi) throw invalidParameter('lo', lo, `<= hi (${hi})`);
  const src = img.data;
  const out = new Float32Array(src.length);
  const flo = Math.fround(lo);
  const fhi = Math.fround(hi);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    out[i] = v < flo ? flo : Math.min(v, fhi);
  }
  return { data: out, height: img.height, width: img.width, channels: img.channels };
}

export interface PercentileClipOptions {
  /** Lower percentile, default 1. */
  lower?: number;
  /** Upper percentile, default 99. */
  upper?: number;
}

/**
 * Extremum removal: clip to the [lower, upper] percentiles of the image (NumPy linear method).
 * Value range: [P_lower, P_upper] of the input.
 */
export function percentileClip(img: Image2D, options: PercentileClipOptions = {}): Image2D {
  const lower = options.lower ?? 1;
  const upper = options.upper ?? 99;
  if (!(lower < upper)) throw invalidParameter('lower', lower, `< upper (${upper})`);
  const [lo, hi] = percentiles(img, [lower, upper]);
  return clip(img, lo, hi);
}

/** Minimum and maximum over all values. */
export function minMax(img: Image2D): { min: number; max: number } {
  assertImage(img);
  assertFinite(img);
  const d = img.data;
  let min = d[0];
  let max = d[0];
  for (let i = 1; i < d.length; i++) {
    const v = d[i];
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  return { min, max };
}

/**
 * Min-max normalisation `(x - min) / (max - min)` with each step rounded to float32 as NumPy's
 * float32 expression does. Value range: [0, 1]; a constant image maps to all zeros.
 */
export function minMaxNormalize(img: Image2D): Image2D {
  const { min, max } = minMax(img);
  const src = img.data;
  const out = new Float32Array(src.length);
  const range = Math.fround(max - min);
  if (range > 0) {
    const f = Math.fround;
    for (let i = 0; i < src.length; i++) out[i] = f(src[i] - min) / range;
  }
  return { data: out, height: img.height, width: img.width, channels: img.channels };
}

export interface ZScoreOptions {
  /** Added to the standard deviation to avoid division by zero; default 1e-8. */
  epsilon?: number;
}

/**
 * z-score normalisation `(x - mean) / (std + eps)` over all values, population std (ddof 0),
 * statistics in double. Value range: mean 0, standard deviation ~1 (0 for a constant image).
 */
export function zScoreNormalize(img: Image2D, options: ZScoreOptions = {}): Image2D {
  assertImage(img);
  assertFinite(img);
  const eps = options.epsilon ?? 1e-8;
  if (!(eps >= 0)) throw invalidParameter('epsilon', eps, '>= 0');
  const src = img.data;
  const n = src.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += src[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = src[i] - mean;
    ss += d * d;
  }
  const inv = 1 / (Math.sqrt(ss / n) + eps);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (src[i] - mean) * inv;
  return { data: out, height: img.height, width: img.width, channels: img.channels };
}

/**
 * Per-channel `(x - mean[c]) / std[c]`, e.g. ImageNet statistics for a 3-channel network input.
 */
export function normalizeChannels(img: Image2D, mean: readonly number[], std: readonly number[]): Image2D {
  assertImage(img);
  const c = img.channels;
  if (mean.length !== c || std.length !== c) {
    throw new PreprocessError(
      'INVALID_PARAMETER',
      `normalizeChannels needs ${c} means and stds for a ${c}-channel image, got ${mean.length} and ${std.length}`,
    );
  }
  std.forEach((s, i) => {
    if (!(s > 0)) throw invalidParameter(`std[${i}]`, s, 'a positive number');
  });
  const src = img.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const ch = i % c;
    out[i] = (src[i] - mean[ch]) / std[ch];
  }
  return { data: out, height: img.height, width: img.width, channels: c };
}

export interface IntensityJitterOptions {
  /** Additive offset drawn uniformly from [-brightness, +brightness] (image units); default 0. */
  brightness?: number;
  /** Contrast factor drawn uniformly from [1 - contrast, 1 + contrast] about the mean; default 0. */
  contrast?: number;
}

/**
 * Random intensity jitter `(x - mean) * c + mean + b`. Draws exactly two numbers from `rng`
 * (contrast, then brightness) whatever the options, so streams stay aligned across configs.
 */
export function intensityJitter(img: Image2D, rng: Rng, options: IntensityJitterOptions = {}): Image2D {
  assertImage(img);
  const brightness = options.brightness ?? 0;
  const contrast = options.contrast ?? 0;
  if (!(brightness >= 0) || !Number.isFinite(brightness))
    throw invalidParameter('brightness', brightness, '>= 0');
  if (!(contrast >= 0 && contrast < 1)) throw invalidParameter('contrast', contrast, 'in [0, 1)');
  const c = rng.uniform(1 - contrast, 1 + contrast);
  const b = rng.uniform(-brightness, brightness);
  const src = img.data;
  let sum = 0;
  for (let i = 0; i < src.length; i++) sum += src[i];
  const mean = sum / src.length;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = (src[i] - mean) * c + mean + b;
  return { data: out, height: img.height, width: img.width, channels: img.channels };
}
