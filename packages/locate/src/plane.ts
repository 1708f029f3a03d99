// The canonical sagittal plane: every slice, whatever its in-plane orientation and pixel
// spacing, is resampled onto a grid whose rows run head to feet and whose columns run anterior
// to posterior, at a fixed spacing in mm. The network sees only this grid; boxes found on it are
// mapped back to the slice's own pixels through the same affine map.
import type { Slice2D, Vec3 } from '@op-screen/mri-io';

/** Maps canonical pixel (i = row, j = column) to source pixel (r, c): r = a0 + a1 i + a2 j, c = b0 + b1 i + b2 j. */
export interface PixelMap {
  r: [number, number, number];
  c: [number, number, number];
}

export interface CanonicalSlice {
  /** Canonical image, row-major, `rows x columns`. */
  data: Float32Array;
  rows: number;
  columns: number;
  /** Millimetres per canonical pixel (both axes). */
  spacing: number;
  /** Canonical pixel -> source pixel. */
  toSource: PixelMap;
}

const dot3 = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm3 = (a: readonly number[]) => Math.hypot(a[0], a[1], a[2]);

/**
 * The in-plane unit directions (LPS) of a canonical grid on this slice: `down` towards the feet
 * and `back` towards posterior, both within the slice plane. Slices without geometry are taken
 * as already canonical (rows down, columns back).
 */
export function canonicalDirections(slice: Slice2D): { down: Vec3; back: Vec3; rowDir: Vec3; colDir: Vec3 } {
  const rowDir = (slice.columnCosines ?? [0, 0, -1]) as Vec3; // moving down one row
  const colDir = (slice.rowCosines ?? [0, 1, 0]) as Vec3; // moving right one column
  if (!slice.columnCosines || !slice.rowCosines) return { down: rowDir, back: colDir, rowDir, colDir };
  // Feet = -z (LPS), posterior = +y (LPS), projected onto the slice plane.
  const proj = (v: Vec3): [number, number] => [dot3(v, rowDir), dot3(v, colDir)];
  const [dr, dc] = proj([0, 0, -1]);
  let down: Vec3 = [
    dr * rowDir[0] + dc * colDir[0],
    dr * rowDir[1] + dc * colDir[1],
    dr * rowDir[2] + dc * colDir[2],
  ];
  const dn = norm3(down);
  down = dn > 1e-6 ? [down[0] / dn, down[1] / dn, down[2] / dn] : rowDir;
  const [br, bc] = proj([0, 1, 0]);
  let back: Vec3 = [
    br * rowDir[0] + bc * colDir[0],
    br * rowDir[1] + bc * colDir[1],
    br * rowDir[2] + bc * colDir[2],
  ];
  const along = dot3(back, down);
  back = [back[0] - along * down[0], back[1] - along * down[1], back[2] - along * down[2]];
  const bn = norm3(back);
  if (bn > 1e-6) back = [back[0] / bn, back[1] / bn, back[2] / bn];
  else {
    // the plane holds no anterior-posterior direction (coronal): any in-plane normal to `down`
    const n: Vec3 = [
      rowDir[1] * colDir[2] - rowDir[2] * colDir[1],
      rowDir[2] * colDir[0] - rowDir[0] * colDir[2],
      rowDir[0] * colDir[1] - rowDir[1] * colDir[0],
    ];
    back = [
      n[1] * down[2] - n[2] * down[1],
      n[2] * down[0] - n[0] * down[2],
      n[0] * down[1] - n[1] * down[0],
    ];
  }
  return { down, back, rowDir, colDir };
}

/**
 * The canonical grid covering the whole slice at `spacing` mm, as a map from canonical to
 * source pixels, with the grid's size. `extra` optionally rotates (radians) and scales the grid
 * about the slice centre (training augmentation); inference uses none.
 */
export function canonicalGrid(
  slice: Slice2D,
  spacing: number,
  extra?: { rotate?: number; centre?: [number, number]; rows?: number; columns?: number },
): { toSource: PixelMap; rows: number; columns: number } {
  const { down, back, rowDir, colDir } = canonicalDirections(slice);
  const [psr, psc] = slice.pixelSpacing;
  // source pixel offsets of one mm along down/back
  const dR = [dot3(down, rowDir) / psr, dot3(back, rowDir) / psr]; // d(row)/d(mm down), d(row)/d(mm back)
  const dC = [dot3(down, colDir) / psc, dot3(back, colDir) / psc];
  const rot = extra?.rotate ?? 0;
  const cs = Math.cos(rot);
  const sn = Math.sin(rot);
  // canonical step i (down) and j (back) in mm along (down, back), rotated
  const stepI: [number, number] = [spacing * cs, spacing * sn];
  const stepJ: [number, number] = [-spacing * sn, spacing * cs];
  const ri = dR[0] * stepI[0] + dR[1] * stepI[1];
  const rj = dR[0] * stepJ[0] + dR[1] * stepJ[1];
  const ci = dC[0] * stepI[0] + dC[1] * stepI[1];
  const cj = dC[0] * stepJ[0] + dC[1] * stepJ[1];
  let rows: number;
  let columns: number;
  let centre: [number, number];
  if (extra?.rows && extra.columns) {
    rows = extra.rows;
    columns = extra.columns;
    centre = extra.centre ?? [(slice.rows - 1) / 2, (slice.columns - 1) / 2];
  } else {
    // extent of the slice's corners in canonical mm
    const corners = [
      [0, 0],
      [slice.rows - 1, 0],
      [0, slice.columns - 1],
      [slice.rows - 1, slice.columns - 1],
    ];
    // invert the 2x2 [ri rj; ci cj] to go from source offsets to canonical offsets
    const det = ri * cj - rj * ci;
    const inv = (dr: number, dc: number): [number, number] => [
      (cj * dr - rj * dc) / det,
      (-ci * dr + ri * dc) / det,
    ];
    const mid: [number, number] = [(slice.rows - 1) / 2, (slice.columns - 1) / 2];
    let maxI = 0;
    let maxJ = 0;
    for (const [r, c] of corners) {
      const [i, j] = inv(r - mid[0], c - mid[1]);
      maxI = Math.max(maxI, Math.abs(i));
      maxJ = Math.max(maxJ, Math.abs(j));
    }
    rows = Math.max(1, Math.floor(2 * maxI) + 1);
    columns = Math.max(1, Math.floor(2 * maxJ) + 1);
    centre = mid;
  }
  const i0 = (rows - 1) / 2;
  const j0 = (columns - 1) / 2;
  return {
    rows,
    columns,
    toSource: {
      r: [centre[0] - ri * i0 - rj * j0, ri, rj],
      c: [centre[1] - ci * i0 - cj * j0, ci, cj],
    },
  };
}

/** Bilinear sample of a row-major image at fractional (r, c); outside is `outside`. */
export function bilinear(
  data: ArrayLike<number>,
  rows: number,
  columns: number,
  r: number,
  c: number,
  outside = 0,
): number {
  if (r < -0.5 || c < -0.5 || r > rows - 0.5 || c > columns - 0.5) return outside;
  const rr = Math.min(Math.max(r, 0), rows - 1);
  const cc = Math.min(Math.max(c, 0), columns - 1);
  const r0 = Math.floor(rr);
  const c0 = Math.floor(cc);
  const r1 = Math.min(r0 + 1, rows - 1);
  const c1 = Math.min(c0 + 1, columns - 1);
  const fr = rr - r0;
  const fc = cc - c0;
  const a = data[r0 * columns + c0];
  const b = data[r0 * columns + c1];
  const d = data[r1 * columns + c0];
  const e = data[r1 * columns + c1];
  return (a * (1 - fc) + b * fc) * (1 - fr) + (d * (1 - fc) + e * fc) * fr;
}

/** Resamples `data` (source grid) onto the canonical grid; `nearest` for label maps. */
export function resample(
  data: ArrayLike<number>,
  srcRows: number,
  srcColumns: number,
  grid: { toSource: PixelMap; rows: number; columns: number },
  nearest = false,
): Float32Array {
  const out = new Float32Array(grid.rows * grid.columns);
  const { r, c } = grid.toSource;
  for (let i = 0; i < grid.rows; i++) {
    for (let j = 0; j < grid.columns; j++) {
      const sr = r[0] + r[1] * i + r[2] * j;
      const sc = c[0] + c[1] * i + c[2] * j;
      if (nearest) {
        const ri = Math.round(sr);
        const ci = Math.round(sc);
        out[i * grid.columns + j] =
          ri >= 0 && ci >= 0 && ri < srcRows && ci < srcColumns ? data[ri * srcColumns + ci] : 0;
      } else out[i * grid.columns + j] = bilinear(data, srcRows, srcColumns, sr, sc);
    }
  }
  return out;
}

/** Canonical (i, j) -> source (r, c). */
export function toSourcePixel(m: PixelMap, i: number, j: number): [number, number] {
  return [m.r[0] + m.r[1] * i + m.r[2] * j, m.c[0] + m.c[1] * i + m.c[2] * j];
}

/** Source (r, c) -> canonical (i, j). */
export function toCanonicalPixel(m: PixelMap, r: number, c: number): [number, number] {
  const det = m.r[1] * m.c[2] - m.r[2] * m.c[1];
  const dr = r - m.r[0];
  const dc = c - m.c[0];
  return [(m.c[2] * dr - m.r[2] * dc) / det, (-m.c[1] * dr + m.r[1] * dc) / det];
}

/** Patient coordinates (LPS mm) of fractional source pixel (r, c) on a slice with geometry, else null. */
export function patientPoint(slice: Slice2D, r: number, c: number): Vec3 | null {
  if (!slice.origin || !slice.rowCosines || !slice.columnCosines) return null;
  const [psr, psc] = slice.pixelSpacing;
  const o = slice.origin;
  const rc = slice.rowCosines;
  const cc = slice.columnCosines;
  return [0, 1, 2].map((k) => o[k] + r * psr * cc[k] + c * psc * rc[k]) as Vec3;
}
