import { allocate, type Dtype, type NumericArray, swapBytesInPlace } from '../arrays.js';
import type { ReadOptions } from '../dicom/read.js';
import { assertWithinLimit, DEFAULT_MAX_DECODED_BYTES, MriIoError, typedAsync } from '../errors.js';
import { readFileBounded } from '../files.js';
import { BoundedInflater, inflateGzipPrefix, isGzip } from '../inflate.js';

/** 4x4 row-major matrix mapping (i, j, k, 1) voxel indices to RAS+ millimetres (NIfTI convention). */
export type Affine = number[][];

export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[1..dim[0]]: the image shape in header order (first index varies fastest on disk). */
  shape: number[];
  datatype: number;
  dtype: Dtype;
  bitpix: number;
  /** pixdim[0..7] as stored (pixdim[0] is qfac). */
  pixdim: number[];
  voxOffset: number;
  /** Raw scl_slope / scl_inter from the file (nibabel's rules decide whether they apply). */
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z. */
  srow: [number[], number[], number[]];
  xyztUnits: number;
  intentCode: number;
}

export interface NiftiImage {
  kind: 'nifti';
  file: string | undefined;
  header: NiftiHeader;
  shape: number[];
  dtype: Dtype;
  /** Stored voxel values, first index fastest (Fortran order, as on disk). */
  data: NumericArray;
  /** nibabel's choice: sform if sform_code > 0, else qform if qform_code > 0, else the shape/zoom fallback. */
  affine: Affine;
  affineSource: 'sform' | 'qform' | 'fallback';
  /** pixdim[1..ndim]: voxel sizes (and the time step for 4-D). */
  zooms: number[];
  /** The linear scaling applied by `scaled()`; null when scl_slope is 0 or not finite (no scaling). */
  scaling: { slope: number; inter: number } | null;
  /** Scaled values (float64 for float64 data, float32 otherwise), computed in float64. */
  scaled(): Float32Array | Float64Array;
}

const DATATYPES: Record<number, { dtype: Dtype; bytes: number }> = {
  2: { dtype: 'uint8', bytes: 1 },
  4: { dtype: 'int16', bytes: 2 },
  8: { dtype: 'int32', bytes: 4 },
  16: { dtype: 'float32', bytes: 4 },
  64: { dtype: 'float64', bytes: 8 },
  256: { dtype: 'int8', bytes: 1 },
  512: { dtype: 'uint16', bytes: 2 },
  768: { dtype: 'uint32', bytes: 4 },
};

const NIFTI_DATATYPE_NAMES: Record<number, string> = {
  32: 'complex64',
  128: 'RGB24',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

export function dtypeToNiftiDatatype(dtype: Dtype): number {
  for (const [code, t] of Object.entries(DATATYPES)) if (t.dtype === dtype) return Number(code);
  throw new MriIoError('BAD_ARGUMENT', `dtype ${dtype} has no NIfTI datatype`);
}

/** Reads a NIfTI-1 or NIfTI-2 image (`.nii` or `.nii.gz`, detected from the bytes) from a path or bytes. Every throw is an `MriIoError`. */
export async function readNifti(input: string | Uint8Array, options: ReadOptions = {}): Promise<NiftiImage> {
  const maxDecodedBytes = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  // A compressed file is at most ~1/1032 of what it inflates to, so bounding the file by the limit is safe.
  const file = typeof input === 'string' ? input : undefined;
  return typedAsync(
    async () => {
      const bytes =
        typeof input === 'string'
          ? await readFileBounded(input, maxDecodedBytes, (h) => probeNifti(h, input))
          : input;
      return decodeNiftiBytes(bytes, file, options);
    },
    file,
    'NIfTI',
  );
}

/** Refuses, from its first bytes, a file that is neither gzip nor starts with sizeof_hdr 348/540. */
function probeNifti(head: Uint8Array, file: string): void {
  if (head.length < 4 || isGzip(head)) return; // the reader says what is wrong with these
  const v = new DataView(head.buffer, head.byteOffset, 4);
  if ([348, 540].includes(v.getInt32(0, true)) || [348, 540].includes(v.getInt32(0, false))) return;
  throw new MriIoError(
    'NOT_NIFTI',
    `sizeof_hdr is ${v.getInt32(0, true)}, not 348 (NIfTI-1) or 540 (NIfTI-2); this is not a NIfTI file`,
    file,
  );
}

export async function decodeNiftiBytes(
  bytes: Uint8Array,
  file?: string,
  options: ReadOptions = {},
): Promise<NiftiImage> {
  const maxDecodedBytes = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  if (isGzip(bytes)) {
    const inflater = new BoundedInflater(bytes, 'gzip', maxDecodedBytes, file, 'NIfTI');
    let head = inflater.fill(540);
    const header = parseNiftiHeader(head, file);
    const nbytes = dataBytes(header, maxDecodedBytes, file);
    const needed = header.voxOffset + nbytes;
    // The header and any extensions before vox_offset are inflated too: count them against the limit.
    assertWithinLimit(needed, maxDecodedBytes, `vox_offset ${header.voxOffset} plus the voxel data`, file);
    head = await inflateGzipPrefix(bytes, needed, file, 'NIfTI');
    if (head.length < needed) {
      throw new MriIoError(
        'TRUNCATED',
        `the image data ends after ${Math.max(0, head.length - header.voxOffset)} of ${nbytes} bytes; the file was cut short, copy it again`,
        file,
      );
    }
    return assemble(header, head, nbytes, true, file);
  }
  const header = parseNiftiHeader(bytes, file);
  const nbytes = dataBytes(header, maxDecodedBytes, file);
  if (bytes.length < header.voxOffset + nbytes) {
    throw new MriIoError(
      'TRUNCATED',
      `the header describes ${nbytes} bytes of voxels from byte ${header.voxOffset} but the file has ${Math.max(0, bytes.length - header.voxOffset)}; the file was cut short or its header lies`,
      file,
    );
  }
  return assemble(header, bytes, nbytes, false, file);
}

function dataBytes(h: NiftiHeader, maxDecodedBytes: number, file?: string): number {
  const voxels = h.shape.reduce((a, b) => a * b, 1);
  const nbytes = voxels * (h.bitpix / 8);
  assertWithinLimit(
    nbytes,
    maxDecodedBytes,
    `voxel data of shape [${h.shape.join(', ')}] (${h.dtype})`,
    file,
  );
  return nbytes;
}

export function parseNiftiHeader(b: Uint8Array, file?: string): NiftiHeader {
  if (b.length < 348) {
    throw new MriIoError(
      b.length === 0 ? 'NOT_NIFTI' : 'TRUNCATED',
      `the file has ${b.length} bytes, fewer than a NIfTI header (348)`,
      file,
    );
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const sizeLe = view.getInt32(0, true);
  const sizeBe = view.getInt32(0, false);
  const le = sizeLe === 348 || sizeLe === 540;
  if (!le && sizeBe !== 348 && sizeBe !== 540) {
    throw new MriIoError(
      'NOT_NIFTI',
      `sizeof_hdr is ${sizeLe}, not 348 (NIfTI-1) or 540 (NIfTI-2); this is not a NIfTI file`,
      file,
    );
  }
  const version: 1 | 2 = (le ? sizeLe : sizeBe) === 348 ? 1 : 2;
  if (version === 2 && b.length < 540)
    throw new MriIoError('TRUNCATED', 'the file ends inside the NIfTI-2 header', file);
  const magic = String.fromCharCode(...b.subarray(version === 1 ? 344 : 4, version === 1 ? 348 : 8));
  if (version === 1 && magic !== 'n+1\0') {
    const hint =
      magic === 'ni1\0' ? ' (a two-file .hdr/.img pair, which is not supported; convert it to .nii)' : '';
    throw new MriIoError('BAD_NIFTI_HEADER', `magic is ${JSON.stringify(magic)}, not "n+1"${hint}`, file);
  }
  if (version === 2 && magic !== 'n+2\0') {
    throw new MriIoError('BAD_NIFTI_HEADER', `NIfTI-2 magic is ${JSON.stringify(magic)}, not "n+2"`, file);
  }
  const i16 = (o: number) => view.getInt16(o, le);
  const i32 = (o: number) => view.getInt32(o, le);
  const f32 = (o: number) => view.getFloat32(o, le);
  const f64 = (o: number) => view.getFloat64(o, le);
  const i64 = (o: number) => Number(view.getBigInt64(o, le));

  let dim: number[];
  let pixdim: number[];
  let datatype: number;
  let bitpix: number;
  let voxOffset: number;
  let sclSlope: number;
  let sclInter: number;
  let qformCode: number;
  let sformCode: number;
  let quatern: [number, number, number];
  let qoffset: [number, number, number];
  let srow: [number[], number[], number[]];
  let xyztUnits: number;
  let intentCode: number;
  if (version === 1) {
    dim = Array.from({ length: 8 }, (_, k) => i16(40 + 2 * k));
    intentCode = i16(68);
    datatype = i16(70);
    bitpix = i16(72);
    pixdim = Array.from({ length: 8 }, (_, k) => f32(76 + 4 * k));
    voxOffset = f32(108);
    sclSlope = f32(112);
    sclInter = f32(116);
    xyztUnits = b[123];
    qformCode = i16(252);
    sformCode = i16(254);
    quatern = [f32(256), f32(260), f32(264)];
    qoffset = [f32(268), f32(272), f32(276)];
    srow = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c))) as [
      number[],
      number[],
      number[],
    ];
  } else {
    datatype = i16(12);
    bitpix = i16(14);
    dim = Array.from({ length: 8 }, (_, k) => i64(16 + 8 * k));
    pixdim = Array.from({ length: 8 }, (_, k) => f64(104 + 8 * k));
    voxOffset = i64(168);
    sclSlope = f64(176);
    sclInter = f64(184);
    qformCode = i32(344);
    sformCode = i32(348);
    quatern = [f64(352), f64(360), f64(368)];
    qoffset = [f64(376), f64(384), f64(392)];
    srow = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f64(400 + 32 * r + 8 * c))) as [
      number[],
      number[],
      number[],
    ];
    xyztUnits = i32(500);
    intentCode = i32(504);
  }
  const ndim = dim[0];
  if (!(ndim >= 1 && ndim <= 7))
    throw new MriIoError('BAD_NIFTI_HEADER', `dim[0] is ${ndim}, not 1..7`, file);
  const shape = dim.slice(1, ndim + 1);
  if (shape.some((d) => !(Number.isInteger(d) && d >= 1))) {
    throw new MriIoError(
      'BAD_NIFTI_HEADER',
      `dimensions [${shape.join(', ')}] must be positive integers`,
      file,
    );
  }
  const type = DATATYPES[datatype];
  if (!type) {
    const name = NIFTI_DATATYPE_NAMES[datatype];
    throw new MriIoError(
      name ? 'UNSUPPORTED_NIFTI_DATATYPE' : 'BAD_NIFTI_HEADER',
      name ? `NIfTI datatype ${datatype} (${name}) is not supported` : `unknown NIfTI datatype ${datatype}`,
      file,
    );
  }
  if (bitpix !== type.bytes * 8) {
    throw new MriIoError(
      'BAD_NIFTI_HEADER',
      `bitpix ${bitpix} does not match datatype ${datatype} (${type.dtype})`,
      file,
    );
  }
  const minOffset = version === 1 ? 352 : 544;
  if (!Number.isFinite(voxOffset) || voxOffset > 2 ** 53) {
    throw new MriIoError('BAD_NIFTI_HEADER', `vox_offset ${voxOffset} is not a byte offset`, file);
  }
  voxOffset = Math.floor(voxOffset);
  if (!(voxOffset >= minOffset) && voxOffset !== 0) {
    throw new MriIoError('BAD_NIFTI_HEADER', `vox_offset ${voxOffset} lies inside the header`, file);
  }
  if (voxOffset === 0) voxOffset = minOffset; // nibabel reads single-file images from the end of the header
  return {
    version,
    littleEndian: le,
    shape,
    datatype,
    dtype: type.dtype,
    bitpix,
    pixdim,
    voxOffset,
    sclSlope,
    sclInter,
    qformCode,
    sformCode,
    quatern,
    qoffset,
    srow,
    xyztUnits,
    intentCode,
  };
}

function assemble(
  h: NiftiHeader,
  bytes: Uint8Array,
  nbytes: number,
  ownBuffer: boolean,
  file?: string,
): NiftiImage {
  const size = h.bitpix / 8;
  const start = bytes.byteOffset + h.voxOffset;
  let buffer: ArrayBuffer;
  let offset: number;
  if (ownBuffer && start % size === 0) {
    buffer = bytes.buffer as ArrayBuffer;
    offset = start;
  } else {
    buffer = bytes.slice(h.voxOffset, h.voxOffset + nbytes).buffer;
    offset = 0;
  }
  if (!h.littleEndian && size > 1) {
    swapBytesInPlace(new Uint8Array(buffer, offset, nbytes), size);
  }
  const count = nbytes / size;
  const data = typedView(h.dtype, buffer, offset, count);
  const scaling = slopeInter(h, file);
  const affine = bestAffine(h, file);
  const zooms = h.pixdim.slice(1, h.shape.length + 1).map(Math.abs);
  return {
    kind: 'nifti',
    file,
    header: h,
    shape: h.shape,
    dtype: h.dtype,
    data,
    affine: affine.matrix,
    affineSource: affine.source,
    zooms,
    scaling,
    scaled() {
      const out = h.dtype === 'float64' ? new Float64Array(count) : new Float32Array(count);
      if (!scaling) out.set(data);
      else for (let i = 0; i < count; i++) out[i] = data[i] * scaling.slope + scaling.inter;
      return out;
    },
  };
}

function typedView(dtype: Dtype, buffer: ArrayBuffer, offset: number, count: number): NumericArray {
  const ctor = allocate(dtype, 0).constructor as new (b: ArrayBuffer, o: number, n: number) => NumericArray;
  return new ctor(buffer, offset, count);
}

/** nibabel: no scaling when scl_slope is 0 or not finite; a finite slope with a non-finite intercept is an error. */
function slopeInter(h: NiftiHeader, file?: string): { slope: number; inter: number } | null {
  if (h.sclSlope === 0 || !Number.isFinite(h.sclSlope)) return null;
  if (!Number.isFinite(h.sclInter)) {
    throw new MriIoError(
      'BAD_NIFTI_HEADER',
      `scl_slope ${h.sclSlope} is valid but scl_inter is ${h.sclInter}`,
      file,
    );
  }
  if (h.sclSlope === 1 && h.sclInter === 0) return null;
  return { slope: h.sclSlope, inter: h.sclInter };
}

/** The qform affine: quaternion rotation, voxel sizes with qfac on the third, offsets (NIfTI-1 method 2). */
export function qformAffine(h: NiftiHeader, file?: string): Affine {
  const [b, c, d] = h.quatern;
  const w2 = 1 - (b * b + c * c + d * d);
  // nibabel's fillpositive: a slightly negative w2 is rounding error in float32 storage.
  if (w2 < -3 * 1.1920929e-7) {
    throw new MriIoError('BAD_NIFTI_HEADER', `qform quaternion (${b}, ${c}, ${d}) has norm above 1`, file);
  }
  const a = w2 < 0 ? 0 : Math.sqrt(w2);
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
  ];
  const qfac = h.pixdim[0] === -1 ? -1 : 1; // nibabel fixes any other qfac to 1 on load
  const zooms = [Math.abs(h.pixdim[1]), Math.abs(h.pixdim[2]), Math.abs(h.pixdim[3]) * qfac];
  return [
    [R[0][0] * zooms[0], R[0][1] * zooms[1], R[0][2] * zooms[2], h.qoffset[0]],
    [R[1][0] * zooms[0], R[1][1] * zooms[1], R[1][2] * zooms[2], h.qoffset[1]],
    [R[2][0] * zooms[0], R[2][1] * zooms[1], R[2][2] * zooms[2], h.qoffset[2]],
    [0, 0, 0, 1],
  ];
}

function bestAffine(
  h: NiftiHeader,
  file?: string,
): { matrix: Affine; source: 'sform' | 'qform' | 'fallback' } {
  if (h.sformCode > 0) return { matrix: [...h.srow.map((r) => [...r]), [0, 0, 0, 1]], source: 'sform' };
  if (h.qformCode > 0) return { matrix: qformAffine(h, file), source: 'qform' };
  // nibabel's shape_zoom_affine: centred, x flipped (radiological voxel order assumed).
  const shape = [0, 1, 2].map((k) => h.shape[k] ?? 1);
  const z = [0, 1, 2].map((k) => (k < h.shape.length ? Math.abs(h.pixdim[k + 1]) || 1 : 1));
  z[0] = -z[0];
  const m: Affine = [
    [z[0], 0, 0, 0],
    [0, z[1], 0, 0],
    [0, 0, z[2], 0],
    [0, 0, 0, 1],
  ];
  for (let k = 0; k < 3; k++) m[k][3] = (-(shape[k] - 1) / 2) * z[k];
  return { matrix: m, source: 'fallback' };
}
