/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/mri-io' as const;

export { allocate, type Dtype, dtypeOf, type NumericArray } from './arrays.js';
export {
  type DicomFrame,
  ENHANCED_SOP_CLASSES,
  type EnhancedMrTiming,
  readEnhancedMrTiming,
  readFunctionalGroups,
} from './dicom/enhanced.js';
export type { DicomGeometry, DicomHeader } from './dicom/header.js';
export { applyModalityLut, type ModalityLut } from './dicom/modality-lut.js';
export { type DicomImage, type ReadOptions, readDicom, readDicomHeader } from './dicom/read.js';
export {
  supportedTransferSyntaxes,
  type TransferSyntaxInfo,
  transferSyntaxInfo,
} from './dicom/transfer-syntax.js';
export {
  DEFAULT_MAX_DECODED_BYTES,
  isMriIoError,
  MriIoError,
  type MriIoErrorCode,
  toMriIoError,
} from './errors.js';
export { affineLpsToRas, lpsToRas, type Vec3 } from './geometry.js';
export { type AnyImage, detectFormat, readImage } from './image.js';
export {
  type InspectDicom,
  type InspectError,
  type InspectFile,
  type InspectNifti,
  type InspectResult,
  type InspectSeries,
  type InspectStats,
  inspectPath,
} from './inspect.js';
export { type Affine, type NiftiHeader, type NiftiImage, parseNiftiHeader, readNifti } from './nifti/read.js';
export { encodeNifti1, type NiftiWriteInput, writeNifti1 } from './nifti/write.js';
export {
  guessRole,
  OBLIQUE_THRESHOLD_DEG,
  type Orientation,
  type OrientationInfo,
  orientationOf,
  type Plane,
  type RoleHints,
  type SeriesRole,
} from './scan/classify.js';
export {
  type PatientIdentity,
  pseudonym,
  type ScanOptions,
  type ScanOutput,
  type ScanPatient,
  type ScanReport,
  type ScanSeries,
  type ScanSkipped,
  type ScanStudy,
  scanDicomTree,
} from './scan/index.js';
export {
  assembleVolume,
  type DicomSeries,
  frameValues,
  orderSeries,
  readSeriesDirectory,
  type SeriesDirectory,
  type SeriesIssue,
  type SeriesReadOptions,
  type SkippedFile,
  type Volume,
} from './series.js';
export {
  asSlice2D,
  bt601Grayscale,
  cropMaskBoundingBox,
  cropRoi,
  type DirectorySeriesOptions,
  dicomSlice,
  type GrayscaleHook,
  niftiSagittalSlice,
  type Rect,
  type Roi,
  readDirectorySeries,
  readSlice,
  type Slice2D,
  type SliceLike,
  type SliceOptions,
  selectMidSagittalSlice,
  sliceToNifti,
  toGrayscale,
} from './slice.js';
export { computeStats, type ValueStats } from './stats.js';
export type { MriIoWarning, MriIoWarningCode } from './warnings.js';
