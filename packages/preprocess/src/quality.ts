import { borderTable } from './border.js';
import { invalidParameter } from './errors.js';
import { gaussianHalfKernel } from './filters.js';
import { assertFinite, assertSameShape, type Image2D } from './image.js';
import { minMax } from './intensity.js';

export interface QualityOptions {
  /**
   * Dynamic range L. Default: max - min of the reference image (the first argument), the
   * convention of `../shared/data/preprocess` and of scikit-image for float images.
   */
  dataRange?: number;
}

function dataRangeOf(reference: Image2D, options: QualityOptions): number {
  if (options.dataRange !== undefined) {
    if (!(options.dataRange > 0) || !Number.isFinite(options.dataRange)) {
      throw invalidParameter('dataRange', options.dataRange, 'a positive number');
    }
    return options.dataRange;
  }
  const { min, max } = minMax(reference);
  return max - min;
}

/**
 * Peak signal-to-noise ratio 10 log10(L^2 / MSE) in dB, MSE over all values, in double.
 * Identical images give Infinity. A constant reference without `dataRange` gives L = 0 and -Infinity
 * is avoided by throwing INVALID_PARAMETER.
 */
export function psnr(reference: Image2D, test: Image2D, options: QualityOptions = {}): number {
  assertSameShape(reference, test);
  assertFinite(reference, 'reference');
  assertFinite(test, 'test image');
  const L = dataRangeOf(reference, options);
  if (!(L > 0))
    throw invalidParameter('dataRange', L, 'positive (the reference is constant; pass dataRange)');
  const a = reference.data;
  const b = test.data;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  const mse = s / a.length;
  return 10 * Math.log10((L * L) / mse);
}

export interface SsimOptions extends QualityOptions {
  /**
   * Local window: `uniform` 7x7 with sample covariances (scikit-image's default), or
   * `gaussian` sigma 1.5 truncated at 3.5 sigma (11x11, Wang et al. 2004). Default `uniform`.
   */
  window?: 'uniform' | 'gaussian';
  /** Stabilising constants; defaults 0.01 and 0.03 (Wang et al. 2004). */
  k1?: number;
  k2?: number;
}

// Mean over a (2r+1)^2 box, reflect borders, separable, in double.
function boxMean(src: Float64Array, h: number, w: number, r: number): Float64Array {
  const tmp = new Float64Array(h * w);
  const out = new Float64Array(h * w);
  const n = 2 * r + 1;
  const refl = (i: number, len: number) => {
    const p = 2 * len;
    let j = ((i % p) + p) % p;
    if (j >= len) j = p - 1 - j;
    return j;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += src[y * w + refl(x + k, w)];
      tmp[y * w + x] = s / n;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += tmp[refl(y + k, h) * w + x];
      out[y * w + x] = s / n;
    }
  }
  return out;
}

// Gaussian-weighted local mean (sigma 1.5, truncate 3.5: SciPy's kernel), reflect borders,
// separable, in double (SSIM's variances are differences of close numbers).
function gaussMean(src: Float64Array, h: number, w: number): Float64Array {
  const half = gaussianHalfKernel(1.5, 3.5);
  const r = half.length - 1;
  const rows = borderTable(h, r, 'reflect');
  const cols = borderTable(w, r, 'reflect');
  const tmp = new Float64Array(h * w);
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = src[y * w + x] * half[0];
      for (let k = r; k >= 1; k--)
        s += (src[rows[y + r - k] * w + x] + src[rows[y + r + k] * w + x]) * half[k];
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = tmp[y * w + x] * half[0];
      for (let k = r; k >= 1; k--)
        s += (tmp[y * w + cols[x + r - k]] + tmp[y * w + cols[x + r + k]]) * half[k];
      out[y * w + x] = s;
    }
  }
  return out;
}

/**
 * Mean structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004) per channel, averaged over
 * channels. Local statistics use a reflect-bordered window; like scikit-image the mean skips a
 * border of half a window. Value range: [-1, 1], 1 for identical images.
 */
export function ssim(reference: Image2D, test: Image2D, options: SsimOptions = {}): number {
  assertSameShape(reference, test);
  assertFinite(reference, 'reference');
  assertFinite(test, 'test image');
  const window = options.window ?? 'uniform';
  if (window !== 'uniform' && window !== 'gaussian')
    throw invalidParameter('window', window, 'uniform or gaussian');
  const k1 = options.k1 ?? 0.01;
  const k2 = options.k2 ?? 0.03;
  const L = dataRangeOf(reference, options);
  const { height: h, width: w, channels: c } = reference;
  const r = window === 'uniform' ? 3 : 5;
  if (h < 2 * r + 1 || w < 2 * r + 1) {
    throw invalidParameter(
      'image size',
      `${h}x${w}`,
      `at least ${2 * r + 1}x${2 * r + 1} for the SSIM window`,
    );
  }
  const np = (2 * r + 1) ** 2;
  const cov = window === 'uniform' ? np / (np - 1) : 1;
  const C1 = (k1 * L) ** 2;
  const C2 = (k2 * L) ** 2;
  const n = h * w;
  const mean =
    window === 'uniform' ? (s: Float64Array) => boxMean(s, h, w, r) : (s: Float64Array) => gaussMean(s, h, w);
  let total = 0;
  for (let ch = 0; ch < c; ch++) {
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = reference.data[i * c + ch];
      y[i] = test.data[i * c + ch];
    }
    const xx = x.map((v) => v * v);
    const yy = y.map((v) => v * v);
    const xy = x.map((v, i) => v * y[i]);
    const ux = mean(x);
    const uy = mean(y);
    const uxx = mean(xx);
    const uyy = mean(yy);
    const uxy = mean(xy);
    let s = 0;
    let count = 0;
    for (let yy0 = r; yy0 < h - r; yy0++) {
      for (let xx0 = r; xx0 < w - r; xx0++) {
        const i = yy0 * w + xx0;
        const vx = cov * (uxx[i] - ux[i] * ux[i]);
        const vy = cov * (uyy[i] - uy[i] * uy[i]);
        const vxy = cov * (uxy[i] - ux[i] * uy[i]);
        const a1 = 2 * ux[i] * uy[i] + C1;
        const a2 = 2 * vxy + C2;
        const b1 = ux[i] * ux[i] + uy[i] * uy[i] + C1;
        const b2 = vx + vy + C2;
        s += (a1 * a2) / (b1 * b2);
        count++;
      }
    }
    total += s / count;
  }
  return total / c;
}
