import { MriIoError } from '../errors.js';
import { checkJ2kMainHeader } from './j2k-header.js';
import { type JpegLsExpect, validateJpegLs } from './jpeg-ls.js';
import { decodeJpegSequential } from './jpeg-sequential.js';

/** A decoded frame: raw little-endian sample bytes, interleaved when there are several components. */
export interface DecodedFrame {
  bytes: Uint8Array;
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
  /** The codec converted colour to RGB (libjpeg-turbo from YCbCr; OpenJPEG undoing ICT/RCT). */
  rgb?: boolean;
}

/**
 * Emscripten makes the options object it is given into the module itself (`var Module = moduleArg`),
 * so every codec gets its own: a shared one made OpenJPH's embind registration collide with the
 * classes CharLS had put on it.
 */
const quiet = () => ({ print: () => {}, printErr: () => {} });

// The WebAssembly codecs are loaded on first use only (each costs tens of milliseconds and a few
// MB), so reading uncompressed or RLE files never touches them.
let charls: Promise<CharlsModule> | undefined;
let libjpeg: Promise<LibJpegTurboModule> | undefined;
let openjpeg: Promise<OpenJpegModule> | undefined;
let openjph: Promise<OpenJphModule> | undefined;

function factoryOf<T>(mod: unknown): (o: ReturnType<typeof quiet>) => Promise<T> {
  const m = mod as { default?: unknown };
  const f = typeof m.default === 'function' ? m.default : (m.default as { default?: unknown })?.default;
  return (typeof f === 'function' ? f : mod) as (o: ReturnType<typeof quiet>) => Promise<T>;
}

function loadCharls(): Promise<CharlsModule> {
  charls ??= import('@cornerstonejs/codec-charls/decodewasmjs').then((m) =>
    factoryOf<CharlsModule>(m)(quiet()),
  );
  return charls;
}
function loadLibjpeg(): Promise<LibJpegTurboModule> {
  libjpeg ??= import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs').then((m) =>
    factoryOf<LibJpegTurboModule>(m)(quiet()),
  );
  return libjpeg;
}
function loadOpenjpeg(): Promise<OpenJpegModule> {
  openjpeg ??= import('@cornerstonejs/codec-openjpeg/decodewasmjs').then((m) =>
    factoryOf<OpenJpegModule>(m)(quiet()),
  );
  return openjpeg;
}

/** OpenJPH, instantiated once per process (a second instance of its embind module fails to register). */
export function loadOpenjph(): Promise<OpenJphModule> {
  // The package's only build (encoder and decoder); its .wasm is read from the package's dist folder.
  openjph ??= import('@cornerstonejs/codec-openjph').then((m) => factoryOf<OpenJphModule>(m)(quiet()));
  return openjph;
}

function runWasm(
  Decoder: new () => WasmDecoder,
  encoded: Uint8Array,
  name: string,
  maxDecodedBytes: number,
  file: string | undefined,
  convertsColour: boolean,
): DecodedFrame {
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    try {
      decoder.decode();
    } catch (err) {
      throw new MriIoError(
        'DECODE_FAILED',
        `${name} decoder rejected the frame; the pixel data is corrupt or not ${name}`,
        file,
        {
          cause: err,
        },
      );
    }
    const info = decoder.getFrameInfo();
    const decoded = decoder.getDecodedBuffer();
    if (decoded.length > maxDecodedBytes) {
      throw new MriIoError(
        'TOO_LARGE',
        `${name} frame decodes to ${decoded.length} bytes, above maxDecodedBytes`,
        file,
      );
    }
    return {
      bytes: decoded.slice(), // copy out of the WebAssembly heap before the decoder is freed
      width: info.width,
      height: info.height,
      components: info.componentCount,
      bitsPerSample: info.bitsPerSample,
      rgb: convertsColour && info.componentCount === 3,
    };
  } finally {
    decoder.delete();
  }
}

/** Decodes one JPEG-LS frame after `validateJpegLs` has checked its header and its end (see there). */
export async function decodeJpegLs(
  encoded: Uint8Array,
  want: JpegLsExpect,
  file?: string,
): Promise<DecodedFrame & { precision: number }> {
  const frame = validateJpegLs(encoded, want, file);
  const m = await loadCharls();
  const out = runWasm(m.JpegLSDecoder, frame.codestream, 'JPEG-LS', want.maxDecodedBytes, file, false);
  return { ...out, precision: frame.precision };
}

export async function decodeJpeg2000(
  encoded: Uint8Array,
  rows: number,
  columns: number,
  samplesPerPixel: number,
  maxDecodedBytes: number,
  file?: string,
): Promise<DecodedFrame> {
  checkCodestreamSize(j2kSize(encoded), rows, columns, maxDecodedBytes, file);
  checkJ2kMainHeader(encoded, samplesPerPixel, 'JPEG 2000', file);
  const m = await loadOpenjpeg();
  return runWasm(m.J2KDecoder, encoded, 'JPEG 2000', maxDecodedBytes, file, true);
}

/** High-Throughput JPEG 2000 (Part 15): OpenJPH. Its codestream has the same SIZ segment as J2K. */
export async function decodeHtj2k(
  encoded: Uint8Array,
  rows: number,
  columns: number,
  samplesPerPixel: number,
  maxDecodedBytes: number,
  file?: string,
): Promise<DecodedFrame> {
  checkCodestreamSize(j2kSize(encoded), rows, columns, maxDecodedBytes, file);
  checkJ2kMainHeader(encoded, samplesPerPixel, 'HTJ2K', file);
  const m = await loadOpenjph();
  return runWasm(m.HTJ2KDecoder, encoded, 'HTJ2K', maxDecodedBytes, file, false);
}

/** Image size a codestream declares, read from its header before any decoder allocates for it. */
export interface CodestreamSize {
  width: number;
  height: number;
  components: number;
  precision: number;
}

/** JPEG 2000: the SIZ segment after SOC (also inside a JP2 wrapper's codestream box). */
export function j2kSize(encoded: Uint8Array): CodestreamSize | null {
  const limit = Math.min(encoded.length - 44, 4096);
  for (let p = 0; p <= limit; p++) {
    if (
      encoded[p] === 0xff &&
      encoded[p + 1] === 0x4f &&
      encoded[p + 2] === 0xff &&
      encoded[p + 3] === 0x51
    ) {
      const v = new DataView(encoded.buffer, encoded.byteOffset + p + 4);
      return {
        width: v.getUint32(4) - v.getUint32(12),
        height: v.getUint32(8) - v.getUint32(16),
        components: v.getUint16(36),
        precision: (v.getUint8(38) & 0x7f) + 1,
      };
    }
  }
  return null;
}

/**
 * Refuses a codestream whose own header asks for more than `maxDecodedBytes`, or for another
 * size than the DICOM header: the WebAssembly decoders would allocate for it before we see a byte.
 */
export function checkCodestreamSize(
  size: CodestreamSize | null,
  rows: number,
  columns: number,
  maxDecodedBytes: number,
  file?: string,
): void {
  if (!size) throw new MriIoError('DECODE_FAILED', 'the compressed frame has no readable image header', file);
  const bytes = size.width * size.height * size.components * Math.ceil(size.precision / 8);
  if (bytes > maxDecodedBytes) {
    throw new MriIoError(
      'TOO_LARGE',
      `the compressed frame declares ${size.width}x${size.height}x${size.components} samples, above maxDecodedBytes`,
      file,
    );
  }
  if (size.width !== columns || size.height !== rows) {
    throw new MriIoError(
      'DECODE_FAILED',
      `the compressed frame is ${size.width}x${size.height} but the header says ${columns}x${rows} (columns x rows)`,
      file,
    );
  }
}

/** Start-of-frame marker (JPEG SOFn; JPEG-LS SOF55 gives sof 0x37), precision and size, from the stream. */
export function jpegFrameType(encoded: Uint8Array): ({ sof: number } & CodestreamSize) | null {
  let p = 2;
  while (p + 4 < encoded.length) {
    if (encoded[p] !== 0xff) {
      p++;
      continue;
    }
    const m = encoded[p + 1];
    if (m === 0xff) {
      p++;
      continue;
    }
    if ((m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7) {
      return {
        sof: m - 0xc0,
        precision: encoded[p + 4],
        height: (encoded[p + 5] << 8) | encoded[p + 6],
        width: (encoded[p + 7] << 8) | encoded[p + 8],
        components: encoded[p + 9],
      };
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      p += 2;
      continue;
    }
    p += 2 + ((encoded[p + 2] << 8) | encoded[p + 3]);
  }
  return null;
}

/**
 * Any JPEG process 1/2/4/14 frame, routed by its own SOF marker rather than the transfer
 * syntax (some writers label lossless streams as baseline): 8-bit DCT to libjpeg-turbo,
 * 12-bit DCT to our sequential decoder, lossless (SOF3) to jpeg-lossless-decoder-js.
 */
export async function decodeJpegFamily(
  encoded: Uint8Array,
  rows: number,
  columns: number,
  bitsAllocated: number,
  maxDecodedBytes: number,
  file?: string,
): Promise<DecodedFrame> {
  const frame = jpegFrameType(encoded);
  checkCodestreamSize(frame, rows, columns, maxDecodedBytes, file);
  if (!frame) return unreachable();
  if (frame.sof === 3) {
    const { Decoder } = await import('jpeg-lossless-decoder-js');
    const copy = encoded.slice();
    let out: Uint8Array | Uint16Array;
    try {
      out = new Decoder().decode(copy.buffer, 0, copy.length, bitsAllocated > 8 ? 2 : 1);
    } catch (err) {
      throw new MriIoError('DECODE_FAILED', 'JPEG lossless decoder rejected the frame', file, { cause: err });
    }
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    return { bytes, width: 0, height: 0, components: 0, bitsPerSample: frame.precision };
  }
  if ((frame.sof === 0 || frame.sof === 1) && frame.precision === 12) {
    const img = decodeJpegSequential(encoded, file);
    const bytes = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
    return { bytes, width: img.width, height: img.height, components: img.components, bitsPerSample: 12 };
  }
  if (frame.precision !== 8) {
    throw new MriIoError(
      'UNSUPPORTED_PIXEL_FORMAT',
      `JPEG SOF${frame.sof} with ${frame.precision}-bit samples is not supported`,
      file,
    );
  }
  const m = await loadLibjpeg();
  return runWasm(m.JPEGDecoder, encoded, 'JPEG', maxDecodedBytes, file, true);
}

function unreachable(): never {
  throw new Error('checkCodestreamSize refuses a missing frame header');
}
