import { describe, expect, it } from 'vitest';
import { mapBox, type PlaneGeometry, pixelToPatient } from '../src/geometry.js';

// Sagittal slices like synth's: rows run posterior (+y), columns inferior (-z), slices along x.
const sagittal = (
  x: number,
  rows: number,
  columns: number,
  spacing: number,
  origin: [number, number] = [-96, 96],
) =>
  ({
    origin: [x, origin[0], origin[1]],
    rowCosines: [0, 0, -1],
    columnCosines: [0, 1, 0],
    pixelSpacing: [spacing, spacing],
    rows,
    columns,
  }) satisfies PlaneGeometry;

describe('mapBox', () => {
  const t1 = [0, 1, 2, 3, 4].map((k) => sagittal(8 - 4 * k, 128, 128, 1.5));

  it('is the identity between series of the same geometry, and picks the same slice', () => {
    const box = { x: 35, y: 8, width: 34, height: 25 };
    expect(mapBox(box, t1[1], t1)).toEqual({ slice: 1, box, distance: 0 });
  });

  it('maps onto a finer matrix over the same field of view exactly', () => {
    // 256x256 at 0.75 mm: the first pixel centre sits a quarter of a coarse pixel up-left.
    const fine = [0, 1, 2].map((k) => sagittal(4 - 4 * k, 256, 256, 0.75, [-96 - 0.375, 96 + 0.375]));
    const r = mapBox({ x: 35, y: 8, width: 34, height: 25 }, t1[2], fine);
    expect(r).toEqual({ slice: 1, box: { x: 70, y: 16, width: 68, height: 50 }, distance: 0 });
  });

  it('follows a shifted field of view and the nearest slice of a different slice spacing', () => {
    // T2 shifted 15 mm posterior (10 rows of 1.5 mm), slices every 3 mm from x = 9.
    const t2 = [0, 1, 2, 3, 4, 5].map((k) => sagittal(9 - 3 * k, 128, 128, 1.5, [-96 + 15, 96]));
    const r = mapBox({ x: 35, y: 20, width: 30, height: 20 }, t1[1], t2); // t1[1] lies at x = 4
    expect(r?.slice).toBe(2); // x = 3, 1 mm away (x = 6 is 2 mm away)
    expect(r?.distance).toBeCloseTo(1, 9);
    expect(r?.box).toEqual({ x: 35, y: 10, width: 30, height: 20 });
    const centre = pixelToPatient(t1[1], 35 - 0.5 + 15, 20 - 0.5 + 10);
    expect(centre).toEqual([4, -96 + 1.5 * 29.5, 96 - 1.5 * 49.5]);
  });

  it('clips to the target image and gives up when nothing is left', () => {
    const small = [sagittal(4, 64, 64, 1.5)];
    expect(mapBox({ x: 50, y: 50, width: 30, height: 30 }, t1[1], small)?.box).toEqual({
      x: 50,
      y: 50,
      width: 14,
      height: 14,
    });
    expect(mapBox({ x: 100, y: 100, width: 20, height: 20 }, t1[1], small)).toBeUndefined();
  });
});
