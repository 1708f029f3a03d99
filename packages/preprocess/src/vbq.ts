import type { Image2D } from './image.js';
/**
 * Vertebral bone quality score (Ehresman et al., Spine J 2020): median T1 signal of the L1-L4
 * vertebral bodies divided by the CSF signal at L3. Higher = fattier marrow = lower bone density.
 */

/** A one-channel crop: preprocess's `Image2D` without the channel count. */
export type Region = Pick<Image2D, 'data' | 'width' | 'height'>;

function median(values: Float32Array | number[]): number {
  const a = Float64Array.from(values).sort();
  const n = a.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? (a[(n - 1) / 2] as number) : 0.5 * ((a[n / 2 - 1] as number) + (a[n / 2] as number));
}

/** Median of a centred sub-box covering `fraction` of each side (keeps cortex, endplates and ROI margins out). */
export function centralMedian(region: Region, fraction = 0.5): number {
  const w = Math.max(1, Math.round(region.width * fraction));
  const h = Math.max(1, Math.round(region.height * fraction));
  const x0 = Math.floor((region.width - w) / 2);
  const y0 = Math.floor((region.height - h) / 2);
  const vals = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) vals[y * w + x] = region.data[(y0 + y) * region.width + x0 + x] as number;
  return median(vals);
}

export function regionMedian(region: Region): number {
  return median(region.data);
}

/** VBQ from per-level marrow medians and the L3 CSF median; NaN when CSF is missing or not positive. */
export function vbqScore(marrowByLevel: number[], csfL3: number): number {
  if (!(csfL3 > 0) || marrowByLevel.length === 0) return Number.NaN;
  return median(marrowByLevel) / csfL3;
}
