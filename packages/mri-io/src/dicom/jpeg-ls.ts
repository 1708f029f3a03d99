import { MriIoError } from '../errors.js';

/** What the DICOM header says a JPEG-LS frame must hold. */
export interface JpegLsExpect {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  maxDecodedBytes: number;
}

/** The frame a JPEG-LS codestream declares (SOF55), and the codestream up to and including EOI. */
export interface JpegLsFrame {
  precision: number;
  width: number;
  height: number;
  components: number;
  /** The codestream cut after its EOI marker (trailing fragment padding dropped). */
  codestream: Uint8Array;
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const SOF55 = 0xf7;
const SOF57 = 0xf9; // JPEG-LS extended (ISO 14495-2): CharLS does not decode it

function fail(code: 'DECODE_FAILED' | 'TRUNCATED' | 'TOO_LARGE', message: string, file?: string): never {
  throw new MriIoError(code, `JPEG-LS: ${message}`, file);
}

/**
 * Walks a JPEG-LS codestream's markers (ITU-T T.87 annex C) and checks, before CharLS sees a
 * byte, that its frame header agrees with the DICOM header, fits under `maxDecodedBytes`, that
 * every marker segment fits in the fragment and that the stream ends with EOI.
 *
 * CharLS spends tens of seconds (synchronously, inside WebAssembly) on a stream that stops
 * without EOI partway through its scan data, then fails anyway; a stream that has passed this
 * walk is refused by CharLS within milliseconds when its scan data is corrupt.
 */
export function validateJpegLs(encoded: Uint8Array, want: JpegLsExpect, file?: string): JpegLsFrame {
  const n = encoded.length;
  if (n < 4 || encoded[0] !== 0xff || encoded[1] !== SOI)
    fail('DECODE_FAILED', 'the frame does not start with SOI', file);
  const u16 = (p: number) => (encoded[p] << 8) | encoded[p + 1];
  let frame: Omit<JpegLsFrame, 'codestream'> | null = null;
  let scans = 0;
  let p = 2;
  for (;;) {
    if (p + 2 > n)
      fail(
        'TRUNCATED',
        `the codestream ends at byte ${n} without its EOI marker; the frame was cut short`,
        file,
      );
    if (encoded[p] !== 0xff)
      fail('DECODE_FAILED', `expected a marker at byte ${p}, found 0x${encoded[p].toString(16)}`, file);
    const m = encoded[p + 1];
    if (m === 0xff) {
      p++; // fill byte
      continue;
    }
    if (m === EOI) {
      if (!frame || scans === 0) fail('DECODE_FAILED', 'EOI before any frame or scan', file);
      return { ...frame, codestream: encoded.subarray(0, p + 2) };
    }
    if (p + 4 > n) fail('TRUNCATED', `the codestream ends inside marker 0xFF${m.toString(16)}`, file);
    const len = u16(p + 2);
    if (len < 2 || p + 2 + len > n) {
      fail(
        'TRUNCATED',
        `marker segment 0xFF${m.toString(16).toUpperCase()} at byte ${p} declares ${len} bytes, past the end of the frame (${n})`,
        file,
      );
    }
    const seg = p + 4;
    if (m === SOF57) fail('DECODE_FAILED', 'JPEG-LS extended (SOF57) is not supported', file);
    if (m === SOF55) {
      if (frame) fail('DECODE_FAILED', 'a second frame header (SOF55)', file);
      frame = checkFrame(encoded, seg, len, want, file);
    } else if (m === SOS) {
      if (!frame) fail('DECODE_FAILED', 'a scan (SOS) before the frame header (SOF55)', file);
      checkScan(encoded, seg, len, frame.components, file);
      scans++;
      p = endOfScanData(encoded, p + 2 + len);
      if (p >= n)
        fail(
          'TRUNCATED',
          `the scan data runs to the end of the frame (${n} bytes) without an EOI marker; the frame was cut short`,
          file,
        );
      continue;
    }
    p += 2 + len;
  }
}

function checkFrame(
  b: Uint8Array,
  seg: number,
  len: number,
  want: JpegLsExpect,
  file?: string,
): Omit<JpegLsFrame, 'codestream'> {
  const components = b[seg + 5];
  if (len !== 8 + 3 * components || components === 0) {
    fail('DECODE_FAILED', `frame header length ${len} does not match its ${components} component(s)`, file);
  }
  const precision = b[seg];
  const height = (b[seg + 1] << 8) | b[seg + 2];
  const width = (b[seg + 3] << 8) | b[seg + 4];
  const bytes = width * height * components * (precision > 8 ? 2 : 1);
  if (bytes > want.maxDecodedBytes) {
    fail(
      'TOO_LARGE',
      `the frame declares ${width}x${height}x${components} samples, above maxDecodedBytes`,
      file,
    );
  }
  if (precision < 2 || precision > 16)
    fail('DECODE_FAILED', `sample precision ${precision} is not 2..16 bits`, file);
  if (precision > want.bitsAllocated) {
    fail('DECODE_FAILED', `${precision}-bit samples do not fit BitsAllocated ${want.bitsAllocated}`, file);
  }
  if (width !== want.columns || height !== want.rows) {
    fail(
      'DECODE_FAILED',
      `the frame is ${width}x${height} but the header says ${want.columns}x${want.rows} (columns x rows)`,
      file,
    );
  }
  if (components !== want.samplesPerPixel) {
    fail(
      'DECODE_FAILED',
      `the frame has ${components} component(s) but SamplesPerPixel is ${want.samplesPerPixel}`,
      file,
    );
  }
  return { precision, width, height, components };
}

function checkScan(b: Uint8Array, seg: number, len: number, components: number, file?: string): void {
  const ns = b[seg];
  if (ns < 1 || ns > components || len !== 6 + 2 * ns) {
    fail(
      'DECODE_FAILED',
      `scan header for ${ns} component(s) (length ${len}) does not fit a ${components}-component frame`,
      file,
    );
  }
  const ilv = b[seg + 1 + 2 * ns + 1];
  if (ilv > 2) fail('DECODE_FAILED', `interleave mode ${ilv} is not 0, 1 or 2`, file);
}

/**
 * Index of the first marker after entropy-coded data from `p` (0xFF then a byte >= 0x80; in
 * JPEG-LS a 0xFF in scan data is followed by a stuffed 0 bit), or `b.length`. Restart markers
 * (RST0-7) belong to the scan data and are skipped.
 */
function endOfScanData(b: Uint8Array, p: number): number {
  for (let i = p; i + 1 < b.length; i++) {
    if (b[i] === 0xff && b[i + 1] >= 0x80 && !(b[i + 1] >= 0xd0 && b[i + 1] <= 0xd7)) return i;
  }
  return b.length;
}
