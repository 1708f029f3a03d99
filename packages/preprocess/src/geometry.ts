import { invalidParameter, PreprocessError } from './errors.js';
import { assertImage, finiteNumber, type Image2D, positiveInteger } from './image.js';
import { type ResizeMethod, resize } from './resize.js';
import type { Rng } from './rng.js';

/**
 * The 8 symmetries of the square (dihedral group D4) as they act on an image:
 * `rot90`/`rot180`/`rot270` turn counter-clockwise as displayed (row 0 at the top), like
 * `numpy.rot90(img, k)`; `flipHorizontal` mirrors left-right (`np.fliplr`), `flipVertical`
 * top-bottom (`np.flipud`); `transpose` swaps rows and columns; `antiTranspose` reflects in the
 * other diagonal.
 */
export type Dihedral =
  | 'identity'
  | 'rot90'
  | 'rot180'
  | 'rot270'
  | 'flipHorizontal'
  | 'flipVertical'
  | 'transpose'
  | 'antiTranspose';

/**
 * Each element as the signed permutation matrix M acting on centred (row, col) coordinates:
 * out_coord = M * in_coord, stored row-major [m00, m01, m10, m11].
 */
const MATRICES: Record<Dihedral, readonly [number, number, number, number]> = {
  identity: [1, 0, 0, 1],
  rot90: [0, -1, 1, 0],
  rot180: [-1, 0, 0, -1],
  rot270: [0, 1, -1, 0],
  flipHorizontal: [1, 0, 0, -1],
  flipVertical: [-1, 0, 0, 1],
  transpose: [0, 1, 1, 0],
  antiTranspose: [0, -1, -1, 0],
};

/** All 8 elements, identity first. */
export const DIHEDRAL_ELEMENTS: readonly Dihedral[] = Object.keys(MATRICES) as Dihedral[];

function checkDihedral(g: unknown): Dihedral {
  if (typeof g !== 'string' || !(g in MATRICES)) {
    throw invalidParameter('dihedral element', g, DIHEDRAL_ELEMENTS.join(', '));
  }
  return g as Dihedral;
}

function fromMatrix(m: readonly number[]): Dihedral {
  for (const g of DIHEDRAL_ELEMENTS) {
    const n = MATRICES[g];
    if (n[0] === m[0] && n[1] === m[1] && n[2] === m[2] && n[3] === m[3]) return g;
  }
  throw new Error('unreachable: not a dihedral matrix');
}

/** The element equal to applying `first` and then `second`. */
export function composeDihedral(first: Dihedral, second: Dihedral): Dihedral {
  const a = MATRICES[checkDihedral(first)];
  const b = MATRICES[checkDihedral(second)];
  return fromMatrix([
    b[0] * a[0] + b[1] * a[2],
    b[0] * a[1] + b[1] * a[3],
    b[2] * a[0] + b[3] * a[2],
    b[2] * a[1] + b[3] * a[3],
  ]);
}

/** The element that undoes `g` (the matrix transpose). */
export function inverseDihedral(g: Dihedral): Dihedral {
  const m = MATRICES[checkDihedral(g)];
  return fromMatrix([m[0], m[2], m[1], m[3]]);
}

/**
 * Applies a dihedral transform; a pure index permutation, so values are exact. Transposing
 * elements swap height and width. Channels move together.
 */
export function dihedral(img: Image2D, g: Dihedral): Image2D {
  assertImage(img);
  const m = MATRICES[checkDihedral(g)];
  const { height: h, width: w, channels: c, data } = img;
  const swap = m[0] === 0;
  const oh = swap ? w : h;
  const ow = swap ? h : w;
  // in = M^T * out (centred). With doubled centred coordinates everything stays integral:
  // 2 in_r - (h - 1) = m00 (2 r - (oh - 1)) + m10 (2 c - (ow - 1)), same for columns.
  const rowOf = (r: number, col: number) =>
    (m[0] * (2 * r - (oh - 1)) + m[2] * (2 * col - (ow - 1)) + (h - 1)) / 2;
  const colOf = (r: number, col: number) =>
    (m[1] * (2 * r - (oh - 1)) + m[3] * (2 * col - (ow - 1)) + (w - 1)) / 2;
  const start = (rowOf(0, 0) * w + colOf(0, 0)) * c;
  const stepCol = (m[2] * w + m[3]) * c;
  const stepRow = (m[0] * w + m[1]) * c;
  const out = new Float32Array(data.length);
  let o = 0;
  for (let r = 0; r < oh; r++) {
    let p = start + r * stepRow;
    for (let col = 0; col < ow; col++, p += stepCol) {
      for (let ch = 0; ch < c; ch++) out[o++] = data[p + ch];
    }
  }
  return { data: out, height: oh, width: ow, channels: c };
}

/** Uniformly random dihedral transform (one `rng.int(8)` draw); returns the element used. */
export function randomDihedral(img: Image2D, rng: Rng): { image: Image2D; element: Dihedral } {
  const element = DIHEDRAL_ELEMENTS[rng.int(8)];
  return { image: dihedral(img, element), element };
}

export interface RotateOptions {
  /** Value outside the input; default 0. */
  cval?: number;
  /** `constant` (default) or `nearest` (edge pixels extend). */
  mode?: 'constant' | 'nearest';
}

/**
 * Rotates by `degrees` counter-clockwise as displayed (row 0 at the top) about the image centre
 * ((n - 1) / 2), keeping the shape, with bilinear interpolation: `scipy.ndimage.rotate(img,
 * degrees, reshape=False, order=1, mode='constant', cval)`. Source positions outside
 * [0, n - 1] on either axis take `cval` (SciPy's 'constant' rule); interpolation in double,
 * rounded to float32. Per channel. Value range: within the input range and cval.
 */
export function rotate(img: Image2D, degrees: number, options: RotateOptions = {}): Image2D {
  assertImage(img);
  finiteNumber('degrees', degrees);
  const cval = finiteNumber('cval', options.cval ?? 0);
  const mode = options.mode ?? 'constant';
  if (mode !== 'constant' && mode !== 'nearest') throw invalidParameter('mode', mode, 'constant or nearest');
  const { height: h, width: w, channels: c, data } = img;
  const [cs, sn] = cosSinDegrees(degrees);
  // scipy: matrix [[c, s], [-s, c]] maps output (row, col) to input; offset keeps the centre.
  const cr = (h - 1) / 2;
  const cc = (w - 1) / 2;
  const off0 = cr - (cs * cr + sn * cc);
  const off1 = cc - (-sn * cr + cs * cc);
  const out = new Float32Array(data.length);
  const constant = mode === 'constant';
  for (let r = 0; r < h; r++) {
    for (let col = 0; col < w; col++) {
      let y = r * cs + col * sn + off0;
      let x = r * -sn + col * cs + off1;
      const o = (r * w + col) * c;
      if (y < 0 || y > h - 1 || x < 0 || x > w - 1) {
        if (constant) {
          for (let ch = 0; ch < c; ch++) out[o + ch] = cval;
          continue;
        }
        y = y < 0 ? 0 : Math.min(y, h - 1);
        x = x < 0 ? 0 : Math.min(x, w - 1);
      }
      const y0 = Math.floor(y);
      const x0 = Math.floor(x);
      const fy = y - y0;
      const fx = x - x0;
      // At the last row/column the second tap has weight 0; SciPy mirrors it back inside.
      const y1 = y0 + 1 < h ? y0 + 1 : Math.max(h - 2, 0);
      const x1 = x0 + 1 < w ? x0 + 1 : Math.max(w - 2, 0);
      // SciPy's get_spline_interpolation_weights: w0 = 1 - f, and the last weight is 1 - w0.
      const wy0 = 1 - fy;
      const wy1 = 1 - wy0;
      const wx0 = 1 - fx;
      const wx1 = 1 - wx0;
      const a = (y0 * w + x0) * c;
      const b = (y0 * w + x1) * c;
      const d = (y1 * w + x0) * c;
      const e = (y1 * w + x1) * c;
      for (let ch = 0; ch < c; ch++) {
        out[o + ch] =
          data[a + ch] * wy0 * wx0 +
          data[b + ch] * wy0 * wx1 +
          data[d + ch] * wy1 * wx0 +
          data[e + ch] * wy1 * wx1;
      }
    }
  }
  return { data: out, height: h, width: w, channels: c };
}

// cos/sin of an angle in degrees, exact at multiples of 90 (as scipy.special.cosdg/sindg).
function cosSinDegrees(deg: number): [number, number] {
  const q = ((deg % 360) + 360) % 360;
  if (q === 0) return [1, 0];
  if (q === 90) return [0, 1];
  if (q === 180) return [-1, 0];
  if (q === 270) return [0, -1];
  const rad = (deg * Math.PI) / 180;
  return [Math.cos(rad), Math.sin(rad)];
}

export interface RandomRotateOptions extends RotateOptions {
  /** Angle drawn uniformly from [-maxDegrees, maxDegrees]. */
  maxDegrees: number;
}

/** Rotation by a uniformly random angle (one `rng.next()` draw); returns the angle used. */
export function randomRotate(
  img: Image2D,
  rng: Rng,
  options: RandomRotateOptions,
): { image: Image2D; degrees: number } {
  const max = finiteNumber('maxDegrees', options?.maxDegrees);
  if (max < 0 || max > 180) throw invalidParameter('maxDegrees', max, 'in [0, 180]');
  const degrees = rng.uniform(-max, max);
  return { image: rotate(img, degrees, options), degrees };
}

export interface CropRect {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Copies the rectangle out; it must lie inside the image (`INVALID_PARAMETER` otherwise). */
export function crop(img: Image2D, rect: CropRect): Image2D {
  assertImage(img);
  const { top, left } = rect;
  const ch = positiveInteger('crop height', rect.height);
  const cw = positiveInteger('crop width', rect.width);
  if (
    !Number.isInteger(top) ||
    !Number.isInteger(left) ||
    top < 0 ||
    left < 0 ||
    top + ch > img.height ||
    left + cw > img.width
  ) {
    throw new PreprocessError(
      'INVALID_PARAMETER',
      `crop ${ch}x${cw} at (${top}, ${left}) does not fit in a ${img.height}x${img.width} image`,
    );
  }
  const c = img.channels;
  const out = new Float32Array(ch * cw * c);
  for (let y = 0; y < ch; y++) {
    const s = ((top + y) * img.width + left) * c;
    out.set(img.data.subarray(s, s + cw * c), y * cw * c);
  }
  return { data: out, height: ch, width: cw, channels: c };
}

/** Centre crop (extra odd pixel goes to the bottom/right). */
export function centerCrop(img: Image2D, height: number, width: number): Image2D {
  assertImage(img);
  return crop(img, {
    top: Math.floor((img.height - height) / 2),
    left: Math.floor((img.width - width) / 2),
    height,
    width,
  });
}

export interface PadToSquareOptions {
  /** Fill value; default 0. */
  value?: number;
}

/**
 * Pads the shorter side symmetrically (extra pixel at the bottom/right) to a square. Returns the
 * placement so coordinates can be mapped back.
 */
export function padToSquare(
  img: Image2D,
  options: PadToSquareOptions = {},
): { image: Image2D; top: number; left: number } {
  assertImage(img);
  const value = finiteNumber('value', options.value ?? 0);
  const { height: h, width: w, channels: c } = img;
  const n = Math.max(h, w);
  const top = Math.floor((n - h) / 2);
  const left = Math.floor((n - w) / 2);
  const out = new Float32Array(n * n * c);
  if (value !== 0) out.fill(value);
  for (let y = 0; y < h; y++)
    out.set(img.data.subarray(y * w * c, (y + 1) * w * c), ((y + top) * n + left) * c);
  return { image: { data: out, height: n, width: n, channels: c }, top, left };
}

export interface LetterboxOptions {
  /** Side of the square output. */
  size: number;
  /** Default `bilinear`. */
  method?: ResizeMethod;
  /** Antialias when shrinking (bilinear/bicubic); default true. */
  antialias?: boolean;
  /** Fill value of the bars; default 0. */
  value?: number;
}

/**
 * Resizes so the longer side is `size` (aspect ratio kept), then pads to size x size.
 * Returns the scale and placement of the content.
 */
export function letterbox(
  img: Image2D,
  options: LetterboxOptions,
): { image: Image2D; scale: number; top: number; left: number } {
  assertImage(img);
  const size = positiveInteger('size', options?.size);
  const scale = size / Math.max(img.height, img.width);
  const h = Math.max(1, Math.round(img.height * scale));
  const w = Math.max(1, Math.round(img.width * scale));
  const method = options.method ?? 'bilinear';
  const antialias =
    (options.antialias ?? true) && (method === 'bilinear' || method === 'bicubic') && scale < 1;
  const resized = resize(img, { height: h, width: w, method, antialias });
  const value = finiteNumber('value', options.value ?? 0);
  const c = img.channels;
  const out = new Float32Array(size * size * c);
  if (value !== 0) out.fill(value);
  const top = Math.floor((size - h) / 2);
  const left = Math.floor((size - w) / 2);
  for (let y = 0; y < h; y++)
    out.set(resized.data.subarray(y * w * c, (y + 1) * w * c), ((y + top) * size + left) * c);
  return { image: { data: out, height: size, width: size, channels: c }, scale, top, left };
}

export interface RandomCropScaleOptions {
  /** Output size (the crop is resized to it). */
  height: number;
  width: number;
  /** Crop side as a fraction of the input side, drawn uniformly from [minScale, maxScale]; default [0.8, 1]. */
  minScale?: number;
  maxScale?: number;
  /** Default `bilinear` (antialiased when shrinking). */
  method?: ResizeMethod;
}

/**
 * Random crop and rescale: draws a side fraction s (one draw), a crop of round(s h) x round(s w)
 * at a uniformly random position (two draws), and resizes it to the output size.
 */
export function randomCropScale(
  img: Image2D,
  rng: Rng,
  options: RandomCropScaleOptions,
): { image: Image2D; rect: CropRect } {
  assertImage(img);
  const oh = positiveInteger('height', options?.height);
  const ow = positiveInteger('width', options.width);
  const minScale = options.minScale ?? 0.8;
  const maxScale = options.maxScale ?? 1;
  if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
    throw invalidParameter('minScale/maxScale', [minScale, maxScale], '0 < minScale <= maxScale <= 1');
  }
  const s = rng.uniform(minScale, maxScale);
  const ch = Math.min(img.height, Math.max(1, Math.round(img.height * s)));
  const cw = Math.min(img.width, Math.max(1, Math.round(img.width * s)));
  const top = rng.int(img.height - ch + 1);
  const left = rng.int(img.width - cw + 1);
  const rect = { top, left, height: ch, width: cw };
  const method = options.method ?? 'bilinear';
  const shrinking = ch > oh || cw > ow;
  const antialias = shrinking && (method === 'bilinear' || method === 'bicubic');
  return { image: resize(crop(img, rect), { height: oh, width: ow, method, antialias }), rect };
}
