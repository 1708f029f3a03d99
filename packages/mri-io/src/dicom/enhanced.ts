import { MriIoError } from '../errors.js';
import type { DataSet } from './parse.js';

/**
 * Enhanced multi-frame IODs whose frames carry their own geometry in functional groups
 * (PS3.3 C.7.6.16): Enhanced MR / MR Spectroscopy-free image classes, Enhanced CT, Legacy
 * Converted Enhanced MR / CT / PET. Any file with a Per-Frame Functional Groups Sequence is read
 * the same way; the list names the classes we test.
 */
export const ENHANCED_SOP_CLASSES: Readonly<Record<string, string>> = {
  '1.2.840.10008.5.1.4.1.1.4.1': 'Enhanced MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.4.3': 'Enhanced MR Color Image Storage',
  '1.2.840.10008.5.1.4.1.1.4.4': 'Legacy Converted Enhanced MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.2': 'Legacy Converted Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.128.1': 'Legacy Converted Enhanced PET Image Storage',
};

/** What the shared and per-frame functional groups say about one frame (per-frame wins). */
export interface DicomFrame {
  /** Frame index in the file (0-based, the order of the pixel data). */
  index: number;
  /** Plane Position Sequence (0020,9113) > ImagePositionPatient. */
  imagePositionPatient: [number, number, number] | null;
  /** Plane Orientation Sequence (0020,9116) > ImageOrientationPatient. */
  imageOrientationPatient: [number, number, number, number, number, number] | null;
  /** Pixel Measures Sequence (0028,9110) > PixelSpacing: [between rows, between columns]. */
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  spacingBetweenSlices: number | null;
  /** Pixel Value Transformation Sequence (0028,9145) > RescaleSlope / RescaleIntercept; null if absent. */
  rescaleSlope: number | null;
  rescaleIntercept: number | null;
  /** Frame Content Sequence (0020,9111) > StackID, InStackPositionNumber, DimensionIndexValues. */
  stackId: string | null;
  inStackPosition: number | null;
  dimensionIndex: number[] | null;
}

/** Timing and weighting hints of an Enhanced MR file (shared groups, else the first frame). */
export interface EnhancedMrTiming {
  repetitionTime: number | null;
  echoTime: number | null;
  inversionTime: number | null;
}

const DS = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function tagLabel(tag: string): string {
  return `${tag.slice(1, 5)},${tag.slice(5, 9)}`.toUpperCase();
}

function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

function decimals(ds: DataSet | undefined, tag: string, n: number, file?: string): number[] | null {
  if (!ds?.elements[tag]) return null;
  const raw = ds.string(tag);
  if (raw === undefined || raw === '') return null;
  const parts = raw.split('\\');
  if (parts.length < n || !parts.slice(0, n).every((p) => DS.test(p))) {
    throw new MriIoError(
      'BAD_DICOM_HEADER',
      `functional group element (${tagLabel(tag)}) holds "${raw.slice(0, 40)}", not ${n} decimal string(s)`,
      file,
    );
  }
  return parts.slice(0, n).map(Number);
}

function uintList(ds: DataSet | undefined, tag: string): number[] | null {
  const el = ds?.elements[tag];
  if (!ds || !el || el.length < 4) return null;
  const out: number[] = [];
  for (let i = 0; i < Math.floor(el.length / 4); i++) out.push(ds.uint32(tag, i) ?? 0);
  return out;
}

function fd(ds: DataSet | undefined, tag: string): number | null {
  const el = ds?.elements[tag];
  if (!ds || !el) return null;
  if (el.length === 8) return ds.double(tag) ?? null;
  if (el.length === 4) return ds.float(tag) ?? null;
  const s = ds.string(tag); // DS in Legacy Converted files
  return s && DS.test(s) ? Number(s) : null;
}

/** The functional group macro `tag` for frame `perFrame` (per-frame item first, then shared). */
function group(perFrame: DataSet | undefined, shared: DataSet | undefined, tag: string): DataSet | undefined {
  return firstItem(perFrame, tag) ?? firstItem(shared, tag);
}

/**
 * Reads the Shared (5200,9229) and Per-Frame (5200,9230) Functional Groups of a multi-frame file:
 * one `DicomFrame` per frame. Returns null when the file has no per-frame groups (a classic
 * image), or has one frame and a per-frame sequence of another length. Refuses (BAD_DICOM_HEADER)
 * a multi-frame file whose per-frame item count differs from NumberOfFrames.
 */
export function readFunctionalGroups(ds: DataSet, frames: number, file?: string): DicomFrame[] | null {
  const perFrameEl = ds.elements.x52009230;
  if (!perFrameEl?.items) return null;
  const items = perFrameEl.items;
  // A single-frame file with a stray per-frame sequence (seen in SEG test files) is read as a
  // classic image; a real multi-frame file must describe every frame.
  if (items.length !== frames && frames <= 1) return null;
  if (items.length !== frames) {
    throw new MriIoError(
      'BAD_DICOM_HEADER',
      `the Per-Frame Functional Groups Sequence (5200,9230) has ${items.length} items but NumberOfFrames is ${frames}`,
      file,
    );
  }
  const shared = firstItem(ds, 'x52009229');
  return items.map((item, index) => {
    const pf = item.dataSet;
    const pos = group(pf, shared, 'x00209113');
    const ori = group(pf, shared, 'x00209116');
    const measures = group(pf, shared, 'x00289110');
    const pvt = group(pf, shared, 'x00289145');
    const content = firstItem(pf, 'x00209111');
    const ps = decimals(measures, 'x00280030', 2, file);
    const stack = content?.string('x00209056');
    return {
      index,
      imagePositionPatient: decimals(pos, 'x00200032', 3, file) as DicomFrame['imagePositionPatient'],
      imageOrientationPatient: decimals(ori, 'x00200037', 6, file) as DicomFrame['imageOrientationPatient'],
      pixelSpacing: ps as [number, number] | null,
      sliceThickness: decimals(measures, 'x00180050', 1, file)?.[0] ?? null,
      spacingBetweenSlices: decimals(measures, 'x00180088', 1, file)?.[0] ?? null,
      rescaleSlope: decimals(pvt, 'x00281053', 1, file)?.[0] ?? null,
      rescaleIntercept: decimals(pvt, 'x00281052', 1, file)?.[0] ?? null,
      stackId: stack ? stack.trim() : null,
      inStackPosition: uintList(content, 'x00209057')?.[0] ?? null,
      dimensionIndex: uintList(content, 'x00209157'),
    };
  });
}

/** MR timing from the MR Timing and Related Parameters (0018,9112) and MR Echo (0018,9114) macros. */
export function readEnhancedMrTiming(ds: DataSet): EnhancedMrTiming {
  const shared = firstItem(ds, 'x52009229');
  const first = ds.elements.x52009230?.items?.[0]?.dataSet;
  const timing = group(first, shared, 'x00189112');
  const echo = group(first, shared, 'x00189114');
  const mod = group(first, shared, 'x00189115'); // MR Modifier: InversionRecovery; TI in MR Timing
  return {
    repetitionTime: fd(timing, 'x00180080'),
    echoTime: fd(echo, 'x00189082'),
    inversionTime: fd(timing, 'x00189079') ?? (mod ? fd(mod, 'x00189079') : null),
  };
}
