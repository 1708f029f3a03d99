import { invalidParameter, PreprocessError } from './errors.js';
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
  for (const p of ps) {
    if (typeof p !== 'number' || !(p >= 0 && p <= 100))
      throw invalidParameter('percentile', p, 'in [0, 100]');
  }
  const ranks: number[] = [];
  const plan = ps.map((p) => {
    const vi = (p / 100) * (n - 1);
    const lo = Math.floor(vi);
    const t = vi - lo;
    const hi = t > 0 && lo + 1 < n ? lo + 1 : lo;
    ranks.push(lo, hi);
    return { lo, hi, t };
  });
  const stats = orderStatistics(img.data, ranks);
  return plan.map(({ lo, hi, t }) => {
    const a = stats.get(lo)!;
    const b = stats.get(hi)!;
    const diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  });
}

// Maps float32 bits to an unsigned key with the same order as the values.
function sortKey(bits: number): number {
  return (bits & 0x80000000) !== 0 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

/**
 * Exact order statistics (0-based ranks) of finite float32 data in two linear passes and no
 * copy of the data: a 65536-bin histogram of the top 16 bits of each value's order-preserving
 * bit key locates the bin of every wanted rank; the second pass gathers only those bins, which
 * are sorted to read the ranks off.
 */
function orderStatistics(data: Float32Array, ranks: readonly number[]): Map<number, number> {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const n = data.length;
  const hist = new Uint32Array(65536);
  for (let i = 0; i < n; i++) hist[sortKey(bits[i]) >>> 16]++;
  // Bin of each rank and the rank's offset inside it.
  const sorted = [...new Set(ranks)].sort((a, b) => a - b);
  const where = new Map<number, { bin: number; offset: number }>();
  let cum = 0;
  let r = 0;
  for (let b = 0; b < 65536 && r < sorted.length; b++) {
    const next = cum + hist[b];
    while (r < sorted.length && sorted[r] < next) {
      where.set(sorted[r], { bin: b, offset: sorted[r] - cum });
      r++;
    }
    cum = next;
  }
  const bins = new Map<number, { values: Float64Array; fill: number }>();
  for (const { bin } of where.values()) {
    if (!bins.has(bin)) bins.set(bin, { values: new Float64Array(hist[bin]), fill: 0 });
  }
  const wanted = new Uint8Array(65536);
  for (const bin of bins.keys()) wanted[bin] = 1;
  for (let i = 0; i < n; i++) {
    const bin = sortKey(bits[i]) >>> 16;
    if (wanted[bin] === 1) {
      const slot = bins.get(bin)!;
      slot.values[slot.fill++] = data[i];
    }
  }
  const out = new Map<number, number>();
  for (const slot of bins.values()) slot.values.sort();
  for (const [rank, { bin, offset }] of where) out.set(rank, bins.get(bin)!.values[offset]);
  return out;
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
  const d = img.data;
  let min = d[0];
  let max = d[0];
  let probe = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    probe += v * 0; // becomes NaN on NaN or +-Infinity
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (probe !== 0) assertFinite(img);
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
