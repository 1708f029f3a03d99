import type { ReadOptions } from './dicom/read.js';
import { type DicomImage, decodeDicomBytes } from './dicom/read.js';
import { DEFAULT_MAX_DECODED_BYTES, MriIoError } from './errors.js';
import { readFileBounded } from './files.js';
import { BoundedInflater, isGzip } from './inflate.js';
import { decodeNiftiBytes, type NiftiImage } from './nifti/read.js';

export type AnyImage = DicomImage | NiftiImage;

/** 'nifti' | 'dicom' from the first bytes (gzip is looked into), never from the file name. */
export function detectFormat(bytes: Uint8Array, file?: string): 'nifti' | 'dicom' {
  let head = bytes;
  if (isGzip(bytes)) {
    try {
      head = new BoundedInflater(bytes, 'gzip', 32 << 20, file, 'file').fill(4);
    } catch {
      return 'nifti'; // damaged gzip: let the NIfTI reader report how
    }
    if (!looksNifti(head)) {
      throw new MriIoError(
        'UNKNOWN_FORMAT',
        'a gzip-compressed file that is not NIfTI; decompress it and read what is inside',
        file,
      );
    }
    return 'nifti';
  }
  return looksNifti(head) ? 'nifti' : 'dicom';
}

function looksNifti(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const v = new DataView(b.buffer, b.byteOffset, 4);
  return [348, 540].includes(v.getInt32(0, true)) || [348, 540].includes(v.getInt32(0, false));
}

/** Reads a DICOM or NIfTI file, whichever its bytes say it is. */
export async function readImage(input: string | Uint8Array, options: ReadOptions = {}): Promise<AnyImage> {
  const file = typeof input === 'string' ? input : undefined;
  const bytes =
    typeof input === 'string'
      ? await readFileBounded(input, options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES)
      : input;
  return detectFormat(bytes, file) === 'nifti'
    ? decodeNiftiBytes(bytes, file, options)
    : decodeDicomBytes(bytes, file, options);
}
