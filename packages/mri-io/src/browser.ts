/**
 * Browser entry of @op-screen/mri-io (the `browser` export condition): the byte-level API. Pass
 * file bytes (`Uint8Array` from `fetch()` or a `File`); the path-taking functions of the Node
 * entry (readSeriesDirectory, readSlice, inspectPath, writeNifti1) are not here. The build maps
 * Node built-ins to browser stand-ins (src/browser/) and embeds the codecs' wasm in the bundle.
 */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/mri-io' as const;

export { allocate, type Dtype, dtypeOf, type NumericArray } from './arrays.js';
export type { DicomGeometry, DicomHeader } from './dicom/header.js';
export { type DicomImage, type ReadOptions, readDicom, readDicomHeader } from './dicom/read.js';
export {
  supportedTransferSyntaxes,
  type TransferSyntaxInfo,
  transferSyntaxInfo,
} from './dicom/transfer-syntax.js';
export { DEFAULT_MAX_DECODED_BYTES, isMriIoError, MriIoError, type MriIoErrorCode } from './errors.js';
export { affineLpsToRas, lpsToRas, type Vec3 } from './geometry.js';
export { type AnyImage, detectFormat, readImage } from './image.js';
export { type Affine, type NiftiHeader, type NiftiImage, parseNiftiHeader, readNifti } from './nifti/read.js';
export { encodeNifti1, type NiftiWriteInput } from './nifti/write.js';
export {
  OBLIQUE_THRESHOLD_DEG,
  type Orientation,
  type OrientationInfo,
  orientationOf,
  type Plane,
} from './scan/classify.js';
export { type DicomSeries, orderSeries, type SeriesIssue, type Volume } from './series.js';
export {
  asSlice2D,
  bt601Grayscale,
  cropMaskBoundingBox,
  cropRoi,
  dicomSlice,
  type GrayscaleHook,
  niftiSagittalSlice,
  type Rect,
  type Roi,
  type Slice2D,
  type SliceLike,
  selectMidSagittalSlice,
  sliceToNifti,
  toGrayscale,
} from './slice.js';
export { computeStats, type ValueStats } from './stats.js';
