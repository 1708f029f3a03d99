import { probeDicom } from './dicom/parse.js';
import type { ReadOptions } from './dicom/read.js';
import { type DicomImage, decodeDicomBytes } from './dicom/read.js';
import { DEFAULT_MAX_DECODED_BYTES, MriIoError, typedAsync } from './errors.js';
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

/** Refuses, from its first bytes, a file that is neither NIfTI (plain or gzip) nor possibly DICOM. */
export function probeImage(head: Uint8Array, file?: string): void {
  if (isGzip(head) || looksNifti(head)) return;
  probeDicom(head, file);
}

/** Reads a file's bytes for `readImage`/`inspectPath`: the first bytes are checked before the rest is read. */
export function readImageBytes(path: string, options: ReadOptions): Promise<Uint8Array> {
  return readFileBounded(path, options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES, (head) =>
    probeImage(head, path),
  );
}

/** Reads a DICOM or NIfTI file, whichever its bytes say it is. Every throw is an `MriIoError`. */
export async function readImage(input: string | Uint8Array, options: ReadOptions = {}): Promise<AnyImage> {
  const file = typeof input === 'string' ? input : undefined;
  return typedAsync(
    async () => {
      const bytes = typeof input === 'string' ? await readImageBytes(input, options) : input;
      return detectFormat(bytes, file) === 'nifti'
        ? decodeNiftiBytes(bytes, file, options)
        : decodeDicomBytes(bytes, file, options);
    },
    file,
    'image',
  );
}
