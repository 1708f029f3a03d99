// One intensity window per series: robust low/high percentiles of the central slices, so the
// network sees values in [0, 1] whatever the scanner's scale (8-bit resamples, 12-bit DICOM).
import type { Slice2D } from '@op-screen/mri-io';

export interface IntensityWindow {
  low: number;
  high: number;
}

/** The 0.5th and 99.5th percentiles over the central half of the slices (subsampled). */
export function intensityWindow(slices: readonly Slice2D[]): IntensityWindow {
  const n = slices.length;
  const from = Math.floor(n / 4);
  const to = Math.max(from + 1, Math.ceil((3 * n) / 4));
  const values: number[] = [];
  for (let k = from; k < to && k < n; k++) {
    const d = slices[k].data;
    const step = Math.max(1, Math.floor(d.length / 20000));
    for (let i = 0; i < d.length; i += step) {
      const v = d[i];
      if (Number.isFinite(v)) values.push(v);
    }
  }
  if (values.length === 0) return { low: 0, high: 1 };
  values.sort((a, b) => a - b);
  const q = (p: number) =>
    values[Math.min(values.length - 1, Math.max(0, Math.round(p * (values.length - 1))))];
  return { low: q(0.005), high: q(0.995) };
}

export function normalise(v: number, w: IntensityWindow): number {
  const span = w.high - w.low;
  if (!(span > 0)) return 0;
  const x = (v - w.low) / span;
  return Math.min(1, Math.max(0, x));
}
