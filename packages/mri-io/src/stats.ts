export interface ValueStats {
  min: number;
  max: number;
  sum: number;
  mean: number;
  /** Values that are NaN or +-Infinity; they are left out of min/max/sum/mean. */
  nanCount: number;
}

/**
 * min / max / sum / mean over finite values in float64, after an optional linear map
 * `v * slope + intercept` done in float64 (how pydicom's modality LUT and nibabel's
 * scl_slope/scl_inter are applied). NaN and infinities are counted in `nanCount`.
 * When no value is finite, min/max/mean are NaN and sum is 0.
 */
export function computeStats(values: ArrayLike<number>, slope = 1, intercept = 0): ValueStats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let nanCount = 0;
  const identity = slope === 1 && intercept === 0;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = identity ? values[i] : values[i] * slope + intercept;
    if (v - v !== 0) {
      nanCount++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const finite = n - nanCount;
  if (finite === 0) return { min: Number.NaN, max: Number.NaN, sum: 0, mean: Number.NaN, nanCount };
  return { min, max, sum, mean: sum / finite, nanCount };
}
