import { type BorderMode, borderTable, checkBorderMode } from './border.js';
import { invalidParameter } from './errors.js';
import { assertImage, finiteNumber, type Image2D, positiveNumber } from './image.js';

/** Border options shared by the neighbourhood filters. */
export interface BorderOptions {
  /** How pixels past the edge are read; default `reflect` (SciPy's default). */
  mode?: BorderMode;
  /** Value outside the image for `mode: 'constant'`; default 0. */
  cval?: number;
}

function border(options: BorderOptions): { mode: BorderMode; cval: number } {
  const mode = checkBorderMode(options.mode ?? 'reflect');
  const cval = finiteNumber('cval', options.cval ?? 0);
  return { mode, cval };
}

/**
 * Copies one channel of `img` into a (height + 2r) x (width + 2r) plane padded by the border
 * rule, so the stencil loops below read neighbours without any edge tests.
 */
function paddedPlane<T extends Float32Array | Float64Array = Float64Array>(
  img: Image2D,
  ch: number,
  r: number,
  mode: BorderMode,
  cval: number,
  out?: T,
  make: (n: number) => T = (n) => new Float64Array(n) as T,
): T {
  const { height: h, width: w, channels: c, data } = img;
  const pw = w + 2 * r;
  const ph = h + 2 * r;
  const plane = out && out.length === pw * ph ? out : make(pw * ph);
  const rows = borderTable(h, r, mode);
  const cols = borderTable(w, r, mode);
  for (let py = 0; py < ph; py++) {
    const sy = rows[py];
    const o = py * pw;
    if (sy < 0) {
      plane.fill(cval, o, o + pw);
      continue;
    }
    const base = sy * w * c + ch;
    for (let px = 0; px < pw; px++) {
      const sx = cols[px];
      plane[o + px] = sx < 0 ? cval : data[base + sx * c];
    }
  }
  return plane;
}

/**
 * 1-D correlation along one axis with a symmetric odd-length kernel given by its centre weight
 * `half[0]` and side weights `half[1..r]`. The sum is formed as SciPy's `correlate1d` does for
 * symmetric kernels (centre first, then outer pairs inwards) in double and rounded to float32.
 */
function correlateSymmetric1d(
  img: Image2D,
  half: Float64Array,
  axis: 0 | 1,
  mode: BorderMode,
  cval: number,
): Float32Array {
  const { height: h, width: w, channels: c, data } = img;
  const r = half.length - 1;
  const out = new Float32Array(data.length);
  const w0 = half[0];
  if (axis === 1) {
    const cols = borderTable(w, r, mode);
    const line = new Float64Array(w + 2 * r);
    for (let y = 0; y < h; y++) {
      for (let ch = 0; ch < c; ch++) {
        const base = y * w * c + ch;
        for (let i = 0; i < line.length; i++) {
          const sx = cols[i];
          line[i] = sx < 0 ? cval : data[base + sx * c];
        }
        for (let x = 0; x < w; x++) {
          const m = x + r;
          let acc = line[m] * w0;
          for (let j = r; j >= 1; j--) acc += (line[m - j] + line[m + j]) * half[j];
          out[base + x * c] = acc;
        }
      }
    }
    return out;
  }
  const rows = borderTable(h, r, mode);
  const rowLen = w * c;
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < h; y++) {
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) acc[i] = data[o + i] * w0;
    for (let j = r; j >= 1; j--) {
      const a = rows[y + r - j];
      const b = rows[y + r + j];
      const wj = half[j];
      const oa = a * rowLen;
      const ob = b * rowLen;
      if (a >= 0 && b >= 0) {
        for (let i = 0; i < rowLen; i++) acc[i] += (data[oa + i] + data[ob + i]) * wj;
      } else {
        for (let i = 0; i < rowLen; i++) {
          acc[i] += ((a < 0 ? cval : data[oa + i]) + (b < 0 ? cval : data[ob + i])) * wj;
        }
      }
    }
    for (let i = 0; i < rowLen; i++) out[o + i] = acc[i];
  }
  return out;
}

export interface LaplacianOptions extends BorderOptions {
  /** 4: `scipy.ndimage.laplace` ([1,-2,1] along each axis); 8: the 3x3 kernel with -8 centre. Default 4. */
  neighbours?: 4 | 8;
}

/**
 * Discrete Laplacian per channel. 4-neighbour is SciPy's `laplace`: the second difference along
 * rows and along columns, each rounded to float32, then summed in float32. 8-neighbour is
 * `ndimage.convolve` with [[1,1,1],[1,-8,1],[1,1,1]], summed in double, rounded once.
 * Value range: about +-8 x the input range; sums to ~0 under reflect borders.
 */
export function laplacian(img: Image2D, options: LaplacianOptions = {}): Image2D {
  assertImage(img);
  const { mode, cval } = border(options);
  const neighbours = options.neighbours ?? 4;
  if (neighbours !== 4 && neighbours !== 8) throw invalidParameter('neighbours', neighbours, '4 or 8');
  const data = neighbours === 4 ? laplace4(img, mode, cval, 0, false) : laplace8(img, mode, cval);
  return { data, height: img.height, width: img.width, channels: img.channels };
}

// SciPy's laplace: f32(second difference along rows) + f32(along columns), rounded to f32.
// Reads the image directly; only the first/last row and column go through the border tables.
// With `sharpen`, stores x - k * lap instead (NumPy's float32 `img - k * lap`).
function laplace4(img: Image2D, mode: BorderMode, cval: number, k: number, sharpen: boolean): Float32Array {
  const { height: h, width: w, channels: c, data } = img;
  const out = new Float32Array(data.length);
  const rows = borderTable(h, 1, mode);
  const cols = borderTable(w, 1, mode);
  const rowLen = w * c;
  const xl = cols[0];
  const xr = cols[w + 1];
  const f = Math.fround;
  for (let y = 0; y < h; y++) {
    const o = y * rowLen;
    const ua = rows[y];
    const da = rows[y + 2];
    const u = ua * rowLen;
    const d = da * rowLen;
    if (c === 1 && ua >= 0 && da >= 0 && w > 2) {
      // Fast path: one channel, both neighbour rows readable; edges columns outside the loop.
      const l0 = xl < 0 ? cval : data[o + xl];
      const r1 = xr < 0 ? cval : data[o + xr];
      out[o] = laplaceAt(data[o], data[u], data[d], l0, data[o + 1], k, sharpen);
      for (let x = 1; x < w - 1; x++) {
        const i = o + x;
        const v = data[i];
        const lap = f(f(v * -2 + (data[u + x] + data[d + x])) + f(v * -2 + (data[i - 1] + data[i + 1])));
        out[i] = sharpen ? v - k * lap : lap;
      }
      const e = o + w - 1;
      out[e] = laplaceAt(data[e], data[u + w - 1], data[d + w - 1], data[e - 1], r1, k, sharpen);
      continue;
    }
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        const j = x * c + ch;
        const i = o + j;
        const v = data[i];
        const up = ua < 0 ? cval : data[u + j];
        const dn = da < 0 ? cval : data[d + j];
        const left = x > 0 ? data[i - c] : xl < 0 ? cval : data[o + xl * c + ch];
        const right = x < w - 1 ? data[i + c] : xr < 0 ? cval : data[o + xr * c + ch];
        const lap = f(f(v * -2 + (up + dn)) + f(v * -2 + (left + right)));
        out[i] = sharpen ? v - k * lap : lap;
      }
    }
  }
  return out;
}

function laplaceAt(
  v: number,
  up: number,
  dn: number,
  left: number,
  right: number,
  k: number,
  sharpen: boolean,
) {
  const f = Math.fround;
  const lap = f(f(v * -2 + (up + dn)) + f(v * -2 + (left + right)));
  return sharpen ? v - k * lap : lap;
}

// ndimage.convolve with [[1,1,1],[1,-8,1],[1,1,1]]: nine terms summed in double in kernel order.
function laplace8(img: Image2D, mode: BorderMode, cval: number): Float32Array {
  const { height: h, width: w, channels: c } = img;
  const out = new Float32Array(img.data.length);
  const pw = w + 2;
  let plane: Float64Array | undefined;
  for (let ch = 0; ch < c; ch++) {
    plane = paddedPlane(img, ch, 1, mode, cval, plane);
    for (let y = 0; y < h; y++) {
      let p = (y + 1) * pw + 1;
      let o = y * w * c + ch;
      for (let x = 0; x < w; x++, p++, o += c) {
        const up = p - pw;
        const dn = p + pw;
        out[o] =
          plane[up - 1] +
          plane[up] +
          plane[up + 1] +
          plane[p - 1] +
          plane[p] * -8 +
          plane[p + 1] +
          plane[dn - 1] +
          plane[dn] +
          plane[dn + 1];
      }
    }
  }
  return out;
}

export interface SharpenOptions extends LaplacianOptions {
  /** Strength k in `I - k * laplacian(I)`; default 1. */
  amount?: number;
}

/**
 * Laplacian high-pass sharpening `I - k * lap(I)` (the study's sharpening step). With k = 1 and
 * 4 neighbours it equals NumPy's float32 `img - ndimage.laplace(img)`. Value range: widens the
 * input range by up to 8k x its local contrast; clip or normalise afterwards.
 */
export function laplacianSharpen(img: Image2D, options: SharpenOptions = {}): Image2D {
  const k = finiteNumber('amount', options.amount ?? 1);
  if ((options.neighbours ?? 4) === 4) {
    assertImage(img);
    const { mode, cval } = border(options);
    const data = laplace4(img, mode, cval, k, true);
    return { data, height: img.height, width: img.width, channels: img.channels };
  }
  const lap = laplacian(img, options);
  const src = img.data;
  const out = lap.data;
  for (let i = 0; i < out.length; i++) out[i] = src[i] - k * out[i];
  return lap;
}

export interface GaussianOptions extends BorderOptions {
  /** Standard deviation in pixels (> 0). */
  sigma: number;
  /** Kernel radius = round(truncate * sigma) as SciPy; default 4. */
  truncate?: number;
}

/** SciPy's `_gaussian_kernel1d`: exp(-x^2 / 2 sigma^2) on -r..r normalised to sum 1; returns [w0, w1..wr]. */
export function gaussianHalfKernel(sigma: number, truncate: number): Float64Array {
  const r = Math.trunc(truncate * sigma + 0.5);
  const full = new Float64Array(2 * r + 1);
  const k = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    full[i + r] = Math.exp(k * i * i);
    sum += full[i + r];
  }
  const half = new Float64Array(r + 1);
  for (let i = 0; i <= r; i++) half[i] = full[i + r] / sum;
  return half;
}

/**
 * Gaussian blur as `scipy.ndimage.gaussian_filter`: separable, rows axis first then columns,
 * the intermediate rounded to float32. Value range: within the input range (a weighted mean).
 */
export function gaussianFilter(img: Image2D, options: GaussianOptions): Image2D {
  assertImage(img);
  const sigma = positiveNumber('sigma', options?.sigma);
  const truncate = positiveNumber('truncate', options.truncate ?? 4);
  const { mode, cval } = border(options);
  const half = gaussianHalfKernel(sigma, truncate);
  const tmp = correlateSymmetric1d(img, half, 0, mode, cval);
  const out = correlateSymmetric1d({ ...img, data: tmp }, half, 1, mode, cval);
  return { data: out, height: img.height, width: img.width, channels: img.channels };
}

export interface UnsharpOptions extends GaussianOptions {
  /** Weight of the high-pass detail added back; default 1. */
  amount?: number;
}

/** Unsharp masking `I + amount * (I - gaussian(I))`. Value range: widens like sharpening. */
export function unsharpMask(img: Image2D, options: UnsharpOptions): Image2D {
  const amount = finiteNumber('amount', options?.amount ?? 1);
  const blur = gaussianFilter(img, options);
  const src = img.data;
  const out = blur.data;
  for (let i = 0; i < out.length; i++) out[i] = src[i] + amount * (src[i] - out[i]);
  return blur;
}

export interface MedianOptions extends BorderOptions {
  /** Window side: 3 or 5. Default 3. */
  size?: 3 | 5;
}

/**
 * Median filter over a size x size window per channel, as `scipy.ndimage.median_filter`.
 * Output values are input values (or cval), so it is exact. 3x3 uses a 19-exchange selection
 * network; 5x5 a quickselect over a reused 25-value buffer.
 */
export function medianFilter(img: Image2D, options: MedianOptions = {}): Image2D {
  assertImage(img);
  const { mode, cval } = border(options);
  const size = options.size ?? 3;
  if (size !== 3 && size !== 5) throw invalidParameter('size', size, '3 or 5');
  const { height: h, width: w, channels: c } = img;
  const r = (size - 1) / 2;
  const pw = w + 2 * r;
  const out = new Float32Array(img.data.length);
  // Medians only copy values, so a float32 plane is exact (cval is stored as float32, as SciPy's
  // float32 output would round it).
  let plane: Float32Array | undefined;
  const make32 = (n: number) => new Float32Array(n);
  const win = new Float64Array(25);
  // Column-sorted triples of the current 3-row band, shared by the three windows that use them.
  const lo = new Float64Array(pw);
  const mid = new Float64Array(pw);
  const hi = new Float64Array(pw);
  for (let ch = 0; ch < c; ch++) {
    plane = paddedPlane<Float32Array>(img, ch, r, mode, cval, plane, make32);
    for (let y = 0; y < h; y++) {
      let o = y * w * c + ch;
      if (size === 3) {
        sortColumns3(plane, y * pw, pw, lo, mid, hi);
        for (let x = 0; x < w; x++, o += c) out[o] = median9(lo, mid, hi, x);
      } else {
        for (let x = 0; x < w; x++, o += c) {
          let k = 0;
          for (let dy = 0; dy < 5; dy++) {
            const row = (y + dy) * pw + x;
            for (let dx = 0; dx < 5; dx++) win[k++] = plane[row + dx];
          }
          out[o] = select(win, 25, 12);
        }
      }
    }
  }
  return { data: out, height: h, width: w, channels: c };
}

// Sorts each column triple of a 3-row band; branch-free (min/max) because noisy images make
// comparison branches unpredictable.
function sortColumns3(
  a: Float32Array,
  start: number,
  pw: number,
  lo: Float64Array,
  mid: Float64Array,
  hi: Float64Array,
) {
  const { min, max } = Math;
  for (let x = 0; x < pw; x++) {
    const p = a[start + x];
    const q = a[start + pw + x];
    const s = a[start + 2 * pw + x];
    const pqLo = min(p, q);
    const pqHi = max(p, q);
    lo[x] = min(pqLo, s);
    hi[x] = max(pqHi, s);
    mid[x] = max(pqLo, min(pqHi, s));
  }
}

// Median of a 3x3 window from its column-sorted triples: the median of (largest column minimum,
// median of column medians, smallest column maximum) — the selection network of Paeth (1990).
function median9(lo: Float64Array, mid: Float64Array, hi: Float64Array, x: number): number {
  const { min, max } = Math;
  const maxLo = max(lo[x], lo[x + 1], lo[x + 2]);
  const minHi = min(hi[x], hi[x + 1], hi[x + 2]);
  const a = mid[x];
  const b = mid[x + 1];
  const medMid = max(min(a, b), min(max(a, b), mid[x + 2]));
  return max(min(maxLo, medMid), min(max(maxLo, medMid), minHi));
}

/**
 * k-th smallest of a[from..to) (Hoare quickselect, median-of-three pivot); reorders that range
 * so that a[from..k) <= a[k] <= a(k..to).
 */
export function select(a: Float64Array | Float32Array, n: number, k: number, from = 0): number {
  let lo = from;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    let t: number;
    if (a[mid] < a[lo]) {
      t = a[mid];
      a[mid] = a[lo];
      a[lo] = t;
    }
    if (a[hi] < a[lo]) {
      t = a[hi];
      a[hi] = a[lo];
      a[lo] = t;
    }
    if (a[hi] < a[mid]) {
      t = a[hi];
      a[hi] = a[mid];
      a[mid] = t;
    }
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

export interface BilateralOptions extends BorderOptions {
  /** Spatial standard deviation in pixels. */
  sigmaSpatial: number;
  /** Intensity standard deviation in image units; edges steeper than ~2 sigmaRange are kept. */
  sigmaRange: number;
  /** Window radius = round(truncate * sigmaSpatial); default 4 (as gaussianFilter). */
  truncate?: number;
}

/**
 * Edge-preserving bilateral filter (Tomasi & Manduchi 1998): each output is the mean of its
 * window weighted by exp(-d^2 / 2 sigmaSpatial^2) * exp(-dI^2 / 2 sigmaRange^2). With a very
 * large sigmaRange it tends to `gaussianFilter` with the same sigma and truncate. Per channel.
 * Value range: within the input range (plus cval for constant borders).
 */
export function bilateralFilter(img: Image2D, options: BilateralOptions): Image2D {
  assertImage(img);
  const sigmaS = positiveNumber('sigmaSpatial', options?.sigmaSpatial);
  const sigmaR = positiveNumber('sigmaRange', options.sigmaRange);
  const truncate = positiveNumber('truncate', options.truncate ?? 4);
  const { mode, cval } = border(options);
  const r = Math.trunc(truncate * sigmaS + 0.5);
  const { height: h, width: w, channels: c } = img;
  const pw = w + 2 * r;
  const size = 2 * r + 1;
  const spatial = new Float64Array(size * size);
  const offs = new Int32Array(size * size);
  const ks = -0.5 / (sigmaS * sigmaS);
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      const k = (dy + r) * size + dx + r;
      spatial[k] = Math.exp(ks * (dx * dx + dy * dy));
      offs[k] = dy * pw + dx;
    }
  }
  const kr = -0.5 / (sigmaR * sigmaR);
  const out = new Float32Array(img.data.length);
  let plane: Float64Array | undefined;
  const nk = size * size;
  for (let ch = 0; ch < c; ch++) {
    plane = paddedPlane(img, ch, r, mode, cval, plane);
    for (let y = 0; y < h; y++) {
      let p = (y + r) * pw + r;
      let o = y * w * c + ch;
      for (let x = 0; x < w; x++, p++, o += c) {
        const v = plane[p];
        let num = 0;
        let den = 0;
        for (let k = 0; k < nk; k++) {
          const u = plane[p + offs[k]];
          const d = u - v;
          const wt = spatial[k] * Math.exp(kr * d * d);
          num += wt * u;
          den += wt;
        }
        out[o] = num / den;
      }
    }
  }
  return { data: out, height: h, width: w, channels: c };
}
