// locateVertebrae: the sagittal slice through the vertebral bodies, L1-L5 (and T12 where seen)
// numbered by counting up from L5, the lowest lumbar body above the sacrum, a box per level in
// the slice's pixels and in patient mm, a CSF box behind L3, and typed warnings. It abstains
// (no levels, a warning saying why) rather than guess a numbering it cannot support.
import type { Rect, Slice2D, Vec3 } from '@op-screen/mri-io';
import type { LocateWarning } from './errors.js';
import { LocateError } from './errors.js';
import { intensityWindow, normalise } from './intensity.js';
import { type Locator, predictMaps } from './locator.js';
import {
  bilinear,
  canonicalGrid,
  type PixelMap,
  patientPoint,
  toCanonicalPixel,
  toSourcePixel,
} from './plane.js';
import { type LocateInput, toSagittalStack } from './stack.js';
import { LEVEL_SCALE } from './targets.js';

/** The levels a result may name, head to feet. */
export const LEVELS = ['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5'] as const;
export type Level = (typeof LEVELS)[number];
/** The levels the study crops. */
export const STUDY_LEVELS = ['L1', 'L2', 'L3', 'L4'] as const;

export interface LocatedBox {
  /** On the chosen slice, in its pixels (x = first column, y = first row). */
  rect: Rect;
  /** Centre on the chosen slice, fractional pixels `[row, column]`. */
  centre: [number, number];
  /** Centre in patient coordinates (LPS, mm); null when the input has no geometry. */
  centerMm: Vec3 | null;
  /** The box's four outer corners (pixel edges) in patient coordinates, clockwise from top-left. */
  cornersMm: Vec3[] | null;
  /** 0-1: the body detector's peak, capped by the numbering confidence. */
  confidence: number;
}

export interface LocateResult {
  /** Index of the chosen slice in the series' slice order (as `@op-screen/mri-io` orders it). */
  slice: number;
  sliceCount: number;
  /** Found levels only; a level not found is absent and a warning says why. */
  levels: Partial<Record<Level, LocatedBox>>;
  /** CSF box behind L3 (VBQ baseline), null without L3. */
  csf: LocatedBox | null;
  numbering: {
    method: 'counted up from L5, the lowest lumbar-type body above the sacrum';
    /** How well the bodies' level estimates agree on one count (0-1); below 0.35 no level is named. */
    confidence: number;
    /** Lumbar-type bodies seen below the chosen L5 (0 normally). */
    lumbarTypeBelow: number;
  } | null;
  warnings: LocateWarning[];
  /** sha256 of the weights that produced the result. */
  weightsSha256: string;
}

export interface LocateOptions {
  /** Use this slice instead of choosing one. */
  slice?: number;
  /** Levels below this confidence carry a LOW_CONFIDENCE warning (default 0.5). */
  minConfidence?: number;
}

const MIN_SLICES = 5;
const MIN_EXTENT_MM = 100;
const PEAK_THRESHOLD = 0.25;

interface Peak {
  i: number;
  j: number;
  v: number;
  /** The L5 detector's peak near this body (0-1). */
  l5: number;
  /** Level index estimate (L5 = 0), the mean of the level channel around the peak. */
  level: number;
}

/** Output channels per pixel (model.ts OUTPUTS: body, centre, L5, level). */
const C = 4;
/** Share of the anchor score from the level output's votes (0: the shipped weights do not train it). */
const LEVEL_VOTE = 0;

function findPeaks(maps: Float32Array, rows: number, columns: number, radius: number): Peak[] {
  const at = (i: number, j: number, ch: number) => maps[(i * columns + j) * C + ch];
  const peaks: Peak[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      const v = at(i, j, 1);
      if (v < PEAK_THRESHOLD || at(i, j, 0) < 0.3) continue;
      let isMax = true;
      for (let di = -radius; di <= radius && isMax; di++) {
        for (let dj = -radius; dj <= radius; dj++) {
          const a = i + di;
          const b = j + dj;
          if ((di || dj) && a >= 0 && b >= 0 && a < rows && b < columns) {
            const w = at(a, b, 1);
            if (w > v || (w === v && (di < 0 || (di === 0 && dj < 0)))) {
              isMax = false;
              break;
            }
          }
        }
      }
      if (!isMax) continue;
      let sum = 0;
      let n = 0;
      let l5 = 0;
      for (let di = -2; di <= 2; di++)
        for (let dj = -2; dj <= 2; dj++) {
          const a = i + di;
          const b = j + dj;
          if (a < 0 || b < 0 || a >= rows || b >= columns) continue;
          l5 = Math.max(l5, at(a, b, 2));
          if (Math.abs(di) <= 1 && Math.abs(dj) <= 1) {
            sum += at(a, b, 3);
            n++;
          }
        }
      peaks.push({ i, j, v, l5, level: (sum / n) * LEVEL_SCALE });
    }
  }
  return peaks.sort((p, q) => p.i - q.i);
}

/** Region of body probability >= 0.5 grown from a peak, bounded to rows [top, bottom] and columns [left, right]. */
function growRegion(
  maps: Float32Array,
  rows: number,
  columns: number,
  p: Peak,
  bounds: [number, number, number, number],
): Uint8Array {
  const [top, bottom, left, right] = bounds;
  const seen = new Uint8Array(rows * columns);
  const stack = [p.i * columns + p.j];
  seen[p.i * columns + p.j] = 1;
  while (stack.length) {
    const q = stack.pop() as number;
    const i = Math.floor(q / columns);
    const j = q % columns;
    for (const [a, b] of [
      [i - 1, j],
      [i + 1, j],
      [i, j - 1],
      [i, j + 1],
    ]) {
      if (a < top || a > bottom || b < left || b > right || a < 0 || b < 0 || a >= rows || b >= columns)
        continue;
      const k = a * columns + b;
      if (seen[k] || maps[k * C] < 0.5) continue;
      seen[k] = 1;
      stack.push(k);
    }
  }
  return seen;
}

/** The region's box on the source slice, refined at the slice's resolution (`body`: the body map alone). */
function sourceBox(
  slice: Slice2D,
  m: PixelMap,
  region: Uint8Array,
  body: Float32Array,
  rows: number,
  columns: number,
): Rect | null {
  let r0 = Number.POSITIVE_INFINITY;
  let r1 = Number.NEGATIVE_INFINITY;
  let c0 = Number.POSITIVE_INFINITY;
  let c1 = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < columns; j++) {
      if (!region[i * columns + j]) continue;
      for (const [di, dj] of [
        [-1, -1],
        [-1, 1],
        [1, -1],
        [1, 1],
      ]) {
        const [r, c] = toSourcePixel(m, i + di, j + dj);
        r0 = Math.min(r0, r);
        r1 = Math.max(r1, r);
        c0 = Math.min(c0, c);
        c1 = Math.max(c1, c);
      }
    }
  if (!Number.isFinite(r0)) return null;
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = -1;
  let x0 = Number.POSITIVE_INFINITY;
  let x1 = -1;
  for (let r = Math.max(0, Math.floor(r0)); r <= Math.min(slice.rows - 1, Math.ceil(r1)); r++) {
    for (let c = Math.max(0, Math.floor(c0)); c <= Math.min(slice.columns - 1, Math.ceil(c1)); c++) {
      const [i, j] = toCanonicalPixel(m, r, c);
      const ii = Math.round(i);
      const jj = Math.round(j);
      let near = false;
      for (let a = ii - 1; a <= ii + 1 && !near; a++)
        for (let b = jj - 1; b <= jj + 1; b++)
          if (a >= 0 && b >= 0 && a < rows && b < columns && region[a * columns + b]) {
            near = true;
            break;
          }
      if (!near || bilinear(body, rows, columns, i, j) < 0.5) continue;
      y0 = Math.min(y0, r);
      y1 = Math.max(y1, r);
      x0 = Math.min(x0, c);
      x1 = Math.max(x1, c);
    }
  }
  if (y1 < 0) return null;
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** A box on a slice with its centre and outer corners in patient mm (null without geometry). */
export function boxInMm(
  slice: Slice2D,
  rect: Rect,
  centre: [number, number],
  confidence: number,
): LocatedBox {
  const c = patientPoint(slice, centre[0], centre[1]);
  const e = (r: number, col: number) => patientPoint(slice, r, col) as Vec3;
  const corners = c
    ? [
        e(rect.y - 0.5, rect.x - 0.5),
        e(rect.y - 0.5, rect.x + rect.width - 0.5),
        e(rect.y + rect.height - 0.5, rect.x + rect.width - 0.5),
        e(rect.y + rect.height - 0.5, rect.x - 0.5),
      ]
    : null;
  return { rect, centre, centerMm: c, cornersMm: corners, confidence };
}

/**
 * Finds, numbers and boxes the lumbar vertebrae of a sagittal series. The network runs on the
 * tfjs backend that is current (register one before: wasm, cpu or webgpu).
 */
export async function locateVertebrae(
  input: LocateInput,
  locator: Locator,
  options: LocateOptions = {},
): Promise<LocateResult> {
  const minConfidence = options.minConfidence ?? 0.5;
  const stack = toSagittalStack(input);
  const n = stack.slices.length;
  const warnings: LocateWarning[] = [];
  const empty = (slice: number): LocateResult => ({
    slice,
    sliceCount: n,
    levels: {},
    csf: null,
    numbering: null,
    warnings,
    weightsSha256: locator.sha256,
  });
  if (stack.plane !== 'sagittal' && stack.plane !== 'unknown') {
    warnings.push({
      code: 'NOT_SAGITTAL',
      message: `the series is ${stack.plane}${stack.obliqueAngle !== null ? ` (${stack.obliqueAngle} degrees from the nearest plane)` : ''}; vertebrae are located on sagittal series only`,
    });
    return empty(Math.floor(n / 2));
  }
  const s0 = stack.slices[0];
  const extent = Math.max(s0.rows * s0.pixelSpacing[0], s0.columns * s0.pixelSpacing[1]);
  if (n < MIN_SLICES || extent < MIN_EXTENT_MM) {
    warnings.push({
      code: 'TOO_SMALL',
      message: `${n} slice(s) of ${extent.toFixed(0)} mm: a lumbar sagittal series has at least ${MIN_SLICES} slices and ${MIN_EXTENT_MM} mm of field (a localizer is not enough)`,
    });
    return empty(Math.floor(n / 2));
  }
  if (
    options.slice !== undefined &&
    !(Number.isInteger(options.slice) && options.slice >= 0 && options.slice < n)
  ) {
    throw new LocateError('BAD_ARGUMENT', `slice ${options.slice} is outside 0..${n - 1}`);
  }
  const window = intensityWindow(stack.slices);
  if (!(window.high - window.low > 1e-6 * Math.max(1, Math.abs(window.high)))) {
    warnings.push({
      code: 'NO_CONTRAST',
      message: 'the series is (almost) constant; there is nothing to locate',
    });
    return empty(Math.floor(n / 2));
  }
  // Candidate slices: the middle 60 % (the spine is central in a lumbar sagittal series).
  const candidates: number[] = [];
  if (options.slice !== undefined) candidates.push(options.slice);
  else {
    const from = Math.floor(n * 0.2);
    const to = Math.max(from, Math.ceil(n * 0.8) - 1);
    for (let k = from; k <= to; k++) candidates.push(k);
  }
  // One canonical grid per slice size (all slices of a series share it).
  const grid = canonicalGrid(stack.slices[candidates[0]], locator.spacing);
  const images = candidates.map((k) => {
    const s = stack.slices[k];
    const out = new Float32Array(grid.rows * grid.columns);
    const { r, c } = grid.toSource;
    for (let i = 0; i < grid.rows; i++)
      for (let j = 0; j < grid.columns; j++) {
        const sr = r[0] + r[1] * i + r[2] * j;
        const sc = c[0] + c[1] * i + c[2] * j;
        out[i * grid.columns + j] = normalise(
          bilinear(s.data, s.rows, s.columns, sr, sc, window.low),
          window,
        );
      }
    return out;
  });
  const maps = await predictMaps(locator, images, grid.rows, grid.columns);
  // The slice through the bodies: the most confident body area (sum of body probability where
  // the centre detector also fires nearby is too sparse; the area is steadier).
  let best = 0;
  let bestScore = -1;
  maps.forEach((m, idx) => {
    let s = 0;
    for (let k = 0; k < grid.rows * grid.columns; k++) if (m[k * C] >= 0.5) s += m[k * C];
    if (s > bestScore) {
      bestScore = s;
      best = idx;
    }
  });
  const k = candidates[best];
  const slice = stack.slices[k];
  const map = maps[best];
  const { rows, columns } = grid;
  const px = locator.spacing;
  const peaks = findPeaks(map, rows, columns, Math.max(1, Math.round(8 / px)));
  const result = empty(k);
  if (peaks.length === 0) {
    warnings.push({ code: 'NO_VERTEBRAE', message: 'no vertebral body was found on any central slice' });
    return result;
  }
  // Numbering, counted from the sacrum. The column of bodies from the feet up; their spacing
  // places each in the column (a gap counts the bodies it must hide). L5 must be in view.
  const chain: Peak[] = [];
  for (const p of [...peaks].sort((a, b) => b.i - a.i)) {
    const last = chain[chain.length - 1];
    if (last && Math.hypot((last.i - p.i) * px, (last.j - p.j) * px) < 18) continue; // same body
    chain.push(p);
  }
  const steps = chain.slice(1).map((p, q) => Math.hypot((chain[q].i - p.i) * px, (chain[q].j - p.j) * px));
  const typical = steps.length ? [...steps].sort((a, b) => a - b)[Math.floor((steps.length - 1) / 2)] : 36;
  const pos = [0];
  steps.forEach((d, q) => {
    pos.push(pos[q] + Math.max(1, Math.round(d / Math.max(20, typical))));
  });
  const gaps = steps.filter((d) => d > 1.5 * Math.max(20, typical)).length;
  // The anchor: each body in turn as L5, scored by the L5 detector (weights with a trained level
  // output would add how well every body's own level estimate agrees with the count; the shipped
  // weights have none, LEVEL_VOTE = 0).
  const scoreAs = (a: number) => {
    let agree = 0;
    let n = 0;
    for (let q = 0; q < chain.length; q++) {
      const idx = pos[q] - pos[a];
      if (idx < -1) continue;
      agree += Math.max(0, 1 - Math.abs(chain[q].level - idx));
      n++;
    }
    return (1 - LEVEL_VOTE) * chain[a].l5 + LEVEL_VOTE * (n ? agree / n : 0);
  };
  const scores = chain.map((_, a) => scoreAs(a));
  const order = scores.map((_, a) => a).sort((x, y) => scores[y] - scores[x]);
  const anchor = order[0];
  const margin = order.length > 1 ? scores[anchor] - scores[order[1]] : scores[anchor];
  const numberingConfidence = Math.max(0, Math.min(1, scores[anchor] * Math.min(1, margin / 0.2)));
  const index = chain.map((_, q) => pos[q] - pos[anchor]);
  const lumbarTypeBelow = chain.filter((p, q) => index[q] < 0 && p.v >= 0.5 && p.level > -0.5).length;
  // The sacrum must be in the field of view: an L5 whose centre is less than 30 mm above the
  // image's lower edge cannot have been told from a higher body by what lies below it.
  const belowMm = (rows - 1 - chain[anchor].i) * px;
  if (belowMm < 30) {
    warnings.push({
      code: 'NO_SACRUM',
      message: `the lowest candidate for L5 lies ${belowMm.toFixed(0)} mm above the field of view's lower edge: the sacrum is not in view, so levels cannot be counted from it`,
    });
    return result;
  }
  if (chain[anchor].l5 < 0.3) {
    warnings.push({
      code: 'NO_SACRUM',
      message: `L5 above the sacrum was not found (best ${chain[anchor].l5.toFixed(2)} < 0.3); levels are counted from the sacrum, so none is named`,
    });
    return result;
  }
  if (numberingConfidence < 0.35) {
    warnings.push({
      code: 'LOW_CONFIDENCE',
      message: `the count from the sacrum is not clear-cut (numbering confidence ${numberingConfidence.toFixed(2)}); no level is named`,
    });
    return result;
  }
  if (lumbarTypeBelow > 0) {
    warnings.push({
      code: 'TRANSITIONAL_SUSPECTED',
      message: `${lumbarTypeBelow} lumbar-type body below the counted L5 (lumbarised S1 or L6?): check the count from the sacrum before trusting the levels`,
    });
  }
  if (gaps > 0) {
    warnings.push({
      code: 'LEVELS_MISSING',
      message: `${gaps} gap(s) in the column of bodies were bridged by their spacing: check the count`,
    });
  }
  result.numbering = {
    method: 'counted up from L5, the lowest lumbar-type body above the sacrum',
    confidence: numberingConfidence,
    lumbarTypeBelow,
  };
  // the body map alone, once for every level's box
  const body = new Float32Array(rows * columns);
  for (let k = 0; k < rows * columns; k++) body[k] = map[k * C];
  for (let q = 0; q < chain.length; q++) {
    const idx = index[q];
    if (idx < 0 || idx > LEVELS.length - 1) continue;
    const level = LEVELS[LEVELS.length - 1 - idx];
    const p = chain[q];
    const lower = q > 0 ? chain[q - 1] : undefined;
    const upper = chain[q + 1];
    const half = 20 / px;
    const top = upper ? Math.round((upper.i + p.i) / 2) : Math.round(p.i - half);
    const bottom = lower ? Math.round((lower.i + p.i) / 2) : Math.round(p.i + half);
    const region = growRegion(map, rows, columns, p, [
      top,
      bottom,
      Math.round(p.j - 30 / px),
      Math.round(p.j + 30 / px),
    ]);
    const rect = sourceBox(slice, grid.toSource, region, body, rows, columns);
    if (!rect) continue;
    const centre = toSourcePixel(grid.toSource, p.i, p.j);
    const confidence = Math.min(p.v, numberingConfidence);
    result.levels[level] = boxInMm(slice, rect, centre, confidence);
  }
  const missing = STUDY_LEVELS.filter((l) => !result.levels[l]);
  if (missing.length) {
    warnings.push({
      code: 'LEVELS_MISSING',
      message: `${missing.join(', ')} not found (outside the field of view or not detected)`,
    });
  }
  const low = STUDY_LEVELS.filter(
    (l) => result.levels[l] && (result.levels[l] as LocatedBox).confidence < minConfidence,
  );
  if (low.length) {
    warnings.push({ code: 'LOW_CONFIDENCE', message: `${low.join(', ')} below confidence ${minConfidence}` });
  }
  result.csf = csfBehind(slice, grid.toSource, result.levels.L3, chain[index.indexOf(2)], map, columns, px);
  return result;
}

/**
 * The CSF box behind L3: from 2 mm behind the body's posterior edge, 6 mm deep, over the middle
 * half of the body's height. Geometric (the canal sits directly behind the body on a mid-sagittal
 * slice); its confidence is L3's.
 */
function csfBehind(
  slice: Slice2D,
  m: PixelMap,
  l3: LocatedBox | undefined,
  peak: Peak | undefined,
  map: Float32Array,
  columns: number,
  px: number,
): LocatedBox | null {
  if (!l3 || !peak) return null;
  let back = peak.j;
  while (back + 1 < columns && map[(peak.i * columns + back + 1) * C] >= 0.5) back++;
  const j0 = back + 2 / px;
  const j1 = j0 + 6 / px;
  const halfH = (l3.rect.height * slice.pixelSpacing[0]) / 4 / px; // canonical px (approx.)
  const pts = [
    toSourcePixel(m, peak.i - halfH, j0),
    toSourcePixel(m, peak.i - halfH, j1),
    toSourcePixel(m, peak.i + halfH, j0),
    toSourcePixel(m, peak.i + halfH, j1),
  ];
  const rr = pts.map((p) => p[0]);
  const cc = pts.map((p) => p[1]);
  const y = Math.max(0, Math.round(Math.min(...rr)));
  const x = Math.max(0, Math.round(Math.min(...cc)));
  const y1 = Math.min(slice.rows - 1, Math.round(Math.max(...rr)));
  const x1 = Math.min(slice.columns - 1, Math.round(Math.max(...cc)));
  if (y1 < y || x1 < x) return null;
  const rect = { x, y, width: x1 - x + 1, height: y1 - y + 1 };
  return boxInMm(slice, rect, [(y + y1) / 2, (x + x1) / 2], l3.confidence);
}
