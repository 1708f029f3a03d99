// im2col and its adjoint, and the strip packing of the conv filter gradient's register tiles.
import type { Conv2DInfo } from './conv-common.js';

/**
 * Scatter-adds column rows (m = (b, oh, ow); columns (a, q, c) in filter order) back into the
 * image they were gathered from: the adjoint of im2col. dx must be zeroed by the caller.
 */
export function col2imAdd(
  cols: Float32Array,
  dx: Float32Array,
  info: Conv2DInfo,
  b0: number,
  b1: number,
): void {
  const {
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: ho,
    outWidth: wo,
    filterHeight: kh,
    filterWidth: kw,
  } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  let o = 0;
  for (let b = b0; b < b1; b++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++) {
        for (let a = 0; a < kh; a++) {
          const ih = i * sh + a - pt;
          const rowOk = ih >= 0 && ih < h;
          for (let q = 0; q < kw; q++) {
            const iw = j * sw + q - pl;
            if (rowOk && iw >= 0 && iw < w) {
              const d = ((b * h + ih) * w + iw) * c;
              for (let k = 0; k < c; k++) dx[d + k] = (dx[d + k] as number) + (cols[o + k] as number);
            }
            o += c;
          }
        }
      }
    }
  }
}

/**
 * Transposed im2col for images [b0, b1): row (a, q, c) in filter order, column m = (b, oh, ow).
 * Transposed so that dy [M, Co], not the 9x larger patch matrix, is the operand BatchMatMul
 * packs on every call.
 */
export function im2colTransposed(
  x: Float32Array,
  out: Float32Array,
  info: Conv2DInfo,
  b0: number,
  b1: number,
): void {
  const {
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: ho,
    outWidth: wo,
    filterHeight: kh,
    filterWidth: kw,
  } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const mTotal = (b1 - b0) * ho * wo;
  for (let a = 0; a < kh; a++) {
    for (let q = 0; q < kw; q++) {
      const tapBase = (a * kw + q) * c * mTotal;
      let m = 0;
      for (let b = b0; b < b1; b++) {
        for (let i = 0; i < ho; i++) {
          const ih = i * sh + a * dh - pt;
          const rowOk = ih >= 0 && ih < h;
          for (let j = 0; j < wo; j++, m++) {
            const iw = j * sw + q * dw - pl;
            if (!rowOk || iw < 0 || iw >= w) {
              for (let k = 0, o = tapBase + m; k < c; k++, o += mTotal) out[o] = 0;
            } else {
              const s = ((b * h + ih) * w + iw) * c;
              for (let k = 0, o = tapBase + m; k < c; k++, o += mTotal) out[o] = x[s + k] as number;
            }
          }
        }
      }
    }
  }
}

/**
 * Rows [m0, m0 + count) of im2col(x) in strip-major order: row m = (b, oh, ow) holds the receptive
 * field in filter order (a, q, c), zero where it meets padding and from K up to `kp`; column kk of
 * row t lands at ((kk >> 2) * count + t) * 4 + (kk & 3), so each group of 4 columns is one
 * contiguous strip (what a register tile streams).
 */
export function im2colStrips(
  x: Float32Array,
  out: Float32Array,
  info: Conv2DInfo,
  m0: number,
  count: number,
  kp: number,
): void {
  const {
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: ho,
    outWidth: wo,
    filterHeight: kh,
    filterWidth: kw,
  } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const hw = ho * wo;
  const stripStride = count * 4;
  for (let t = 0; t < count; t++) {
    const m = m0 + t;
    const b = Math.floor(m / hw);
    const rem = m - b * hw;
    const i = Math.floor(rem / wo);
    const j = rem - i * wo;
    const rowBase = t * 4;
    let kk = 0;
    for (let a = 0; a < kh; a++) {
      const ih = i * sh + a * dh - pt;
      const rowOk = ih >= 0 && ih < h;
      for (let q = 0; q < kw; q++) {
        const iw = j * sw + q * dw - pl;
        if (rowOk && iw >= 0 && iw < w) {
          const src = ((b * h + ih) * w + iw) * c;
          if ((c & 3) === 0) {
            // whole groups of 4: one strip row each
            for (let k = 0, d = (kk >> 2) * stripStride + rowBase; k < c; k += 4, d += stripStride) {
              out[d] = x[src + k] as number;
              out[d + 1] = x[src + k + 1] as number;
              out[d + 2] = x[src + k + 2] as number;
              out[d + 3] = x[src + k + 3] as number;
            }
            kk += c;
          } else {
            for (let k = 0; k < c; k++, kk++)
              out[(kk >> 2) * stripStride + rowBase + (kk & 3)] = x[src + k] as number;
          }
        } else {
          for (let k = 0; k < c; k++, kk++) out[(kk >> 2) * stripStride + rowBase + (kk & 3)] = 0;
        }
      }
    }
    for (; kk < kp; kk++) out[(kk >> 2) * stripStride + rowBase + (kk & 3)] = 0;
  }
}

/** Rows [m0, m0 + count) of src [M, n] in strip-major order: strips of 8 columns (the last one 4 wide if n % 8 == 4). */
export function packStrips(src: Float32Array, out: Float32Array, n: number, m0: number, count: number): void {
  const n8 = n >> 3;
  for (let t = 0; t < count; t++) {
    const row = (m0 + t) * n;
    for (let s = 0; s < n8; s++) {
      const o = (s * count + t) * 8;
      const i = row + s * 8;
      for (let e = 0; e < 8; e++) out[o + e] = src[i + e] as number;
    }
    if (n & 4) {
      const o = n8 * count * 8 + t * 4;
      const i = row + n8 * 8;
      for (let e = 0; e < 4; e++) out[o + e] = src[i + e] as number;
    }
  }
}
