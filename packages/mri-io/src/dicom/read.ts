import { type Dtype, dtypeOf, type NumericArray, swapBytesInPlace } from '../arrays.js';
import { assertWithinLimit, DEFAULT_MAX_DECODED_BYTES, MriIoError, typed, typedAsync } from '../errors.js';
import { readFileBounded } from '../files.js';
import type { MriIoWarning } from '../warnings.js';
import { type DecodedFrame, decodeHtj2k, decodeJpeg2000, decodeJpegFamily, decodeJpegLs } from './codecs.js';
import { type DicomHeader, readHeaderFields } from './header.js';
import { applyModalityLut } from './modality-lut.js';
import {
  type DataSet,
  dicomParser,
  type Element,
  type ParsedDicom,
  parseDicomBytes,
  probeDicom,
} from './parse.js';
import { decodeRleFrame } from './rle.js';
import { type PixelEncoding, transferSyntaxInfo } from './transfer-syntax.js';

export interface ReadOptions {
  /** Refuse images/volumes whose decoded size (or whose file) exceeds this many bytes. Default 1 GiB. */
  maxDecodedBytes?: number;
}

/** A decoded DICOM image. Holds no patient identifiers. */
export interface DicomImage extends DicomHeader {
  transferSyntaxName: string;
  /** The transfer syntax may lose information (JPEG baseline/extended, JPEG-LS near-lossless, JPEG 2000). */
  lossy: boolean;
  /** `[rows, columns]`, `[frames, rows, columns]`, `[rows, columns, samples]` or `[frames, rows, columns, samples]`. */
  shape: number[];
  dtype: Dtype;
  /** Stored pixel values (row-major, samples interleaved), before the modality LUT. */
  stored: NumericArray;
  /**
   * Real-world values: stored * RescaleSlope + RescaleIntercept (computed in float64, stored as
   * float32). Colour images have no modality LUT and are returned as float32 copies. With
   * `frame`, only that frame (`stored` values from `frame * rows * columns * samples` on).
   */
  rescaled(frame?: number): Float32Array;
}

const SUPPORTED_PHOTOMETRIC = new Set([
  'MONOCHROME1',
  'MONOCHROME2',
  'RGB',
  'YBR_FULL',
  'YBR_FULL_422',
  'YBR_ICT',
  'YBR_RCT',
  'PALETTE COLOR',
]);

/** Parses a DICOM file's header without decoding pixels (fast: used to group and sort series). */
export async function readDicomHeader(
  input: string | Uint8Array,
  options: ReadOptions = {},
): Promise<DicomHeader> {
  return typedAsync(
    async () => {
      const { bytes, file } = await load(input, options);
      return headerOf(bytes, file, options).header;
    },
    typeof input === 'string' ? input : undefined,
    'DICOM header',
  );
}

/** Reads and decodes a DICOM file (path or bytes) to typed pixel arrays. Every throw is an `MriIoError`. */
export async function readDicom(input: string | Uint8Array, options: ReadOptions = {}): Promise<DicomImage> {
  return typedAsync(
    async () => {
      const { bytes, file } = await load(input, options);
      return decodeDicomBytes(bytes, file, options);
    },
    typeof input === 'string' ? input : undefined,
    'DICOM',
  );
}

async function load(
  input: string | Uint8Array,
  options: ReadOptions,
): Promise<{ bytes: Uint8Array; file?: string }> {
  if (typeof input === 'string') {
    return {
      bytes: await readFileBounded(input, options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES, (head) =>
        probeDicom(head, input),
      ),
      file: input,
    };
  }
  return { bytes: input };
}

/** Parses a DICOM file once: the data set (pixel positions, not pixels) and the header fields. */
export function headerOf(
  bytes: Uint8Array,
  file: string | undefined,
  options: ReadOptions,
): { parsed: ParsedDicom; header: DicomHeader } {
  return typed(
    () => {
      const parsed = parseDicomBytes(bytes, file, options);
      return { parsed, header: readHeaderFields(parsed.dataSet, parsed, file) };
    },
    file,
    'DICOM header',
    'BAD_DICOM_HEADER',
  );
}

export async function decodeDicomBytes(
  bytes: Uint8Array,
  file: string | undefined,
  options: ReadOptions = {},
): Promise<DicomImage> {
  const { parsed, header } = headerOf(bytes, file, options);
  return decodeParsedDicom(parsed, header, file, options);
}

/** Decodes the pixels of an already parsed file (see `headerOf`); every throw is an `MriIoError`. */
export function decodeParsedDicom(
  parsed: ParsedDicom,
  header: DicomHeader,
  file: string | undefined,
  options: ReadOptions = {},
): Promise<DicomImage> {
  return typedAsync(() => decodePixels(parsed, header, file, options), file, 'pixel data', 'DECODE_FAILED');
}

async function decodePixels(
  parsed: ParsedDicom,
  header: DicomHeader,
  file: string | undefined,
  options: ReadOptions,
): Promise<DicomImage> {
  const maxDecodedBytes = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  const ds = parsed.dataSet;
  const pixel = ds.elements.x7fe00010 ?? ds.elements.x7fe00008 ?? ds.elements.x7fe00009;
  if (!pixel) {
    throw new MriIoError(
      'NO_PIXEL_DATA',
      `the data set has no Pixel Data (7FE0,0010/0008/0009)${header.modality ? ` (modality ${header.modality})` : ''}; it is not an image`,
      file,
    );
  }
  const warnings = [...header.warnings];
  const h = checkImageHeader(header, warnings, file);
  const { rows, columns, frames, samplesPerPixel: spp, bitsAllocated } = h;
  const pi = h.photometricInterpretation ?? (spp === 1 ? 'MONOCHROME2' : 'RGB');
  const ts = transferSyntaxInfo(parsed.transferSyntax);
  if (!ts) {
    throw new MriIoError(
      'UNSUPPORTED_TRANSFER_SYNTAX',
      `transfer syntax ${parsed.transferSyntax} is not supported; convert the file (e.g. dcmdjpeg/gdcmconv --raw) to explicit VR little endian`,
      file,
    );
  }
  const float = h.pixelDataKind === 'float' || h.pixelDataKind === 'double';
  const native = ts.encoding === 'native' || ts.encoding === 'deflate';
  if (float && !native) {
    throw new MriIoError(
      'BAD_DICOM_HEADER',
      `Float/Double Float Pixel Data is never encapsulated, but the transfer syntax is ${ts.name}`,
      file,
    );
  }
  const pixelsPerFrame = rows * columns;
  const bytesPerSample = bitsAllocated === 1 ? 1 : bitsAllocated / 8;
  assertWithinLimit(pixelsPerFrame * spp * frames * bytesPerSample, maxDecodedBytes, 'pixel data', file);

  let raw: Uint8Array; // little-endian samples, interleaved
  let photometric = pi;
  if (native) {
    raw = nativeSamples(ds, pixel, h, ts.littleEndian, warnings, file);
  } else {
    const out = await decodeEncapsulated(ds, pixel, h, ts.encoding, pi, maxDecodedBytes, warnings, file);
    raw = out.raw;
    if (out.rgb) photometric = 'RGB';
  }

  const stored = typedSamples(raw, bitsAllocated, h.pixelRepresentation, float);
  if (!float) fixBitsStored(stored, bitsAllocated, h.bitsStored, h.pixelRepresentation);
  const shape = spp === 1 ? [rows, columns] : [rows, columns, spp];
  if (frames > 1) shape.unshift(frames);
  const slope = h.rescaleSlope;
  const intercept = h.rescaleIntercept;
  const lut = spp === 1 ? h.modalityLut : null;
  return {
    ...h,
    photometricInterpretation: photometric,
    planarConfiguration: 0,
    transferSyntaxName: ts.name,
    lossy: ts.lossy,
    shape,
    dtype: dtypeOf(stored),
    stored,
    warnings,
    rescaled(frame?: number): Float32Array {
      const per = pixelsPerFrame * spp;
      const src = frame === undefined ? stored : stored.subarray(frame * per, (frame + 1) * per);
      if (lut) return applyModalityLut(src, lut);
      const out = new Float32Array(src.length);
      if (spp !== 1 || (slope === 1 && intercept === 0)) out.set(src);
      else for (let i = 0; i < src.length; i++) out[i] = src[i] * slope + intercept;
      return out;
    },
  };
}

/** Refuses headers that do not describe a decodable image; for float data, settles BitsAllocated. */
function checkImageHeader(header: DicomHeader, warnings: MriIoWarning[], file?: string): DicomHeader {
  const { rows, columns, frames, samplesPerPixel: spp } = header;
  let bitsAllocated = header.bitsAllocated;
  if (!(rows > 0 && columns > 0 && frames > 0)) {
    throw new MriIoError(
      'BAD_DICOM_HEADER',
      `Rows ${rows}, Columns ${columns}, NumberOfFrames ${frames} do not describe an image`,
      file,
    );
  }
  if (header.pixelDataKind === 'float' || header.pixelDataKind === 'double') {
    const want = header.pixelDataKind === 'float' ? 32 : 64;
    if (bitsAllocated !== want) {
      warnings.push({
        code: 'BITS_ALLOCATED_ASSUMED',
        message: `${header.pixelDataKind === 'float' ? 'Float' : 'Double Float'} Pixel Data with BitsAllocated ${bitsAllocated || 'absent'}; ${want} used`,
      });
      bitsAllocated = want;
    }
    if (spp !== 1) {
      throw new MriIoError('UNSUPPORTED_PIXEL_FORMAT', `float pixel data with SamplesPerPixel ${spp}`, file);
    }
    return { ...header, bitsAllocated, bitsStored: bitsAllocated, highBit: bitsAllocated - 1 };
  }
  if (![1, 8, 16, 32].includes(bitsAllocated)) {
    throw new MriIoError(
      'UNSUPPORTED_PIXEL_FORMAT',
      `BitsAllocated ${bitsAllocated} is not 1, 8, 16 or 32`,
      file,
    );
  }
  if (spp !== 1 && spp !== 3) {
    throw new MriIoError('UNSUPPORTED_PIXEL_FORMAT', `SamplesPerPixel ${spp} is not 1 or 3`, file);
  }
  if (bitsAllocated === 1 && spp !== 1) {
    throw new MriIoError('UNSUPPORTED_PIXEL_FORMAT', '1-bit pixel data must have one sample per pixel', file);
  }
  const pi = header.photometricInterpretation ?? (spp === 1 ? 'MONOCHROME2' : 'RGB');
  if (!SUPPORTED_PHOTOMETRIC.has(pi)) {
    throw new MriIoError(
      'UNSUPPORTED_PIXEL_FORMAT',
      `PhotometricInterpretation ${pi} is not supported`,
      file,
    );
  }
  return header;
}

/** Decodes every frame of encapsulated pixel data into little-endian interleaved samples. */
async function decodeEncapsulated(
  ds: DataSet,
  pixel: Element,
  h: DicomHeader,
  encoding: PixelEncoding,
  pi: string,
  maxDecodedBytes: number,
  warnings: MriIoWarning[],
  file?: string,
): Promise<{ raw: Uint8Array; rgb: boolean }> {
  const { rows, columns, frames, samplesPerPixel: spp, bitsAllocated } = h;
  if (!pixel.encapsulatedPixelData) {
    throw new MriIoError(
      'BAD_DICOM_HEADER',
      'the transfer syntax needs encapsulated pixel data, found native',
      file,
    );
  }
  const bytesPerSample = bitsAllocated === 1 ? 1 : bitsAllocated / 8;
  const pixelsPerFrame = rows * columns;
  const frameBytes = pixelsPerFrame * spp * bytesPerSample;
  const raw = new Uint8Array(frameBytes * frames);
  let rgb = false;
  for (let f = 0; f < frames; f++) {
    const encoded = encapsulatedFrame(ds, pixel, f, frames, file);
    let decoded: Uint8Array;
    if (encoding === 'rle') {
      decoded = decodeRleFrame(encoded, rows, columns, spp, bitsAllocated, file);
    } else {
      let frame: DecodedFrame;
      if (encoding === 'jpeg-ls') {
        const ls = await decodeJpegLs(
          encoded,
          { rows, columns, samplesPerPixel: spp, bitsAllocated, maxDecodedBytes },
          file,
        );
        if (ls.precision !== h.bitsStored && !warnings.some((w) => w.code === 'JPEG_LS_PRECISION_MISMATCH')) {
          warnings.push({
            code: 'JPEG_LS_PRECISION_MISMATCH',
            message: `JPEG-LS sample precision ${ls.precision} differs from BitsStored ${h.bitsStored}`,
          });
        }
        frame = ls;
      } else if (encoding === 'jpeg2000')
        frame = await decodeJpeg2000(encoded, rows, columns, spp, maxDecodedBytes, file);
      else if (encoding === 'htj2k')
        frame = await decodeHtj2k(encoded, rows, columns, spp, maxDecodedBytes, file);
      else frame = await decodeJpegFamily(encoded, rows, columns, bitsAllocated, maxDecodedBytes, file);
      decoded = widen(frame.bytes, pixelsPerFrame * spp, bytesPerSample, file);
      // libjpeg-turbo and OpenJPEG return RGB for YCbCr-coded colour, as pydicom (Pillow) does.
      if (spp === 3 && frame.rgb && pi.startsWith('YBR')) rgb = true;
    }
    if (decoded.length < frameBytes) {
      throw new MriIoError(
        'TRUNCATED',
        `frame ${f} decodes to ${decoded.length} bytes, expected ${frameBytes}`,
        file,
      );
    }
    raw.set(decoded.subarray(0, frameBytes), f * frameBytes);
  }
  return { raw, rgb };
}

function nativeSamples(
  ds: DataSet,
  pixel: Element,
  h: DicomHeader,
  littleEndian: boolean,
  warnings: MriIoWarning[],
  file?: string,
): Uint8Array {
  const { rows, columns, frames, samplesPerPixel: spp, bitsAllocated } = h;
  const count = rows * columns * frames * spp;
  const needed = bitsAllocated === 1 ? Math.ceil(count / 8) : (count * bitsAllocated) / 8;
  const available = Math.min(pixel.length, ds.byteArray.length - pixel.dataOffset);
  if (pixel.encapsulatedPixelData || available < needed) {
    throw new MriIoError(
      'TRUNCATED',
      `Pixel Data holds ${Math.max(0, available)} bytes but ${rows}x${columns}x${frames} pixels of ${bitsAllocated} bits x ${spp} need ${needed}; the file was cut short, copy it again`,
      file,
    );
  }
  if (pixel.length > needed + 1) {
    warnings.push({
      code: 'PIXEL_DATA_TRAILING_BYTES',
      message: `Pixel Data holds ${pixel.length} bytes, ${pixel.length - needed} more than the image needs; they are ignored`,
    });
  }
  const src = ds.byteArray.subarray(pixel.dataOffset, pixel.dataOffset + needed);
  if (bitsAllocated === 1) {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = (src[i >> 3] >> (i & 7)) & 1;
    return out;
  }
  const out = new Uint8Array(src); // copy: aligned, and independent of the file buffer
  if (!littleEndian && bitsAllocated > 8) {
    swapBytesInPlace(out, bitsAllocated / 8);
  }
  if (spp > 1 && h.planarConfiguration === 1) {
    // colour-by-plane -> colour-by-pixel
    const w = bitsAllocated / 8;
    const ppf = rows * columns;
    const planar = out.slice();
    for (let f = 0; f < frames; f++) {
      const base = f * ppf * spp * w;
      for (let s = 0; s < spp; s++)
        for (let p = 0; p < ppf; p++)
          for (let b = 0; b < w; b++)
            out[base + (p * spp + s) * w + b] = planar[base + (s * ppf + p) * w + b];
    }
  }
  return out;
}

function encapsulatedFrame(
  ds: DataSet,
  pixel: Element,
  frame: number,
  frames: number,
  file?: string,
): Uint8Array {
  const fragments = pixel.fragments ?? [];
  if (fragments.length === 0)
    throw new MriIoError('TRUNCATED', 'encapsulated Pixel Data has no fragments', file);
  for (const f of fragments) {
    if (f.position + f.length > ds.byteArray.length) {
      throw new MriIoError(
        'TRUNCATED',
        'an encapsulated pixel data fragment runs past the end of the file',
        file,
      );
    }
  }
  try {
    if (pixel.basicOffsetTable && pixel.basicOffsetTable.length > 0) {
      return dicomParser.readEncapsulatedImageFrame(ds, pixel, frame) as Uint8Array;
    }
    if (frames === 1)
      return dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixel, 0, fragments.length) as Uint8Array;
    if (fragments.length === frames)
      return dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixel, frame, 1) as Uint8Array;
    const table = dicomParser.createJPEGBasicOffsetTable(ds, pixel);
    return dicomParser.readEncapsulatedImageFrame(ds, pixel, frame, table) as Uint8Array;
  } catch (err) {
    throw new MriIoError(
      'DECODE_FAILED',
      `cannot locate frame ${frame} in the encapsulated pixel data`,
      file,
      { cause: err },
    );
  }
}

/** Widens 8-bit codec output into 16-bit samples when BitsAllocated is 16. */
function widen(bytes: Uint8Array, samples: number, bytesPerSample: number, file?: string): Uint8Array {
  if (bytes.length === samples * bytesPerSample) return bytes;
  if (bytes.length === samples && bytesPerSample === 2) {
    const out = new Uint8Array(samples * 2);
    for (let i = 0; i < samples; i++) out[2 * i] = bytes[i];
    return out;
  }
  if (bytes.length >= samples * bytesPerSample) return bytes;
  throw new MriIoError(
    'TRUNCATED',
    `decoded frame holds ${bytes.length} bytes, expected ${samples * bytesPerSample}`,
    file,
  );
}

function typedSamples(
  raw: Uint8Array,
  bitsAllocated: number,
  pixelRepresentation: 0 | 1,
  float: boolean,
): NumericArray {
  const buf =
    raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw.buffer : raw.slice().buffer;
  if (float) return bitsAllocated === 64 ? new Float64Array(buf) : new Float32Array(buf);
  if (bitsAllocated <= 8) return pixelRepresentation ? new Int8Array(buf) : new Uint8Array(buf);
  if (bitsAllocated === 16) return pixelRepresentation ? new Int16Array(buf) : new Uint16Array(buf);
  return pixelRepresentation ? new Int32Array(buf) : new Uint32Array(buf);
}

/** Clears bits above BitsStored (unsigned) or sign-extends from BitsStored (signed). */
function fixBitsStored(
  a: NumericArray,
  bitsAllocated: number,
  bitsStored: number,
  pixelRepresentation: 0 | 1,
): void {
  if (bitsAllocated === 1 || !(bitsStored > 0 && bitsStored < bitsAllocated)) return;
  const mask = bitsStored >= 32 ? 0xffffffff : 2 ** bitsStored - 1;
  if (pixelRepresentation === 0) {
    for (let i = 0; i < a.length; i++) a[i] = a[i] & mask;
  } else {
    const shift = 32 - bitsStored;
    for (let i = 0; i < a.length; i++) a[i] = ((a[i] & mask) << shift) >> shift;
  }
}
