import { invalidParameter } from './errors.js';
import { assertImage, type Image2D, positiveInteger } from './image.js';

/** Interpolation for `resize`. */
export type ResizeMethod = 'nearest' | 'bilinear' | 'bicubic' | 'area';

export const RESIZE_METHODS: readonly ResizeMethod[] = ['nearest', 'bilinear', 'bicubic', 'area'];

export interface ResizeOptions {
  height: number;
  width: number;
  /** Default `bilinear`. */
  method?: ResizeMethod;
  /**
   * Low-pass when shrinking, as torch `interpolate(..., antialias=True)` (PIL-style: the
   * triangle filter for bilinear, Keys a = -0.5 for bicubic, stretched by the scale factor).
   * Only for bilinear/bicubic; default false.
   */
  antialias?: boolean;
}

const f = Math.fround;

// torch area_pixel_compute_scale for align_corners=False with an explicit output size:
// (float)in / out.
function torchScale(inSize: number, outSize: number): number {
  return f(inSize / outSize);
}

/** Per-output taps along one axis: `count` taps from `index[i*count..]` with `weight`. */
interface AxisTaps {
  count: number;
  index: Int32Array;
  weight: Float32Array;
  /** Taps actually used per output (antialias: torch's xsize); absent means all `count`. */
  used?: Int32Array;
}

// What PyTorch 1.13's x86 build computes (established bit for bit against torch itself with
// one-hot inputs): the scale is float32 (in / out), the source coordinate
// scale * (i + 0.5) - 0.5 is kept in double, and only the fractional part is rounded to float32.
function sourceCoordinate(scale: number, i: number): number {
  return scale * (i + 0.5) - 0.5;
}

// torch compute_indices_weights_linear (align_corners=False): half-pixel centres, negative
// source positions clamped to 0, the second tap clamped to the last pixel; w0 = 1 - w1 in float32.
function linearTaps(inSize: number, outSize: number): AxisTaps {
  const scale = torchScale(inSize, outSize);
  const index = new Int32Array(outSize * 2);
  const weight = new Float32Array(outSize * 2);
  for (let i = 0; i < outSize; i++) {
    const src = Math.max(sourceCoordinate(scale, i), 0);
    const i0 = Math.trunc(src);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const l1 = f(Math.min(Math.max(src - i0, 0), 1));
    index[2 * i] = i0;
    index[2 * i + 1] = i1;
    weight[2 * i] = f(1 - l1);
    weight[2 * i + 1] = l1;
  }
  return { count: 2, index, weight };
}

// float32 fused multiply-add: the float32 x float32 product is exact in double.
function fma32(a: number, b: number, c: number): number {
  return f(a * b + c);
}

// Keys' cubic convolution with the fused multiply-adds the x86 build of torch uses
// (matched weight by weight): |x| <= 1 and 1 < |x| < 2 pieces.
function cubicConv1(x: number, a: number): number {
  const p = fma32(f(a + 2), x, -f(a + 3));
  return f(f(f(p * x) * x) + 1);
}

function cubicConv2(x: number, a: number): number {
  const p = fma32(a, x, -f(5 * a));
  const q = fma32(p, x, f(8 * a));
  return f(f(q * x) - f(4 * a));
}

// torch compute_indices_weights_cubic (align_corners=False): Keys kernel with A = -0.75, taps
// clamped into the image (replicate border).
function cubicTaps(inSize: number, outSize: number): AxisTaps {
  const scale = torchScale(inSize, outSize);
  const a = -0.75;
  const index = new Int32Array(outSize * 4);
  const weight = new Float32Array(outSize * 4);
  for (let i = 0; i < outSize; i++) {
    const src = sourceCoordinate(scale, i);
    const i0 = Math.floor(src);
    const t = f(src - i0);
    const t2 = f(1 - t);
    weight[4 * i] = cubicConv2(f(t + 1), a);
    weight[4 * i + 1] = cubicConv1(t, a);
    weight[4 * i + 2] = cubicConv1(t2, a);
    weight[4 * i + 3] = cubicConv2(f(t2 + 1), a);
    for (let j = 0; j < 4; j++) index[4 * i + j] = Math.max(Math.min(i0 - 1 + j, inSize - 1), 0);
  }
  return { count: 4, index, weight };
}

function triangle(x: number): number {
  const ax = x < 0 ? -x : x;
  return ax < 1 ? f(1 - ax) : 0;
}

function keysHalf(x: number): number {
  // Keys cubic with a = -0.5 (PIL / torch antialiased bicubic), evaluated in double as torch's
  // aa_filter does, then stored as float32.
  const a = -0.5;
  const ax = x < 0 ? -x : x;
  if (ax < 1) return f(((a + 2) * ax - (a + 3)) * ax * ax + 1);
  if (ax < 2) return f((((ax - 5) * ax + 8) * ax - 4) * a);
  return 0;
}

// torch _compute_weights_aa: the filter is stretched by the scale when shrinking, taps run over
// [center - support, center + support) clipped to the image, weights normalised to sum 1.
function antialiasTaps(inSize: number, outSize: number, cubic: boolean): AxisTaps {
  const scale = torchScale(inSize, outSize);
  const interpSize = cubic ? 4 : 2;
  const filter = cubic ? keysHalf : triangle;
  const support = scale >= 1 ? f(interpSize * 0.5 * scale) : interpSize * 0.5;
  const invscale = scale >= 1 ? f(1 / scale) : 1;
  const count = Math.ceil(support) * 2 + 1;
  const index = new Int32Array(outSize * count);
  const weight = new Float32Array(outSize * count);
  const used = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const center = f(scale * (i + 0.5));
    const xmin = Math.max(Math.trunc(f(center - support) + 0.5), 0);
    const xsize = Math.min(Math.trunc(f(center + support) + 0.5), inSize) - xmin;
    used[i] = xsize;
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const w = filter(f((f(j + xmin - center) + 0.5) * invscale));
      weight[i * count + j] = w;
      total = f(total + w);
    }
    for (let j = 0; j < count; j++) {
      if (j < xsize) {
        if (total !== 0) weight[i * count + j] = f(weight[i * count + j] / total);
        index[i * count + j] = xmin + j;
      } else {
        weight[i * count + j] = 0;
        index[i * count + j] = xmin;
      }
    }
  }
  return { count, index, weight, used };
}

// One separable pass along `axis` with float32 accumulation in tap order (torch's loop).
function separablePass(img: Image2D, taps: AxisTaps, axis: 0 | 1, outSize: number): Image2D {
  const { height: h, width: w, channels: c, data } = img;
  const oh = axis === 0 ? outSize : h;
  const ow = axis === 1 ? outSize : w;
  const out = new Float32Array(oh * ow * c);
  const { count, index, weight } = taps;
  const used = taps.used ?? new Int32Array(outSize).fill(count);
  if (axis === 1) {
    for (let y = 0; y < h; y++) {
      const rowIn = y * w * c;
      const rowOut = y * ow * c;
      for (let x = 0; x < ow; x++) {
        const t = x * count;
        const n = used[x];
        if (c === 1) {
          // Taps are consecutive pixels starting at index[t].
          const p = rowIn + index[t];
          let acc = f(data[p] * weight[t]);
          for (let j = 1; j < n; j++) acc = f(acc + f(data[p + j] * weight[t + j]));
          out[rowOut + x] = acc;
          continue;
        }
        for (let ch = 0; ch < c; ch++) {
          let acc = f(data[rowIn + index[t] * c + ch] * weight[t]);
          for (let j = 1; j < n; j++) acc = f(acc + f(data[rowIn + index[t + j] * c + ch] * weight[t + j]));
          out[rowOut + x * c + ch] = acc;
        }
      }
    }
  } else {
    const rowLen = w * c;
    for (let y = 0; y < oh; y++) {
      const t = y * count;
      const rowOut = y * rowLen;
      const r0 = index[t] * rowLen;
      const w0 = weight[t];
      for (let i = 0; i < rowLen; i++) out[rowOut + i] = f(data[r0 + i] * w0);
      for (let j = 1; j < used[y]; j++) {
        const rj = index[t + j] * rowLen;
        const wj = weight[t + j];
        for (let i = 0; i < rowLen; i++) out[rowOut + i] = f(out[rowOut + i] + f(data[rj + i] * wj));
      }
    }
  }
  return { data: out, height: oh, width: ow, channels: c };
}

// torch's non-antialiased bilinear: the four float32 weight products wy * wx, each times its
// pixel, summed in double in row-major tap order, rounded once (bit-exact against torch 1.13).
function bilinear2d(img: Image2D, ty: AxisTaps, tx: AxisTaps, oh: number, ow: number): Image2D {
  const { width: w, channels: c, data } = img;
  const out = new Float32Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    const r0 = ty.index[2 * y] * w;
    const r1 = ty.index[2 * y + 1] * w;
    const wy0 = ty.weight[2 * y];
    const wy1 = ty.weight[2 * y + 1];
    for (let x = 0; x < ow; x++) {
      const x0 = tx.index[2 * x];
      const x1 = tx.index[2 * x + 1];
      const w00 = f(wy0 * tx.weight[2 * x]);
      const w01 = f(wy0 * tx.weight[2 * x + 1]);
      const w10 = f(wy1 * tx.weight[2 * x]);
      const w11 = f(wy1 * tx.weight[2 * x + 1]);
      const o = (y * ow + x) * c;
      if (c === 1) {
        out[o] = data[r0 + x0] * w00 + data[r0 + x1] * w01 + data[r1 + x0] * w10 + data[r1 + x1] * w11;
        continue;
      }
      for (let ch = 0; ch < c; ch++) {
        out[o + ch] =
          data[(r0 + x0) * c + ch] * w00 +
          data[(r0 + x1) * c + ch] * w01 +
          data[(r1 + x0) * c + ch] * w10 +
          data[(r1 + x1) * c + ch] * w11;
      }
    }
  }
  return { data: out, height: oh, width: ow, channels: c };
}

// torch's non-antialiased bicubic: out = sum_j wy_j * (sum_i wx_i * v_ji), float32 with fused
// multiply-adds, rows outer, columns inner, in tap order (within ~3 float32 ulps of torch 1.13).
function bicubic2d(img: Image2D, ty: AxisTaps, tx: AxisTaps, oh: number, ow: number): Image2D {
  const { width: w, channels: c, data } = img;
  const out = new Float32Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let j = 0; j < 4; j++) {
          const row = ty.index[y * 4 + j] * w;
          let inner = f(data[(row + tx.index[x * 4]) * c + ch] * tx.weight[x * 4]);
          for (let i = 1; i < 4; i++) {
            inner = fma32(data[(row + tx.index[x * 4 + i]) * c + ch], tx.weight[x * 4 + i], inner);
          }
          acc = j === 0 ? f(inner * ty.weight[y * 4]) : fma32(inner, ty.weight[y * 4 + j], acc);
        }
        out[(y * ow + x) * c + ch] = acc;
      }
    }
  }
  return { data: out, height: oh, width: ow, channels: c };
}

function nearestResize(img: Image2D, oh: number, ow: number): Image2D {
  const { height: h, width: w, channels: c, data } = img;
  const sy = torchScale(h, oh);
  const sx = torchScale(w, ow);
  const out = new Float32Array(oh * ow * c);
  const xs = new Int32Array(ow);
  for (let x = 0; x < ow; x++) xs[x] = Math.min(Math.floor(f(x * sx)), w - 1);
  for (let y = 0; y < oh; y++) {
    const yi = Math.min(Math.floor(f(y * sy)), h - 1);
    for (let x = 0; x < ow; x++) {
      for (let ch = 0; ch < c; ch++) out[(y * ow + x) * c + ch] = data[(yi * w + xs[x]) * c + ch];
    }
  }
  return { data: out, height: oh, width: ow, channels: c };
}

// torch adaptive_avg_pool2d ('area'): output (i, j) is the mean of rows floor(i h / oh) ..
// ceil((i + 1) h / oh) - 1 and the matching columns. Sums in double.
function areaResize(img: Image2D, oh: number, ow: number): Image2D {
  const { height: h, width: w, channels: c, data } = img;
  const out = new Float32Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    const y0 = Math.floor((y * h) / oh);
    const y1 = Math.ceil(((y + 1) * h) / oh);
    for (let x = 0; x < ow; x++) {
      const x0 = Math.floor((x * w) / ow);
      const x1 = Math.ceil(((x + 1) * w) / ow);
      const n = (y1 - y0) * (x1 - x0);
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let yy = y0; yy < y1; yy++) {
          for (let xx = x0; xx < x1; xx++) s += data[(yy * w + xx) * c + ch];
        }
        out[(y * ow + x) * c + ch] = s / n;
      }
    }
  }
  return { data: out, height: oh, width: ow, channels: c };
}

/**
 * Resizes to height x width with PyTorch 1.13 `interpolate` semantics (align_corners=False,
 * half-pixel centres, torch's float32/double arithmetic replayed): `nearest` (torch 'nearest'),
 * `bilinear` (bit-exact), `bicubic` (A = -0.75, edge taps clamped; within a few float32 ulps),
 * `area` (adaptive average pooling).
 * `antialias: true` follows torch's antialiased path (separable, width first).
 * Value range: bilinear/area/nearest stay within the input range; bicubic can overshoot it.
 */
export function resize(img: Image2D, options: ResizeOptions): Image2D {
  assertImage(img);
  const oh = positiveInteger('height', options?.height);
  const ow = positiveInteger('width', options.width);
  const method = options.method ?? 'bilinear';
  if (!RESIZE_METHODS.includes(method)) throw invalidParameter('method', method, RESIZE_METHODS.join(', '));
  const antialias = options.antialias ?? false;
  if (antialias && method !== 'bilinear' && method !== 'bicubic') {
    throw invalidParameter('antialias', antialias, 'false unless method is bilinear or bicubic');
  }
  const { height: h, width: w } = img;
  if (method === 'nearest') return nearestResize(img, oh, ow);
  if (method === 'area') return areaResize(img, oh, ow);
  if (antialias) {
    const cubic = method === 'bicubic';
    const tmp = separablePass(img, antialiasTaps(w, ow, cubic), 1, ow);
    return separablePass(tmp, antialiasTaps(h, oh, cubic), 0, oh);
  }
  if (method === 'bilinear') return bilinear2d(img, linearTaps(h, oh), linearTaps(w, ow), oh, ow);
  return bicubic2d(img, cubicTaps(h, oh), cubicTaps(w, ow), oh, ow);
}
