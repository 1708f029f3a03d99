export type Vec3 = [number, number, number];

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function scale(a: readonly number[], s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}

export function add(a: readonly number[], b: readonly number[]): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function norm(a: readonly number[]): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/**
 * DICOM patient coordinates are LPS (+x left, +y posterior, +z superior); NIfTI's are RAS. The
 * conversion negates x and y, so the same function also maps RAS to LPS.
 */
export function lpsToRas(v: readonly number[]): Vec3 {
  return [-v[0], -v[1], v[2]];
}

/** Builds a 4x4 row-major affine from its four columns (three axis steps and the origin). */
export function affineFromColumns(
  c0: readonly number[],
  c1: readonly number[],
  c2: readonly number[],
  origin: readonly number[],
): number[][] {
  return [
    [c0[0], c1[0], c2[0], origin[0]],
    [c0[1], c1[1], c2[1], origin[1]],
    [c0[2], c1[2], c2[2], origin[2]],
    [0, 0, 0, 1],
  ];
}

/** LPS affine -> RAS affine (negate the first two rows). */
export function affineLpsToRas(m: number[][]): number[][] {
  return [m[0].map((v) => -v), m[1].map((v) => -v), [...m[2]], [...m[3]]];
}
