import type { Slice2D } from '@op-screen/mri-io';
import { describe, expect, it } from 'vitest';
import { canonicalGrid, patientPoint, resample, toCanonicalPixel, toSourcePixel } from '../src/plane.js';

// A sagittal slice whose rows run anterior-to-posterior and columns feet-to-head (a scanner that
// stores it rotated), 0.5 mm pixels, with one bright pixel at a known patient position.
function rotatedSlice(): Slice2D {
  const rows = 200;
  const columns = 300;
  const data = new Float32Array(rows * columns);
  return {
    data,
    rows,
    columns,
    pixelSpacing: [0.5, 0.5],
    origin: [10, -50, -80],
    rowCosines: [0, 0, 1], // along a row (increasing column): towards the head
    columnCosines: [0, 1, 0], // down a column (increasing row): towards posterior
    sliceThickness: 3,
    source: { path: '', kind: 'array', index: 0, count: 1 },
  };
}

describe('canonical grid', () => {
  it('runs rows head-to-feet and columns anterior-to-posterior whatever the stored orientation', () => {
    const s = rotatedSlice();
    const g = canonicalGrid(s, 2);
    // 300 columns x 0.5 mm = 150 mm head-feet -> ~75 canonical rows; 100 mm AP -> ~50 columns
    expect(g.rows).toBeGreaterThanOrEqual(74);
    expect(g.rows).toBeLessThanOrEqual(76);
    expect(g.columns).toBeGreaterThanOrEqual(49);
    expect(g.columns).toBeLessThanOrEqual(51);
    // one canonical row down = 2 mm towards the feet = -4 source columns, same source row
    const [r0, c0] = toSourcePixel(g.toSource, 10, 10);
    const [r1, c1] = toSourcePixel(g.toSource, 11, 10);
    expect(r1 - r0).toBeCloseTo(0, 9);
    expect(c1 - c0).toBeCloseTo(-4, 9);
    // one canonical column right = 2 mm posterior = +4 source rows
    const [r2, c2] = toSourcePixel(g.toSource, 10, 11);
    expect(r2 - r0).toBeCloseTo(4, 9);
    expect(c2 - c0).toBeCloseTo(0, 9);
    const p0 = patientPoint(s, r0, c0) as number[];
    const p1 = patientPoint(s, r1, c1) as number[];
    expect(p1[2] - p0[2]).toBeCloseTo(-2, 9); // LPS z: towards the feet
  });

  it('round-trips between canonical and source pixels', () => {
    const g = canonicalGrid(rotatedSlice(), 1.7, { rotate: 0.3, rows: 64, columns: 48, centre: [100, 150] });
    for (const [i, j] of [
      [0, 0],
      [10.5, 3.25],
      [63, 47],
    ]) {
      const [r, c] = toSourcePixel(g.toSource, i, j);
      const [a, b] = toCanonicalPixel(g.toSource, r, c);
      expect(a).toBeCloseTo(i, 9);
      expect(b).toBeCloseTo(j, 9);
    }
  });

  it('moves a bright spot to where its patient position says', () => {
    const s = rotatedSlice();
    // spot 40 mm towards the head (80 columns) and 30 mm posterior (60 rows) from the origin
    s.data[60 * s.columns + 80] = 1;
    const g = canonicalGrid(s, 0.5);
    const img = resample(s.data, s.rows, s.columns, g, true);
    const k = img.indexOf(1);
    const i = Math.floor(k / g.columns);
    const j = k % g.columns;
    const [r, c] = toSourcePixel(g.toSource, i, j);
    expect(Math.round(r)).toBe(60);
    expect(Math.round(c)).toBe(80);
  });
});
