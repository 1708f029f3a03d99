import { MriIoError } from '../errors.js';

/**
 * Checks the main header of a JPEG 2000 / HTJ2K codestream (ISO/IEC 15444-1 annex A: SIZ and
 * COD) for values that are out of range or that this reader cannot use, before OpenJPEG or OpenJPH
 * sees it. A fuzzed SIZ (a component subsampling of 139) kept OpenJPH's decode spinning for
 * minutes; every value checked here has a small legal range, so a refusal costs nothing.
 *
 * Only the main header (SOC up to the first SOT) is walked; `encoded` may also be a JP2 file,
 * whose codestream box is found by its SOC+SIZ signature.
 */
export function checkJ2kMainHeader(
  encoded: Uint8Array,
  samplesPerPixel: number,
  name: string,
  file?: string,
): void {
  const fail = (message: string): never => {
    throw new MriIoError('DECODE_FAILED', `${name}: ${message}`, file);
  };
  const start = findSoc(encoded);
  if (start < 0) fail('no SOC + SIZ marker pair in the first 4 KiB of the frame');
  const n = encoded.length;
  const u16 = (p: number) => (encoded[p] << 8) | encoded[p + 1];
  const u32 = (p: number) => u16(p) * 0x10000 + u16(p + 2);
  let p = start + 2;
  let sawCod = false;
  while (p + 4 <= n) {
    const marker = u16(p);
    if (marker === 0xff90 || marker === 0xff93) break; // SOT / SOD: the main header is over
    if ((marker & 0xff00) !== 0xff00) fail(`expected a marker at byte ${p - start} of the codestream`);
    const len = u16(p + 2);
    if (len < 2 || p + 2 + len > n)
      fail(`marker 0x${marker.toString(16)} declares ${len} bytes, past the end of the frame`);
    const s = p + 4;
    if (marker === 0xff51) {
      const csiz = u16(s + 34);
      if (len !== 38 + 3 * csiz) fail(`SIZ length ${len} does not match its ${csiz} component(s)`);
      if (csiz !== samplesPerPixel) fail(`${csiz} component(s) but SamplesPerPixel is ${samplesPerPixel}`);
      const [xsiz, ysiz, xo, yo, xt, yt, xto, yto] = [0, 4, 8, 12, 16, 20, 24, 28].map((k) => u32(s + 2 + k));
      if (!(xo < xsiz && yo < ysiz)) fail('the image offset lies outside the image');
      if (!(xt > 0 && yt > 0 && xto <= xo && yto <= yo && xt + xto > xo && yt + yto > yo))
        fail('invalid tile grid');
      const tiles = Math.ceil((xsiz - xto) / xt) * Math.ceil((ysiz - yto) / yt);
      if (tiles > 65535) fail(`${tiles} tiles, more than a codestream may have (65535)`);
      for (let c = 0; c < csiz; c++) {
        const precision = (encoded[s + 36 + 3 * c] & 0x7f) + 1;
        const xr = encoded[s + 37 + 3 * c];
        const yr = encoded[s + 38 + 3 * c];
        if (precision > 16) fail(`component ${c} has ${precision}-bit samples (at most 16 are read)`);
        if (xr !== 1 || yr !== 1)
          fail(`component ${c} is subsampled ${xr}x${yr}; only full-resolution components are read`);
      }
    } else if (marker === 0xff52) {
      sawCod = true;
      if (len < 12) fail(`COD length ${len} is too short`);
      const progression = encoded[s + 1];
      const layers = u16(s + 2);
      const levels = encoded[s + 5];
      const xcb = encoded[s + 6] & 0x0f;
      const ycb = encoded[s + 7] & 0x0f;
      if (progression > 4) fail(`progression order ${progression} is not 0..4`);
      if (layers === 0) fail('zero quality layers');
      if (levels > 32) fail(`${levels} decomposition levels (at most 32)`);
      if (xcb > 8 || ycb > 8 || xcb + ycb > 8)
        fail(`code-block size 2^${xcb + 2} x 2^${ycb + 2} is not allowed`);
      if (encoded[s + 9] > 1) fail(`wavelet transform ${encoded[s + 9]} is not 0 or 1`);
    }
    p += 2 + len;
  }
  if (!sawCod) fail('the main header has no COD marker segment');
}

function findSoc(b: Uint8Array): number {
  const limit = Math.min(b.length - 4, 4096);
  for (let p = 0; p <= limit; p++) {
    if (b[p] === 0xff && b[p + 1] === 0x4f && b[p + 2] === 0xff && b[p + 3] === 0x51) return p;
  }
  return -1;
}
