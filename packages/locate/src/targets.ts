// Training samples for the localisation network from an image and its vertebral-body label map
// (VerSe codes: T9 = 16 ... L5 = 24, S1 = 26). Used by scripts/train.mjs; exported so the
// sampling can be tested and reused, not as part of the locating API.
import type { NiftiImage, Slice2D } from '@op-screen/mri-io';
import { type IntensityWindow, intensityWindow, normalise } from './intensity.js';
import { bilinear, canonicalGrid, toCanonicalPixel } from './plane.js';
import { toSagittalStack } from './stack.js';

/** VerSe label codes of the levels this package names. */
export const VERSE_LEVELS: Record<number, string> = {
  8: 'T1',
  9: 'T2',
  10: 'T3',
  11: 'T4',
  12: 'T5',
  13: 'T6',
  14: 'T7',
  15: 'T8',
  16: 'T9',
  17: 'T10',
  18: 'T11',
  19: 'T12',
  20: 'L1',
  21: 'L2',
  22: 'L3',
  23: 'L4',
  24: 'L5',
  25: 'L6',
  26: 'S1',
};
export const L5 = 24;
export const S1 = 26;
/** The level channel's unit: index / LEVEL_SCALE, so L5 = 0, L1 = 0.5, T9 = 1, S1 = -0.125. */
export const LEVEL_SCALE = 8;
/** Training slices are drawn from the mid-sagittal slice +- this many slices. */
export const SLICE_REACH = 1;

/** Levels counted up from L5: L5 = 0, L4 = 1, ..., L1 = 4, T12 = 5, ...; S1 = -1 (VerSe codes). */
export function levelIndex(label: number): number {
  return label === S1 ? -1 : L5 - label;
}

export interface TrainingCase {
  id: string;
  slices: Slice2D[];
  masks: Slice2D[];
  window: IntensityWindow;
  /** Slice with the largest labelled body area. */
  mid: number;
  /** True when thoracic bodies are labelled; otherwise the mask is unknown above L1. */
  thoracicLabelled: boolean;
}

export function prepareCase(id: string, image: NiftiImage, mask: NiftiImage): TrainingCase {
  const slices = toSagittalStack(image).slices;
  const masks = toSagittalStack(mask).slices;
  let mid = 0;
  let best = -1;
  let thoracic = false;
  masks.forEach((m, k) => {
    let area = 0;
    for (let i = 0; i < m.data.length; i++) {
      const v = m.data[i];
      if (v >= 16 && v <= 24) area++;
      if (v >= 8 && v <= 19) thoracic = true;
    }
    if (area > best) {
      best = area;
      mid = k;
    }
  });
  return { id, slices, masks, window: intensityWindow(slices), mid, thoracicLabelled: thoracic };
}

export interface BodyCentre {
  label: number;
  r: number;
  c: number;
  area: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Per-label centroid and bounding box (source pixels, inclusive) on one mask slice. */
export function bodyCentres(mask: Slice2D): BodyCentre[] {
  const acc = new Map<number, BodyCentre>();
  for (let r = 0; r < mask.rows; r++) {
    for (let c = 0; c < mask.columns; c++) {
      const v = Math.round(mask.data[r * mask.columns + c]);
      if (v <= 0) continue;
      let b = acc.get(v);
      if (!b) {
        b = { label: v, r: 0, c: 0, area: 0, top: r, bottom: r, left: c, right: c };
        acc.set(v, b);
      }
      b.r += r;
      b.c += c;
      b.area++;
      b.top = Math.min(b.top, r);
      b.bottom = Math.max(b.bottom, r);
      b.left = Math.min(b.left, c);
      b.right = Math.max(b.right, c);
    }
  }
  return [...acc.values()]
    .map((b) => ({ ...b, r: b.r / b.area, c: b.c / b.area }))
    .sort((a, b) => a.label - b.label);
}

export interface SampleOptions {
  size: number;
  spacing: number;
  /** Centre-heatmap Gaussian sigma in mm. */
  sigmaMm: number;
  augment: boolean;
}

export interface Sample {
  x: Float32Array;
  /** Targets, `size x size x 4` (body, centre, L5 centre, level index / LEVEL_SCALE on labelled bodies). */
  y: Float32Array;
  /** Per-target loss weights (0 = unknown). */
  w: Float32Array;
}

/** One (augmented) training sample from a slice near the case's mid-sagittal slice. */
export function makeSample(tc: TrainingCase, rng: { next(): number }, o: SampleOptions): Sample {
  const u = (a: number, b: number) => a + (b - a) * rng.next();
  // slices up to SLICE_REACH either side of the mid-sagittal one: the body maps then shrink
  // laterally as the masks do, which is what lets inference pick the mid-sagittal slice by area
  const reach = SLICE_REACH + 0.49;
  const k = o.augment
    ? Math.min(tc.slices.length - 1, Math.max(0, tc.mid + Math.round(u(-reach, reach))))
    : tc.mid;
  const slice = tc.slices[k];
  const mask = tc.masks[k];
  const bodies = bodyCentres(mask).filter((b) => b.area >= 20);
  const lumbar = bodies.filter((b) => b.label >= 20 && b.label <= 24);
  const ref = lumbar.length ? lumbar : bodies;
  const cr = ref.length ? ref.reduce((s, b) => s + b.r, 0) / ref.length : (slice.rows - 1) / 2;
  const cc = ref.length ? ref.reduce((s, b) => s + b.c, 0) / ref.length : (slice.columns - 1) / 2;
  const spacing = o.augment ? o.spacing * u(0.8, 1.25) : o.spacing;
  const shiftMm = o.augment ? 50 : 0;
  const [psr, psc] = slice.pixelSpacing;
  const centre: [number, number] = [cr + u(-shiftMm, shiftMm) / psr, cc + u(-shiftMm, shiftMm) / psc];
  const grid = canonicalGrid(slice, spacing, {
    rotate: o.augment ? u(-0.2, 0.2) : 0,
    centre,
    rows: o.size,
    columns: o.size,
  });
  const n = o.size * o.size;
  const x = new Float32Array(n);
  const NC = 4;
  const y = new Float32Array(n * NC);
  const w = new Float32Array(n * NC).fill(1);

  const gamma = o.augment ? Math.exp(u(-0.5, 0.5)) : 1;
  const invert = o.augment && rng.next() < 0.3;
  const gain = o.augment ? u(0.8, 1.2) : 1;
  const l1 = bodies.find((b) => b.label === 20);
  const unknownAbove = !tc.thoracicLabelled && l1 ? l1.top - 4 : Number.NEGATIVE_INFINITY;
  const { r: R, c: C } = grid.toSource;
  for (let i = 0; i < o.size; i++) {
    for (let j = 0; j < o.size; j++) {
      const sr = R[0] + R[1] * i + R[2] * j;
      const sc = C[0] + C[1] * i + C[2] * j;
      const p = i * o.size + j;
      const inside = sr >= -0.5 && sc >= -0.5 && sr <= slice.rows - 0.5 && sc <= slice.columns - 0.5;
      let v = inside ? normalise(bilinear(slice.data, slice.rows, slice.columns, sr, sc), tc.window) : 0;
      if (inside && o.augment) {
        v = Math.min(1, v ** gamma * gain);
        if (invert) v = 1 - v;
      }
      x[p] = v;
      const ri = Math.round(sr);
      const ci = Math.round(sc);
      const lab =
        inside && ri >= 0 && ci >= 0 && ri < mask.rows && ci < mask.columns
          ? Math.round(mask.data[ri * mask.columns + ci])
          : 0;
      y[p * NC] = lab >= 16 && lab <= 24 ? 1 : 0;
      if (sr < unknownAbove) {
        w[p * NC] = 0;
        w[p * NC + 1] = 0;
      }
      // level index counted up from L5 (S1 = -1), learnt on labelled bodies only
      if ((lab >= 16 && lab <= 24) || lab === S1) y[p * NC + 3] = levelIndex(lab) / LEVEL_SCALE;
      else w[p * NC + 3] = 0;
    }
  }
  const sig = o.sigmaMm / spacing;
  for (const b of bodies) {
    if (b.label < 16 || b.label > 24) continue;
    const [ci, cj] = toCanonicalPixel(grid.toSource, b.r, b.c);
    const rad = Math.ceil(3 * sig);
    for (let i = Math.max(0, Math.floor(ci - rad)); i <= Math.min(o.size - 1, Math.ceil(ci + rad)); i++) {
      for (let j = Math.max(0, Math.floor(cj - rad)); j <= Math.min(o.size - 1, Math.ceil(cj + rad)); j++) {
        const g = Math.exp(-((i - ci) ** 2 + (j - cj) ** 2) / (2 * sig * sig));
        const p = i * o.size + j;
        y[p * NC + 1] = Math.max(y[p * NC + 1], g);
        if (b.label === L5) y[p * NC + 2] = Math.max(y[p * NC + 2], g);
      }
    }
  }
  return { x, y, w };
}
