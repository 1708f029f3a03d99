import type { PixelBox } from './columns.js';

type Vec3 = [number, number, number];

/** Where one slice lies in patient (LPS) space, as DICOM gives it. */
export interface PlaneGeometry {
  /** ImagePositionPatient: centre of the first pixel (row 0, column 0), mm. */
  origin: Vec3;
  /** Unit vector along a row (increasing column), ImageOrientationPatient[0..2]. */
  rowCosines: Vec3;
  /** Unit vector down a column (increasing row), ImageOrientationPatient[3..5]. */
  columnCosines: Vec3;
  /** PixelSpacing: [between rows, between columns], mm. */
  pixelSpacing: [number, number];
  rows: number;
  columns: number;
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

/** Patient coordinates of a (continuous) pixel position; (0, 0) is the first pixel's centre. */
export function pixelToPatient(g: PlaneGeometry, column: number, row: number): Vec3 {
  const [dr, dc] = g.pixelSpacing;
  return [0, 1, 2].map(
    (i) => g.origin[i] + column * dc * g.rowCosines[i] + row * dr * g.columnCosines[i],
  ) as Vec3;
}

/** The in-plane pixel position of a patient point, and its signed distance from the plane (mm). */
export function patientToPixel(g: PlaneGeometry, p: Vec3): { column: number; row: number; distance: number } {
  const d = sub(p, g.origin);
  return {
    column: dot(d, g.rowCosines) / g.pixelSpacing[1],
    row: dot(d, g.columnCosines) / g.pixelSpacing[0],
    distance: dot(d, cross(g.rowCosines, g.columnCosines)),
  };
}

/**
 * Maps a box drawn on slice `from` to the slice among `to` nearest to it, through patient
 * coordinates: the box's edges (pixel edges, half a pixel out from the centres) go to patient
 * space and back into the target's pixel grid, so different matrices, fields of view and
 * offsets map correctly; exact when both share a frame of reference and are parallel. Returns
 * the target slice index, the box (clipped to the image) and how far (mm) that slice lies from
 * the box's centre; undefined when the box falls outside every target slice.
 */
export function mapBox(
  box: PixelBox,
  from: PlaneGeometry,
  to: PlaneGeometry[],
): { slice: number; box: PixelBox; distance: number } | undefined {
  const centre = pixelToPatient(from, box.x - 0.5 + box.width / 2, box.y - 0.5 + box.height / 2);
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  to.forEach((g, i) => {
    const d = Math.abs(patientToPixel(g, centre).distance);
    if (d < bestDistance - 1e-9) {
      bestDistance = d;
      best = i;
    }
  });
  if (best < 0) return undefined;
  const g = to[best];
  const corners = [
    [box.x - 0.5, box.y - 0.5],
    [box.x + box.width - 0.5, box.y - 0.5],
    [box.x - 0.5, box.y + box.height - 0.5],
    [box.x + box.width - 0.5, box.y + box.height - 0.5],
  ].map(([c, r]) => patientToPixel(g, pixelToPatient(from, c as number, r as number)));
  // Edge coordinates back to pixel indices: the edge at -0.5 is pixel 0's left/top edge.
  const snap = (v: number) => Math.round(v + 0.5 + 1e-9);
  const x0 = Math.max(0, snap(Math.min(...corners.map((c) => c.column))));
  const y0 = Math.max(0, snap(Math.min(...corners.map((c) => c.row))));
  const x1 = Math.min(g.columns, snap(Math.max(...corners.map((c) => c.column))));
  const y1 = Math.min(g.rows, snap(Math.max(...corners.map((c) => c.row))));
  if (x1 <= x0 || y1 <= y0) return undefined;
  return { slice: best, box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, distance: bestDistance };
}
