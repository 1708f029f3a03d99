import { invalidParameter, PreprocessError } from './errors.js';
import { assertImage, type Image2D } from './image.js';

/** Luma weights for R, G, B. */
export type LumaStandard = 'bt601' | 'bt709';

const LUMA: Record<LumaStandard, readonly [number, number, number]> = {
  // ITU-R BT.601 (the weights of PIL's convert('L') and of the study's grayscale step).
  bt601: [0.299, 0.587, 0.114],
  // ITU-R BT.709 (HDTV primaries).
  bt709: [0.2126, 0.7152, 0.0722],
};

export interface GrayscaleOptions {
  /** Default `bt601`. */
  standard?: LumaStandard;
}

/**
 * Grayscale from RGB (3 channels) or RGBA (4; alpha is ignored) as `wr R + wg G + wb B`, each
 * product and partial sum rounded to float32 as NumPy's float32 `rgb @ w` does. A 1-channel image
 * is already gray and comes back as a copy. Value range: that of the input.
 */
export function grayscale(img: Image2D, options: GrayscaleOptions = {}): Image2D {
  assertImage(img);
  const standard = options.standard ?? 'bt601';
  if (!(standard in LUMA)) throw invalidParameter('standard', standard, 'bt601 or bt709');
  const { height, width, channels, data } = img;
  if (channels === 1) return { data: data.slice(), height, width, channels: 1 };
  if (channels !== 3 && channels !== 4) {
    throw new PreprocessError(
      'UNSUPPORTED_CHANNELS',
      `grayscale needs 1, 3 (RGB) or 4 (RGBA) channels, got ${channels}`,
    );
  }
  const f = Math.fround;
  const [wr, wg, wb] = LUMA[standard].map(f);
  const n = height * width;
  const out = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    out[i] = f(f(f(data[j] * wr) + f(data[j + 1] * wg)) + f(data[j + 2] * wb));
  }
  return { data: out, height, width, channels: 1 };
}

/** Copies a 1-channel image into `channels` identical channels (gray -> RGB network input). */
export function replicateChannels(img: Image2D, channels = 3): Image2D {
  assertImage(img);
  if (img.channels !== 1) {
    throw new PreprocessError(
      'UNSUPPORTED_CHANNELS',
      `replicateChannels needs 1 channel, got ${img.channels}`,
    );
  }
  if (!Number.isInteger(channels) || channels < 1)
    throw invalidParameter('channels', channels, 'a positive integer');
  const n = img.height * img.width;
  const out = new Float32Array(n * channels);
  const src = img.data;
  for (let i = 0; i < n; i++) {
    const v = src[i];
    for (let c = 0; c < channels; c++) out[i * channels + c] = v;
  }
  return { data: out, height: img.height, width: img.width, channels };
}
