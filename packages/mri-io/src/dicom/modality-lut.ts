import type { NumericArray } from '../arrays.js';
import { MriIoError } from '../errors.js';
import type { MriIoWarning } from '../warnings.js';
import type { DataSet } from './parse.js';

/** The first item of a Modality LUT Sequence (0028,3000). */
export interface ModalityLut {
  /** Entries in the table: LUT Descriptor value 1 (0 means 65536), or fewer when LUT Data is short. */
  entries: number;
  /** The first stored value that is mapped (LUT Descriptor value 2; signed for signed pixels or VR SS). */
  firstMapped: number;
  /** LUT Descriptor value 3: bits per entry (8 or 16). */
  bitsPerEntry: number;
  /** (0028,3004) Modality LUT Type, e.g. "HU" or "US" (unspecified); null when absent. */
  type: string | null;
  /** (0028,3006) LUT Data, one unsigned value per entry. */
  data: Uint16Array;
}

/**
 * Reads the Modality LUT Sequence, if there is one. LUT Data may be US or OW (or implicit VR);
 * either way its 16-bit words are in the data set's byte order, which dicom-parser reads for us.
 */
export function readModalityLut(
  ds: DataSet,
  pixelRepresentation: 0 | 1,
  file: string | undefined,
  warnings: MriIoWarning[],
): ModalityLut | null {
  const seq = ds.elements.x00283000;
  const item = seq?.items?.[0]?.dataSet;
  if (!item) return null;
  const desc = item.elements.x00283002;
  const lutData = item.elements.x00283006;
  if (!desc || desc.length < 6 || !lutData) {
    throw new MriIoError(
      'BAD_DICOM_HEADER',
      'the Modality LUT Sequence (0028,3000) lacks a three-value LUT Descriptor (0028,3002) or LUT Data (0028,3006)',
      file,
    );
  }
  const declared = item.uint16('x00283002', 0) || 65536;
  const rawFirst = item.uint16('x00283002', 1) ?? 0;
  const signed = desc.vr === 'SS' || pixelRepresentation === 1;
  const firstMapped = signed && rawFirst >= 0x8000 ? rawFirst - 0x10000 : rawFirst;
  const bitsPerEntry = item.uint16('x00283002', 2) ?? 16;
  if (bitsPerEntry !== 8 && bitsPerEntry !== 16) {
    throw new MriIoError(
      'BAD_DICOM_HEADER',
      `the Modality LUT has ${bitsPerEntry} bits per entry, not 8 or 16`,
      file,
    );
  }
  const available = Math.floor(Math.min(lutData.length, item.byteArray.length - lutData.dataOffset) / 2);
  if (available < 1) throw new MriIoError('TRUNCATED', 'the Modality LUT Data (0028,3006) is empty', file);
  let entries = declared;
  if (available < declared) {
    warnings.push({
      code: 'MODALITY_LUT_SHORT',
      message: `the Modality LUT Descriptor declares ${declared} entries but LUT Data holds ${available}; ${available} used`,
    });
    entries = available;
  }
  const mask = bitsPerEntry === 8 ? 0xff : 0xffff;
  const data = new Uint16Array(entries);
  for (let i = 0; i < entries; i++) data[i] = (item.uint16('x00283006', i) ?? 0) & mask;
  const type = item.string('x00283004')?.trim() || null;
  return { entries, firstMapped, bitsPerEntry, type, data };
}

/**
 * Applies a Modality LUT as DICOM PS3.3 C.11.1 (and pydicom's `apply_modality_lut`) do: stored
 * values below the first mapped value take the first entry, values past the table the last.
 */
export function applyModalityLut(src: NumericArray, lut: ModalityLut): Float32Array {
  const out = new Float32Array(src.length);
  const last = lut.entries - 1;
  for (let i = 0; i < src.length; i++) {
    const k = src[i] - lut.firstMapped;
    out[i] = lut.data[k <= 0 ? 0 : Math.min(k, last)];
  }
  return out;
}
