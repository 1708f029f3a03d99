// What locateVertebrae takes: anything @op-screen/mri-io reads, as a stack of sagittal slices
// with their geometry, plus what is known about the acquisition plane.
import {
  type NiftiImage,
  niftiSagittalSlice,
  orientationOf,
  type Slice2D,
  type Vec3,
  type Volume,
} from '@op-screen/mri-io';
import { LocateError } from './errors.js';

/** A series as `@op-screen/mri-io` gives it: an assembled DICOM volume, a NIfTI image, or slices. */
export type LocateInput = Volume | NiftiImage | Slice2D | readonly Slice2D[];

export interface SagittalStack {
  slices: Slice2D[];
  /** The acquisition plane (from the slice normal or, for NIfTI, the coarsest voxel axis). */
  plane: 'sagittal' | 'coronal' | 'axial' | 'oblique' | 'unknown';
  /** Degrees between the acquisition normal and the left-right axis, when known. */
  obliqueAngle: number | null;
}

const isNifti = (x: LocateInput): x is NiftiImage => (x as NiftiImage).kind === 'nifti';
const isVolume = (x: LocateInput): x is Volume => !Array.isArray(x) && 'affineLps' in (x as object);

function volumeSlice(volume: Volume, k: number): Slice2D {
  const [n, rows, columns] = volume.shape;
  const A = volume.affineLps;
  const col = (j: number): Vec3 => [A[0][j], A[1][j], A[2][j]];
  const unit = (v: Vec3): Vec3 => {
    const l = Math.hypot(v[0], v[1], v[2]) || 1;
    return [v[0] / l, v[1] / l, v[2] / l];
  };
  return {
    data: volume.data.subarray(k * rows * columns, (k + 1) * rows * columns),
    rows,
    columns,
    pixelSpacing: [volume.spacing[1], volume.spacing[2]],
    origin: [0, 1, 2].map((i) => A[i][3] + k * A[i][0]) as Vec3,
    rowCosines: unit(col(2)),
    columnCosines: unit(col(1)),
    sliceThickness: volume.spacing[0],
    source: { path: volume.files[k] ?? '', kind: 'series', index: k, count: n },
  };
}

/** Turns any accepted input into sagittal slices (NIfTI is resliced along its left-right axis). */
export function toSagittalStack(input: LocateInput): SagittalStack {
  if (isNifti(input)) {
    const A = input.affine;
    const dims = [0, 1, 2].map((k) => input.shape[k] ?? 1);
    if (dims.some((d) => !(d >= 1)) || input.data.length === 0) {
      throw new LocateError('BAD_INPUT', 'the NIfTI image holds no voxels', input.file);
    }
    const len = [0, 1, 2].map((k) => Math.hypot(A[0][k], A[1][k], A[2][k]) || 1);
    const lr = [0, 1, 2].reduce(
      (b, k) => (Math.abs(A[0][k]) / len[k] > Math.abs(A[0][b]) / len[b] ? k : b),
      0,
    );
    // The acquisition plane of a resampled volume: the coarsest axis, when clearly coarser.
    const coarse = [0, 1, 2].reduce((b, k) => (len[k] > len[b] ? k : b), 0);
    const finest = Math.min(...len);
    let plane: SagittalStack['plane'] = 'sagittal';
    let obliqueAngle: number | null = null;
    if (len[coarse] > 1.5 * finest && dims[coarse] > 1) {
      const n: Vec3 = [-A[0][coarse], -A[1][coarse], A[2][coarse]]; // RAS -> LPS
      const o = orientationOf(n);
      plane = o.nearestPlane === 'sagittal' ? 'sagittal' : (o.nearestPlane ?? 'unknown');
      obliqueAngle = o.obliqueAngle;
    } else if (dims[lr] === 1) {
      plane = 'unknown';
    }
    const count = dims[lr];
    const slices: Slice2D[] = [];
    for (let k = 0; k < count; k++) slices.push(niftiSagittalSlice(input, k));
    return { slices, plane, obliqueAngle };
  }
  if (isVolume(input)) {
    const [n] = input.shape;
    if (!(n >= 1) || input.data.length === 0)
      throw new LocateError('BAD_INPUT', 'the volume holds no slices', input.files[0]);
    const A = input.affineLps;
    const o = orientationOf([A[0][0], A[1][0], A[2][0]]);
    const slices: Slice2D[] = [];
    for (let k = 0; k < n; k++) slices.push(volumeSlice(input, k));
    const plane =
      n === 1 ? planeOfSlice(slices[0]) : o.orientation === 'oblique' ? nearestOrOblique(o) : o.orientation;
    return { slices, plane: plane as SagittalStack['plane'], obliqueAngle: o.obliqueAngle };
  }
  const slices = (Array.isArray(input) ? [...input] : [input as Slice2D]) as Slice2D[];
  if (slices.length === 0) throw new LocateError('BAD_INPUT', 'no slices given');
  for (const s of slices) {
    if (!(s.rows > 0 && s.columns > 0) || s.data.length !== s.rows * s.columns) {
      throw new LocateError(
        'BAD_INPUT',
        `a slice must hold rows x columns values (got ${s.data.length} for ${s.rows}x${s.columns})`,
        s.source?.path || undefined,
      );
    }
  }
  return { slices, plane: planeOfSlice(slices[0]), obliqueAngle: null };
}

function nearestOrOblique(o: { nearestPlane: string | null; obliqueAngle: number | null }): string {
  // Up to 30 degrees off sagittal is still a sagittal lumbar series (tilted to follow the spine).
  if (o.nearestPlane === 'sagittal' && (o.obliqueAngle ?? 90) <= 30) return 'sagittal';
  return 'oblique';
}

function planeOfSlice(s: Slice2D): SagittalStack['plane'] {
  if (!s.rowCosines || !s.columnCosines) return 'unknown';
  const a = s.rowCosines;
  const b = s.columnCosines;
  const n: Vec3 = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const o = orientationOf(n);
  return (o.orientation === 'oblique' ? nearestOrOblique(o) : o.orientation) as SagittalStack['plane'];
}
