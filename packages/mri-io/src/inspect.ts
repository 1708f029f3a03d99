import { stat } from 'node:fs/promises';
import type { Dtype } from './arrays.js';
import type { ReadOptions } from './dicom/read.js';
import { decodeParsedDicom, headerOf } from './dicom/read.js';
import { toMriIoError } from './errors.js';
import { type AnyImage, detectFormat, readImageBytes } from './image.js';
import { decodeNiftiBytes } from './nifti/read.js';
import { readSeriesDirectory } from './series.js';
import { computeStats, type ValueStats } from './stats.js';
import type { MriIoWarning } from './warnings.js';

/** Statistics over real-world values; null where no value is finite. */
export interface InspectStats {
  min: number | null;
  max: number | null;
  sum: number;
  mean: number | null;
  nanCount: number;
}

/** `op-screen inspect --json` output for a DICOM file (shape and statistics only when it has pixels). */
export interface InspectDicom {
  path: string;
  kind: 'dicom';
  hasPixelData: boolean;
  /** As declared in the file meta; null when the file has none (then see inferredTransferSyntax). */
  transferSyntax: string | null;
  inferredTransferSyntax?: string;
  transferSyntaxName?: string;
  lossy?: boolean;
  shape?: number[];
  dtype?: Dtype;
  /** Over real-world values (modality LUT applied in float64; colour: stored values). */
  stats?: InspectStats;
  storedStats?: InspectStats;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  /** PixelSpacing: [between rows, between columns] (mm). */
  spacing?: [number, number] | null;
  sliceThickness?: number | null;
  imagePositionPatient?: number[] | null;
  imageOrientationPatient?: number[] | null;
  modality: string | null;
  sopClassUID?: string | null;
  seriesInstanceUID: string | null;
  instanceNumber?: number | null;
  frames?: number;
  samplesPerPixel?: number;
  photometricInterpretation?: string | null;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  /** Present when a Modality LUT Sequence maps stored to real-world values (then `stats` are over the LUT output). */
  modalityLut?: { entries: number; firstMapped: number; type: string | null };
  /** Conformance slips tolerated while reading (stable codes; see the README). */
  warnings?: MriIoWarning[];
}

/** `op-screen inspect --json` output for a NIfTI file. */
export interface InspectNifti {
  path: string;
  kind: 'nifti';
  version: 1 | 2;
  shape: number[];
  dtype: Dtype;
  /** Over scl_slope/scl_inter-scaled values in float64 (nibabel's get_fdata). */
  stats: InspectStats;
  /** pixdim[1..ndim]. */
  spacing: number[];
  /** Voxel to RAS+ (mm), nibabel's sform/qform choice. */
  affine: number[][];
  affineSource: 'sform' | 'qform' | 'fallback';
  sclSlope: number | null;
  sclInter: number | null;
}

export type InspectFile = InspectDicom | InspectNifti;

/** `op-screen inspect --json` output for a directory. */
export interface InspectSeries {
  path: string;
  kind: 'series';
  series: Array<{
    seriesInstanceUID: string;
    modality: string | null;
    files: string[];
    midSagittal: string;
    shape: [number, number, number];
    sliceSpacing: number | null;
    issues: Array<{ kind: string; message: string; files: string[] }>;
  }>;
  skipped: Array<{ path: string; code: string; message: string }>;
}

/** `op-screen inspect --json` output for a path that could not be read. */
export interface InspectError {
  path: string;
  error: { code: string; message: string };
}

export type InspectResult = InspectFile | InspectSeries | InspectError;

/**
 * What `op-screen inspect PATH --json` prints: shape, real-world value statistics, transfer
 * syntax, spacing and affine of a DICOM or NIfTI file, or the series found in a directory. Never
 * throws for unreadable input: it returns `{ path, error: { code, message } }` instead.
 * Contains no patient identifiers.
 */
export async function inspectPath(path: string, options: ReadOptions = {}): Promise<InspectResult> {
  try {
    let isDir = false;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch {
      isDir = false; // readImage reports NOT_FOUND
    }
    if (isDir) {
      const dir = await readSeriesDirectory(path, options);
      return {
        path,
        kind: 'series',
        series: dir.series.map((s) => ({
          seriesInstanceUID: s.seriesInstanceUID,
          modality: s.modality,
          files: s.files,
          midSagittal: s.midSagittal,
          shape: s.shape,
          sliceSpacing: s.sliceSpacing,
          issues: s.issues,
        })),
        skipped: dir.skipped,
      };
    }
    const bytes = await readImageBytes(path, options);
    let image: AnyImage;
    if (detectFormat(bytes, path) === 'nifti') {
      image = await decodeNiftiBytes(bytes, path, options);
    } else {
      const { parsed, header: h } = headerOf(bytes, path, options);
      if (!h.hasPixelData) {
        return {
          path,
          kind: 'dicom',
          hasPixelData: false,
          transferSyntax: h.declaredTransferSyntax,
          ...(h.declaredTransferSyntax ? {} : { inferredTransferSyntax: h.transferSyntax }),
          modality: h.modality,
          sopClassUID: h.sopClassUID,
          seriesInstanceUID: h.seriesInstanceUID,
          warnings: h.warnings,
        };
      }
      image = await decodeParsedDicom(parsed, h, path, options);
    }
    if (image.kind === 'nifti') {
      const s = image.scaling;
      return {
        path,
        kind: 'nifti',
        version: image.header.version,
        shape: image.shape,
        dtype: image.dtype,
        stats: jsonStats(computeStats(image.data, s?.slope ?? 1, s?.inter ?? 0)),
        spacing: image.zooms,
        affine: image.affine,
        affineSource: image.affineSource,
        sclSlope: s?.slope ?? null,
        sclInter: s?.inter ?? null,
      };
    }
    const gray = image.samplesPerPixel === 1;
    const g = image.geometry;
    return {
      path,
      kind: 'dicom',
      hasPixelData: true,
      transferSyntax: image.declaredTransferSyntax,
      ...(image.declaredTransferSyntax ? {} : { inferredTransferSyntax: image.transferSyntax }),
      transferSyntaxName: image.transferSyntaxName,
      lossy: image.lossy,
      shape: image.shape,
      dtype: image.dtype,
      stats: jsonStats(
        gray && image.modalityLut
          ? computeStats(image.rescaled())
          : gray
            ? computeStats(image.stored, image.rescaleSlope, image.rescaleIntercept)
            : computeStats(image.stored),
      ),
      storedStats: jsonStats(computeStats(image.stored)),
      rescaleSlope: image.rescaleSlope,
      rescaleIntercept: image.rescaleIntercept,
      spacing: g.pixelSpacing,
      sliceThickness: g.sliceThickness,
      imagePositionPatient: g.imagePositionPatient,
      imageOrientationPatient: g.imageOrientationPatient,
      modality: image.modality,
      seriesInstanceUID: image.seriesInstanceUID,
      instanceNumber: image.instanceNumber,
      frames: image.frames,
      samplesPerPixel: image.samplesPerPixel,
      photometricInterpretation: image.photometricInterpretation,
      bitsAllocated: image.bitsAllocated,
      bitsStored: image.bitsStored,
      pixelRepresentation: image.pixelRepresentation,
      ...(image.modalityLut
        ? {
            modalityLut: {
              entries: image.modalityLut.entries,
              firstMapped: image.modalityLut.firstMapped,
              type: image.modalityLut.type,
            },
          }
        : {}),
      warnings: image.warnings,
    };
  } catch (err) {
    // Documented never to throw: a third-party throw that slipped through becomes INTERNAL_ERROR.
    const e = toMriIoError(err, path, 'inspect');
    return { path, error: { code: e.code, message: e.message } };
  }
}

function jsonStats(s: ValueStats): InspectStats {
  const f = (v: number) => (Number.isFinite(v) ? v : null);
  return { min: f(s.min), max: f(s.max), sum: s.sum, mean: f(s.mean), nanCount: s.nanCount };
}
