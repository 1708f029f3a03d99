import type { DataSet } from 'dicom-parser';
import * as dicomParserNs from 'dicom-parser';
import { DEFAULT_MAX_DECODED_BYTES, MriIoError, withoutParserNames } from '../errors.js';
import { inflateAll, isGzip } from '../inflate.js';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
} from './transfer-syntax.js';

type DicomParserApi = typeof dicomParserNs;
// dicom-parser is a webpack UMD bundle: Node's ESM loader exposes it as `default`, a CJS bundle as the namespace.
const dp: DicomParserApi =
  typeof (dicomParserNs as { parseDicom?: unknown }).parseDicom === 'function'
    ? dicomParserNs
    : (dicomParserNs as unknown as { default: DicomParserApi }).default;

export interface ParseOptions {
  maxDecodedBytes?: number;
  /** Stop at this tag (e.g. 'x7fe00010'): its element header is read, its value is not. */
  untilTag?: string;
}

export interface ParsedDicom {
  dataSet: DataSet;
  /** Transfer syntax from the file meta, or the one inferred from the data set when the meta lacks it. */
  transferSyntax: string;
  /** What the file meta said (null: no meta, or meta without (0002,0010)). */
  declaredTransferSyntax: string | null;
  /** The file has no 128-byte preamble + "DICM" + file meta; the data set was read the way dcmtk reads it. */
  noFileMeta: boolean;
}

const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(
    ' ',
  ),
);
const LONG_VRS = new Set('OB OD OF OL OV OW SQ UC UN UR UT SV UV'.split(' '));

function vrAt(bytes: Uint8Array, pos: number): string {
  return String.fromCharCode(bytes[pos], bytes[pos + 1]);
}

function u16le(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8);
}
function u16be(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}
function u32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
}

/** A first data-set group a real file starts with (command group, meta, identifying, patient ... image). */
function plausibleFirstGroup(g: number): boolean {
  return g % 2 === 0 && g <= 0x0028;
}

/**
 * Infers the encoding of a data set that starts at `pos` without a file meta (as dcmtk and
 * pydicom(force=True) do): byte order from the first group number, explicit VR when the bytes
 * after the tag spell a VR. Returns a transfer syntax UID, or null when it does not look like DICOM.
 */
export function sniffDataSetEncoding(bytes: Uint8Array, pos: number): string | null {
  if (bytes.length - pos < 8) return null;
  const explicit = VRS.has(vrAt(bytes, pos + 4));
  const gLe = u16le(bytes, pos);
  const gBe = u16be(bytes, pos);
  if (plausibleFirstGroup(gLe) && gLe !== 0) {
    if (explicit) return EXPLICIT_VR_LITTLE_ENDIAN;
    const len = u32le(bytes, pos + 4);
    return len <= bytes.length - pos - 8 ? IMPLICIT_VR_LITTLE_ENDIAN : null;
  }
  if (plausibleFirstGroup(gBe) && gBe !== 0 && explicit) return EXPLICIT_VR_BIG_ENDIAN;
  return null;
}

/**
 * Refuses, from the first bytes alone, a file that cannot be DICOM: no "DICM" at byte 128, no
 * file meta group at byte 0 and no plausible first data-set group. Used before a file is read
 * whole, so a large non-DICOM file costs one small read. Empty and gzip files pass: the parser
 * says what they are.
 */
export function probeDicom(head: Uint8Array, file?: string): void {
  if (head.length < 8 || isGzip(head)) return;
  if (
    head.length >= 132 &&
    head[128] === 0x44 &&
    head[129] === 0x49 &&
    head[130] === 0x43 &&
    head[131] === 0x4d
  )
    return;
  if (u16le(head, 0) === 0x0002 && VRS.has(vrAt(head, 4))) return;
  const other = otherFormat(head);
  if (other) throw new MriIoError('NOT_DICOM', `the file is ${other}, not a DICOM file`, file);
  const gLe = u16le(head, 0);
  const gBe = u16be(head, 0);
  if ((plausibleFirstGroup(gLe) && gLe !== 0) || (plausibleFirstGroup(gBe) && gBe !== 0)) return;
  throw new MriIoError(
    'NOT_DICOM',
    'no "DICM" marker at byte 128 and the bytes do not start a DICOM data set; this is not a DICOM file',
    file,
  );
}

interface MetaWalk {
  end: number;
  transferSyntax: string | null;
}

/** Walks the (explicit VR little endian) file meta group from byte 132, checking that every element fits. */
function walkFileMeta(bytes: Uint8Array, file: string | undefined): MetaWalk {
  let pos = 132;
  let transferSyntax: string | null = null;
  while (pos + 4 <= bytes.length && u16le(bytes, pos) === 0x0002) {
    if (pos + 8 > bytes.length) break;
    const element = u16le(bytes, pos + 2);
    const vr = vrAt(bytes, pos + 4);
    let header = 8;
    let length: number;
    if (LONG_VRS.has(vr)) {
      if (pos + 12 > bytes.length) {
        throw new MriIoError(
          'TRUNCATED',
          `file meta ends inside element (0002,${hex4(element)}) at byte ${pos}`,
          file,
        );
      }
      header = 12;
      length = u32le(bytes, pos + 8);
    } else {
      length = u16le(bytes, pos + 6);
    }
    if (pos + header + length > bytes.length) {
      throw new MriIoError(
        'TRUNCATED',
        `file meta element (0002,${hex4(element)}) at byte ${pos} needs ${length} bytes but the file ends after ${bytes.length - pos - header}; the file was cut short, copy it again`,
        file,
      );
    }
    if (element === 0x0010) {
      transferSyntax = String.fromCharCode(...bytes.subarray(pos + header, pos + header + length))
        .replace(/[\0 ]+$/, '')
        .trim();
    }
    pos += header + length;
  }
  if (pos + 4 > bytes.length && pos < bytes.length) {
    throw new MriIoError('TRUNCATED', `file ends inside the file meta at byte ${pos}`, file);
  }
  return { end: pos, transferSyntax: transferSyntax || null };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function describeParserError(e: unknown): { message: string; truncated: boolean } {
  const inner = (e as { exception?: unknown })?.exception ?? e;
  const message = withoutParserNames(inner instanceof Error ? inner.message : String(inner));
  const truncated = /overrun|past end|attempt to read|eof|end of buffer|beyond/i.test(message);
  return { message, truncated };
}

/**
 * What a non-DICOM file found among images most often is, by its magic bytes, so the message
 * calls a JPEG a JPEG: null when it is none of these.
 */
export function otherFormat(bytes: Uint8Array): string | null {
  const b = (i: number) => bytes[i] ?? -1;
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'a JPEG image';
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'a PNG image';
  if (b(0) === 0x25 && b(1) === 0x50 && b(2) === 0x44 && b(3) === 0x46) return 'a PDF document';
  if (b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04) return 'a ZIP archive';
  if (bytes.length >= 348) {
    const le = b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24);
    const be = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
    if (le === 348 || be === 348 || le === 540 || be === 540) return 'a NIfTI image (read it as NIfTI)';
  }
  return null;
}

/**
 * Parses the DICOM data set (header and pixel data positions; pixels are not decoded here).
 * Accepts Part 10 files, files whose meta lacks (0002,0010), and bare data sets without a
 * preamble/meta; refuses everything else with a typed error.
 */
export function parseDicomBytes(bytes: Uint8Array, file?: string, options: ParseOptions = {}): ParsedDicom {
  const maxDecodedBytes = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  if (bytes.length === 0)
    throw new MriIoError('NOT_DICOM', 'the file is empty (0 bytes); it is not a DICOM file', file);
  if (isGzip(bytes)) {
    throw new MriIoError(
      'NOT_DICOM',
      'the file is gzip-compressed, not a DICOM file; decompress it (gunzip) and read the result',
      file,
    );
  }
  const hasPreamble = bytes.length >= 132 && String.fromCharCode(...bytes.subarray(128, 132)) === 'DICM';
  // a preamble may hold anything (TIFF in dual-personality files), so only files without one
  const other = hasPreamble ? null : otherFormat(bytes);
  if (other) throw new MriIoError('NOT_DICOM', `the file is ${other}, not a DICOM file`, file);
  let work = bytes;
  let start = 0;
  let declared: string | null = null;
  let transferSyntax: string | null = null;
  let noFileMeta = false;

  if (!hasPreamble && bytes.length >= 8 && u16le(bytes, 0) === 0x0002 && VRS.has(vrAt(bytes, 4))) {
    // File meta without the preamble: put the 128 + 4 bytes in front so the meta reads as usual.
    work = new Uint8Array(bytes.length + 132);
    work.set([0x44, 0x49, 0x43, 0x4d], 128);
    work.set(bytes, 132);
  }
  if (work !== bytes || hasPreamble) {
    const meta = walkFileMeta(work, file);
    declared = meta.transferSyntax;
    if (declared) {
      transferSyntax = declared;
    } else {
      transferSyntax = sniffDataSetEncoding(work, meta.end);
      if (!transferSyntax) {
        if (meta.end >= work.length) {
          throw new MriIoError(
            'TRUNCATED',
            'the file holds only a file meta header without transfer syntax and no data set; the file was cut short, copy it again',
            file,
          );
        }
        throw new MriIoError(
          'BAD_DICOM_HEADER',
          'the file meta has no transfer syntax (0002,0010) and the data set encoding cannot be recognised',
          file,
        );
      }
      start = meta.end;
    }
  } else {
    transferSyntax = sniffDataSetEncoding(bytes, 0);
    if (!transferSyntax) {
      throw new MriIoError(
        'NOT_DICOM',
        'no "DICM" marker at byte 128 and the bytes do not start a DICOM data set; this is not a DICOM file',
        file,
      );
    }
    noFileMeta = true;
  }

  const parseInput = start > 0 ? work.subarray(start) : work;
  const bare = start > 0 || noFileMeta;
  let dataSet: DataSet;
  try {
    dataSet = dp.parseDicom(parseInput, {
      ...(bare ? { TransferSyntaxUID: transferSyntax } : {}),
      ...(options.untilTag ? { untilTag: options.untilTag } : {}),
      // dicom-parser's own Node path needs a Buffer and has no size limit; ours has one.
      inflater: ((arr: Uint8Array, position: number) => {
        const inflated = inflateAll(arr.subarray(position), 'deflate-raw', maxDecodedBytes, file, 'data set');
        const full = new Uint8Array(position + inflated.length);
        full.set(arr.subarray(0, position), 0);
        full.set(inflated, position);
        return full;
      }) as unknown as (arr: Uint8Array, position: number) => void,
    });
  } catch (e) {
    if (e instanceof MriIoError) throw e;
    const inner = (e as { exception?: unknown })?.exception;
    if (inner instanceof MriIoError) throw inner;
    const { message, truncated } = describeParserError(e);
    if (truncated) {
      throw new MriIoError(
        'TRUNCATED',
        `the data set ends inside an element (${message}); the file was cut short, copy it again`,
        file,
        { cause: e },
      );
    }
    throw new MriIoError(
      noFileMeta ? 'NOT_DICOM' : 'BAD_DICOM_HEADER',
      `the data set cannot be parsed (${message})`,
      file,
      {
        cause: e,
      },
    );
  }
  const nElements = Object.keys(dataSet.elements).filter((t) => !t.startsWith('x0002')).length;
  if (noFileMeta && nElements < 2) {
    throw new MriIoError(
      'NOT_DICOM',
      'no file meta and fewer than two data elements; this is not a DICOM file',
      file,
    );
  }
  if (transferSyntax === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN && !declared) {
    transferSyntax = EXPLICIT_VR_LITTLE_ENDIAN;
  }
  return { dataSet, transferSyntax, declaredTransferSyntax: declared, noFileMeta };
}

export type { DataSet, Element } from 'dicom-parser';
export { dp as dicomParser };
