/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/mri-io' as const;

export { DEFAULT_MAX_DECODED_BYTES, isMriIoError, MriIoError, type MriIoErrorCode } from './errors.js';
export { computeStats, type NumericArray, type ValueStats } from './stats.js';
export type { DicomGeometry, DicomHeader } from './dicom/header.js';
export { type DicomImage, type Dtype, type ReadOptions, readDicom, readDicomHeader } from './dicom/read.js';
export { supportedTransferSyntaxes, type TransferSyntaxInfo, transferSyntaxInfo } from './dicom/transfer-syntax.js';
