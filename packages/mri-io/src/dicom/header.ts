import { MriIoError, toMriIoError } from '../errors.js';
import { type MriIoWarning, parserWarning } from '../warnings.js';
import { type DicomFrame, readFunctionalGroups } from './enhanced.js';
import { type ModalityLut, readModalityLut } from './modality-lut.js';
import type { DataSet } from './parse.js';

/** Patient-space geometry of one image, in DICOM's LPS patient coordinates (millimetres). */
export interface DicomGeometry {
  /** (0020,0032): x, y, z of the centre of the first transmitted pixel. */
  imagePositionPatient: [number, number, number] | null;
  /** (0020,0037): row direction cosines then column direction cosines. */
  imageOrientationPatient: [number, number, number, number, number, number] | null;
  /** (0028,0030): [row spacing (between rows), column spacing (between columns)]. */
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  spacingBetweenSlices: number | null;
}

/** What a DICOM file says about its image, without decoding pixels. Holds no patient identifiers. */
export interface DicomHeader {
  kind: 'dicom';
  file: string | undefined;
  transferSyntax: string;
  declaredTransferSyntax: string | null;
  noFileMeta: boolean;
  sopClassUID: string | null;
  sopInstanceUID: string | null;
  studyInstanceUID: string | null;
  seriesInstanceUID: string | null;
  frameOfReferenceUID: string | null;
  modality: string | null;
  seriesDescription: string | null;
  seriesNumber: number | null;
  instanceNumber: number | null;
  rows: number;
  columns: number;
  frames: number;
  samplesPerPixel: number;
  photometricInterpretation: string | null;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  planarConfiguration: 0 | 1;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009). */
  hasPixelData: boolean;
  /** Which of the three: `integer` (7FE0,0010), `float` (7FE0,0008), `double` (7FE0,0009); null when none. */
  pixelDataKind: 'integer' | 'float' | 'double' | null;
  /** The first item of the Modality LUT Sequence (0028,3000); `rescaled()` applies it. */
  modalityLut: ModalityLut | null;
  geometry: DicomGeometry;
  /**
   * Enhanced multi-frame files (Enhanced MR/CT, Legacy Converted Enhanced): each frame's geometry
   * and rescale from the shared and per-frame functional groups, in pixel-data order. Absent for
   * classic images. `geometry`, `rescaleSlope` and `rescaleIntercept` then describe frame 0.
   */
  frameInfo?: DicomFrame[];
  /** Conformance slips tolerated while reading (see `MriIoWarningCode`); empty for a clean file. */
  warnings: MriIoWarning[];
}

const INT_STRING = /^\s*[+-]?\d+\s*$/;
const DECIMAL_STRING = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * dicom-parser reads element values lazily and throws a plain string when an element's declared
 * length runs past the end of the bytes; that becomes a typed error naming the tag here.
 */
function read<T>(tag: string, file: string | undefined, get: () => T): T {
  try {
    return get();
  } catch (err) {
    throw toMriIoError(err, file, `element (${tagLabel(tag)})`, 'BAD_DICOM_HEADER');
  }
}

function str(ds: DataSet, tag: string, file: string | undefined): string | null {
  const v = read(tag, file, () => ds.string(tag));
  return v === undefined || v === '' ? null : v;
}

function decimals(
  ds: DataSet,
  tag: string,
  name: string,
  file: string | undefined,
  lenient = false,
): number[] | null {
  const raw = str(ds, tag, file);
  if (raw === null) return null;
  const parts = raw.split('\\');
  if (lenient && !parts.every((p) => DECIMAL_STRING.test(p))) return null;
  return parts.map((p) => {
    if (!DECIMAL_STRING.test(p)) {
      throw new MriIoError(
        'BAD_DICOM_HEADER',
        `${name} (${tagLabel(tag)}) holds "${p.slice(0, 32)}", not a decimal string; fix the header`,
        file,
      );
    }
    return Number(p);
  });
}

function integer(ds: DataSet, tag: string, name: string, file: string | undefined): number | null {
  const raw = str(ds, tag, file);
  if (raw === null) return null;
  if (!INT_STRING.test(raw)) {
    throw new MriIoError(
      'BAD_DICOM_HEADER',
      `${name} (${tagLabel(tag)}) holds "${raw.slice(0, 32)}", not an integer string; fix the header`,
      file,
    );
  }
  return Number.parseInt(raw, 10);
}

function us(ds: DataSet, tag: string, file: string | undefined): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return null;
  return read(tag, file, () => ds.uint16(tag)) ?? null;
}

function tagLabel(tag: string): string {
  return `${tag.slice(1, 5)},${tag.slice(5, 9)}`.toUpperCase();
}

function fixedLength<T extends number[]>(v: number[] | null, n: number): T | null {
  return v && v.length >= n ? (v.slice(0, n) as T) : null;
}

export function readHeaderFields(
  ds: DataSet,
  meta: { transferSyntax: string; declaredTransferSyntax: string | null; noFileMeta: boolean },
  file: string | undefined,
): DicomHeader {
  const kind = ds.elements.x7fe00010
    ? 'integer'
    : ds.elements.x7fe00008
      ? 'float'
      : ds.elements.x7fe00009
        ? 'double'
        : null;
  const warnings = headerWarnings(ds, meta);
  const slope = decimals(ds, 'x00281053', 'RescaleSlope', file)?.[0];
  const intercept = decimals(ds, 'x00281052', 'RescaleIntercept', file)?.[0];
  const bitsAllocated = us(ds, 'x00280100', file) ?? 0;
  const pixelRepresentation = us(ds, 'x00280103', file) === 1 ? 1 : 0;
  const modalityLut = read('x00283000', file, () => readModalityLut(ds, pixelRepresentation, file, warnings));
  if (modalityLut && (slope !== undefined || intercept !== undefined)) {
    warnings.push({
      code: 'MODALITY_LUT_AND_RESCALE',
      message:
        'both a Modality LUT Sequence (0028,3000) and RescaleSlope/RescaleIntercept; the LUT is applied',
    });
  }
  const header: DicomHeader = {
    kind: 'dicom',
    file,
    transferSyntax: meta.transferSyntax,
    declaredTransferSyntax: meta.declaredTransferSyntax,
    noFileMeta: meta.noFileMeta,
    sopClassUID: str(ds, 'x00080016', file),
    sopInstanceUID: str(ds, 'x00080018', file),
    studyInstanceUID: str(ds, 'x0020000d', file),
    seriesInstanceUID: str(ds, 'x0020000e', file),
    frameOfReferenceUID: str(ds, 'x00200052', file),
    modality: str(ds, 'x00080060', file),
    seriesDescription: str(ds, 'x0008103e', file),
    seriesNumber: integer(ds, 'x00200011', 'SeriesNumber', file),
    instanceNumber: integer(ds, 'x00200013', 'InstanceNumber', file),
    rows: us(ds, 'x00280010', file) ?? 0,
    columns: us(ds, 'x00280011', file) ?? 0,
    frames: integer(ds, 'x00280008', 'NumberOfFrames', file) ?? 1,
    samplesPerPixel: us(ds, 'x00280002', file) ?? 1,
    photometricInterpretation: str(ds, 'x00280004', file),
    bitsAllocated,
    bitsStored: us(ds, 'x00280101', file) ?? bitsAllocated,
    highBit: us(ds, 'x00280102', file) ?? (us(ds, 'x00280101', file) ?? bitsAllocated) - 1,
    pixelRepresentation,
    planarConfiguration: us(ds, 'x00280006', file) === 1 ? 1 : 0,
    rescaleSlope: slope ?? 1,
    rescaleIntercept: intercept ?? 0,
    hasPixelData: kind !== null,
    pixelDataKind: kind,
    modalityLut,
    geometry: {
      imagePositionPatient: fixedLength(decimals(ds, 'x00200032', 'ImagePositionPatient', file, true), 3),
      imageOrientationPatient: fixedLength(
        decimals(ds, 'x00200037', 'ImageOrientationPatient', file, true),
        6,
      ),
      pixelSpacing: fixedLength(decimals(ds, 'x00280030', 'PixelSpacing', file, true), 2),
      sliceThickness: decimals(ds, 'x00180050', 'SliceThickness', file, true)?.[0] ?? null,
      spacingBetweenSlices: decimals(ds, 'x00180088', 'SpacingBetweenSlices', file, true)?.[0] ?? null,
    },
    warnings,
  };
  return withFunctionalGroups(ds, header, slope === undefined, intercept === undefined, file);
}

/** Fills per-frame geometry of an enhanced multi-frame file; top-level values fall back to frame 0's. */
function withFunctionalGroups(
  ds: DataSet,
  header: DicomHeader,
  noSlope: boolean,
  noIntercept: boolean,
  file: string | undefined,
): DicomHeader {
  const frames = readFunctionalGroups(ds, header.frames, file);
  if (!frames || frames.length === 0) return header;
  const f0 = frames[0];
  const g = header.geometry;
  return {
    ...header,
    rescaleSlope: noSlope ? (f0.rescaleSlope ?? 1) : header.rescaleSlope,
    rescaleIntercept: noIntercept ? (f0.rescaleIntercept ?? 0) : header.rescaleIntercept,
    geometry: {
      imagePositionPatient: g.imagePositionPatient ?? f0.imagePositionPatient,
      imageOrientationPatient: g.imageOrientationPatient ?? f0.imageOrientationPatient,
      pixelSpacing: g.pixelSpacing ?? f0.pixelSpacing,
      sliceThickness: g.sliceThickness ?? f0.sliceThickness,
      spacingBetweenSlices: g.spacingBetweenSlices ?? f0.spacingBetweenSlices,
    },
    frameInfo: frames,
  };
}

function headerWarnings(
  ds: DataSet,
  meta: { transferSyntax: string; declaredTransferSyntax: string | null; noFileMeta: boolean },
): MriIoWarning[] {
  const out = (ds.warnings ?? []).map(parserWarning);
  if (meta.noFileMeta) {
    out.push({
      code: 'NO_FILE_META',
      message: `no preamble, "DICM" or file meta; read as ${meta.transferSyntax}, inferred from the data set`,
    });
  } else if (!meta.declaredTransferSyntax) {
    out.push({
      code: 'TRANSFER_SYNTAX_INFERRED',
      message: `the file meta has no Transfer Syntax UID (0002,0010); ${meta.transferSyntax} inferred from the data set`,
    });
  }
  return out;
}
