import { MriIoError } from '../errors.js';
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

const quiet = { print: () => {}, printErr: () => {} };

// The WebAssembly codecs are loaded on first use only (each costs tens of milliseconds and a few
// MB), so reading uncompressed or RLE files never touches them.
let charls: Promise<CharlsModule> | undefined;
let libjpeg: Promise<LibJpegTurboModule> | undefined;
let openjpeg: Promise<OpenJpegModule> | undefined;

function factoryOf<T>(mod: unknown): (o: typeof quiet) => Promise<T> {
  const m = mod as { default?: unknown };
  const f = typeof m.default === 'function' ? m.default : (m.default as { default?: unknown })?.default;
  return (typeof f === 'function' ? f : mod) as (o: typeof quiet) => Promise<T>;
}

function loadCharls(): Promise<CharlsModule> {
  charls ??= import('@cornerstonejs/codec-charls/decodewasmjs').then((m) =>
    factoryOf<CharlsModule>(m)(quiet),
  );
  return charls;
}
function loadLibjpeg(): Promise<LibJpegTurboModule> {
  libjpeg ??= import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs').then((m) =>
    factoryOf<LibJpegTurboModule>(m)(quiet),
  );
  return libjpeg;
}
function loadOpenjpeg(): Promise<OpenJpegModule> {
  openjpeg ??= import('@cornerstonejs/codec-openjpeg/decodewasmjs').then((m) =>
    factoryOf<OpenJpegModule>(m)(quiet),
  );
  return openjpeg;
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

export async function decodeJpegLs(
  encoded: Uint8Array,
  maxDecodedBytes: number,
  file?: string,
): Promise<DecodedFrame> {
  const m = await loadCharls();
  return runWasm(m.JpegLSDecoder, encoded, 'JPEG-LS', maxDecodedBytes, file, false);
}

export async function decodeJpeg2000(
  encoded: Uint8Array,
  maxDecodedBytes: number,
  file?: string,
): Promise<DecodedFrame> {
  const m = await loadOpenjpeg();
  return runWasm(m.J2KDecoder, encoded, 'JPEG 2000', maxDecodedBytes, file, true);
}

/** Start-of-frame marker type and sample precision, read from the JPEG stream. */
export function jpegFrameType(encoded: Uint8Array): { sof: number; precision: number } | null {
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
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return { sof: m - 0xc0, precision: encoded[p + 4] };
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
  bitsAllocated: number,
  maxDecodedBytes: number,
  file?: string,
): Promise<DecodedFrame> {
  const frame = jpegFrameType(encoded);
  if (!frame) throw new MriIoError('DECODE_FAILED', 'JPEG stream has no start-of-frame marker', file);
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
