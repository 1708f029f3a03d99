import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'fflate';
import { dtypeOf, type NumericArray } from '../arrays.js';
import { MriIoError } from '../errors.js';
import { type Affine, dtypeToNiftiDatatype } from './read.js';

export interface NiftiWriteInput {
  /** Voxels, first index fastest (NIfTI/Fortran order). */
  data: NumericArray;
  /** Header-order shape `[dim1, dim2, ...]` (1 to 7 dimensions). */
  shape: number[];
  /** Voxel-to-RAS+ affine (4x4). Default: identity scaled by `zooms`. */
  affine?: Affine;
  /** Voxel sizes; default: the column norms of the affine. */
  zooms?: number[];
  sclSlope?: number;
  sclInter?: number;
  /** Free text (ASCII, at most 79 characters). Never put patient identifiers here. */
  description?: string;
}

/**
 * Encodes a NIfTI-1 single file (`n+1`, little endian, vox_offset 352) with both sform and qform
 * (code 1, scanner anatomical) set from the affine; the qform carries the rotation part of the
 * affine (any shear is only in the sform, which readers prefer).
 */
export function encodeNifti1(input: NiftiWriteInput): Uint8Array {
  const { data, shape } = input;
  if (
    shape.length < 1 ||
    shape.length > 7 ||
    shape.some((d) => !(Number.isInteger(d) && d >= 1 && d <= 32767))
  ) {
    throw new MriIoError(
      'BAD_ARGUMENT',
      `NIfTI-1 shape [${shape.join(', ')}] must have 1-7 dimensions of 1..32767`,
    );
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new MriIoError(
      'BAD_ARGUMENT',
      `data has ${data.length} values but shape [${shape.join(', ')}] needs ${count}`,
    );
  }
  const dtype = dtypeOf(data);
  const datatype = dtypeToNiftiDatatype(dtype);
  const bytesPer = data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(352 + data.byteLength);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, true);
  v.setInt16(40, shape.length, true);
  for (let k = 0; k < 7; k++) v.setInt16(42 + 2 * k, shape[k] ?? 1, true);
  v.setInt16(70, datatype, true);
  v.setInt16(72, bytesPer * 8, true);

  const affine = input.affine ?? defaultAffine(input.zooms ?? []);
  const cols = [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c]));
  const zooms = input.zooms ?? cols;
  const q = affineToQuaternion(affine, cols);
  v.setFloat32(76, q.qfac, true);
  for (let k = 0; k < 7; k++) v.setFloat32(80 + 4 * k, zooms[k] ?? (k < 3 ? cols[k] : 1), true);
  v.setFloat32(108, 352, true);
  v.setFloat32(112, input.sclSlope ?? 1, true);
  v.setFloat32(116, input.sclInter ?? 0, true);
  out[123] = 2 | 8; // mm, s
  const text = (input.description ?? '').slice(0, 79);
  for (let i = 0; i < text.length; i++) out[148 + i] = text.charCodeAt(i) & 0x7f;
  v.setInt16(252, 1, true);
  v.setInt16(254, 1, true);
  v.setFloat32(256, q.b, true);
  v.setFloat32(260, q.c, true);
  v.setFloat32(264, q.d, true);
  for (let r = 0; r < 3; r++) {
    v.setFloat32(268 + 4 * r, affine[r][3], true);
    for (let c = 0; c < 4; c++) v.setFloat32(280 + 16 * r + 4 * c, affine[r][c], true);
  }
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 352); // hosts are little endian
  return out;
}

/** Writes a NIfTI-1 file; gzip-compressed when the path ends in `.gz`. */
export async function writeNifti1(path: string, input: NiftiWriteInput): Promise<void> {
  const bytes = encodeNifti1(input);
  await writeFile(path, path.endsWith('.gz') ? gzipSync(bytes, { level: 6 }) : bytes);
}

function defaultAffine(zooms: number[]): Affine {
  return [
    [zooms[0] ?? 1, 0, 0, 0],
    [0, zooms[1] ?? 1, 0, 0],
    [0, 0, zooms[2] ?? 1, 0],
    [0, 0, 0, 1],
  ];
}

/** Quaternion (b, c, d) and qfac of the rotation in `affine` (NIfTI-1 method 2). */
function affineToQuaternion(
  affine: Affine,
  cols: number[],
): { b: number; c: number; d: number; qfac: number } {
  const R = [0, 1, 2].map((r) =>
    [0, 1, 2].map((c) => (cols[c] > 0 ? affine[r][c] / cols[c] : r === c ? 1 : 0)),
  );
  const det =
    R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) -
    R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) +
    R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) for (let r = 0; r < 3; r++) R[r][2] = -R[r][2];
  const trace = R[0][0] + R[1][1] + R[2][2];
  let a: number;
  let b: number;
  let c: number;
  let d: number;
  if (trace > 0) {
    const s = Math.sqrt(trace + 1) * 2;
    a = s / 4;
    b = (R[2][1] - R[1][2]) / s;
    c = (R[0][2] - R[2][0]) / s;
    d = (R[1][0] - R[0][1]) / s;
  } else if (R[0][0] > R[1][1] && R[0][0] > R[2][2]) {
    const s = Math.sqrt(1 + R[0][0] - R[1][1] - R[2][2]) * 2;
    a = (R[2][1] - R[1][2]) / s;
    b = s / 4;
    c = (R[0][1] + R[1][0]) / s;
    d = (R[0][2] + R[2][0]) / s;
  } else if (R[1][1] > R[2][2]) {
    const s = Math.sqrt(1 + R[1][1] - R[0][0] - R[2][2]) * 2;
    a = (R[0][2] - R[2][0]) / s;
    b = (R[0][1] + R[1][0]) / s;
    c = s / 4;
    d = (R[1][2] + R[2][1]) / s;
  } else {
    const s = Math.sqrt(1 + R[2][2] - R[0][0] - R[1][1]) * 2;
    a = (R[1][0] - R[0][1]) / s;
    b = (R[0][2] + R[2][0]) / s;
    c = (R[1][2] + R[2][1]) / s;
    d = s / 4;
  }
  if (a < 0) {
    b = -b;
    c = -c;
    d = -d;
  }
  return { b, c, d, qfac };
}
