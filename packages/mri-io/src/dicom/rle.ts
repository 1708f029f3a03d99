import { MriIoError } from '../errors.js';

/**
 * Decodes one DICOM RLE Lossless frame (PS3.5 annex G) to interleaved little-endian samples.
 *
 * The frame starts with a 64-byte header: the segment count and up to 15 segment offsets.
 * Segment k holds byte plane k: for each sample, its bytes from most to least significant,
 * each PackBits-encoded over rows*columns pixels. Output: `bytesPerSample * samples` bytes per
 * pixel, samples interleaved (planar configuration 0), each sample little endian.
 */
export function decodeRleFrame(
  frame: Uint8Array,
  rows: number,
  columns: number,
  samplesPerPixel: number,
  bitsAllocated: number,
  file?: string,
): Uint8Array {
  const pixels = rows * columns;
  const bytesPerSample = bitsAllocated / 8;
  const segments = samplesPerPixel * bytesPerSample;
  if (frame.length < 64)
    throw new MriIoError('TRUNCATED', 'RLE frame is shorter than its 64-byte header', file);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = view.getUint32(0, true);
  if (count !== segments) {
    throw new MriIoError(
      'DECODE_FAILED',
      `RLE frame has ${count} segments, expected ${segments} for ${samplesPerPixel} sample(s) of ${bitsAllocated} bits`,
      file,
    );
  }
  const out = new Uint8Array(pixels * segments);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || end < start) {
      throw new MriIoError('TRUNCATED', `RLE segment ${s} lies outside the frame (offset ${start})`, file);
    }
    unpackBits(frame, start, end, plane, file);
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // segment order is MSB first
    const stride = segments;
    let o = sample * bytesPerSample + byteInSample;
    for (let i = 0; i < pixels; i++, o += stride) out[o] = plane[i];
  }
  return out;
}

function unpackBits(src: Uint8Array, start: number, end: number, dst: Uint8Array, file?: string): void {
  let i = start;
  let o = 0;
  const n = dst.length;
  while (o < n && i < end) {
    const h = src[i++];
    if (h < 128) {
      const len = h + 1;
      if (i + len > end) break;
      dst.set(src.subarray(i, i + len).subarray(0, Math.min(len, n - o)), o);
      o += len;
      i += len;
    } else if (h > 128) {
      const len = 257 - h;
      if (i >= end) break;
      dst.fill(src[i++], o, Math.min(n, o + len));
      o += len;
    }
  }
  if (o < n) throw new MriIoError('TRUNCATED', `RLE segment decodes to ${o} of ${n} bytes`, file);
}
